"""The shared input layer (course_lib._tensors) and the size and seed checks of course_lib._checks."""
import re

import numpy as np
import pytest
import torch

from course_lib import _tensors as T
from course_lib._checks import MAX_REQUEST_BYTES, check_count, check_seed


def _exactly(message):
    return "^" + re.escape(message) + "$"


def test_arrays_lists_and_tensors_become_tensors_of_the_asked_dtype():
    expected = torch.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=torch.float64)
    for value in ([[1, 2], [3, 4]], np.array([[1.0, 2.0], [3.0, 4.0]]), expected.float()):
        torch.testing.assert_close(T.as_tensor("x", value, dtype=torch.float64), expected)
    assert T.as_tensor("x", np.zeros((2, 2))).dtype == torch.float64  # NumPy float64 stays float64
    reversed_rows = np.arange(6.0).reshape(3, 2)[::-1]  # negative strides: torch.from_numpy refuses them
    torch.testing.assert_close(T.as_tensor("x", reversed_rows), torch.tensor(reversed_rows.copy()))


@pytest.mark.parametrize("value, error, message", [
    ("abc", TypeError, "x must be a torch.Tensor, a NumPy array or a list of numbers, got str"),
    (None, TypeError, "x must be a torch.Tensor, a NumPy array or a list of numbers, got NoneType"),
    ({"a": 1}, TypeError, "x must be a torch.Tensor, a NumPy array or a list of numbers, got dict"),
    ([[1, 2], [3]], TypeError, "x must be a rectangular array of numbers, got a ragged list"),
    (["a", "b"], TypeError, "x must hold real numbers, got an array of dtype <U1"),
    (torch.ones(2, dtype=torch.bool), TypeError, "x must hold real numbers, got dtype torch.bool"),
    (torch.ones(2, dtype=torch.complex64), TypeError, "x must hold real numbers, got dtype torch.complex64"),
    (torch.zeros(0, 3), ValueError, "x must not be empty, got shape (0, 3)"),
    (torch.tensor([1.0, float("nan"), float("inf")]), ValueError, "x must hold finite numbers, got 2 NaN or infinite values"),
])
def test_bad_values_name_the_argument(value, error, message):
    with pytest.raises(error, match=_exactly(message)):
        T.as_tensor("x", value)


def test_meta_tensors_shapes_integers_and_missing_values():
    with pytest.raises(ValueError, match=r"^x is on the 'meta' device, which holds shapes but no values"):
        T.as_tensor("x", torch.zeros(2, device="meta"))
    with pytest.raises(ValueError, match=_exactly("x must have shape (N, 64), got (3, 5)")):
        T.as_tensor("x", torch.zeros(3, 5), shape=(None, 64))
    with pytest.raises(ValueError, match=_exactly("X must have shape (n_samples, n_features), got (3,)")):
        T.as_tensor("X", torch.zeros(3), shape=("n_samples", "n_features"))
    with pytest.raises(TypeError, match=_exactly("y must hold integers, got dtype torch.float32")):
        T.as_tensor("y", torch.zeros(3), integer=True)
    with_nan = torch.tensor([1.0, float("nan")])
    assert torch.isnan(T.as_tensor("x", with_nan, finite="nan_ok")).any()
    with pytest.raises(ValueError, match=_exactly("x must hold finite numbers, got 1 infinite values")):
        T.as_tensor("x", torch.tensor([float("inf"), float("nan")]), finite="nan_ok")
    assert torch.isinf(T.as_tensor("x", torch.tensor([float("inf")]), finite="none")).all()


def test_values_that_overflow_the_asked_dtype_are_refused():
    with pytest.raises(ValueError, match=_exactly("x must hold finite numbers, got 1 NaN or infinite values")):
        T.as_tensor("x", np.array([1.0, 1e39]), dtype=torch.float32)


def test_validate_false_only_converts():
    x = torch.tensor([float("nan")])
    out = T.as_tensor("x", x, dtype=torch.float64, validate=False)
    assert out.dtype == torch.float64 and torch.isnan(out).all()


def test_generator_checks_and_draws_land_where_asked():
    with pytest.raises(TypeError, match=_exactly("generator must be a torch.Generator or None, got int")):
        T.check_generator(0)
    a = T.normal((3, 2), torch.Generator().manual_seed(1), "cpu", torch.float64)
    b = T.normal((3, 2), torch.Generator().manual_seed(1), "cpu", torch.float64)
    assert a.dtype == torch.float64 and torch.equal(a, b)
    torch.manual_seed(5)
    first = T.uniform((4,), None, "cpu", torch.float32)
    torch.manual_seed(5)
    assert torch.equal(first, T.uniform((4,), None, "cpu", torch.float32))  # no generator: torch's global CPU one
    drawn = T.categorical(torch.tensor([0.0, 1.0, 0.0]), 5, torch.Generator().manual_seed(0))
    assert drawn.tolist() == [1] * 5


def test_dtype_and_device_checks():
    T.check_dtype("dtype", torch.float32)
    with pytest.raises(TypeError, match=r"^dtype must be one of \['torch.float16', .*got 'float'$"):
        T.check_dtype("dtype", "float")
    assert T.check_device("device", "cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match=_exactly("device must be a device such as 'cpu', 'cuda' or 'cuda:0', got 'gpu'")):
        T.check_device("device", "gpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match=_exactly("device='cuda' is not available on this machine (no CUDA device)")):
            T.check_device("device", "cuda")


def test_evaluating_restores_the_mode_even_after_an_error():
    module = torch.nn.Dropout(0.5).train()
    with pytest.raises(RuntimeError):
        with T.evaluating(module):
            assert not module.training and not torch.is_grad_enabled()
            raise RuntimeError("boom")
    assert module.training and torch.is_grad_enabled()


def test_to_numpy_takes_tensors_with_gradients_and_lists():
    np.testing.assert_array_equal(T.to_numpy(torch.ones(2, requires_grad=True)), np.ones(2))
    np.testing.assert_array_equal(T.to_numpy([1, 2]), np.array([1, 2]))


def test_seeds_and_counts():
    assert check_seed("seed", np.int64(3)) == 3 and type(check_seed("seed", np.int64(3))) is int
    with pytest.raises(TypeError, match=_exactly("seed must be an int, got str '3'")):
        check_seed("seed", "3")
    assert check_count("n", 10, bytes_each=8) == 10
    too_many = MAX_REQUEST_BYTES // 8 + 1
    with pytest.raises(ValueError, match=rf"^n={too_many} would need about 2\.0 GiB, more than the 2 GiB one call "
                                         rf"may use; ask for at most {MAX_REQUEST_BYTES // 8} at a time$"):
        check_count("n", too_many, bytes_each=8)


@pytest.mark.parametrize("x, message", [
    (torch.tensor([[0, 3, 17]]), r"^x must hold the integer levels 0\.\.16, got values in \[0, 17\]$"),
    (torch.tensor([[-1, 3]]), r"^x must hold the integer levels 0\.\.16, got values in \[-1, 3\]$"),
    (torch.tensor([[0.0, 2.5]]), r"^x must hold the integer levels 0\.\.16, got values in \[0, 2\.5\]$"),
    (torch.tensor([[0.0, float("nan")]]), r"^x must hold the integer levels 0\.\.16"),
])
def test_check_levels_refuses_values_outside_the_integer_levels(x, message):
    with pytest.raises(ValueError, match=message):
        T.check_levels("x", x, 17)
    T.check_levels("x", torch.tensor([[0, 16]]), 17)  # integer ids pass
    T.check_levels("x", torch.tensor([[0.0, 16.0]]), 17)  # whole floats pass
