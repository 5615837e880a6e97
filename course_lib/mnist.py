"""Reading MNIST-style IDX files a user already has (the course downloads nothing)."""
import gzip
import os
import struct
from pathlib import Path

import numpy as np
import torch

from ._checks import check_choice

# IDX format (LeCun et al.): two zero bytes, a type code, the number of
# dimensions, then one big-endian uint32 per dimension, then the data.
IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(path):
    """Read one IDX file (optionally gzip-compressed) into a NumPy array.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not IDX (bad magic number or type code) or is truncated.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"IDX file not found: {path}")
    compressed = path.suffix == ".gz"
    try:
        with (gzip.open if compressed else open)(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError) as error:
        kind = "a gzip file" if compressed else "a file"
        raise ValueError(f"{path}: cannot be read as {kind} ({error})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"{path}: not an IDX file (the first two bytes must be zero, got {raw[:2]!r})")
    type_code, ndim = raw[2], raw[3]
    if type_code not in IDX_DTYPES:
        raise ValueError(f"{path}: unknown IDX type code 0x{type_code:02x}; expected one of "
                         f"{[hex(c) for c in IDX_DTYPES]}")
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise ValueError(f"{path}: truncated IDX header ({len(raw)} bytes, {header_size} needed for {ndim} dimensions)")
    shape = struct.unpack(f">{ndim}I", raw[4:header_size])
    dtype = IDX_DTYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header_size != expected:
        raise ValueError(f"{path}: truncated or padded IDX data: shape {shape} needs {expected} bytes "
                         f"of data, file has {len(raw) - header_size}")
    return np.frombuffer(raw, dtype=dtype, offset=header_size).reshape(shape).astype(dtype.newbyteorder("="))


MNIST_FILES = {"train": "train-{}-idx{}-ubyte", "test": "t10k-{}-idx{}-ubyte"}


def _find_idx(root, stem):
    for candidate in (root / stem, root / f"{stem}.gz"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"MNIST file {stem} (or {stem}.gz) not found in {root}")


def load_mnist(root, split="train"):
    """Load MNIST from IDX files the user already has (nothing is downloaded).

    Parameters
    ----------
    root : str or path-like
        Folder holding ``train-images-idx3-ubyte`` and friends, plain or ``.gz``.
    split : {"train", "test"}

    Returns
    -------
    images : torch.Tensor, shape (N, 28, 28), uint8
    labels : torch.Tensor, shape (N,), int64
    """
    check_choice("split", split, MNIST_FILES)
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root must be a path, got {type(root).__name__}")
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"MNIST folder not found: {root}")
    images_path = _find_idx(root, MNIST_FILES[split].format("images", 3))
    labels_path = _find_idx(root, MNIST_FILES[split].format("labels", 1))
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3:
        raise ValueError(f"{images_path}: expected 3 dimensions (N, rows, cols), got shape {images.shape}")
    if labels.ndim != 1 or len(labels) != len(images):
        raise ValueError(f"{labels_path}: expected {len(images)} labels to match {images_path}, got shape {labels.shape}")
    return torch.from_numpy(images.astype(np.uint8)), torch.from_numpy(labels.astype(np.int64))
