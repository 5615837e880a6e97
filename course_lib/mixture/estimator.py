"""Gaussian mixture models fitted by expectation-maximisation, written in torch.

Chapter 3 derives every step. The estimator follows scikit-learn's
``GaussianMixture`` (same parameters, M-step, convergence rule and fitted
attributes), so from the same initial parameters both give the same fit.
Equation numbers refer to the chapter:

(3.1) p(x) = sum_k pi_k N(x | mu_k, Sigma_k), fitted by the E- and M-steps of :mod:`.em`.
"""
import math
import warnings

import numpy as np
import torch

from .. import _tensors
from .._checks import NotFittedError, check_choice, check_count, check_int, check_number
from .._gaussian import sample_components
from .em import _exp, covariances_from_precision_cholesky, e_step, m_step, precision_cholesky
from .kmeans import kmeans, kmeans_plusplus

COVARIANCE_TYPES = ("full", "diag", "spherical")
INIT_PARAMS = ("kmeans", "k-means++", "random", "random_from_data")


class ConvergenceWarning(UserWarning):
    """EM stopped at ``max_iter`` before the lower bound changed by less than ``tol``."""


def _fitted_attribute(key, doc):
    """A read-only fitted attribute, converted to the type of the data given to ``fit``."""
    def get(self):
        state = self._fitted(key + "_")
        if key == "precisions":
            u = state["prec_chol"]
            value = u @ u.mT if self.covariance_type == "full" else u.square()
        else:
            value = state["prec_chol" if key == "precisions_cholesky" else key]
        return self._output(value, self._fit_numpy)
    return property(get, doc=doc)


