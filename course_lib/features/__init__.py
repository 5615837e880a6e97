"""The digits feature network, shipped trained: features and class probabilities for chapter 7's measures.

``embed(x)`` gives the penultimate-layer features that FID, KID and precision
and recall compare; ``predict_proba(x)`` the class probabilities the Inception
Score needs. Both load the shipped weights once (checked against their
SHA-256, see :mod:`course_lib.pretrained`, name ``"digits-features"``) and run
on the device of ``x``. Retrain them with ``python -m course_lib.pretrained
build digits-features --out DIR``.
"""
import functools

import torch

from .. import pretrained
from .._checks import check_int
from .._tensors import evaluating
from ..data import as_digit_images
from .network import FEATURE_RECIPE, MAX_SHIFT, DigitsFeatureNet, FeatureConfig, classifier_loss, random_shift

NAME = "digits-features"
BATCH_SIZE = 2048  # images per forward pass, so that any number of images fits in memory

__all__ = ["BATCH_SIZE", "FEATURE_RECIPE", "MAX_SHIFT", "NAME", "DigitsFeatureNet", "FeatureConfig",
           "classifier_loss", "embed", "network", "predict_proba", "random_shift"]


@functools.lru_cache(maxsize=None)
def _network_on(device):
    return pretrained.load(NAME).to(device)


def network(device="cpu"):
    """The shipped :class:`DigitsFeatureNet` on ``device``, in eval mode, loaded once per device.

    The copy is shared by every later :func:`embed` and :func:`predict_proba`
    on that device: do not train or change it (load your own with
    ``pretrained.load("digits-features")``).
    """
    device = torch.device(device)
    if device.type == "cuda" and device.index is None:  # "cuda" and "cuda:0" are one device, one copy
        device = torch.device("cuda", torch.cuda.current_device())
    return _network_on(device)


def _apply(method, x, batch_size):
    x = as_digit_images("x", x, hint=" (clip generated images first)")
    check_int("batch_size", batch_size, 1)
    model = network(x.device)
    with evaluating(model):
        return torch.cat([method(model, part) for part in x.split(batch_size)])


def embed(x, batch_size=BATCH_SIZE):
    """Penultimate-layer features (N, 64), float32 on ``x``'s device, of images ``x`` (N, 64) in [0, 16].

    ``x`` is a tensor or NumPy array of grey levels, integers or not (a VAE's
    mean image is fine); values outside [0, 16] are refused, not clipped.
    """
    return _apply(DigitsFeatureNet.features, x, batch_size)


def predict_proba(x, batch_size=BATCH_SIZE):
    """Class probabilities (N, 10), float32 on ``x``'s device, each row summing to one; ``x`` as in :func:`embed`."""
    return _apply(lambda model, part: torch.softmax(model(part), dim=1), x, batch_size)
