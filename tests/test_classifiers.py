"""Tests for course_lib.classifiers: references (NumPy, scikit-learn, torch.distributions),
properties (marginalisation, sampling) and error messages."""
import numpy as np
import pytest
import torch
from scipy import stats
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression as SklearnLogisticRegression
from sklearn.naive_bayes import GaussianNB

from course_lib.classifiers import GaussianClassifier, LogisticRegression, NotFittedError


def make_blobs(n=300, num_features=4, num_classes=3, seed=0):
    """Correlated Gaussian classes with unequal sizes and covariances; labels 2, 5, 7, ..."""
    rng = np.random.default_rng(seed)
    y = rng.choice(num_classes, size=n, p=np.arange(1, num_classes + 1) / np.arange(1, num_classes + 1).sum())
    means = 2.0 * rng.standard_normal((num_classes, num_features))
    mixing = np.eye(num_features) + 0.5 * rng.standard_normal((num_classes, num_features, num_features))
    x = means[y] + np.einsum("nde,ne->nd", mixing[y], rng.standard_normal((n, num_features)))
    labels = np.array([2, 5, 7, 9, 11])[:num_classes][y]
    return x, labels


@pytest.fixture(scope="module")
def blobs():
    return make_blobs()


@pytest.mark.parametrize("covariance_type", ["full", "diag", "shared", "shared_diag"])
def test_parameters_match_numpy(blobs, covariance_type):
    x, y = blobs
    reg = 1e-2
    model = GaussianClassifier(covariance_type, reg_covar=reg).fit(torch.as_tensor(x), torch.as_tensor(y))
    classes = np.unique(y)
    np.testing.assert_array_equal(model.classes_.numpy(), classes)
    np.testing.assert_allclose(model.priors_.numpy(), [np.mean(y == c) for c in classes])
    np.testing.assert_allclose(model.means_.numpy(), [x[y == c].mean(0) for c in classes])
    per_class = np.array([np.cov(x[y == c], rowvar=False, bias=True) for c in classes])
    if covariance_type == "diag":
        per_class = np.array([np.diag(np.diag(c)) for c in per_class])
    if covariance_type in ("shared", "shared_diag"):
        pooled = np.einsum("c,cde->de", model.priors_.numpy(), per_class)
        if covariance_type == "shared_diag":  # one variance per feature, pooled over the classes
            pooled = np.diag(np.diag(pooled))
        per_class = np.broadcast_to(pooled, per_class.shape)
    np.testing.assert_allclose(model.covariances_.numpy(), per_class + reg * np.eye(x.shape[1]), atol=1e-12)


def test_full_matches_sklearn_qda(blobs):
    x, y = blobs
    model = GaussianClassifier("full", reg_covar=0.0).fit(x, y)
    qda = QuadraticDiscriminantAnalysis(reg_param=0.0, store_covariance=True).fit(x, y)
    np.testing.assert_allclose(model.means_.numpy(), qda.means_, atol=1e-12)
    first = x[y == 2]
    if np.allclose(qda.covariance_[0], np.cov(first, rowvar=False, ddof=1)):
        pytest.skip("this scikit-learn's QDA divides covariances by N_c - 1 (newer ones use the MLE)")
    np.testing.assert_allclose(model.covariances_.numpy(), np.array(qda.covariance_), atol=1e-10)
    test_x, _ = make_blobs(n=50, seed=1)
    np.testing.assert_allclose(model.predict_proba(test_x), qda.predict_proba(test_x), atol=1e-8)


def test_diag_matches_sklearn_gaussian_nb(blobs):
    x, y = blobs
    reg = 1e-2
    model = GaussianClassifier("diag", reg_covar=reg).fit(x, y)
    # GaussianNB adds var_smoothing * max variance to every variance
    nb = GaussianNB(var_smoothing=reg / x.var(axis=0).max()).fit(x, y)
    np.testing.assert_allclose(torch.diagonal(model.covariances_, dim1=1, dim2=2).numpy(), nb.var_, rtol=1e-10)
    test_x, _ = make_blobs(n=50, seed=1)
    np.testing.assert_allclose(model.log_joint(test_x), nb.predict_joint_log_proba(test_x), rtol=1e-10)
    np.testing.assert_allclose(model.predict_proba(test_x), nb.predict_proba(test_x), atol=1e-10)
    np.testing.assert_array_equal(model.predict(test_x), nb.predict(test_x))


