"""Chapter 9's shipped results: the file is what the script writes, and its tables read it right."""
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib import _results, ethics
from course_lib.ethics import tables

SMALL = Path(__file__).parent / "data" / "ethics-small.json"


@pytest.fixture(scope="module")
def small_results():
    return {name: ethics.run(name, small=True) for name in ethics.REPEATABLE}


def test_the_script_regenerates_the_small_file_bit_for_bit(small_results):
    expected = SMALL.read_bytes().decode().splitlines()
    found = _results.dumps(small_results).decode().splitlines()
    assert len(found) == len(expected)
    for name, line, reference in zip(["{"] + ethics.REPEATABLE + ["}"], found, expected):
        assert line == reference, f"section {name} differs from {SMALL.name}: rerun `python benchmarks/ethics.py " \
                                  f"--small --write tests/data/ethics-small.json` only if the change is intended"


def test_the_shipped_file_has_its_digest_every_section_and_the_full_sizes():
    results = ethics.load()
    assert hashlib.sha256(ethics.PATH.read_bytes()).hexdigest() == ethics.RESULTS_SHA256
    assert list(results) == list(ethics.SECTIONS)
    seeds, dp_seeds = list(range(ethics.FULL["seeds"])), list(range(ethics.FULL["dp_seeds"]))
    membership = results["membership"]
    assert list(membership["sizes"]) == [str(n) for n in ethics.MEMBER_EPOCHS]
    assert all([run["seed"] for run in runs] == seeds for runs in membership["sizes"].values())
    assert list(membership["dp"]) == ["no DP"] + [f"sigma {s:g}" for s in ethics.NOISE]
    assert all([run["seed"] for run in runs] == dp_seeds for runs in membership["dp"].values())
    assert [runs[0]["n"] for runs in results["names"].values()] == list(ethics.NAME_SIZES)
    assert list(results["detection"]["families"]) == list(ethics.DETECTED_FAMILIES)
    assert len(results["bias"]) == len(ethics.BIAS_SETTINGS) * ethics.FULL["seeds"]
    assert [row["name"] for row in results["cost"]] == list(ethics.COSTED)


def test_a_damaged_file_is_refused_with_the_command_that_rebuilds_it(tmp_path, monkeypatch):
    damaged = tmp_path / "results.json"
    damaged.write_bytes(ethics.PATH.read_bytes().replace(b"{", b"{ ", 1))
    monkeypatch.setattr(ethics, "PATH", damaged)
    with pytest.raises(ValueError, match="SHA-256 .* benchmarks/ethics.py --write"):
        ethics.load()


def test_a_section_name_is_refused():
    with pytest.raises(ValueError, match="section"):
        ethics.run("privacy")


def test_the_small_file_is_valid_json_with_the_repeatable_sections():
    assert list(json.loads(SMALL.read_text())) == ethics.REPEATABLE


def test_the_script_refuses_a_missing_folder_in_one_line():
    command = [sys.executable, "benchmarks/ethics.py", "--small", "--write", "/no/such/folder/x.json"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert done.returncode == 2 and "does not exist" in done.stderr and len(done.stderr.splitlines()) == 1


def test_per_name_ratio_compares_a_training_name_with_an_unseen_one():
    # 50% of samples among 100 training names, 1% among 1,000 unseen: each training name 500x likelier
    assert tables.per_name_ratio({"n": 100, "copies": 0.5, "held_out": 0.01}, 1000) == pytest.approx(500)
    assert tables.per_name_ratio({"n": 100, "copies": 0.5, "held_out": 0.0}, 1000) is None


def test_energy_is_seconds_times_threads_times_the_stated_power():
    assert tables.energy_wh({"seconds": 360.0, "threads": 2}, watts=10) == pytest.approx(2.0)


def test_tables_summarise_runs_over_seeds():
    runs = [{"auc": a, "auc_low": a - 0.1, "auc_high": a + 0.05, "train_nll": 90.0, "test_nll": 110.0,
             "epsilon": None, "nearest_sample": 2.0, "nearest_held_out": 9.0} for a in (0.9, 0.7, 0.8)]
    row = tables.membership({"n = 50": runs}).splitlines()[2]
    assert row == "| n = 50 | 0.800 (0.700 to 0.900) | 0.800 to 0.950 | 90.0 (90.0 to 90.0) | 110.0 (110.0 to 110.0) " \
                  "| - | 2.0 (2.0 to 2.0) | 9.0 (9.0 to 9.0) |"
    bias = [{"family": "VAE", "keep": 0.1, "remedy": None, "train_share": 0.011, "sample_share": s}
            for s in (0.02, 0.04)]
    assert tables.bias(bias).splitlines()[2] == "| VAE | 10% | - | 0.011 | 0.030 (0.020 to 0.040) |"
    edits = {"edits": [{"share": 0.25, "z": [5.0, 3.0, 4.5, 1.0]}]}
    assert tables.edits(edits).splitlines()[2] == "| 25% | 3.75 | 50% |"
