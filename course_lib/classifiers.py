"""Generative and discriminative classifiers, side by side (chapter 2).

:class:`GaussianClassifier` models the joint ``p(x, y) = p(y) p(x | y)`` (one
Gaussian per class): it classifies by Bayes' rule, samples, and marginalises
missing features. :class:`LogisticRegression` models only ``p(y | x)``.
:func:`learning_curve` measures test accuracy against training-set size. Both
classifiers take NumPy arrays or torch tensors and compute in float64 on the
device of the data they were fitted on.
"""
import math

import numpy as np
import torch

from ._checks import NotFittedError, check_choice, check_int, check_number

COVARIANCE_TYPES = ("full", "diag", "shared")


def _as_features(X, device=None, allow_nan=False, argument="X"):
    """Check ``X`` and return it as a float64 tensor of shape (N, D)."""
    if not isinstance(X, (torch.Tensor, np.ndarray)):
        raise TypeError(f"{argument} must be a torch.Tensor or numpy.ndarray, got {type(X).__name__}")
    X = torch.as_tensor(X)
    if X.dtype == torch.bool or X.is_complex():
        raise TypeError(f"{argument} must hold real numbers, got dtype {X.dtype}")
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{argument} must be a 2-D array of shape (n_samples, n_features) with both "
                         f"sizes >= 1, got shape {tuple(X.shape)}")
    X = X.to(dtype=torch.float64, device=device)
    if torch.isinf(X).any():
        raise ValueError(f"{argument} contains infinite values; expected finite numbers")
    if not allow_nan and torch.isnan(X).any():
        raise ValueError(f"{argument} contains NaN; fit needs complete data (NaN marks a missing feature "
                         "only in log_joint, log_prob, predict_proba and predict)")
    return X


