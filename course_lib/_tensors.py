"""The input layer every module uses: data to checked tensors, generators, draws, NumPy, inference.

- :func:`as_tensor` turns a tensor, NumPy array or list into a tensor of the
  wanted dtype and device, checking type, shape and finiteness and naming the
  argument in every error; ``validate=False`` only converts (no host sync), for
  hot loops whose data were checked once.
- :func:`check_generator`, :func:`normal`, :func:`uniform`, :func:`categorical`:
  the model protocol's randomness. A ``torch.Generator`` may live on any device:
  the draw happens there and the result moves to where it is needed. Without
  one, draws come from torch's global CPU generator (which
  ``course_lib.setup(seed)`` seeds), so results do not depend on the device.
- :func:`to_numpy`; :func:`follows_input` (scikit-learn style: NumPy in,
  NumPy out); :func:`evaluating` and :func:`inference` (eval mode, no
  gradients, the caller's train/eval mode restored).

Nothing here imports the rest of the course except the argument checks.
"""
import contextlib
import functools
import math

import numpy as np
import torch

from ._checks import check_choice

FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
FINITE_RULES = ("all", "nan_ok", "none")  # reject NaN and inf; reject inf only (NaN = missing); no check


def _shape_text(shape):
    sizes = ["N" if size is None else str(size) for size in shape]
    return "(" + ", ".join(sizes) + ("," if len(sizes) == 1 else "") + ")"


def as_tensor(argument, value, *, dtype=None, device=None, shape=None, integer=False, finite="all",
              validate=True):
    """Check user data and return it as a tensor.

    Parameters
    ----------
    argument : str
        The argument's name, used in every error message.
    value : torch.Tensor, numpy.ndarray, or list/tuple of numbers
    dtype : torch.dtype, optional
        Result dtype; default: the input's (NumPy float64 stays float64).
    device : torch.device or str, optional
        Result device; default: the input's (CPU for NumPy and lists).
    shape : tuple of int, str or None, optional
        Expected shape; an int must match, a ``None`` or a name (shown in the
        message) matches any size, e.g. ``(None, 64)`` for a batch of digits or
        ``("n_samples", "n_features")``. Without it any shape passes. Empty data never do.
    integer : bool
        Require integer values of an integer dtype (labels, indices).
    finite : {"all", "nan_ok", "none"}
        Reject NaN and infinity; reject infinity only (NaN marks missing data); check nothing.
    validate : bool
        False converts only (dtype, device) and checks nothing: no host sync, for hot loops.

    Raises
    ------
    TypeError
        A value that is not numeric data, or of the wrong kind of dtype.
    ValueError
        A wrong shape, an empty array, non-finite values, or a tensor on the ``meta`` device.
    """
    if not validate:
        return value.to(device=device, dtype=dtype)
    check_choice("finite", finite, FINITE_RULES)
    if not isinstance(value, torch.Tensor):
        if not isinstance(value, (np.ndarray, list, tuple)):
            raise TypeError(f"{argument} must be a torch.Tensor, a NumPy array or a list of numbers, "
                            f"got {type(value).__name__}")
        try:
            array = np.asarray(value)
        except ValueError:  # ragged nested lists
            raise TypeError(f"{argument} must be a rectangular array of numbers, got a ragged "
                            f"{type(value).__name__}") from None
        if array.dtype.kind not in "biuf":
            raise TypeError(f"{argument} must hold real numbers, got an array of dtype {array.dtype}")
        value = torch.from_numpy(np.ascontiguousarray(array))  # a copy where strides are negative
    if value.is_meta:
        raise ValueError(f"{argument} is on the 'meta' device, which holds shapes but no values; "
                         "expected a tensor with data (on the CPU or an accelerator)")
    if value.dtype == torch.bool or value.is_complex():
        raise TypeError(f"{argument} must hold real numbers, got dtype {value.dtype}")
    if integer and value.is_floating_point():
        raise TypeError(f"{argument} must hold integers, got dtype {value.dtype}")
    if shape is not None:
        matches = value.ndim == len(shape) and all(not isinstance(want, int) or want == got
                                                   for want, got in zip(shape, value.shape))
        if not matches:
            raise ValueError(f"{argument} must have shape {_shape_text(shape)}, got {tuple(value.shape)}")
    if value.numel() == 0:
        raise ValueError(f"{argument} must not be empty, got shape {tuple(value.shape)}")
    value = value.to(device=device, dtype=dtype)  # before the finiteness check: 1e39 is inf in float32
    if finite != "none" and value.is_floating_point():
        # One pass and one host sync, no boolean copy: aminmax propagates NaN and an infinity is low or high,
        # so high - low is finite when all values are (unless it overflows: the exact count below decides).
        low, high = torch.aminmax(value.detach())
        if not math.isfinite(high - low):
            bad = torch.isinf(value) if finite == "nan_ok" else ~torch.isfinite(value)
            count = int(bad.sum())
            if count:
                what = "infinite values" if finite == "nan_ok" else "NaN or infinite values"
                raise ValueError(f"{argument} must hold finite numbers, got {count} {what}")
    return value


