"""Gaussian arithmetic shared by the model families: mixtures, the Gaussian classifier, the VAE.

Covariances are handled through Cholesky factors: ``Sigma = L L^T`` for
sampling (``mu + L eps ~ N(mu, Sigma)``) and the upper-triangular precision
factor ``U = L^{-T}`` (``Sigma^{-1} = U U^T``) for densities. The closed-form
KL divergence between diagonal Gaussians is the VAE's (eq. 4.6).
"""
import math

import torch


def cholesky(covariances, on_failure):
    """Lower Cholesky factors L of ``covariances`` (K, d, d), Sigma_k = L_k L_k^T.

    ``on_failure(bad)`` builds the exception raised when the matrices whose
    indices are in the list ``bad`` are not positive definite.
    """
    factors, info = torch.linalg.cholesky_ex(covariances)
    if bool((info > 0).any()):
        raise on_failure((info > 0).nonzero().flatten().tolist())
    return factors


def precision_factor(factors):
    """Upper-triangular U = L^{-T} (K, d, d), so that Sigma^{-1} = U U^T, from the factors L of Sigma."""
    eye = torch.eye(factors.shape[-1], dtype=factors.dtype, device=factors.device)
    return torch.linalg.solve_triangular(factors, eye.expand_as(factors), upper=False).mT


def log_gaussian_prob(x, means, prec_chol, covariance_type):
    """Log density of every point under every component, log N(x_n | mu_k, Sigma_k).

    Uses the Cholesky factor U_k of the precision (Sigma_k^{-1} = U_k U_k^T):
    log N = -d/2 log(2 pi) + log det U_k - |U_k^T (x - mu_k)|^2 / 2.

    Parameters
    ----------
    x : Tensor, shape (N, d)
    means : Tensor, shape (K, d)
    prec_chol : Tensor, shape (K, d, d) upper triangular ("full"), (K, d) ("diag") or (K,) ("spherical")
    covariance_type : {"full", "diag", "spherical"}

    Returns
    -------
    Tensor, shape (N, K)
    """
    d = x.shape[1]
    if covariance_type == "full":
        k = means.shape[0]
        log_det = torch.diagonal(prec_chol, dim1=-2, dim2=-1).log().sum(-1)  # (K,)
        y = x @ prec_chol.permute(1, 0, 2).reshape(d, k * d)  # (N, K*d): U_k^T x_n, one matrix product
        y -= (means.unsqueeze(1) @ prec_chol).reshape(1, k * d)  # minus U_k^T mu_k
        ones = torch.ones(d, dtype=x.dtype, device=x.device)
        squared = y.square_().view(-1, k, d) @ ones  # (N, K); a product sums faster than .sum(-1) for small d
    elif covariance_type == "diag":
        log_det = prec_chol.log().sum(-1)
        prec = prec_chol.square()  # (K, d)
        squared = (means.square() * prec).sum(1) - 2 * x @ (means * prec).T + x.square() @ prec.T
    else:
        log_det = d * prec_chol.log()
        prec = prec_chol.square()  # (K,)
        squared = (means.square().sum(1) - 2 * x @ means.T + x.square().sum(1, keepdim=True)) * prec
    return -0.5 * (d * math.log(2 * math.pi) + squared) + log_det


def sample_components(means, scales, labels, noise):
    """x_n = mu_{z_n} + scale_{z_n} eps_n ~ N(mu_z, Sigma_z) for drawn components ``labels``.

    Parameters
    ----------
    means : Tensor, shape (K, d)
    scales : Tensor, shape (K, d, d) lower-triangular L_k, (K, d) standard deviations or (K,) one each
    labels : Tensor, shape (n,), int64
    noise : Tensor, shape (n, d), standard normal

    Returns
    -------
    Tensor, shape (n, d)
    """
    scale = scales[labels]
    if scale.ndim == 3:
        return means[labels] + (scale @ noise.unsqueeze(-1)).squeeze(-1)  # L_z eps
    return means[labels] + noise * (scale if scale.ndim == 2 else scale.unsqueeze(1))


def kl_diagonal_gaussians(mu_q, logvar_q, mu_p=None, logvar_p=None):
    r"""KL(q || p) between diagonal Gaussians, summed over the last dimension (eq. 4.6).

    .. math::

        \mathrm{KL} = \tfrac12 \sum_j \Big( \log\frac{\sigma_{p,j}^2}{\sigma_{q,j}^2}
        + \frac{\sigma_{q,j}^2 + (\mu_{q,j} - \mu_{p,j})^2}{\sigma_{p,j}^2} - 1 \Big)

    With the standard normal prior (the default) this is
    :math:`\tfrac12 \sum_j (\mu_j^2 + \sigma_j^2 - \log \sigma_j^2 - 1)`.

    Parameters
    ----------
    mu_q, logvar_q, mu_p, logvar_p : torch.Tensor, shape (..., D)
        Means and log-variances of q and p (``mu_p``, ``logvar_p`` default to 0).

    Returns
    -------
    torch.Tensor, shape (...), nats
    """
    mu_p = torch.zeros_like(mu_q) if mu_p is None else mu_p
    logvar_p = torch.zeros_like(logvar_q) if logvar_p is None else logvar_p
    ratio = (logvar_q - logvar_p).exp()  # sigma_q^2 / sigma_p^2
    return 0.5 * (ratio + (mu_q - mu_p).pow(2) / logvar_p.exp() - 1 - (logvar_q - logvar_p)).sum(-1)