def test_shared_matches_sklearn_lda(blobs):
    x, y = blobs
    model = GaussianClassifier("shared", reg_covar=0.0).fit(x, y)
    lda = LinearDiscriminantAnalysis(solver="lsqr", store_covariance=True).fit(x, y)
    np.testing.assert_allclose(model.covariances_[0].numpy(), lda.covariance_, atol=1e-10)
    test_x, _ = make_blobs(n=50, seed=1)
    np.testing.assert_allclose(model.predict_proba(test_x), lda.predict_proba(test_x), atol=1e-8)


def _log_odds(model, points):
    """log p(y=c_1 | x) - log p(y=c_0 | x) for each row of ``points``."""
    log_joint = model.log_joint(points)
    return log_joint[:, 1] - log_joint[:, 0]


def test_shared_diag_matches_a_scipy_naive_bayes(blobs):
    """Naive Bayes with one variance per feature shared by the classes (Ng and Jordan's continuous case)."""
    x, y = blobs
    reg = 1e-2
    model = GaussianClassifier("shared_diag", reg_covar=reg).fit(x, y)
    classes = np.unique(y)
    priors = np.array([np.mean(y == c) for c in classes])
    means = np.array([x[y == c].mean(0) for c in classes])
    variances = ((x - means[np.searchsorted(classes, y)]) ** 2).mean(0) + reg  # (D,): sigma_j^2, pooled
    test_x = make_blobs(n=50, seed=1)[0]
    reference = np.log(priors) + np.stack(
        [stats.norm(means[c], np.sqrt(variances)).logpdf(test_x).sum(1) for c in range(len(classes))], axis=1)
    np.testing.assert_allclose(model.log_joint(test_x), reference, rtol=1e-10)
    posterior = np.exp(reference - reference.max(1, keepdims=True))
    np.testing.assert_allclose(model.predict_proba(test_x), posterior / posterior.sum(1, keepdims=True),
                               atol=1e-10)


@pytest.mark.parametrize("covariance_type", ["shared", "shared_diag"])
def test_shared_covariance_posteriors_are_exactly_logistic(blobs, covariance_type):
    x, y = blobs
    model = GaussianClassifier(covariance_type, reg_covar=1e-2).fit(x, y)
    coef, intercept = model.linear_coefficients()
    assert coef.shape == (3, 4) and intercept.shape == (3,)
    test_x = torch.as_tensor(make_blobs(n=50, seed=1)[0])
    torch.testing.assert_close(model.predict_proba(test_x), torch.softmax(test_x @ coef.T + intercept, dim=1),
                               rtol=0, atol=1e-10)
    # so the log-odds between two classes are affine in x: at a mix of two points they are the mix of theirs
    a, b, t = test_x[:25], test_x[25:], 0.3
    torch.testing.assert_close(_log_odds(model, t * a + (1 - t) * b),
                               t * _log_odds(model, a) + (1 - t) * _log_odds(model, b), rtol=0, atol=1e-9)


def test_class_specific_variances_give_quadratic_log_odds(blobs):
    x, y = blobs
    model = GaussianClassifier("diag", reg_covar=1e-2).fit(x, y)
    test_x = torch.as_tensor(make_blobs(n=50, seed=1)[0])
    a, b, t = test_x[:25], test_x[25:], 0.3
    mixed = t * _log_odds(model, a) + (1 - t) * _log_odds(model, b)
    assert (_log_odds(model, t * a + (1 - t) * b) - mixed).abs().max() > 0.1
    with pytest.raises(ValueError, match=r"^linear_coefficients needs covariance_type 'shared' or 'shared_diag' "
                                         r"\(one covariance for all classes, a linear decision function\), got 'diag'$"):
        model.linear_coefficients()
    with pytest.raises(NotFittedError, match="not fitted yet"):
        GaussianClassifier("shared").linear_coefficients()


