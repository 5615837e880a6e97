r"""A mixture of products of per-pixel categoricals, fitted by EM: the likelihood baseline of chapter 7.

.. math:: p(x) = \sum_{k=1}^K \pi_k \prod_{d=1}^D \theta_{k, d, x_d}

Each component says "pixel :math:`d` has grey level :math:`v` with probability
:math:`\theta_{k,d,v}`, independently of the other pixels"; with ``K = 1`` it is
the independent per-pixel categorical. It is a discrete model of the 17 grey
levels, so its log-likelihood is directly comparable with every other digits
model's in nats per image. Each M-step adds ``alpha`` pseudo-counts to every
level (a Dirichlet prior), so a level never seen at a pixel in training keeps a
small probability on test digits.
"""
import math

import torch

from .. import _tensors
from .._checks import NotFittedError, check_count, check_int, check_number, check_seed
from .em import logsumexp


class CategoricalMixture:
    r"""``K`` products of per-pixel categoricals over ``num_levels`` levels, fitted by EM.

    Parameters
    ----------
    n_components : int >= 1
        :math:`K`; 1 is the independent per-pixel categorical (one M-step fits it).
    num_levels : int >= 2
        Levels per pixel, :math:`V` (17 for the digits' 0..16).
    alpha : float >= 0
        Pseudo-count added to each level of each pixel in every M-step.
    max_iter : int >= 1
    tol : float >= 0
        Stop when the mean log-likelihood per example changes by less than this (nats).
    random_state : int, optional
        Seeds the random initial responsibilities; None draws from torch's global generator.

    Attributes
    ----------
    weights_ : torch.Tensor (K,), :math:`\pi`
    probs_ : torch.Tensor (K, D, V), :math:`\theta`
    lower_bound_ : float, the training mean log-likelihood per example (nats) at the last iteration
    n_iter_ : int
    converged_ : bool
    """

    def __init__(self, n_components=10, num_levels=17, alpha=0.5, max_iter=200, tol=1e-4, random_state=None):
        check_int("n_components", n_components, 1)
        check_int("num_levels", num_levels, 2)
        check_number("alpha", alpha)
        check_int("max_iter", max_iter, 1)
        check_number("tol", tol)
        if random_state is not None:
            check_seed("random_state", random_state)
        self.n_components, self.num_levels, self.alpha = int(n_components), int(num_levels), float(alpha)
        self.max_iter, self.tol, self.random_state = int(max_iter), float(tol), random_state
        self.dtype = torch.float64

    def _levels(self, X):
        """``X`` as an int64 tensor (N, D) of levels 0..V-1, on the fitted model's device once there is one."""
        fitted = hasattr(self, "probs_")
        X = _tensors.as_tensor("X", X, device=self.probs_.device if fitted else None,
                               shape=("n_samples", self.probs_.shape[1] if fitted else "n_features"))
        _tensors.check_levels("X", X, self.num_levels)
        return X.long()

    @staticmethod
    def _log_joint(X, log_weights, log_probs):
        """log pi_k + log p(x_n | k), shape (N, K); a level of probability 0 gives -inf, never NaN."""
        pixels = torch.arange(X.shape[1], device=X.device)
        return log_weights + log_probs[:, pixels[None, :], X].sum(-1).T  # (K, N, D) summed over pixels

    def _m_step(self, one_hot, resp, num_pixels):
        counts = (resp.T @ one_hot).view(self.n_components, num_pixels, self.num_levels)  # (K, D, V)
        totals = resp.sum(0)  # (K,)
        probs = (counts + self.alpha) / (totals[:, None, None] + self.alpha * self.num_levels)
        weights = (totals + 1e-10) / (totals.sum() + 1e-10 * self.n_components)  # an empty component stays valid
        return weights.log(), probs.log()

    def fit(self, X):
        """Run EM from random soft responsibilities; returns ``self``.

        Raises
        ------
        ValueError
            If ``X`` is not an (N, D) array of the integer levels 0..num_levels-1.
        """
        for name in ("probs_", "weights_", "lower_bound_", "n_iter_", "converged_"):
            if hasattr(self, name):
                delattr(self, name)
        X = self._levels(X)
        generator = torch.Generator()
        generator.manual_seed(self.random_state if self.random_state is not None else
                              int(torch.randint(2**62, (), dtype=torch.int64)))
        one_hot = torch.nn.functional.one_hot(X, self.num_levels).flatten(1).to(self.dtype)  # (N, D * V)
        resp = torch.rand(len(X), self.n_components, generator=generator, dtype=self.dtype).to(X.device)
        resp = -resp.log()  # Exp(1) draws, normalised: responsibilities from a flat Dirichlet
        resp = resp / resp.sum(1, keepdim=True)
        previous, self.converged_ = -math.inf, False
        for self.n_iter_ in range(1, self.max_iter + 1):
            log_weights, log_probs = self._m_step(one_hot, resp, X.shape[1])
            joint = self._log_joint(X, log_weights, log_probs)  # (N, K)
            log_p = logsumexp(joint, 1)  # (N,)
            self.lower_bound_ = float(log_p.mean())
            resp = (joint - log_p[:, None]).exp()
            if abs(self.lower_bound_ - previous) < self.tol:
                self.converged_ = True
                break
            previous = self.lower_bound_
        self.weights_, self.probs_ = log_weights.exp(), log_probs.exp()
        return self

    def _check_fitted(self):
        if not hasattr(self, "probs_"):
            raise NotFittedError("This CategoricalMixture is not fitted yet: call fit(X) first")

    @_tensors.follows_input
    def log_prob(self, X):
        """Log-probability of each row of ``X`` (N,), in nats: a discrete likelihood, not a density."""
        self._check_fitted()
        return logsumexp(self._log_joint(self._levels(X), self.weights_.log(), self.probs_.log()), 1)

    score_samples = log_prob

    def sample(self, n, generator=None):
        """``n`` images (n, D) of levels, float64 on the fitted device: a component, then every pixel from it."""
        self._check_fitted()
        n = check_count("n", n, bytes_each=8 * self.probs_.shape[1] * (self.num_levels + 2))  # (n, D, V) gathered
        _tensors.check_generator(generator)
        components = _tensors.categorical(self.weights_, n, generator)  # (n,)
        num_pixels = self.probs_.shape[1]
        pixel_probs = self.probs_[components].reshape(n * num_pixels, self.num_levels)
        return _tensors.categorical(pixel_probs, 1, generator).view(n, num_pixels).to(self.dtype)
