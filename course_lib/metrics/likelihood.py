"""Likelihood in the unit papers compare: bits per dimension."""
import math

import torch

from .._checks import check_int


def bits_per_dim(nll_nats, num_dims):
    """Negative log-likelihood per example in nats, as bits per dimension: ``nll / (num_dims ln 2)``.

    Parameters
    ----------
    nll_nats : float, numpy.ndarray or torch.Tensor
        Nats per example (an array converts elementwise and keeps its type).
    num_dims : int
        Dimensions per example, e.g. 64 for an 8x8 digit.
    """
    check_int("num_dims", num_dims, 1)
    if isinstance(nll_nats, bool) or not isinstance(nll_nats, (int, float, torch.Tensor)) and \
            not hasattr(nll_nats, "__array__"):
        raise TypeError(f"nll_nats must be a number, array or tensor, got {type(nll_nats).__name__}")
    return nll_nats / (num_dims * math.log(2))
