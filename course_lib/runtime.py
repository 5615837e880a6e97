"""Seeding, thread count and device choice: the first call in every notebook."""
import os
import random

import numpy as np
import torch

from ._checks import check_int, check_seed

DEVICE_ENV_VAR = "COURSE_DEVICE"
KNOWN_DEVICES = ("cpu", "cuda", "mps")


def available_devices():
    """Device types usable on this machine, CPU first: e.g. ``["cpu", "cuda"]``."""
    found = ["cpu"]
    if torch.cuda.is_available():
        found.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append("mps")
    return found


def device(preferred=None):
    """Pick the device to compute on.

    Order: the ``preferred`` argument, else the ``COURSE_DEVICE`` environment
    variable, else ``cuda``, then ``mps``, then ``cpu``.

    Parameters
    ----------
    preferred : str or torch.device, optional
        ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or ``"mps"``.

    Returns
    -------
    torch.device

    Raises
    ------
    ValueError
        If the requested device type is unknown or not available here.
    """
    source = "preferred"
    if preferred is None and os.environ.get(DEVICE_ENV_VAR):
        preferred, source = os.environ[DEVICE_ENV_VAR], DEVICE_ENV_VAR
    if preferred is None:
        for kind in ("cuda", "mps"):
            if kind in available_devices():
                return torch.device(kind)
        return torch.device("cpu")
    try:
        chosen = torch.device(preferred)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"{source} must be one of {KNOWN_DEVICES} (optionally with an index "
            f"such as 'cuda:0'), got {preferred!r}"
        ) from None
    if chosen.type not in available_devices():
        raise ValueError(
            f"{source}={preferred!r} is not available on this machine; "
            f"available: {available_devices()}"
        )
    return chosen


def seed_everything(seed):
    """Seed Python's, NumPy's and torch's global generators (CPU and CUDA); ``seed`` is a Python or NumPy int."""
    seed = check_seed("seed", seed)
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def setup(seed=0, threads=None, preferred=None, quiet=False):
    """Make a notebook repeatable and fast, and return the device to use.

    Seeds every generator, limits torch's CPU threads (oversubscribed cores
    slow small models by up to 100x) and picks the device.

    Parameters
    ----------
    seed : int
        Seed for Python, NumPy and torch.
    threads : int, optional
        CPU threads for torch; default ``min(4, os.cpu_count())``, or the
        ``OMP_NUM_THREADS`` environment variable when set.
    preferred : str or torch.device, optional
        The device to use; see :func:`device` (same argument, same errors).
    quiet : bool
        If False, print one line saying what was chosen.

    Returns
    -------
    torch.device
    """
    seed_everything(seed)
    seed = int(seed)
    if threads is None:
        env_threads = os.environ.get("OMP_NUM_THREADS", "")
        threads = int(env_threads) if env_threads.isdigit() and int(env_threads) > 0 else min(4, os.cpu_count() or 1)
    check_int("threads", threads, 1)
    torch.set_num_threads(threads)
    chosen = device(preferred)
    if not quiet:
        print(f"course_lib: seed={seed}, device={chosen}, torch threads={threads}")
    return chosen
