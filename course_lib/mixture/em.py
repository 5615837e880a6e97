"""The steps of expectation-maximisation for a Gaussian mixture (chapter 3), as plain functions.

(3.3) E-step: r_nk = pi_k N(x_n | mu_k, Sigma_k) / p(x_n)
(3.4) M-step: N_k = sum_n r_nk, pi_k = N_k / N, mu_k = sum_n r_nk x_n / N_k,
      Sigma_k = sum_n r_nk (x_n - mu_k)(x_n - mu_k)^T / N_k + reg_covar * I
"""
import torch

from .._gaussian import cholesky, log_gaussian_prob, precision_factor

COLLAPSED = ("Fitting the mixture model failed because some components have ill-defined empirical "
             "covariance (for instance caused by singleton or collapsed samples). Try to decrease "
             "the number of components, increase reg_covar, or scale the input data.")


def _exp(a):
    """exp(a) with arguments clamped at -700: the result only changes below 1e-304, and CPUs
    compute underflowing (subnormal) results up to 100 times slower."""
    return a.clamp(min=-700.0).exp_()


def logsumexp(a, dim):
    """Stable log sum_k exp(a_k) along ``dim``: the largest term is factored out first."""
    top = a.amax(dim, keepdim=True)
    return _exp(a - top).sum(dim).log_() + top.squeeze(dim)


def e_step(x, weights, means, prec_chol, covariance_type):
    """E-step (3.3): per-point log-likelihood and log-responsibilities, via log-sum-exp.

    Returns
    -------
    log_px : Tensor, shape (N,)
        log p(x_n) = logsumexp_k (log pi_k + log N(x_n | mu_k, Sigma_k)).
    log_resp : Tensor, shape (N, K)
        log r_nk = log pi_k + log N(x_n | mu_k, Sigma_k) - log p(x_n).
    """
    weighted = log_gaussian_prob(x, means, prec_chol, covariance_type) + weights.log()  # (N, K)
    log_px = logsumexp(weighted, dim=1)
    return log_px, weighted - log_px.unsqueeze(1)


def m_step(x, resp, reg_covar, covariance_type):
    """M-step (3.4): the weights, means and covariances that maximise the expected log-likelihood.

    Parameters
    ----------
    x : Tensor, shape (N, d)
    resp : Tensor, shape (N, K)
        Responsibilities; rows sum to one.

    Returns
    -------
    weights : Tensor, shape (K,)
    means : Tensor, shape (K, d)
    covariances : Tensor, shape (K, d, d), (K, d) or (K,) by ``covariance_type``
    """
    nk = resp.sum(0) + 10 * torch.finfo(resp.dtype).eps  # (K,), kept away from 0 as scikit-learn does
    means = resp.T @ x / nk.unsqueeze(1)  # (K, d)
    # sum_n r_nk (x_n - mu_k)^2 = sum_n r_nk (x_n - c)^2 - N_k (mu_k - c)^2 for any c (outer products
    # for "full"); c is the data mean, as far from zero the subtraction would cancel every digit
    centre = x.mean(0)
    xc, mc = x - centre, means - centre  # (N, d), (K, d)
    if covariance_type == "full":
        second = (resp.T.unsqueeze(-1) * xc).mT @ xc / nk.view(-1, 1, 1)  # (K, d, d)
        covariances = second - mc.unsqueeze(2) * mc.unsqueeze(1)
        variances, second = covariances.diagonal(dim1=-2, dim2=-1), second.diagonal(dim1=-2, dim2=-1)  # views
    else:  # diagonal variances; spherical averages them over dimensions
        second = resp.T @ xc.square() / nk.unsqueeze(1)  # (K, d)
        covariances = variances = second - mc.square()
    # a variance within the rounding error of the subtraction is zero (a collapsed component),
    # not noise of either sign that would let a collapse pass unnoticed
    variances.masked_fill_(variances <= 16 * torch.finfo(x.dtype).eps * second, 0.0).add_(reg_covar)
    if covariance_type == "spherical":
        covariances = covariances.mean(1)
    return nk / nk.sum(), means, covariances


def precision_cholesky(covariances, covariance_type):
    """Upper-triangular U_k with Sigma_k^{-1} = U_k U_k^T (1/sqrt of variances for diag/spherical).

    Raises
    ------
    ValueError
        If a covariance is not positive definite (a collapsed component).
    """
    if covariance_type == "full":
        return precision_factor(cholesky(covariances, lambda bad: ValueError(COLLAPSED)))
    if bool((covariances <= 0).any()):
        raise ValueError(COLLAPSED)
    return covariances.rsqrt()


def covariances_from_precision_cholesky(prec_chol, covariance_type):
    """Sigma_k = (U_k U_k^T)^{-1}, shaped as ``covariances_`` for ``covariance_type``."""
    if covariance_type == "full":
        return torch.linalg.inv(prec_chol @ prec_chol.mT)
    return prec_chol.square().reciprocal()
