import random

import numpy as np
import pytest
import torch

from course_lib import runtime


def test_setup_seeds_every_generator(capsys):
    runtime.setup(seed=7, threads=1)
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    runtime.setup(seed=7, threads=1, quiet=True)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first
    assert "seed=7, device=" in capsys.readouterr().out


def test_setup_sets_thread_count_and_returns_device():
    previous = torch.get_num_threads()
    try:
        chosen = runtime.setup(threads=1, quiet=True)
        assert torch.get_num_threads() == 1
        assert isinstance(chosen, torch.device)
    finally:
        torch.set_num_threads(previous)


def test_setup_reads_omp_num_threads(monkeypatch):
    previous = torch.get_num_threads()
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    try:
        runtime.setup(quiet=True)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(previous)


@pytest.mark.parametrize("bad, error, message", [
    (0, ValueError, "threads must be an int >= 1, got 0"),
    (-2, ValueError, "threads must be an int >= 1, got -2"),
    (1.5, TypeError, r"threads must be an int, got float 1\.5"),
    (True, TypeError, "threads must be an int, got bool True"),
])
def test_setup_rejects_bad_threads(bad, error, message):
    with pytest.raises(error, match=message):
        runtime.setup(threads=bad, quiet=True)


def test_seed_errors():
    with pytest.raises(TypeError, match="seed must be an int, got str '0'"):
        runtime.setup(seed="0", quiet=True)
    with pytest.raises(ValueError, match="seed must be an int >= 0, got -1"):
        runtime.seed_everything(-1)


def test_device_order_and_override(monkeypatch):
    monkeypatch.delenv(runtime.DEVICE_ENV_VAR, raising=False)
    expected = "cuda" if torch.cuda.is_available() else ("mps" if "mps" in runtime.available_devices() else "cpu")
    assert runtime.device().type == expected
    monkeypatch.setenv(runtime.DEVICE_ENV_VAR, "cpu")
    assert runtime.device() == torch.device("cpu")
    assert runtime.device("cpu") == torch.device("cpu")  # the argument wins over the variable


def test_device_errors(monkeypatch):
    monkeypatch.delenv(runtime.DEVICE_ENV_VAR, raising=False)
    with pytest.raises(ValueError, match=r"preferred must be one of \('cpu', 'cuda', 'mps'\).*got 'gpu'"):
        runtime.device("gpu")
    monkeypatch.setenv(runtime.DEVICE_ENV_VAR, "tpu")
    with pytest.raises(ValueError, match="COURSE_DEVICE must be one of .*got 'tpu'"):
        runtime.device()
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match=r"preferred='cuda' is not available on this machine; available: \['cpu'"):
            runtime.device("cuda")


def test_available_devices_starts_with_cpu():
    assert runtime.available_devices()[0] == "cpu"


def test_setup_names_its_device_argument(monkeypatch):
    monkeypatch.delenv(runtime.DEVICE_ENV_VAR, raising=False)
    with pytest.raises(ValueError, match=r"preferred must be one of .*got 'gpu'"):
        runtime.setup(preferred="gpu", quiet=True)
    assert runtime.setup(preferred="cpu", quiet=True) == torch.device("cpu")


def test_setup_takes_numpy_int_seeds_and_seeds_every_generator():
    import random

    import numpy as np

    from course_lib import setup

    setup(np.int64(3), quiet=True)
    first = (random.random(), np.random.rand(), torch.rand(1).item())
    setup(3, quiet=True)
    assert (random.random(), np.random.rand(), torch.rand(1).item()) == first
    with pytest.raises(TypeError, match=r"^seed must be an int, got float 3.0$"):
        setup(3.0, quiet=True)