@pytest.mark.parametrize("covariance_type", ["full", "diag", "shared", "shared_diag"])
def test_log_joint_matches_torch_distributions(blobs, covariance_type):
    x, y = blobs
    model = GaussianClassifier(covariance_type).fit(x, y)
    test_x = torch.as_tensor(make_blobs(n=40, seed=2)[0])
    expected = torch.stack([
        torch.distributions.MultivariateNormal(mean, covariance).log_prob(test_x) + prior.log()
        for prior, mean, covariance in zip(model.priors_, model.means_, model.covariances_)
    ], dim=1)
    torch.testing.assert_close(model.log_joint(test_x), expected)
    torch.testing.assert_close(model.log_prob(test_x), torch.logsumexp(expected, dim=1))
    torch.testing.assert_close(model.predict_proba(test_x).sum(1), torch.ones(40, dtype=torch.float64))
    assert model.predict(test_x).dtype == torch.int64


def test_missing_features_equal_fitting_on_observed_features(blobs):
    x, y = blobs
    model = GaussianClassifier("full", reg_covar=1e-2).fit(x, y)
    test_x = make_blobs(n=30, seed=3)[0]
    rng = np.random.default_rng(0)
    missing = rng.random(test_x.shape) < 0.4
    missing[0] = True  # a row with nothing observed: the posterior is the prior
    missing[1] = False  # a complete row
    holey = torch.as_tensor(np.where(missing, np.nan, test_x))  # tensors in, tensors out
    log_joint = model.log_joint(holey)
    for i in range(len(test_x)):
        observed = ~missing[i]
        if not observed.any():
            torch.testing.assert_close(log_joint[i], model.priors_.log())
            continue
        reference = GaussianClassifier("full", reg_covar=1e-2).fit(x[:, observed], y)
        torch.testing.assert_close(log_joint[i], reference.log_joint(torch.as_tensor(test_x[i:i + 1, observed]))[0])
    torch.testing.assert_close(model.predict_proba(holey), torch.softmax(log_joint, dim=1))


def test_sample_moments_and_labels(blobs):
    x, y = map(torch.as_tensor, blobs)
    model = GaussianClassifier("full").fit(x, y)
    generator = torch.Generator().manual_seed(0)
    labels = torch.full((20000,), 5)
    samples, sampled_labels = model.sample(20000, labels=labels, generator=generator)
    assert samples.shape == (20000, 4) and samples.dtype == torch.float64
    assert torch.equal(sampled_labels, labels)
    torch.testing.assert_close(samples.mean(0), model.means_[1], atol=0.05, rtol=0)
    torch.testing.assert_close(torch.cov(samples.T), model.covariances_[1], atol=0.05, rtol=0)
    _, drawn = model.sample(30000, generator=generator)
    frequencies = torch.stack([(drawn == c).double().mean() for c in model.classes_])
    torch.testing.assert_close(frequencies, model.priors_, atol=0.02, rtol=0)


def test_seeded_sample_is_repeatable(blobs):
    model = GaussianClassifier("diag").fit(*map(torch.as_tensor, blobs))
    first = model.sample(50, generator=torch.Generator().manual_seed(7))
    second = model.sample(50, generator=torch.Generator().manual_seed(7))
    third = model.sample(50, generator=torch.Generator().manual_seed(8))
    assert torch.equal(first[0], second[0]) and torch.equal(first[1], second[1])
    assert not torch.equal(first[0], third[0])


