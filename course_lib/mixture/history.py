"""Every state of an EM run, for the chapter's figures and the EM stepper widget."""
import torch

from .._checks import check_int
from .em import _exp, e_step, m_step, precision_cholesky
from .estimator import GaussianMixture


def em_history(model, X, n_steps):
    """Run EM from ``model``'s initialisation one step at a time and record every state (for figures).

    Parameters
    ----------
    model : GaussianMixture
        Supplies the settings and the initialisation; it is not fitted.
    X : array or Tensor, shape (N, d)
    n_steps : int
        Number of EM iterations.

    Returns
    -------
    list of dict, length n_steps + 1
        Entry i holds the parameters after i M-steps (``weights`` (K,), ``means``
        (K, d), ``covariances``), the responsibilities ``resp`` (N, K) they give,
        and ``log_likelihood``, the mean log p(x_n) under them. Tensors are float64 on the CPU.
    """
    if not isinstance(model, GaussianMixture):
        raise TypeError(f"model must be a GaussianMixture, got {type(model).__name__}")
    check_int("n_steps", n_steps, 0)
    model._check_parameters()
    (x, centre, _), kind = model._centred(X), model.covariance_type
    weights, means, covariances, prec_chol = model._initialize(x, model._generator(x.device), centre)
    history = []
    for step in range(n_steps + 1):
        log_px, log_resp = e_step(x, weights, means, prec_chol, kind)
        state = {"weights": weights, "means": means + centre, "resp": _exp(log_resp), "covariances": covariances}
        history.append({"step": step, "log_likelihood": float(log_px.mean()),
                        **{name: value.detach().cpu().double() for name, value in state.items()}})
        if step < n_steps:
            weights, means, covariances = m_step(x, _exp(log_resp), model.reg_covar, kind)
            prec_chol = precision_cholesky(covariances, kind)
    return history
