"""The shared argument checks of course_lib._checks: exact messages, types and boundaries."""
import math
import re

import numpy as np
import pytest

from course_lib import classifiers, mixture
from course_lib._checks import NotFittedError, check_choice, check_dropout, check_int, check_number


def _exactly(message):
    """A ``match`` pattern for this whole message and nothing else."""
    return "^" + re.escape(message) + "$"


def test_not_fitted_error_is_value_and_attribute_error_shared_by_modules():
    assert issubclass(NotFittedError, ValueError)
    assert issubclass(NotFittedError, AttributeError)
    assert mixture.NotFittedError is NotFittedError
    assert classifiers.NotFittedError is NotFittedError
    with pytest.raises(AttributeError, match=_exactly("call fit first")):
        raise NotFittedError("call fit first")
    assert not hasattr(classifiers.LogisticRegression(), "coef_")  # hasattr sees the AttributeError side


@pytest.mark.parametrize("value", [0, 1, 7, np.int64(3), np.int32(0), np.uint8(5)])
def test_check_int_accepts_ints_and_numpy_ints(value):
    assert check_int("n", value, 0) is None


def test_check_int_boundary_is_inclusive():
    check_int("n", 2, 2)
    with pytest.raises(ValueError, match=_exactly("n must be an int >= 2, got 1")):
        check_int("n", 1, 2)
    with pytest.raises(ValueError, match=_exactly("n must be an int >= 1, got -3")):
        check_int("n", np.int64(-3), 1)


@pytest.mark.parametrize("value, message", [
    (True, "k must be an int, got bool True"),
    (False, "k must be an int, got bool False"),
    (2.0, "k must be an int, got float 2.0"),
    ("3", "k must be an int, got str '3'"),
    (None, "k must be an int, got NoneType None"),
])
def test_check_int_rejects_non_ints_with_type_error(value, message):
    with pytest.raises(TypeError, match=_exactly(message)):
        check_int("k", value, 0)


@pytest.mark.parametrize("value", [np.bool_(True), np.float64(2.0)])
def test_check_int_rejects_numpy_bools_and_floats(value):
    # numpy's type names and reprs differ between versions: build the expected text from them
    with pytest.raises(TypeError, match=_exactly(f"k must be an int, got {type(value).__name__} {value!r}")):
        check_int("k", value, 0)


@pytest.mark.parametrize("value", [0, 0.0, 1e-12, 3, 2.5, np.float32(0.5), np.float64(1.0), np.int64(4)])
def test_check_number_accepts_non_negative_numbers(value):
    assert check_number("tol", value) is None


def test_check_number_strict_and_non_strict_at_the_boundary():
    check_number("tol", 0)
    check_number("tol", 0.0)
    with pytest.raises(ValueError, match=_exactly("tol must be a finite number > 0, got 0")):
        check_number("tol", 0, strict=True)
    with pytest.raises(ValueError, match=_exactly("tol must be a finite number > 0, got 0.0")):
        check_number("tol", 0.0, strict=True)
    check_number("tol", 1e-300, strict=True)
    check_number("rate", 1.5, minimum=1.5)
    with pytest.raises(ValueError, match=_exactly("rate must be a finite number > 1.5, got 1.5")):
        check_number("rate", 1.5, minimum=1.5, strict=True)
    with pytest.raises(ValueError, match=_exactly("rate must be a finite number >= 1.5, got 1.4")):
        check_number("rate", 1.4, minimum=1.5)
    with pytest.raises(ValueError, match=_exactly("tol must be a finite number >= 0, got -1e-09")):
        check_number("tol", -1e-9)


@pytest.mark.parametrize("value, shown", [(math.inf, "inf"), (-math.inf, "-inf"), (math.nan, "nan"),
                                          (np.float64("inf"), "inf"), (np.float32("nan"), "nan")])
@pytest.mark.parametrize("strict", [False, True])
def test_check_number_rejects_inf_and_nan(value, shown, strict):
    sign = ">" if strict else ">="
    with pytest.raises(ValueError, match=_exactly(f"beta must be a finite number {sign} 0, got {shown}")):
        check_number("beta", value, strict=strict)


@pytest.mark.parametrize("value, message", [
    (True, "beta must be a number, got bool True"),
    ("1.0", "beta must be a number, got str '1.0'"),
    (None, "beta must be a number, got NoneType None"),
    (1j, "beta must be a number, got complex 1j"),
    ([1.0], "beta must be a number, got list [1.0]"),
])
def test_check_number_rejects_non_numbers_with_type_error(value, message):
    with pytest.raises(TypeError, match=_exactly(message)):
        check_number("beta", value)


def test_check_number_rejects_numpy_bools():
    value = np.bool_(False)
    with pytest.raises(TypeError, match=_exactly(f"beta must be a number, got {type(value).__name__} {value!r}")):
        check_number("beta", value)


def test_check_choice():
    check_choice("split", "train", ("train", "test"))
    check_choice("split", "val", {"train": 0, "val": 1})
    with pytest.raises(ValueError, match=_exactly("split must be one of ['train', 'test'], got 'tarin'")):
        check_choice("split", "tarin", ("train", "test"))
    with pytest.raises(ValueError, match=_exactly("split must be one of ['train', 'val'], got None")):
        check_choice("split", None, {"train": 0, "val": 1})
    with pytest.raises(ValueError, match=_exactly("device must be one of ['cpu'], got 'cuda'")):
        check_choice("device", "cuda", ["cpu"])


def test_check_dropout_takes_numbers_in_zero_to_one_excluded():
    check_dropout("dropout", 0)
    check_dropout("dropout", 0.99)
    with pytest.raises(ValueError, match=r"^dropout must be a number in \[0, 1\), got 1\.0$"):
        check_dropout("dropout", 1.0)
    with pytest.raises(ValueError, match=r"^p must be a finite number >= 0, got -0\.1$"):
        check_dropout("p", -0.1)
    with pytest.raises(TypeError, match=r"^dropout must be a number, got str '0\.5'$"):
        check_dropout("dropout", "0.5")
