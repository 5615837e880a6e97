"""The helpers check cells call: feedback that names the case, expected, got and a hint.

They run anywhere plain Python runs (Colab, a JupyterHub, a laptop) and need no
grading server. When a check fails it says which case failed, what was
expected, what the function returned, and gives a hint; the ``AssertionError``
it raises carries the same message, so a grader records it too. Notebooks
import them from the package: ``from course_lib.exercises import Case, check_function``.

>>> from course_lib.exercises import Case, check_function
>>> check_function(lambda x: 2 * x, [Case("doubles 3", args=(3,), expected=6)], task="Task 0")
Task 0: case 'doubles 3' passed
Task 0: all 1 cases passed
1
"""
import copy

import numpy as np

__all__ = ["Case", "assert_close", "check_function", "check_that"]

_MISSING = object()


class Case:
    """One input for :func:`check_function`.

    Parameters
    ----------
    name : str
        What the case tests, shown in the report (``"far-apart points"``).
    args : tuple
        Positional arguments for the student's function.
    kwargs : dict, optional
        Keyword arguments for the student's function.
    expected : object, optional
        The right result. If left out, :func:`check_function` computes it with
        its ``reference`` function.
    hint : str, optional
        Shown when this case fails (overrides the check's general hint).
    """

    def __init__(self, name, args=(), kwargs=None, expected=_MISSING, hint=None):
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty str, got {name!r}")
        if not isinstance(args, (tuple, list)):
            raise TypeError(f"args must be a tuple of positional arguments, got {type(args).__name__}")
        if kwargs is not None and not isinstance(kwargs, dict):
            raise TypeError(f"kwargs must be a dict or None, got {type(kwargs).__name__}")
        self.name, self.args, self.kwargs = name, tuple(args), dict(kwargs or {})
        self.expected, self.hint = expected, hint

    def __repr__(self):
        return f"Case({self.name!r})"


def _to_array(value):
    """NumPy float64 view of a tensor, array or number; None if not numeric."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch.Tensor, on any device
        value = value.detach().cpu().double().numpy()
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return array


def _short(array):
    with np.printoptions(precision=4, suppress=True, threshold=12, edgeitems=2, linewidth=100):
        return np.array2string(array, separator=", ") if array.ndim else f"{float(array):.6g}"


def _fail(message, hint):
    if hint:
        message += f"\nHint: {hint}"
    print("FAILED: " + message)
    raise AssertionError(message)


def assert_close(name, got, expected, *, atol=1e-5, rtol=1e-4, hint=None):
    """Check that ``got`` equals ``expected`` up to a tolerance, explaining any difference.

    Tuples and lists are compared element by element (their lengths must
    agree); tensors, arrays and numbers by shape, then value.

    Parameters
    ----------
    name : str
        What is compared, used in the message (``"case 'two points': means"``).
    got, expected : tensor, array, number, or a tuple/list of them
        The student's result and the right one.
    atol, rtol : float
        Pass when ``|got - expected| <= atol + rtol * |expected|`` everywhere.
    hint : str, optional
        Appended to the message when the check fails.

    Raises
    ------
    AssertionError
        Naming ``name``, what was expected, what was given and the hint.
    """
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)):
            _fail(f"{name}: expected a tuple of {len(expected)} values, got {type(got).__name__}", hint)
        if len(got) != len(expected):
            _fail(f"{name}: expected {len(expected)} values, got {len(got)}", hint)
        for position, (got_item, expected_item) in enumerate(zip(got, expected)):
            assert_close(f"{name}[{position}]", got_item, expected_item, atol=atol, rtol=rtol, hint=hint)
        return
    if got is None:
        _fail(f"{name}: your function returned None; did you forget the `return` statement?", hint)
    got_array, expected_array = _to_array(got), _to_array(expected)
    if got_array is None:
        _fail(f"{name}: expected a number or tensor, got {type(got).__name__}: {got!r:.80}", hint)
    if got_array.shape != expected_array.shape:
        _fail(f"{name}: expected shape {tuple(expected_array.shape)}, got shape {tuple(got_array.shape)}", hint)
    if np.isnan(got_array).any() and not np.isnan(expected_array).any():
        _fail(f"{name}: your result contains NaN (at {np.argwhere(np.isnan(got_array))[0].tolist()});\n"
              f"  expected: {_short(expected_array)}\n  got:      {_short(got_array)}", hint)
    close = np.isclose(got_array, expected_array, atol=atol, rtol=rtol, equal_nan=True)
    if not close.all():
        difference = np.abs(np.nan_to_num(got_array - expected_array, nan=np.inf))
        worst = np.unravel_index(np.argmax(difference), difference.shape) if difference.ndim else ()
        _fail(f"{name}: wrong values ({int((~close).sum())} of {close.size} entries differ;"
              f" largest difference {difference[worst]:.4g} at index {list(map(int, worst))})\n"
              f"  expected: {_short(expected_array)}\n  got:      {_short(got_array)}", hint)


def check_that(name, condition, message, hint=None):
    """Fail with ``"{name}: {message}"`` (and the hint) unless ``condition`` is true.

    Raises
    ------
    AssertionError
        If ``condition`` is false.
    """
    if not condition:
        _fail(f"{name}: {message}", hint)


def check_function(func, cases, *, reference=None, task="Check", hint=None, atol=1e-5, rtol=1e-4):
    """Run a student's function on each case and compare with the right answer.

    Each case's arguments are deep-copied before each call, so a function that
    changes its inputs in place cannot spoil the reference or the next case.

    Parameters
    ----------
    func : callable
        The student's function.
    cases : list of Case
        Inputs, with ``expected`` results or, if left out, a ``reference``.
    reference : callable, optional
        Computes the right result for cases without ``expected``.
    task : str
        Name used in the report, e.g. ``"Task 2"``.
    hint : str, optional
        Shown under any failure whose case has no hint of its own.
    atol, rtol : float
        Tolerances passed to :func:`assert_close`.

    Returns
    -------
    int
        The number of cases passed (all of them; a failure raises).

    Raises
    ------
    NotImplementedError
        Unchanged, when the function is still the stub.
    AssertionError
        For the first failing case, naming it, expected vs got, and a hint.
    TypeError
        If ``func`` is not callable or a case is not a :class:`Case`.
    """
    if not callable(func):
        raise TypeError(f"func must be the function to check, got {type(func).__name__}")
    cases = list(cases)
    for case in cases:
        if not isinstance(case, Case):
            raise TypeError(f"cases must hold Case objects, got {type(case).__name__}")
        if case.expected is _MISSING and reference is None:
            raise TypeError(f"case {case.name!r} has no expected value and no reference function was given")
    for case in cases:
        expected = case.expected
        if expected is _MISSING:
            expected = reference(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        try:
            got = func(*copy.deepcopy(case.args), **copy.deepcopy(case.kwargs))
        except NotImplementedError:
            print(f"{task}: not done yet; replace the `raise NotImplementedError` in "
                  f"{getattr(func, '__name__', 'your function')} with your code")
            raise
        except Exception as error:
            _fail(f"{task}, case {case.name!r}: your function raised {type(error).__name__}: {error}",
                  case.hint or hint)
        assert_close(f"{task}, case {case.name!r}", got, expected, atol=atol, rtol=rtol, hint=case.hint or hint)
        print(f"{task}: case {case.name!r} passed")
    print(f"{task}: all {len(cases)} cases passed")
    return len(cases)
