"""Generative and discriminative classifiers, side by side (chapter 2).

:class:`GaussianClassifier` models the joint ``p(x, y) = p(y) p(x | y)`` (one
Gaussian per class): it classifies by Bayes' rule, samples, and marginalises
missing features. :class:`LogisticRegression` models only ``p(y | x)``.
Both classifiers take NumPy arrays or torch tensors, compute in float64 on
the device of the data they were fitted on, and answer as scikit-learn does:
NumPy in, NumPy out; tensors in, tensors out (``sample`` follows the data
given to ``fit``). Fitted attributes are tensors. :mod:`course_lib.learning_curves`
measures their test accuracy against training-set size.
"""
import torch

from . import _tensors
from ._checks import NotFittedError, check_choice, check_count, check_int, check_number
from ._gaussian import cholesky, log_gaussian_prob, precision_factor, sample_components
from ._tensors import follows_input

COVARIANCE_TYPES = ("full", "diag", "shared", "shared_diag")


def _as_features(X, device=None, allow_nan=False, argument="X"):
    """Check ``X`` and return it as a float64 tensor of shape (N, D); NaN (a missing feature) only if allowed."""
    X = _tensors.as_tensor(argument, X, dtype=torch.float64, device=device, shape=("n_samples", "n_features"),
                           finite="nan_ok")
    if not allow_nan and bool(torch.isnan(X).any()):
        raise ValueError(f"{argument} must hold finite numbers, got {int(torch.isnan(X).sum())} NaN; fit needs "
                         "complete data (NaN marks a missing feature only in log_joint, log_prob, "
                         "predict_proba and predict)")
    return X


def _as_labels(y, num_samples, device=None, argument="y"):
    """Check ``y`` and return it as an int64 tensor of shape (N,)."""
    y = _tensors.as_tensor(argument, y, dtype=torch.int64, device=device, integer=True)
    if y.ndim != 1 or len(y) != num_samples:
        raise ValueError(f"{argument} must be a 1-D array of {num_samples} labels (one per row of X), "
                         f"got shape {tuple(y.shape)}")
    return y


def _check_fitted(model):
    if not hasattr(model, "classes_"):
        raise NotFittedError(f"This {type(model).__name__} is not fitted yet: call fit(X, y) first")


def _fitted_input(model, X, allow_nan=False):
    """Check that ``model`` is fitted and ``X`` matches it; return ``X`` in float64 on its device."""
    _check_fitted(model)
    fitted = model.means_ if hasattr(model, "means_") else model.coef_  # (C, D)
    X = _as_features(X, device=fitted.device, allow_nan=allow_nan)
    if X.shape[1] != fitted.shape[1]:
        raise ValueError(f"X has {X.shape[1]} features, but {type(model).__name__} was fitted with {fitted.shape[1]}")
    return X