def _as_labels(y, num_samples, device=None, argument="y"):
    """Check ``y`` and return it as an int64 tensor of shape (N,)."""
    if not isinstance(y, (torch.Tensor, np.ndarray, list, tuple)):
        raise TypeError(f"{argument} must be a torch.Tensor, numpy.ndarray or list of ints, got {type(y).__name__}")
    y = torch.as_tensor(y)
    if y.dtype == torch.bool or y.is_floating_point() or y.is_complex():
        raise TypeError(f"{argument} must hold integer class labels, got dtype {y.dtype}")
    if y.ndim != 1 or len(y) != num_samples:
        raise ValueError(f"{argument} must be a 1-D array of {num_samples} labels (one per row of X), "
                         f"got shape {tuple(y.shape)}")
    return y.to(dtype=torch.int64, device=device)


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
    covariance_type : {"full", "diag", "shared"}
        One full covariance per class (QDA); diagonal ones, features independent
        given the class (Gaussian naive Bayes); or one pooled covariance (LDA).
    reg_covar : float
        Added to every variance so covariances stay invertible when a feature is
        constant within a class (many digit pixels are).

    Attributes
    ----------
    classes_ : torch.Tensor, shape (C,), int64, the sorted labels
    priors_ : torch.Tensor, shape (C,), class frequencies ``N_c / N``
    means_ : torch.Tensor, shape (C, D)
    covariances_ : torch.Tensor, shape (C, D, D)
        Maximum-likelihood (divided by ``N_c``) covariances plus ``reg_covar`` on
        the diagonal, stored as full matrices for every ``covariance_type``.
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
        if self.covariance_type == "shared":
            # pooled within-class covariance: sum_c pi_c Sigma_c = scatter / N
            pooled = centred.T @ centred / len(X)
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
        self.classes_ = classes  # (C,), set last: it marks the model as fitted
        return self

    def _cholesky(self, covariances, classes):
        """Cholesky factors L of ``covariances`` (C, d, d), with a clear error naming singular ``classes``."""
        factors, info = torch.linalg.cholesky_ex(covariances)
        if (info > 0).any():
            bad = classes[info > 0].tolist()
            raise ValueError(f"the covariance of class(es) {bad} is singular (reg_covar={self.reg_covar}); "
                             "use a larger reg_covar, e.g. 1e-3 times the feature variance")
        return factors

    def log_joint(self, X):
        """Log joint density ``log p(x, y=c)`` for every class, in nats, shape (N, C).

        ``X`` has shape (N, D); NaN marks a missing feature, marginalised out
        exactly: over the observed features ``o`` the marginal of class ``c`` is
        ``N(mu_c[o], Sigma_c[o, o])``.
        """
        X = _fitted_input(self, X, allow_nan=True)
        missing = torch.isnan(X)  # (N, D)
        if not bool(missing.any()):  # complete data: the factors from fit
            return self._log_joint_observed(X, self.means_, self._factors)
        patterns, pattern_of_row = torch.unique(missing, dim=0, return_inverse=True)
        log_joint = torch.empty(len(X), len(self.classes_), dtype=X.dtype, device=X.device)
        for p, pattern in enumerate(patterns):  # one Cholesky per missingness pattern
            rows = (pattern_of_row == p).nonzero().squeeze(1)
            observed = (~pattern).nonzero().squeeze(1)
            if len(observed) == 0:  # nothing observed: p(y=c) is all we know
                log_joint[rows] = self.priors_.log()
                continue
            if len(observed) == X.shape[1]:
                factors = self._factors
            else:
                factors = self._cholesky(self.covariances_[:, observed][:, :, observed], self.classes_)  # (C, d, d)
            log_joint[rows] = self._log_joint_observed(X[rows][:, observed], self.means_[:, observed], factors)
        return log_joint

    def _log_joint_observed(self, x, means, factors):
        """``log p(x, y=c)`` for complete rows ``x`` (n, d), given means (C, d) and Cholesky factors (C, d, d)."""
        diff = x.T[None] - means[:, :, None]  # (C, d, n)
        # Mahalanobis distance via L z = x - mu, so z^T z = (x - mu)^T Sigma^-1 (x - mu)
        z = torch.linalg.solve_triangular(factors, diff, upper=False)  # (C, d, n)
        mahalanobis = z.square().sum(1)  # (C, n)
        log_det = 2 * torch.diagonal(factors, dim1=1, dim2=2).log().sum(1)  # (C,)
        log_density = -0.5 * (x.shape[1] * math.log(2 * math.pi) + log_det[:, None] + mahalanobis)
        return (log_density + self.priors_.log()[:, None]).T  # (n, C)

    def log_prob(self, X):
        """Log marginal density ``log p(x) = log sum_c p(x, y=c)`` in nats, shape (N,)."""
        return torch.logsumexp(self.log_joint(X), dim=1)

    def predict_proba(self, X):
        """Posterior ``p(y=c | x)`` by Bayes' rule, shape (N, C); NaN features are marginalised."""
        return torch.softmax(self.log_joint(X), dim=1)

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
            Makes the draw repeatable.

        Returns
        -------
        X : torch.Tensor, shape (n, D), float64
        y : torch.Tensor, shape (n,), int64
        """
        _check_fitted(self)
        check_int("n", n, 1)
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator or None, got {type(generator).__name__}")
        device = self.means_.device if generator is None else generator.device
        if labels is None:
            index = torch.multinomial(self.priors_.to(device), int(n), replacement=True, generator=generator)
        else:
            labels = _as_labels(labels, int(n), device=self.classes_.device, argument="labels")
            known = torch.isin(labels, self.classes_)
            if not known.all():
                raise ValueError(f"labels must be among classes_ {self.classes_.tolist()}, "
                                 f"got {torch.unique(labels[~known]).tolist()}")
            index = torch.searchsorted(self.classes_, labels).to(device)
        noise = torch.randn(int(n), self.means_.shape[1], dtype=torch.float64, device=device, generator=generator)
        index, noise = index.to(self.means_.device), noise.to(self.means_.device)
        # Sigma = L L^T, so mu + L eps ~ N(mu, Sigma), with L from fit
        X = self.means_[index] + torch.einsum("nde,ne->nd", self._factors[index], noise)
        return X, self.classes_[index]


class LogisticRegression:
    """Multinomial logistic (softmax) regression, a discriminative classifier.

    Minimises with L-BFGS in float64, as scikit-learn does for ``penalty="l2"``,

    .. math:: \\sum_n -\\log \\operatorname{softmax}(W x_n + b)_{y_n} + \\frac{1}{2C} \\lVert W \\rVert^2   (2.4)

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
        self.classes_, index = torch.unique(y, return_inverse=True)
        weights = torch.zeros(len(self.classes_), X.shape[1], dtype=X.dtype, device=X.device, requires_grad=True)
        bias = torch.zeros(len(self.classes_), dtype=X.dtype, device=X.device, requires_grad=True)
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
        self.coef_, self.intercept_ = weights.detach(), bias.detach()
        return self

    def decision_function(self, X):
        """Logits ``W x + b``, shape (N, C)."""
        X = _fitted_input(self, X)
        return X @ self.coef_.T + self.intercept_

    def predict_proba(self, X):
        """Class probabilities ``softmax(W x + b)``, shape (N, C)."""
        return torch.softmax(self.decision_function(X), dim=1)

    def predict(self, X):
        """Most probable class label for each row, shape (N,), int64."""
        index = self.decision_function(X).argmax(dim=1)  # checks that the model is fitted
        return self.classes_[index]