@pytest.mark.parametrize("covariance_type", ["full", "diag", "shared", "shared_diag"])
def test_complete_rows_agree_with_and_without_missing_rows(blobs, covariance_type):
    x, y = map(torch.as_tensor, blobs)
    model = GaussianClassifier(covariance_type).fit(x, y)
    test_x = torch.as_tensor(make_blobs(n=20, seed=6)[0])
    holey = test_x.clone()
    holey[::2, 0] = float("nan")  # even rows lose a feature; odd rows stay complete
    complete = model.log_joint(test_x)  # the fast path: factors from fit
    torch.testing.assert_close(model.log_joint(holey)[1::2], complete[1::2], rtol=1e-12, atol=1e-12)
    factors = torch.linalg.cholesky(model.covariances_)  # fit's factors, as sample uses them
    generator = torch.Generator().manual_seed(3)  # the draws sample makes, in its order
    index = torch.multinomial(model.priors_, 5, replacement=True, generator=generator)
    noise = torch.randn(5, 4, dtype=torch.float64, generator=generator)
    samples, labels = model.sample(5, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(labels, model.classes_[index], rtol=0, atol=0)
    torch.testing.assert_close(samples, model.means_[index] + torch.einsum("nde,ne->nd", factors[index], noise))


def test_sample_rejects_a_generator_that_is_not_a_torch_generator(blobs):
    model = GaussianClassifier().fit(*blobs)
    with pytest.raises(TypeError, match=r"^generator must be a torch.Generator or None, got int$"):
        model.sample(3, generator=0)
    with pytest.raises(TypeError, match=r"^generator must be a torch.Generator or None, got RandomState$"):
        model.sample(3, generator=np.random.RandomState(0))


def test_failed_refit_leaves_the_model_unfitted(blobs):
    x, y = blobs
    model = GaussianClassifier(reg_covar=0).fit(x, y)
    with pytest.raises(ValueError, match=r"is singular"):
        model.fit(np.c_[x, np.ones(len(x))], y)
    with pytest.raises(NotFittedError, match=r"not fitted yet"):
        model.predict(x)


@pytest.mark.parametrize("C", [0.1, 1.0])
def test_logistic_regression_matches_sklearn(blobs, C):
    x, y = blobs
    x = (x - x.mean(0)) / x.std(0)
    model = LogisticRegression(C=C, tol=1e-9).fit(torch.as_tensor(x), y)
    reference = SklearnLogisticRegression(C=C, tol=1e-10, max_iter=10000).fit(x, y)
    test_x = (make_blobs(n=100, seed=4)[0] - x.mean(0)) / x.std(0)
    np.testing.assert_allclose(model.predict_proba(test_x), reference.predict_proba(test_x), atol=1e-4)
    np.testing.assert_array_equal(model.predict(test_x), reference.predict(test_x))
    np.testing.assert_allclose(model.coef_.numpy(), reference.coef_, atol=1e-3)


def test_gaussian_classifier_errors(blobs):
    x, y = blobs
    with pytest.raises(ValueError, match=r"covariance_type must be one of \['full', 'diag', 'shared', 'shared_diag'\], got 'tied'"):
        GaussianClassifier("tied")
    with pytest.raises(ValueError, match="reg_covar must be a finite number >= 0, got -1"):
        GaussianClassifier(reg_covar=-1)
    model = GaussianClassifier()
    with pytest.raises(NotFittedError, match=r"This GaussianClassifier is not fitted yet: call fit\(X, y\) first"):
        model.predict(x)
    assert issubclass(NotFittedError, ValueError)
    with pytest.raises(ValueError, match=r"^X must have shape \(n_samples, n_features\), got \(300,\)$"):
        model.fit(x[:, 0], y)
    with pytest.raises(ValueError, match=r"y must be a 1-D array of 300 labels \(one per row of X\), got shape \(299,\)"):
        model.fit(x, y[:-1])
    with pytest.raises(TypeError, match="^y must hold integers, got dtype torch.float64$"):
        model.fit(x, y.astype(float))
    with pytest.raises(TypeError, match="^X must be a torch.Tensor, a NumPy array or a list of numbers, got dict$"):
        model.fit({"x": x}, y)
    torch.testing.assert_close(GaussianClassifier().fit(x.tolist(), y).means_, model.fit(x, y).means_)
    holey = x.copy()
    holey[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"^X must hold finite numbers, got 1 NaN; fit needs complete data \(NaN marks"):
        model.fit(holey, y)
    model.fit(x, y)
    with pytest.raises(ValueError, match="X has 3 features, but GaussianClassifier was fitted with 4"):
        model.predict(x[:, :3])
    with pytest.raises(ValueError, match="^X must hold finite numbers, got 4 infinite values$"):
        model.predict_proba(np.full((1, 4), np.inf))
    with pytest.raises(ValueError, match=r"labels must be among classes_ \[2, 5, 7\], got \[3\]"):
        model.sample(2, labels=[2, 3])
    with pytest.raises(ValueError, match="n must be an int >= 1, got 0"):
        model.sample(0)
    constant = np.c_[x, np.ones(len(x))]  # a constant feature: singular without regularisation
    with pytest.raises(ValueError, match=r"the covariance of class\(es\) \[2, 5, 7\] is singular \(reg_covar=0.0\)"):
        GaussianClassifier(reg_covar=0).fit(constant, y)


def test_logistic_regression_errors(blobs):
    x, y = blobs
    with pytest.raises(ValueError, match="C must be a finite number > 0, got 0"):
        LogisticRegression(C=0)
    with pytest.raises(TypeError, match=r"max_iter must be an int, got float 1\.5"):
        LogisticRegression(max_iter=1.5)
    with pytest.raises(NotFittedError, match="This LogisticRegression is not fitted yet"):
        LogisticRegression().predict_proba(x)
    model = LogisticRegression().fit(x, y)
    with pytest.raises(ValueError, match="X has 5 features, but LogisticRegression was fitted with 4"):
        model.predict(np.c_[x, x[:, :1]])
    with pytest.raises(ValueError, match="^X must hold finite numbers, got 8 NaN; fit needs complete data"):
        model.predict(np.full((2, 4), np.nan))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_fit_predict_sample(blobs):
    x, y = blobs
    x_cuda, y_cuda = torch.as_tensor(x, device="cuda"), torch.as_tensor(y, device="cuda")
    model = GaussianClassifier("full").fit(x_cuda, y_cuda)
    cpu_model = GaussianClassifier("full").fit(x, y)
    holey = x_cuda.clone()
    holey[::3, 1] = float("nan")
    assert model.log_joint(holey).device.type == "cuda"
    torch.testing.assert_close(model.log_joint(holey).cpu(), cpu_model.log_joint(holey.cpu()))
    samples, labels = model.sample(10, generator=torch.Generator(device="cuda").manual_seed(0))
    assert samples.device.type == "cuda" and labels.device.type == "cuda"
    samples, _ = model.sample(10, generator=torch.Generator().manual_seed(0))  # a CPU generator works too
    assert samples.device.type == "cuda"
    logistic = LogisticRegression().fit(x_cuda, y_cuda)
    assert logistic.predict(x).device.type == "cuda"


def test_numpy_in_numpy_out_tensors_in_tensors_out(blobs):
    x, y = blobs
    model = GaussianClassifier("full").fit(x, y)
    for method in (model.log_joint, model.log_prob, model.predict_proba, model.predict):
        assert isinstance(method(x[:5]), np.ndarray) and isinstance(method(torch.as_tensor(x[:5])), torch.Tensor)
        np.testing.assert_array_equal(method(x[:5]), method(torch.as_tensor(x[:5])).numpy())
    samples, labels = model.sample(3, generator=torch.Generator().manual_seed(0))
    assert isinstance(samples, np.ndarray) and isinstance(labels, np.ndarray)
    logistic = LogisticRegression().fit(x, y)
    assert isinstance(logistic.predict(x[:5]), np.ndarray) and isinstance(logistic.predict_proba(x[:5]), np.ndarray)
    with pytest.raises(TypeError, match=r"^X must be a torch.Tensor, a NumPy array or a list of numbers, got str$"):
        model.predict("x")
