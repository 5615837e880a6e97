"""Chapter 8's shipped sweep results: the file is what the script writes, and its tables read it right."""
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib import challenges, data, gan
from course_lib.challenges import tables

SMALL = Path(__file__).parent / "data" / "challenges-small.json"


@pytest.fixture(scope="module")
def small_results():
    return {name: challenges.run(name, small=True) for name in challenges.REPEATABLE}


def test_the_script_regenerates_the_small_file_bit_for_bit(small_results):
    expected = SMALL.read_bytes().decode().splitlines()
    found = challenges.dumps(small_results).decode().splitlines()
    assert len(found) == len(expected)
    for name, line, reference in zip(["{"] + challenges.REPEATABLE + ["}"], found, expected):
        assert line == reference, f"section {name} differs from {SMALL.name}: rerun `python benchmarks/challenges.py " \
                                  f"--small --write tests/data/challenges-small.json` only if the change is intended"


def test_the_shipped_file_has_its_digest_every_section_and_the_full_sizes():
    results = challenges.load()
    assert hashlib.sha256(challenges.PATH.read_bytes()).hexdigest() == challenges.RESULTS_SHA256
    assert list(results) == list(challenges.SECTIONS)
    full = challenges.FULL
    for dataset, settings in (("ring", challenges.RING_SETTINGS), ("grid", challenges.GRID_SETTINGS)):
        assert list(results["mode_collapse"][dataset]) == list(settings)
        for runs in results["mode_collapse"][dataset].values():
            assert [run["seed"] for run in runs] == list(range(full["seeds"]))
            assert all(len(run["counts"]) == len(data.mode_centres(dataset)) for run in runs)
    grid = results["learning_rates"]["runs"]
    assert len(grid) == len(grid[0]) == len(challenges.LEARNING_RATES)
    assert all(len(cell) == full["lr_seeds"] for row in grid for cell in row)
    replay = results["replay"]["both 1e-3"]
    assert replay["snapshot_steps"][-1] == full["replay_steps"] and len(replay["snapshots"][0]) == 200
    assert len(results["posterior_collapse"]) == full["vae_seeds"] * len(challenges.BETAS) * (
        len(challenges.FREE_BITS) + len(challenges.WARMUPS))
    assert len(results["scaling"]) == len(challenges.scaling.SIDES) * len(challenges.scaling.FAMILIES)


def test_a_damaged_file_is_refused_with_the_command_that_rebuilds_it(tmp_path, monkeypatch):
    damaged = tmp_path / "results.json"
    damaged.write_bytes(challenges.PATH.read_bytes().replace(b"{", b"{ ", 1))
    monkeypatch.setattr(challenges, "PATH", damaged)
    with pytest.raises(ValueError, match="SHA-256 .* benchmarks/challenges.py --write"):
        challenges.load()


def test_a_section_name_and_a_double_remedy_are_refused_before_any_training():
    with pytest.raises(ValueError, match="section"):
        challenges.run("mode collapse")
    with pytest.raises(ValueError, match="free bits or KL annealing, not both"):
        challenges.vae_runs.collapse_run(4.0, 0.5, 300, seed=0)


def test_success_is_covering_every_mode():
    assert tables.succeeded({"modes": 8, "near": 0.1})
    assert not tables.succeeded({"modes": 7, "near": 0.9})
    assert tables.succeeded({"modes": 25}, "grid") and not tables.succeeded({"modes": 8}, "grid")


def test_spread_is_median_and_range():
    assert tables.spread([3, 1, 2, 10]) == "2.50 (1.00 to 10.00)"
    assert tables.spread([5], 0) == "5 (5 to 5)"
    with pytest.raises(ValueError, match="values"):
        tables.spread([])


def test_tables_count_collapsed_seeds_and_success_rates():
    runs = [{"modes": m, "near": 0.6, "precision": 0.9, "recall": 0.5} for m in (8, 6, 8, 3)]
    table = tables.toy_runs({"a setting": runs}, "ring").splitlines()
    assert table[2].startswith("| a setting | 7 (3 to 8) | 2 of 4 | 0.60 (0.60 to 0.60)")
    section = {"rates": [1e-3, 1e-2], "runs": [[runs, runs[:1]], [runs[1:2], runs[:3]]]}
    assert tables.learning_rates(section).splitlines()[2:] == ["| 0.001 | 0.50 | 1.00 |", "| 0.01 | 0.00 | 0.67 |"]


def test_digit_class_table_reads_the_second_half_of_training():
    counts = [[100] + [0] * 9, [10] * 10, [50, 50] + [0] * 8, [0, 90, 10] + [0] * 7]
    row = tables.digit_classes({"hops": [{"seed": 0, "steps": [1, 2, 3, 4], "counts": counts}]}).splitlines()[2]
    # late snapshots: largest shares 0.5 and 0.9, classes >= 5%: 2 and 2, the leader changes from 0 to 1 once
    assert row == "| hops | 0.70 (0.50 to 0.90) | 2 (2 to 2) | 1 (1 to 1) |"


def test_the_script_refuses_a_missing_folder_in_one_line():
    command = [sys.executable, "benchmarks/challenges.py", "--small", "--write", "/no/such/folder/x.json"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert done.returncode == 2 and "does not exist" in done.stderr and len(done.stderr.splitlines()) == 1


def test_the_small_file_is_valid_json_with_the_repeatable_sections():
    assert list(json.loads(SMALL.read_text())) == challenges.REPEATABLE


def test_a_scaling_row_times_a_pass_and_measures_memory_in_a_fresh_process():
    row = challenges.scaling.row("GAN", 8)
    assert row["parameters"] == sum(p.numel() for p in gan.GAN(gan.DIGITS).parameters())
    assert row["train_seconds"] > 0 and row["sample_seconds"] > 0 and row["sampled"] == 100
    assert row["memory_mib"] > 1  # a pass allocates activations and Adam's state; 0 was the old inherited maximum
    with pytest.raises(ValueError, match="family"):
        challenges.scaling.row("flow", 8)
    with pytest.raises(ValueError, match="side"):
        challenges.scaling.row("GAN", 12)