class GaussianClassifier:
    """Generative classifier: class priors and one Gaussian per class.

    .. math:: p(x, y=c) = \\pi_c \\, \\mathcal{N}(x; \\mu_c, \\Sigma_c)   (2.3)

    and the posterior follows from Bayes' rule,
    ``p(y=c | x) = p(x, y=c) / sum_k p(x, y=k)`` (2.2).

    Parameters
    ----------
    covariance_type : {"full", "diag", "shared", "shared_diag"}
        One full covariance per class (QDA, quadratic boundaries); diagonal
        ones, features independent given the class (Gaussian naive Bayes with
        class-specific variances, still quadratic); one pooled covariance (LDA);
        or the pooled covariance's diagonal, one variance per feature shared by
        every class (naive Bayes with shared variances). The last two give
        linear boundaries: the posterior is exactly a softmax of ``W x + b``,
        logistic regression's form (chapter 2).
    reg_covar : float
        Added to every variance so covariances stay invertible when a feature is
        constant within a class (many digit pixels are).

    Attributes
    ----------
    classes_ : torch.Tensor, shape (C,), int64, the sorted labels
    priors_ : torch.Tensor, shape (C,), class frequencies ``N_c / N``
    means_ : torch.Tensor, shape (C, D)
    covariances_ : torch.Tensor, shape (C, D, D)
        Maximum-likelihood covariances (scatter divided by ``N_c``, or by ``N``
        for the pooled types) plus ``reg_covar`` on the diagonal, stored as full
        matrices for every ``covariance_type``.
    """

    def __init__(self, covariance_type="full", reg_covar=1e-3):
        check_choice("covariance_type", covariance_type, COVARIANCE_TYPES)
        check_number("reg_covar", reg_covar)
        self.covariance_type = covariance_type
        self.reg_covar = float(reg_covar)

    def fit(self, X, y):
        """Maximum-likelihood priors, means and covariances; returns ``self``.

        Parameters
        ----------
        X : tensor or array, shape (N, D), complete (no NaN)
        y : tensor or array, shape (N,), integer labels
        """
        fit_numpy = not isinstance(X, torch.Tensor)  # sample() answers in the type fit was given
        X = _as_features(X)
        y = _as_labels(y, len(X), device=X.device)
        if hasattr(self, "classes_"):
            del self.classes_  # not fitted until the factorisation below succeeds
        classes, index, counts = torch.unique(y, return_inverse=True, return_counts=True)
        num_classes, num_features = len(classes), X.shape[1]
        self.priors_ = counts.to(X) / len(X)  # (C,)
        onehot = torch.nn.functional.one_hot(index, num_classes).to(X)  # (N, C)
        self.means_ = onehot.T @ X / counts.to(X)[:, None]  # (C, D)
        centred = X - self.means_[index]  # (N, D)
        if self.covariance_type in ("shared", "shared_diag"):
            # pooled within-class covariance: sum_c pi_c Sigma_c = scatter / N
            pooled = centred.T @ centred / len(X)  # (D, D)
            if self.covariance_type == "shared_diag":  # sigma_j^2 = (1/N) sum_n (x_nj - mu_{y_n, j})^2
                pooled = torch.diag(torch.diagonal(pooled))
            covariances = pooled.expand(num_classes, num_features, num_features)
        else:
            scatter = torch.einsum("nc,nd,ne->cde", onehot, centred, centred)  # (C, D, D)
            covariances = scatter / counts.to(X)[:, None, None]
            if self.covariance_type == "diag":
                covariances = torch.diag_embed(torch.diagonal(covariances, dim1=1, dim2=2))
        eye = torch.eye(num_features, dtype=X.dtype, device=X.device)
        self.covariances_ = covariances + self.reg_covar * eye  # (C, D, D)
        # factorised once: complete rows and sampling reuse them; fails now, not at predict time, if singular
        self._factors = self._cholesky(self.covariances_, classes)  # (C, D, D), Sigma_c = L_c L_c^T
        self._precision_factors = precision_factor(self._factors)  # (C, D, D), Sigma_c^{-1} = U_c U_c^T
        self._fit_numpy, self.classes_ = fit_numpy, classes  # (C,), set last: it marks the model as fitted
        return self

    def _cholesky(self, covariances, classes):
        """Cholesky factors L of ``covariances`` (C, d, d), with a clear error naming singular ``classes``."""
        def singular(bad):
            return ValueError(f"the covariance of class(es) {classes[bad].tolist()} is singular "
                              f"(reg_covar={self.reg_covar}); use a larger reg_covar, e.g. 1e-3 times the "
                              "feature variance")

        return cholesky(covariances, singular)

    @follows_input
    def log_joint(self, X):
        """Log joint density ``log p(x, y=c)`` for every class, in nats, shape (N, C).

        ``X`` has shape (N, D); NaN marks a missing feature, marginalised out
        exactly: over the observed features ``o`` the marginal of class ``c`` is
        ``N(mu_c[o], Sigma_c[o, o])``.
        """
        X = _fitted_input(self, X, allow_nan=True)
        missing = torch.isnan(X)  # (N, D)
        if not bool(missing.any()):  # complete data: the factors from fit
            return self._log_joint_observed(X, self.means_, self._precision_factors)
        patterns, pattern_of_row = torch.unique(missing, dim=0, return_inverse=True)
        log_joint = torch.empty(len(X), len(self.classes_), dtype=X.dtype, device=X.device)
        for p, pattern in enumerate(patterns):  # one Cholesky per missingness pattern
            rows = (pattern_of_row == p).nonzero().squeeze(1)
            observed = (~pattern).nonzero().squeeze(1)
            if len(observed) == 0:  # nothing observed: p(y=c) is all we know
                log_joint[rows] = self.priors_.log()
                continue
            sub_covariances = self.covariances_[:, observed][:, :, observed]  # (C, d, d)
            factors = precision_factor(self._cholesky(sub_covariances, self.classes_))
            log_joint[rows] = self._log_joint_observed(X[rows][:, observed], self.means_[:, observed], factors)
        return log_joint

    def _log_joint_observed(self, x, means, precision_factors):
        """``log p(x, y=c)`` for complete rows ``x`` (n, d), given means (C, d) and precision factors U (C, d, d).

        log N(x; mu_c, Sigma_c) = -d/2 log(2 pi) + log det U_c - |U_c^T (x - mu_c)|^2 / 2, with Sigma_c^{-1} = U_c U_c^T.
        """
        return log_gaussian_prob(x, means, precision_factors, "full") + self.priors_.log()  # (n, C)

    def linear_coefficients(self):
        r"""Weights and biases of the linear log joint of the shared-covariance models.

        With one covariance shared by the classes, ``"shared"`` or ``"shared_diag"``,

        .. math:: \log p(x, y=c) = w_c^\top x + b_c + r(x), \quad
                  w_c = \Sigma^{-1} \mu_c, \quad b_c = -\tfrac12 \mu_c^\top \Sigma^{-1} \mu_c + \log \pi_c

        where ``r(x)`` is the same for every class, so the posterior is exactly
        ``softmax(W x + b)``, logistic regression's form (chapter 2).

        Returns
        -------
        coef : torch.Tensor, shape (C, D); intercept : torch.Tensor, shape (C,)

        Raises
        ------
        ValueError
            For ``"full"`` and ``"diag"``, whose log joints are quadratic in ``x``.
        """
        _check_fitted(self)
        if self.covariance_type not in ("shared", "shared_diag"):
            raise ValueError("linear_coefficients needs covariance_type 'shared' or 'shared_diag' (one covariance "
                             f"for all classes, a linear decision function), got {self.covariance_type!r}")
        precision = self._precision_factors[0] @ self._precision_factors[0].T  # (D, D), Sigma^{-1} = U U^T
        coef = self.means_ @ precision  # (C, D): row c is (Sigma^{-1} mu_c)^T
        intercept = -0.5 * (coef * self.means_).sum(1) + self.priors_.log()  # (C,)
        return coef, intercept

    @follows_input
    def log_prob(self, X):
        """Log marginal density ``log p(x) = log sum_c p(x, y=c)`` in nats, shape (N,)."""
        return torch.logsumexp(self.log_joint(X), dim=1)

    @follows_input
    def predict_proba(self, X):
        """Posterior ``p(y=c | x)`` by Bayes' rule, shape (N, C); NaN features are marginalised."""
        return torch.softmax(self.log_joint(X), dim=1)

    @follows_input
    def predict(self, X):
        """Most probable class label for each row, shape (N,), int64."""
        index = self.log_joint(X).argmax(dim=1)  # log_joint checks that the model is fitted
        return self.classes_[index]

    def sample(self, n, labels=None, generator=None):
        """Draw ``n`` labelled examples from the fitted joint ``p(x, y)``.

        Parameters
        ----------
        n : int
        labels : tensor or array, shape (n,), optional
            Classes to generate (each in ``classes_``); drawn from the priors by default.
        generator : torch.Generator, optional
            On any device; makes the draw repeatable. Default: torch's global CPU generator.

        Returns
        -------
        X : tensor (NumPy array if fitted on one), shape (n, D), float64, on the device the model was fitted on
        y : tensor (NumPy array if fitted on one), shape (n,), int64
        """
        _check_fitted(self)
        n = check_count("n", n, bytes_each=8 * self.means_.shape[1])
        _tensors.check_generator(generator)
        if labels is None:
            index = _tensors.categorical(self.priors_, n, generator)
        else:
            labels = _as_labels(labels, n, device=self.classes_.device, argument="labels")
            known = torch.isin(labels, self.classes_)
            if not known.all():
                raise ValueError(f"labels must be among classes_ {self.classes_.tolist()}, "
                                 f"got {torch.unique(labels[~known]).tolist()}")
            index = torch.searchsorted(self.classes_, labels)
        noise = _tensors.normal((n, self.means_.shape[1]), generator, self.means_.device, torch.float64)
        # Sigma = L L^T, so mu + L eps ~ N(mu, Sigma), with L from fit
        x, y = sample_components(self.means_, self._factors, index, noise), self.classes_[index]
        return (_tensors.to_numpy(x), _tensors.to_numpy(y)) if self._fit_numpy else (x, y)


