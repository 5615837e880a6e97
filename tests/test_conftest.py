"""The repository's pytest configuration (conftest.py): nbval's kernel start is retried."""
import importlib.util

import pytest

from .book import ROOT


def _conftest():
    spec = importlib.util.spec_from_file_location("repository_conftest", ROOT / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_start_that_dies_is_tried_again_up_to_the_attempts():
    conftest = _conftest()
    calls = []

    def start(name, failures):
        calls.append(name)
        if len(calls) <= failures:
            raise RuntimeError("Kernel died before replying to kernel_info")
        return "kernel", "client"

    assert conftest.retried(start)("python3", failures=2) == ("kernel", "client") and len(calls) == 3
    calls.clear()
    with pytest.raises(RuntimeError, match="Kernel died"):
        conftest.retried(start)("python3", failures=3)
    assert len(calls) == conftest.KERNEL_START_ATTEMPTS == 3
    calls.clear()

    def broken():
        calls.append("broken")
        raise ValueError("not a kernel failure")

    with pytest.raises(ValueError):
        conftest.retried(broken)()
    assert len(calls) == 1  # only a start that died is retried


def test_nbval_starts_its_kernels_through_the_retry():
    kernel = pytest.importorskip("nbval.kernel")
    assert kernel.start_new_kernel.__code__.co_name == "start_again_if_it_died"  # functools.wraps keeps the name
    assert kernel.start_new_kernel.__wrapped__.__code__.co_name == "start_new_kernel"