def check_levels(argument, x, num_levels):
    """Raise ValueError unless the tensor ``x`` holds only the integers 0..num_levels-1 (grey levels, ids)."""
    top = num_levels - 1
    bad = x != x.round().clamp(0, top) if x.is_floating_point() else (x < 0) | (x > top)  # NaN is bad too
    if bool(bad.any()):
        raise ValueError(f"{argument} must hold the integer levels 0..{top}, "
                         f"got values in [{x.min().item():g}, {x.max().item():g}]")


def check_within(argument, x, top, hint=""):
    """Raise ValueError unless every value of the tensor ``x`` lies in [0, top] (grey levels, integers or not)."""
    low, high = x.min().item(), x.max().item()
    if low < 0 or high > top:
        raise ValueError(f"{argument} must hold grey levels in [0, {top}]{hint}, got values in [{low:g}, {high:g}]")


def check_dtype(argument, dtype, choices=FLOAT_DTYPES):
    """Raise TypeError unless ``dtype`` is one of the torch dtypes ``choices``."""
    if not isinstance(dtype, torch.dtype) or dtype not in choices:
        raise TypeError(f"{argument} must be one of {[str(c) for c in choices]}, got {dtype!r}")


def check_device(argument, device):
    """A ``torch.device`` for ``device`` (a string, device or None), checked to exist on this machine."""
    if device is None:
        return None
    try:
        device = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"{argument} must be a device such as 'cpu', 'cuda' or 'cuda:0', got {device!r}") from None
    if device.type == "meta":
        raise ValueError(f"{argument} must be a device that holds data, got 'meta'")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{argument}={str(device)!r} is not available on this machine (no CUDA device)")
    return device


def check_generator(generator):
    """Raise TypeError unless ``generator`` is a ``torch.Generator`` or None."""
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")


def _where_drawn(generator):
    return torch.device("cpu") if generator is None else generator.device


def normal(shape, generator, device, dtype):
    """Standard normal draws of ``shape``, drawn on the generator's device, returned on ``device``."""
    return torch.randn(shape, generator=generator, device=_where_drawn(generator), dtype=dtype).to(device)


def uniform(shape, generator, device, dtype):
    """Uniform draws on [0, 1) of ``shape``, drawn on the generator's device, returned on ``device``."""
    return torch.rand(shape, generator=generator, device=_where_drawn(generator), dtype=dtype).to(device)


def categorical(probs, num_draws, generator):
    """``num_draws`` indices drawn with replacement from ``probs`` (K,), or from each row of ``probs`` (B, K),
    returned on ``probs``' device."""
    drawn = torch.multinomial(probs.to(_where_drawn(generator)), num_draws, replacement=True, generator=generator)
    return drawn.to(probs.device)


def to_numpy(value):
    """A NumPy array of a tensor (any device, gradients dropped) or of array-like data."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def follows_input(method):
    """Decorate an estimator's ``method(self, X, ...)`` to answer in ``X``'s type, as scikit-learn does.

    A tensor ``X`` gets tensors back; a NumPy array or list reaches the method
    as a tensor and its result comes back as NumPy arrays (each tensor of a
    returned tuple is converted), so methods calling each other see tensors only.
    """
    @functools.wraps(method)
    def wrapper(self, X, *args, **kwargs):
        if isinstance(X, torch.Tensor):
            return method(self, X, *args, **kwargs)
        out = method(self, as_tensor("X", X, finite="none"), *args, **kwargs)  # the method checks the rest
        return tuple(map(to_numpy, out)) if isinstance(out, tuple) else to_numpy(out)

    return wrapper


@contextlib.contextmanager
def evaluating(module):
    """Run the block with ``module`` in eval mode and without gradients; restore its mode after."""
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            yield module
    finally:
        module.train(was_training)


def inference(method):
    """Decorate a module's method to run as under :func:`evaluating` (dropout off, no gradients)."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with evaluating(self):
            return method(self, *args, **kwargs)

    return wrapper