class GaussianMixture:
    """Gaussian mixture model, p(x) = sum_k pi_k N(x | mu_k, Sigma_k) (3.1), fitted with EM.

    Parameters follow scikit-learn's ``GaussianMixture``. ``init_params``:
    ``"kmeans"`` runs k-means++ seeding and Lloyd iterations in torch (until no
    label changes, at most 100) and starts EM from the hard assignments;
    ``"k-means++"`` uses the seeds alone (one point per component);
    ``"random"`` uses random responsibilities; ``"random_from_data"`` random
    points. ``weights_init``, ``means_init`` and ``precisions_init`` replace
    what the init method gives; with all three the fit is deterministic.
    ``random_state`` is an int, a ``torch.Generator`` or None. ``device``
    (default: a tensor input's device, else CPU) and ``dtype`` (float64) set
    where and how EM computes. Fitted attributes and outputs are NumPy arrays
    for NumPy input and tensors for tensor input.
    """

    weights_ = _fitted_attribute("weights", "Mixing weights pi_k, shape (K,).")
    means_ = _fitted_attribute("means", "Means mu_k, shape (K, d).")
    covariances_ = _fitted_attribute("covariances", "Sigma_k: shape (K, d, d) full, (K, d) diag, (K,) spherical.")
    precisions_ = _fitted_attribute("precisions", "Inverse covariances, shaped like covariances_.")
    precisions_cholesky_ = _fitted_attribute("precisions_cholesky", "Upper-triangular U_k, precision = U_k U_k^T.")

    def __init__(self, n_components=1, covariance_type="full", tol=1e-3, reg_covar=1e-6, max_iter=100,
                 n_init=1, init_params="kmeans", weights_init=None, means_init=None, precisions_init=None,
                 random_state=None, *, device=None, dtype=torch.float64):
        self.n_components, self.covariance_type, self.tol, self.reg_covar = n_components, covariance_type, tol, reg_covar
        self.max_iter, self.n_init, self.init_params = max_iter, n_init, init_params
        self.weights_init, self.means_init, self.precisions_init = weights_init, means_init, precisions_init
        self.random_state, self.device, self.dtype = random_state, device, dtype
        self._state = None
        self._check_parameters()

    def _check_parameters(self):
        check_int("n_components", self.n_components, 1)
        check_int("max_iter", self.max_iter, 0)
        check_int("n_init", self.n_init, 1)
        check_number("tol", self.tol)
        check_number("reg_covar", self.reg_covar)
        if not (self.random_state is None or isinstance(self.random_state, torch.Generator)):
            if isinstance(self.random_state, bool) or not isinstance(self.random_state, (int, np.integer)):
                raise TypeError("random_state must be None, an int or a torch.Generator, "
                                f"got {type(self.random_state).__name__}")
            check_int("random_state", self.random_state, 0)
        check_choice("covariance_type", self.covariance_type, COVARIANCE_TYPES)
        check_choice("init_params", self.init_params, INIT_PARAMS)
        _tensors.check_dtype("dtype", self.dtype, (torch.float32, torch.float64))
        _tensors.check_device("device", self.device)

    def _tensor(self, x, name="X", device=None):
        """Validate an input; return it as a tensor in ``dtype`` on the model's device, and whether it was NumPy."""
        if device is None:
            device = self._state["means"].device if self._state else self.device
            device = device or (x.device if isinstance(x, torch.Tensor) else None)
        shape = ("n_samples", "n_features") if name == "X" else None
        return _tensors.as_tensor(name, x, dtype=self.dtype, device=device, shape=shape).detach(), \
            not isinstance(x, torch.Tensor)

    @staticmethod
    def _output(value, numpy, like=None):
        """``value`` as a NumPy array, or as a tensor on the device of the tensor ``like``."""
        if numpy:
            return _tensors.to_numpy(value)
        return value if like is None else value.to(like.device)

    def _generator(self, device):
        """The generator that initialises ``fit``, from ``random_state``."""
        if isinstance(self.random_state, torch.Generator):
            return self.random_state
        generator = torch.Generator(device=device)
        if self.random_state is None:
            return generator.manual_seed(int(torch.randint(2**62, (1,))))
        return generator.manual_seed(int(self.random_state))

    def _user_init(self, name, value, shape, device):
        value = self._tensor(value, name, device)[0]
        if tuple(value.shape) != tuple(shape):
            raise ValueError(f"{name} must have shape {tuple(shape)}, got {tuple(value.shape)}")
        return value

    def _initialize(self, x, generator, centre):
        """Initial (weights, means, covariances, precision Cholesky factors), as scikit-learn builds them.

        ``x`` is the data minus ``centre`` (shape (d,)); the means returned are relative to it too.
        """
        n, d, k, kind = *x.shape, self.n_components, self.covariance_type
        inits = (self.weights_init, self.means_init, self.precisions_init)
        params = [None, None, None, None]
        if any(v is None for v in inits):
            if self.init_params in ("kmeans", "k-means++"):
                resp = torch.zeros(n, k, dtype=x.dtype, device=x.device)
                if self.init_params == "kmeans":
                    resp[torch.arange(n), kmeans(x, k, generator)] = 1
                else:
                    resp[kmeans_plusplus(x, k, generator), torch.arange(k)] = 1
            elif self.init_params == "random":
                resp = torch.rand(n, k, generator=generator, device=generator.device).to(x)
                resp /= resp.sum(1, keepdim=True)
            else:
                resp = torch.zeros(n, k, dtype=x.dtype, device=x.device)
                resp[torch.randperm(n, generator=generator, device=generator.device)[:k], torch.arange(k)] = 1
            params[:3] = m_step(x, resp, self.reg_covar, kind)
            params[3] = precision_cholesky(params[2], kind)
        if self.weights_init is not None:
            weights = self._user_init("weights_init", self.weights_init, (k,), x.device)
            if bool((weights < 0).any()) or abs(float(weights.sum()) - 1) > 1e-6:
                raise ValueError(f"weights_init must be non-negative and sum to 1, got sum {float(weights.sum())}")
            params[0] = weights
        if self.means_init is not None:
            params[1] = self._user_init("means_init", self.means_init, (k, d), x.device) - centre
        if self.precisions_init is not None:
            shape = {"full": (k, d, d), "diag": (k, d), "spherical": (k,)}[kind]
            prec = self._user_init("precisions_init", self.precisions_init, shape, x.device)
            if kind == "full":  # U = J chol(J P J) J with J the reversal: upper triangular, P = U U^T
                chol, info = torch.linalg.cholesky_ex(prec.flip(-2, -1))
                if bool(info.any()) or not torch.allclose(prec, prec.mT):
                    raise ValueError("precisions_init must hold symmetric positive-definite matrices")
                params[3] = chol.flip(-2, -1)
            else:
                if bool((prec <= 0).any()):
                    raise ValueError(f"precisions_init must be positive for covariance_type={kind!r}")
                params[3] = prec.sqrt()
            params[2] = covariances_from_precision_cholesky(params[3], kind)  # the only inversion
        return params

    def _centred(self, X):
        """Data as a tensor (see ``_tensor``) minus its mean, the mean, and whether it was NumPy.

        EM runs on centred data: densities do not change under a shift, and far from zero
        (1e3 +- 0.01 in float32, say) the squares in the E- and M-steps would cancel every digit.
        """
        x, is_numpy = self._tensor(X)
        centre = x.mean(0)  # (d,)
        return x - centre, centre, is_numpy

    def fit(self, X):
        """Fit with EM, ``n_init`` times, keeping the run with the best final lower bound.

        A run stops when the mean log-likelihood per sample changes by less than
        ``tol`` between iterations, or after ``max_iter`` iterations with a
        :class:`ConvergenceWarning`.

        Parameters
        ----------
        X : array or Tensor, shape (N, d)

        Returns
        -------
        self
        """
        self._check_parameters()
        self._state = None
        x, centre, self._fit_numpy = self._centred(X)
        if x.shape[0] < self.n_components:
            raise ValueError(f"n_components must be <= the number of samples, got n_components="
                             f"{self.n_components} for X with {x.shape[0]} samples")
        generator = self._generator(x.device)
        kind, best = self.covariance_type, None
        for _ in range(self.n_init):
            weights, means, covariances, prec_chol = self._initialize(x, generator, centre)
            lower_bound, bounds, converged, n_iter = -math.inf, [], False, 0
            for n_iter in range(1, self.max_iter + 1):
                previous = lower_bound
                log_px, log_resp = e_step(x, weights, means, prec_chol, kind)
                weights, means, covariances = m_step(x, _exp(log_resp), self.reg_covar, kind)
                prec_chol = precision_cholesky(covariances, kind)
                lower_bound = float(log_px.mean())  # mean log-likelihood before this M-step
                bounds.append(lower_bound)
                if abs(lower_bound - previous) < self.tol:
                    converged = True
                    break
            if best is None or lower_bound > best[0]:
                best = (lower_bound, weights, means, covariances, prec_chol, n_iter, converged, bounds)
        self.lower_bound_, weights, means, covariances, prec_chol, self.n_iter_, self.converged_, self.lower_bounds_ = best
        if self.max_iter > 0 and not self.converged_:
            change = abs(best[7][-1] - best[7][-2]) if len(best[7]) > 1 else math.inf
            warnings.warn(f"EM did not converge: after max_iter={self.max_iter} iterations the mean log-likelihood "
                          f"still changed by {change:.3g} >= tol={self.tol}. Increase max_iter or tol, try other "
                          "initial parameters, or check for degenerate data.", ConvergenceWarning, stacklevel=2)
        self._state = {"weights": weights, "means": means + centre, "covariances": covariances,
                       "prec_chol": prec_chol, "centre": centre, "centred_means": means}
        return self

    def _fitted(self, method):
        if self._state is None:
            raise NotFittedError(f"This GaussianMixture is not fitted yet: call fit(X) before {method}")
        return self._state

    def _fitted_tensor(self, X, method):
        state = self._fitted(method)
        x, is_numpy = self._tensor(X)
        if x.shape[1] != state["means"].shape[1]:
            raise ValueError(f"X must have {state['means'].shape[1]} features, as in fit, got {x.shape[1]}")
        return x, is_numpy, state

    def _e_step(self, X, method):
        x, is_numpy, s = self._fitted_tensor(X, method)
        x = x - s["centre"]  # the frame EM ran in, so that float32 keeps its digits
        return (*e_step(x, s["weights"], s["centred_means"], s["prec_chol"], self.covariance_type), is_numpy)

    def score_samples(self, X):
        """Log density log p(x_n) of each row (3.1), in nats; shape (N,)."""
        log_px, _, is_numpy = self._e_step(X, "score_samples")
        return self._output(log_px, is_numpy, X)

    log_prob = score_samples  # the course's density-model vocabulary

    def score(self, X):
        """Mean log-likelihood per sample, a float."""
        return float(self._e_step(X, "score")[0].mean())

    def predict_proba(self, X):
        """Responsibilities p(z = k | x_n) (3.3); shape (N, K)."""
        _, log_resp, is_numpy = self._e_step(X, "predict_proba")
        return self._output(_exp(log_resp), is_numpy, X)

    def predict(self, X):
        """Most responsible component of each row; shape (N,), int64."""
        _, log_resp, is_numpy = self._e_step(X, "predict")
        return self._output(log_resp.argmax(1), is_numpy, X)

    def sample(self, n=1, generator=None):
        """Ancestral sampling: z ~ Categorical(pi), then x ~ N(mu_z, Sigma_z).

        Parameters
        ----------
        n : int
            Number of samples.
        generator : torch.Generator, optional
            Source of randomness, on any device; default torch's global CPU
            generator (``random_state`` seeds ``fit`` only, as the initialisation).

        Returns
        -------
        X : array or Tensor, shape (n, d), in ``dtype``
        labels : array or Tensor, shape (n,), int64
            The component z each sample was drawn from.
        """
        state = self._fitted("sample")
        means = state["means"]  # (K, d)
        n = check_count("n", n, bytes_each=means.shape[1] * means.element_size())
        _tensors.check_generator(generator)
        if "scale" not in state:  # factorise once, on the first call: mu_z + scale_z eps ~ N(mu_z, Sigma_z)
            cov = state["covariances"]
            state["scale"] = torch.linalg.cholesky(cov) if self.covariance_type == "full" else cov.sqrt()
        labels = _tensors.categorical(state["weights"], n, generator)  # (n,)
        noise = _tensors.normal((n, means.shape[1]), generator, means.device, means.dtype)  # (n, d)
        x = sample_components(means, state["scale"], labels, noise)
        return self._output(x, self._fit_numpy), self._output(labels, self._fit_numpy)

    def _n_parameters(self):
        """Free parameters: covariances, means, and K - 1 weights (they sum to one)."""
        k, d = self._state["means"].shape
        cov_params = {"full": k * d * (d + 1) / 2, "diag": k * d, "spherical": k}[self.covariance_type]
        return int(cov_params + k * d + k - 1)

    def bic(self, X):
        """Bayesian information criterion, -2 log L + p log N (lower is better)."""
        x = self._fitted_tensor(X, "bic")[0]
        return -2 * self.score(x) * len(x) + self._n_parameters() * math.log(len(x))

    def aic(self, X):
        """Akaike information criterion, -2 log L + 2 p (lower is better)."""
        x = self._fitted_tensor(X, "aic")[0]
        return -2 * self.score(x) * len(x) + 2 * self._n_parameters()


