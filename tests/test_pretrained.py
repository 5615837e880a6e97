"""The shipped models: each file matches its recorded SHA-256, loads as its class, and keeps its quality."""
import shutil
import subprocess
import sys

import pytest
import torch

from course_lib import checkpoints, features, metrics, pretrained
from course_lib.data import load_digits, load_names

# What the shipped weights reach on the test splits (benchmarks/autoregressive_quality.py prints them).
QUALITY = {"names-mlp": (2.18, 2.21), "names-transformer": (2.12, 2.14)}
PIXEL_TARGET = 85.0  # nats per test digit (issue 11)


@pytest.mark.parametrize("name", list(pretrained.SHIPPED))
def test_every_shipped_file_has_its_recorded_digest_and_loads_in_eval_mode(name):
    digest = pretrained.SHIPPED[name][3]
    assert isinstance(digest, str) and len(digest) == 64
    assert checkpoints.sha256(pretrained.path(name)) == digest
    model = pretrained.load(name)
    assert isinstance(model, pretrained.model_class(name)) and not model.training
    assert pretrained.path(name).stat().st_size < 4 * 2**20  # a few MB at most


@pytest.mark.parametrize("name", list(QUALITY))
def test_shipped_name_models_keep_their_test_loss(name):
    low, high = QUALITY[name]
    assert low <= pretrained.load(name).loss(load_names("test", "last")).item() <= high


def test_the_shipped_pixel_model_reaches_its_test_likelihood():
    x_test, _ = load_digits("test")
    assert -pretrained.load("digits-pixels").log_prob(x_test).mean().item() <= PIXEL_TARGET


@pytest.mark.parametrize("name", [name for name in pretrained.SHIPPED if name.startswith("digits-gan-")])
def test_the_shipped_gans_sample_like_test_digits(name):
    real = features.embed(load_digits("test")[0])
    fake = features.embed(pretrained.load(name).sample(1000, generator=torch.Generator().manual_seed(0)).clamp(0, 16))
    assert metrics.fid(real, fake) < 40  # 31-36 for the three seeds (chapter 7)
    assert metrics.precision_recall(real, fake[:len(real)])[1] > 0.75  # recall 0.82-0.87


def test_a_changed_file_is_refused(tmp_path, monkeypatch):
    copy = tmp_path / "names-mlp.pt"
    shutil.copy(pretrained.path("names-mlp"), copy)
    with open(copy, "ab") as handle:
        handle.write(b"\0")
    monkeypatch.setattr(pretrained, "FOLDER", tmp_path)
    with pytest.raises(ValueError, match=r"SHA-256 is [0-9a-f]{64}, expected .*python -m course_lib.pretrained build names-mlp --out DIR"):
        pretrained.load("names-mlp")


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match=r"^name must be one of \['names-mlp', .*\], got 'gpt'$"):
        pretrained.load("gpt")


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "course_lib.pretrained", *args], capture_output=True, text=True)


def test_the_command_line_lists_and_refuses_in_one_line(tmp_path):
    listed = _cli("list")
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) == len(pretrained.SHIPPED)
    unknown = _cli("build", "gpt", "--out", str(tmp_path))
    assert unknown.returncode == 2 and len(unknown.stderr.splitlines()) == 1
    assert unknown.stderr.startswith("python -m course_lib.pretrained: error: argument name: invalid choice: 'gpt'")
    (tmp_path / "names-mlp.pt").write_bytes(b"mine")
    refused = _cli("build", "names-mlp", "--out", str(tmp_path))
    assert refused.returncode == 2 and refused.stderr.strip().endswith("exists; choose another --out")
    assert (tmp_path / "names-mlp.pt").read_bytes() == b"mine"  # never overwritten
