"""Save and load any course model: its frozen config and its weights, nothing that runs code.

A checkpoint is one ``torch.save`` file holding a dict::

    {"format": "course_lib.checkpoint", "version": 1, "model": "VAE",
     "config": {...the config dataclass as a dict...}, "state_dict": {...CPU tensors...}}

:func:`load` reads it with ``weights_only=True``, so a file cannot run code,
and can verify the file's SHA-256 first (the course's shipped weights are
checked that way). :func:`save` never replaces an existing file unless asked,
and equal weights give byte-identical files, so a rebuild can be checked by digest.

A model class works with this module when it is built as ``Model(config)``
from a frozen dataclass stored as ``model.config``.
"""
import dataclasses
import hashlib
import os
import pickle
import tempfile
import zipfile
from pathlib import Path

import torch

from ._tensors import check_device

FORMAT, VERSION = "course_lib.checkpoint", 1
KEYS = {"format", "version", "model", "config", "state_dict"}


def sha256(path):
    """Hex SHA-256 digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _config_dict(model):
    config = getattr(model, "config", None)
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        raise TypeError(f"model must have a dataclass config (model.config), got {type(config).__name__}")
    if not config.__dataclass_params__.frozen:
        raise TypeError(f"model.config must be a frozen dataclass, got a mutable {type(config).__name__}")
    return dataclasses.asdict(config)


def save(model, path, *, overwrite=False):
    """Write ``model``'s config and weights to ``path``; return the file's SHA-256.

    Parameters
    ----------
    model : torch.nn.Module
        With a frozen dataclass ``model.config``.
    path : str or path-like
        The file to write; its folder must exist.
    overwrite : bool
        Replace an existing file. Without it an existing file is an error and stays as it was.

    Raises
    ------
    TypeError
        If ``model`` is not a module with a frozen dataclass config, or ``path`` is not a path.
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    FileNotFoundError
        If the folder of ``path`` does not exist.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    config = _config_dict(model)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a file path (str or path-like), got {type(path).__name__}")
    if not isinstance(overwrite, bool):
        raise TypeError(f"overwrite must be True or False, got {type(overwrite).__name__} {overwrite!r}")
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"path {str(path)!r} is a folder; expected a file name such as 'model.pt'")
    if path.exists() and not overwrite:
        raise FileExistsError(f"path {str(path)!r} exists; pass overwrite=True to replace it")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"path: folder {str(path.parent)!r} does not exist")
    state = {name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}
    checkpoint = {"format": FORMAT, "version": VERSION, "model": type(model).__name__,
                  "config": config, "state_dict": state}
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:  # write beside the target, then rename: a crash never leaves half a file at path
        with open(temp, "wb") as file:  # a file object, not a name: the archive's folder is then always
            torch.save(checkpoint, file)  # "archive", so equal weights give equal bytes (and digests)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.remove(temp)
    return sha256(path)


def _read(path):
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        if "Unsupported global" in str(error):  # weights_only refused a class: unpickling it would run code
            name = str(error).split("Unsupported global:")[1].split("was not")[0].strip()
            raise ValueError(f"{path}: not a course checkpoint: it holds objects other than plain data, which "
                             f"weights_only loading refuses ({name[:120]})") from None
        raise ValueError(f"{path}: not a readable checkpoint (truncated or another format: "
                         "UnpicklingError)") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError) as error:
        if Path(path).stat().st_size == 0:
            raise ValueError(f"{path}: empty file; expected a checkpoint written by course_lib.checkpoints.save") \
                from None
        raise ValueError(f"{path}: not a readable checkpoint (truncated or another format: "
                         f"{type(error).__name__})") from None


def load(path, model_class, *, sha256_digest=None, map_location="cpu"):
    """Rebuild a model saved by :func:`save`.

    Parameters
    ----------
    path : str or path-like
    model_class : type
        The class to build, e.g. ``course_lib.vae.VAE``; it takes its config as
        the only argument and names the config class in ``model_class.config_class``.
    sha256_digest : str, optional
        Expected hex SHA-256 of the file, checked before it is read.
    map_location : str or torch.device
        Device to put the model on.

    Returns
    -------
    torch.nn.Module
        In eval mode.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the digest differs, the file is empty, truncated or foreign, holds another model,
        or its weights do not match its config (naming missing, unexpected and mis-shaped keys).
    """
    if not isinstance(model_class, type) or not hasattr(model_class, "config_class"):
        raise TypeError(f"model_class must be a course model class with a config_class, got {model_class!r}")
    device = check_device("map_location", map_location)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path: checkpoint {str(path)!r} not found")
    if sha256_digest is not None:
        found = sha256(path)
        if found != str(sha256_digest).lower():
            raise ValueError(f"{path}: SHA-256 is {found}, expected {sha256_digest}; the file is damaged or "
                             "not the one shipped; rebuild it or reinstall the package")
    checkpoint = _read(path)
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != FORMAT or set(checkpoint) != KEYS:
        found = sorted(checkpoint) if isinstance(checkpoint, dict) else type(checkpoint).__name__
        raise ValueError(f"{path}: not a course checkpoint: expected keys {sorted(KEYS)} with format "
                         f"{FORMAT!r}, got {found}")
    if checkpoint["model"] != model_class.__name__:
        raise ValueError(f"{path}: holds a {checkpoint['model']}, not a {model_class.__name__}")
    fields = {field.name for field in dataclasses.fields(model_class.config_class)}
    config = checkpoint["config"]
    if not isinstance(config, dict) or not set(config) <= fields:
        unknown = sorted(set(config) - fields) if isinstance(config, dict) else "not a dict"
        raise ValueError(f"{path}: config has unknown keys {unknown}; expected some of {sorted(fields)}")
    model = model_class(model_class.config_class(**config))
    expected, given = model.state_dict(), checkpoint["state_dict"]
    missing, unexpected = sorted(set(expected) - set(given)), sorted(set(given) - set(expected))
    shapes = [f"{key}: expected {tuple(expected[key].shape)}, got {tuple(given[key].shape)}"
              for key in sorted(set(expected) & set(given)) if expected[key].shape != given[key].shape]
    if missing or unexpected or shapes:
        raise ValueError(f"{path}: weights do not match the {model_class.__name__} config: missing keys "
                         f"{missing}, unexpected keys {unexpected}, shape mismatches {shapes}")
    floating = [tensor.dtype for tensor in given.values() if tensor.is_floating_point()]
    if floating:
        model.to(floating[0])  # a float64 model comes back in float64
    model.load_state_dict(given)
    return model.to(device).eval()