class LogisticRegression:
    """Multinomial logistic (softmax) regression, a discriminative classifier.

    Minimises with L-BFGS in float64, as scikit-learn does for ``penalty="l2"``,

    .. math:: \\sum_n -\\log \\operatorname{softmax}(W x^{(n)} + b)_{y^{(n)}} + \\frac{1}{2C} \\lVert W \\rVert^2   (2.4)

    Parameters
    ----------
    C : float
        Inverse regularisation strength (smaller is stronger); ``b`` is not penalised.
    max_iter : int
        Most L-BFGS iterations.
    tol : float
        Stop when every gradient entry of the per-example objective is below this.

    Attributes
    ----------
    classes_ : (C,); coef_ : (C, D); intercept_ : (C,) torch.Tensor; n_iter_ : int
    """

    def __init__(self, C=1.0, max_iter=500, tol=1e-5):
        check_number("C", C, strict=True)
        check_int("max_iter", max_iter, 1)
        check_number("tol", tol, strict=True)
        self.C, self.max_iter, self.tol = float(C), int(max_iter), float(tol)

    def fit(self, X, y):
        """Fit weights and biases to labelled data; returns ``self``."""
        X = _as_features(X)
        y = _as_labels(y, len(X), device=X.device)
        classes, index = torch.unique(y, return_inverse=True)
        weights = torch.zeros(len(classes), X.shape[1], dtype=X.dtype, device=X.device, requires_grad=True)
        bias = torch.zeros(len(classes), dtype=X.dtype, device=X.device, requires_grad=True)
        optimizer = torch.optim.LBFGS([weights, bias], lr=1, max_iter=self.max_iter, tolerance_grad=self.tol,
                                      tolerance_change=1e-12, history_size=20, line_search_fn="strong_wolfe")

        def closure():
            optimizer.zero_grad()
            logits = X @ weights.T + bias  # (N, C)
            # divided by N: the same minimiser as eq. (2.4), better scaled for L-BFGS
            loss = (torch.nn.functional.cross_entropy(logits, index, reduction="sum")
                    + weights.square().sum() / (2 * self.C)) / len(X)
            loss.backward()
            return loss

        optimizer.step(closure)
        self.n_iter_ = optimizer.state[weights].get("n_iter", 0)
        self.coef_, self.intercept_, self.classes_ = weights.detach(), bias.detach(), classes  # all or none
        return self

    @follows_input
    def decision_function(self, X):
        """Logits ``W x + b``, shape (N, C)."""
        X = _fitted_input(self, X)
        return X @ self.coef_.T + self.intercept_

    @follows_input
    def predict_proba(self, X):
        """Class probabilities ``softmax(W x + b)``, shape (N, C)."""
        return torch.softmax(self.decision_function(X), dim=1)

    @follows_input
    def predict(self, X):
        """Most probable class label for each row, shape (N,), int64."""
        index = self.decision_function(X).argmax(dim=1)  # checks that the model is fitted
        return self.classes_[index]
