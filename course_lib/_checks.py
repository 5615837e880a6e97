"""Argument checks shared by every module: one wording for every error."""
import math
import numbers


class NotFittedError(ValueError, AttributeError):
    """A method that needs fitted parameters was called before ``fit`` (as in scikit-learn)."""


def check_int(argument, value, minimum):
    """Raise TypeError unless ``value`` is an int (not a bool), ValueError unless it is >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{argument} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{argument} must be an int >= {minimum}, got {value}")


def check_number(argument, value, minimum=0, strict=False):
    """Raise unless ``value`` is a finite real number (not a bool) >= ``minimum``, or > it if ``strict``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{argument} must be a number, got {type(value).__name__} {value!r}")
    if not math.isfinite(value) or (value <= minimum if strict else value < minimum):
        raise ValueError(f"{argument} must be a finite number {'>' if strict else '>='} {minimum}, got {value}")


def check_choice(argument, value, choices):
    """Raise ValueError unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{argument} must be one of {list(choices)}, got {value!r}")