def _stratified_subset(labels, size, rng):
    """Indices of ``size`` examples, class shares as in ``labels``, every class at least once."""
    classes, counts = np.unique(labels, return_counts=True)
    extra = (size - len(classes)) * (counts - 1) / (counts - 1).sum() if counts.sum() > len(classes) else 0 * counts
    take = 1 + np.floor(extra).astype(int)
    leftover = np.argsort(-(extra - np.floor(extra)), kind="stable")[: size - take.sum()]
    take[leftover] += 1
    return np.concatenate([rng.choice(np.flatnonzero(labels == c), k, replace=False)
                           for c, k in zip(classes, take)])


def learning_curve(make_model, X_train, y_train, X_test, y_test, sizes, repeats=5, seed=0):
    """Test accuracy against training-set size, averaged over random subsets.

    For each size and repeat a stratified subset of the training data (every
    class present) is drawn, a fresh model from ``make_model()`` is fitted on it
    and scored on the whole test set. The subsets depend only on ``seed``, so
    two models given the same seed see the same data (a paired comparison).
    A size equal to the whole training set is fitted once (every repeat would
    see the same data), so its ``std`` is 0.

    Parameters
    ----------
    make_model : callable
        ``make_model()`` returns an unfitted model with ``fit(X, y)`` and ``predict(X)``.
    X_train, y_train, X_test, y_test : shapes (N, D), (N,), (M, D), (M,)
    sizes : sequence of int
        Training-set sizes, each at least the number of classes and at most N.
    repeats : int
        Subsets per size.
    seed : int

    Returns
    -------
    dict of NumPy arrays
        ``sizes`` (S,), ``mean`` and ``std`` test accuracy (S,), ``scores`` (S, repeats).
    """
    if not callable(make_model):
        raise TypeError(f"make_model must be a callable returning an unfitted model, got {type(make_model).__name__}")
    X_train, X_test = _as_features(X_train, argument="X_train"), _as_features(X_test, argument="X_test")
    y_train = _as_labels(y_train, len(X_train), argument="y_train").cpu().numpy()
    y_test = _as_labels(y_test, len(X_test), argument="y_test").cpu().numpy()
    check_int("repeats", repeats, 1)
    sizes = np.asarray(sizes)
    num_classes = len(np.unique(y_train))
    if sizes.ndim != 1 or len(sizes) == 0 or not np.issubdtype(sizes.dtype, np.integer):
        raise ValueError(f"sizes must be a non-empty 1-D sequence of ints, got {sizes!r}")
    if sizes.min() < num_classes or sizes.max() > len(X_train):
        raise ValueError(f"sizes must lie between the number of classes ({num_classes}) and the number of "
                         f"training examples ({len(X_train)}), got {sizes.tolist()}")
    rng = np.random.default_rng(seed)
    scores = np.zeros((len(sizes), repeats))
    for i, size in enumerate(sizes):
        # the whole training set is the same subset every time: fit it once
        for r in range(1 if size == len(X_train) else repeats):
            rows = torch.as_tensor(_stratified_subset(y_train, int(size), rng))
            model = make_model().fit(X_train[rows], torch.as_tensor(y_train)[rows])
            predicted = model.predict(X_test)
            predicted = predicted.cpu().numpy() if isinstance(predicted, torch.Tensor) else np.asarray(predicted)
            scores[i, r:] = float(np.mean(predicted == y_test))
    return {"sizes": sizes, "mean": scores.mean(axis=1), "std": scores.std(axis=1), "scores": scores}
