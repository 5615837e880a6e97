"""Argument checks shared by every module: one wording for every error.

Each check raises ``TypeError`` for a value of the wrong type and ``ValueError``
for a value of the right type out of range, naming the argument, what was
expected and what was given. Nothing here imports the rest of the course.
"""
import math
import numbers

# One call may ask for at most this much memory for its result (sizes are checked
# before anything is allocated); larger requests are split by the caller.
MAX_REQUEST_BYTES = 2**31


class NotFittedError(ValueError, AttributeError):
    """A method that needs fitted parameters was called before ``fit`` (as in scikit-learn)."""


def check_int(argument, value, minimum, maximum=None):
    """Raise TypeError unless ``value`` is a Python or NumPy int (not a bool), ValueError unless in range."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{argument} must be an int, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{argument} must be an int >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{argument} must be an int <= {maximum}, got {value}")


def check_number(argument, value, minimum=0, strict=False, maximum=None):
    """Raise unless ``value`` is a finite real number (not a bool) >= ``minimum`` (> if ``strict``), <= ``maximum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{argument} must be a number, got {type(value).__name__} {value!r}")
    if not math.isfinite(value) or (value <= minimum if strict else value < minimum):
        raise ValueError(f"{argument} must be a finite number {'>' if strict else '>='} {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{argument} must be a number <= {maximum}, got {value}")


def check_dropout(argument, value):
    """Raise unless ``value`` is a number in [0, 1): a dropout probability."""
    check_number(argument, value)
    if not value < 1:
        raise ValueError(f"{argument} must be a number in [0, 1), got {value!r}")


def check_choice(argument, value, choices):
    """Raise ValueError unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(f"{argument} must be one of {list(choices)}, got {value!r}")


def check_seed(argument, value):
    """Check a seed (a Python or NumPy int >= 0) and return it as a Python int."""
    check_int(argument, value, 0)
    return int(value)


def check_count(argument, value, bytes_each, minimum=1):
    """Check a number of items to make and return it as a Python int.

    Raises ValueError before allocating when the result would take more than
    ``MAX_REQUEST_BYTES`` (``bytes_each`` per item).
    """
    check_int(argument, value, minimum)
    value = int(value)  # a NumPy int would wrap around in the product below
    if value * bytes_each > MAX_REQUEST_BYTES:
        raise ValueError(f"{argument}={value} would need about {value * bytes_each / 2**30:.1f} GiB, more than "
                         f"the {MAX_REQUEST_BYTES / 2**30:.0f} GiB one call may use; ask for at most "
                         f"{MAX_REQUEST_BYTES // bytes_each} at a time")
    return int(value)
