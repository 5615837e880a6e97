"""Gaussian mixture models fitted by expectation-maximisation, written in torch (chapter 3).

- :mod:`.em`: the E-step and M-step as plain functions;
- :mod:`.kmeans`: k-means++ seeding and Lloyd iterations, the default initialisation;
- :mod:`.estimator`: :class:`GaussianMixture`, with scikit-learn's parameters,
  M-step, convergence rule and fitted attributes, so that from the same initial
  parameters both give the same fit;
- :mod:`.history`: :func:`em_history`, every state of an EM run, for figures;
- :mod:`.categorical`: :class:`CategoricalMixture`, EM for a mixture of
  per-pixel categoricals over grey levels, the likelihood baseline of chapter 7.
"""
from .._checks import NotFittedError
from .._gaussian import log_gaussian_prob
from .categorical import CategoricalMixture
from .em import COLLAPSED, covariances_from_precision_cholesky, e_step, logsumexp, m_step, precision_cholesky
from .estimator import COVARIANCE_TYPES, INIT_PARAMS, ConvergenceWarning, GaussianMixture
from .history import em_history
from .kmeans import kmeans, kmeans_plusplus

__all__ = ["COLLAPSED", "COVARIANCE_TYPES", "INIT_PARAMS", "CategoricalMixture", "ConvergenceWarning",
           "GaussianMixture", "NotFittedError", "covariances_from_precision_cholesky", "e_step", "em_history", "kmeans", "kmeans_plusplus",
           "log_gaussian_prob", "logsumexp", "m_step", "precision_cholesky"]
