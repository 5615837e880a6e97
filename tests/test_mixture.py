"""Tests for course_lib.mixture: scikit-learn and torch.distributions as references, EM properties, errors."""
import warnings

import numpy as np
import pytest
import torch
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

from course_lib.mixture import ConvergenceWarning, GaussianMixture, NotFittedError, logsumexp

COVARIANCE_TYPES = ["full", "diag", "spherical"]


def blobs(n=400, d=3, k=4, seed=0, spread=4.0, anisotropic=True):
    """Well separated Gaussian clusters with random (full) covariances."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(scale=spread, size=(k, d))
    labels = rng.integers(0, k, size=n)
    mixing = rng.normal(size=(k, d, d)) * 0.5 + np.eye(d) if anisotropic else np.tile(np.eye(d), (k, 1, 1))
    x = centres[labels] + np.einsum("nij,nj->ni", mixing[labels], rng.normal(size=(n, d)))
    return x, labels


def inits(x, k, covariance_type, seed=1):
    """Initial parameters shared by both implementations: data points as means, unit precisions."""
    rng = np.random.default_rng(seed)
    d = x.shape[1]
    precisions = {"full": np.tile(np.eye(d), (k, 1, 1)), "diag": np.ones((k, d)), "spherical": np.ones(k)}
    return {"weights_init": np.full(k, 1.0 / k), "means_init": x[rng.choice(len(x), k, replace=False)],
            "precisions_init": precisions[covariance_type]}


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_matches_sklearn_from_the_same_initial_parameters(covariance_type):
    x, _ = blobs()
    kwargs = dict(n_components=4, covariance_type=covariance_type, **inits(x, 4, covariance_type))
    ours = GaussianMixture(**kwargs).fit(x)
    theirs = SklearnGaussianMixture(**kwargs).fit(x)
    np.testing.assert_allclose(ours.score_samples(x), theirs.score_samples(x), rtol=1e-6)
    np.testing.assert_array_equal(ours.predict(x), theirs.predict(x))
    np.testing.assert_allclose(ours.predict_proba(x), theirs.predict_proba(x), atol=1e-8)
    assert abs(ours.n_iter_ - theirs.n_iter_) <= 1
    assert ours.converged_ == theirs.converged_
    np.testing.assert_allclose(ours.lower_bound_, theirs.lower_bound_, rtol=1e-6)
    for name in ("weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_"):
        np.testing.assert_allclose(getattr(ours, name), getattr(theirs, name), rtol=1e-6, atol=1e-9, err_msg=name)
    np.testing.assert_allclose(ours.bic(x), theirs.bic(x), rtol=1e-9)
    np.testing.assert_allclose(ours.aic(x), theirs.aic(x), rtol=1e-9)
    np.testing.assert_allclose(ours.score(x), theirs.score(x), rtol=1e-9)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_em_lower_bound_never_decreases_one_iteration_at_a_time(covariance_type):
    x, _ = blobs(n=300, seed=2)
    params = inits(x, 5, covariance_type, seed=3)
    scores = []
    for _ in range(15):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter=1 never "converges"
            model = GaussianMixture(5, covariance_type=covariance_type, max_iter=1, **params).fit(x)
        scores.append(model.score(x))
        params = {"weights_init": model.weights_, "means_init": model.means_, "precisions_init": model.precisions_}
    assert np.all(np.diff(scores) >= -1e-10), np.diff(scores)
    assert scores[-1] > scores[0] + 0.1  # EM made real progress, so the check above means something
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # tol=0: run all 30 iterations
        bounds = GaussianMixture(5, covariance_type=covariance_type, tol=0.0, max_iter=30,
                                 **inits(x, 5, covariance_type, seed=3)).fit(x).lower_bounds_
    assert len(bounds) == 30
    assert np.all(np.diff(bounds) >= -1e-10)


def reference_mixture(weights, means, precisions, covariance_type):
    mixing = torch.distributions.Categorical(probs=weights)
    if covariance_type == "full":
        components = torch.distributions.MultivariateNormal(means, precision_matrix=precisions)
    else:
        scale = precisions.rsqrt() if covariance_type == "diag" else precisions.rsqrt()[:, None].expand_as(means)
        components = torch.distributions.Independent(torch.distributions.Normal(means, scale), 1)
    return torch.distributions.MixtureSameFamily(mixing, components)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_score_samples_equals_torch_mixture_same_family(covariance_type):
    generator = torch.Generator().manual_seed(0)
    k, d = 3, 4
    weights = torch.tensor([0.2, 0.5, 0.3], dtype=torch.float64)
    means = torch.randn(k, d, generator=generator, dtype=torch.float64) * 3
    if covariance_type == "full":
        a = torch.randn(k, d, d, generator=generator, dtype=torch.float64)
        precisions = a @ a.mT + 0.5 * torch.eye(d, dtype=torch.float64)
    elif covariance_type == "diag":
        precisions = torch.rand(k, d, generator=generator, dtype=torch.float64) + 0.2
    else:
        precisions = torch.rand(k, generator=generator, dtype=torch.float64) + 0.2
    x = torch.randn(50, d, generator=generator, dtype=torch.float64) * 3
    # max_iter=0 keeps the given parameters, as in scikit-learn
    model = GaussianMixture(k, covariance_type=covariance_type, max_iter=0, weights_init=weights,
                            means_init=means, precisions_init=precisions).fit(x)
    expected = reference_mixture(weights, means, precisions, covariance_type).log_prob(x)
    torch.testing.assert_close(model.score_samples(x), expected, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(model.log_prob(x), expected, rtol=1e-10, atol=1e-10)
    assert isinstance(model.score_samples(x), torch.Tensor)


def test_logsumexp_is_stable_and_exact():
    a = torch.tensor([[1000.0, 1000.0], [-1000.0, -1e4], [0.0, 1.0]], dtype=torch.float64)
    torch.testing.assert_close(logsumexp(a, 1), torch.logsumexp(a, 1))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_sample_moments_match_parameters(covariance_type):
    x, _ = blobs(n=300, d=2, k=3, seed=4)
    model = GaussianMixture(3, covariance_type=covariance_type, random_state=0).fit(x)
    samples, labels = model.sample(60_000, generator=torch.Generator().manual_seed(1))
    assert samples.shape == (60_000, 2) and labels.shape == (60_000,)
    np.testing.assert_allclose(np.bincount(labels, minlength=3) / 60_000, model.weights_, atol=0.01)
    for k in range(3):
        chosen = samples[labels == k]
        np.testing.assert_allclose(chosen.mean(0), model.means_[k], atol=0.05 * np.sqrt(np.max(model.covariances_)))
        covariance = np.cov(chosen.T)
        if covariance_type == "full":
            expected = model.covariances_[k]
        else:  # diag holds variances (d,), spherical one variance
            expected = np.eye(2) * model.covariances_[k]
        np.testing.assert_allclose(covariance, expected, atol=0.06 * np.abs(expected).max())


def test_covariance_types_agree_on_spherical_data():
    x, _ = blobs(n=3000, d=2, k=3, seed=5, spread=6.0, anisotropic=False)
    fits = {kind: GaussianMixture(3, covariance_type=kind, **inits(x, 3, kind, seed=0)).fit(x)
            for kind in COVARIANCE_TYPES}
    order = {kind: np.lexsort(model.means_.T) for kind, model in fits.items()}
    full, diag, spherical = (fits[k] for k in COVARIANCE_TYPES)
    for kind, model in fits.items():
        np.testing.assert_allclose(model.means_[order[kind]], full.means_[order["full"]], atol=0.05)
        np.testing.assert_allclose(model.weights_[order[kind]], full.weights_[order["full"]], atol=0.01)
    variances = spherical.covariances_[order["spherical"]]  # (K,)
    np.testing.assert_allclose(diag.covariances_[order["diag"]], np.repeat(variances[:, None], 2, 1), rtol=0.1)
    np.testing.assert_allclose(full.covariances_[order["full"]], variances[:, None, None] * np.eye(2), atol=0.1)
    assert abs(full.score(x) - spherical.score(x)) < 0.01


def test_repeatable_with_a_seed_and_different_across_seeds():
    x, _ = blobs(n=200, seed=6)
    a = GaussianMixture(4, init_params="random", random_state=3).fit(x)
    b = GaussianMixture(4, init_params="random", random_state=3).fit(x)
    c = GaussianMixture(4, init_params="random", random_state=4, max_iter=1)
    with pytest.warns(ConvergenceWarning):
        c.fit(x)
    np.testing.assert_array_equal(a.means_, b.means_)
    assert not np.allclose(a.means_, c.means_)
    torch.manual_seed(0)
    first = a.sample(10)[0]
    assert not np.array_equal(first, a.sample(10)[0])  # no generator: torch's global one, which moves on
    torch.manual_seed(0)
    np.testing.assert_array_equal(first, b.sample(10)[0])  # ... and which setup(seed) seeds
    one = a.sample(10, generator=torch.Generator().manual_seed(7))
    two = a.sample(10, generator=torch.Generator().manual_seed(7))
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])
    assert not np.array_equal(one[0], a.sample(10, generator=torch.Generator().manual_seed(8))[0])


def test_n_init_keeps_the_best_of_its_restarts():
    x, _ = blobs(n=300, k=5, seed=7)
    best = GaussianMixture(5, init_params="random", n_init=4, random_state=torch.Generator().manual_seed(0)).fit(x)
    generator = torch.Generator().manual_seed(0)  # the same stream, consumed one restart at a time
    singles = [GaussianMixture(5, init_params="random", random_state=generator).fit(x).lower_bound_ for _ in range(4)]
    assert best.lower_bound_ == max(singles)
    assert len(set(singles)) > 1


@pytest.mark.parametrize("init_params", ["kmeans", "k-means++", "random", "random_from_data"])
def test_every_init_method_fits_separated_clusters(init_params):
    x, labels = blobs(n=400, k=4, seed=8, spread=8.0)
    model = GaussianMixture(4, init_params=init_params, n_init=3, random_state=0).fit(x)
    reference = SklearnGaussianMixture(4, n_init=3, random_state=0).fit(x)
    assert adjusted_rand_score(labels, model.predict(x)) > 0.95
    assert model.score(x) > reference.score(x) - 0.05


def test_output_type_follows_input():
    x, _ = blobs(n=100, seed=9)
    tensor = torch.as_tensor(x, dtype=torch.float32)
    model = GaussianMixture(2, random_state=0).fit(tensor)
    assert isinstance(model.means_, torch.Tensor) and model.means_.dtype == torch.float64
    assert isinstance(model.predict(tensor), torch.Tensor) and isinstance(model.sample(3)[0], torch.Tensor)
    assert isinstance(model.predict(x), np.ndarray)  # per call, outputs follow that call's input
    model = GaussianMixture(2, random_state=0).fit(x)
    assert isinstance(model.means_, np.ndarray) and isinstance(model.sample(3)[1], np.ndarray)
    assert isinstance(model.score_samples(tensor), torch.Tensor)


def test_warns_when_em_stops_without_converging():
    x, _ = blobs(n=200, seed=10)
    with pytest.warns(ConvergenceWarning, match=r"did not converge.*max_iter=2"):
        model = GaussianMixture(4, max_iter=2, tol=0, random_state=0).fit(x)
    assert not model.converged_ and model.n_iter_ == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert GaussianMixture(4, random_state=0).fit(x).converged_


@pytest.mark.parametrize("kwargs, error, match", [
    ({"n_components": 0}, ValueError, r"n_components must be an int >= 1, got 0"),
    ({"n_components": 2.5}, TypeError, r"n_components must be an int, got float 2.5"),
    ({"covariance_type": "tied"}, ValueError, r"covariance_type must be one of \['full', 'diag', 'spherical'\], got 'tied'"),
    ({"init_params": "best"}, ValueError, r"init_params must be one of .*got 'best'"),
    ({"tol": -1.0}, ValueError, r"tol must be a finite number >= 0, got -1\.0"),
    ({"reg_covar": "big"}, TypeError, r"reg_covar must be a number, got str 'big'"),
    ({"max_iter": -1}, ValueError, r"max_iter must be an int >= 0, got -1"),
    ({"random_state": np.random.RandomState(0)}, TypeError,
     r"random_state must be None, an int or a torch.Generator, got RandomState"),
])
def test_bad_parameters_raise_clear_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        GaussianMixture(**kwargs)


@pytest.mark.parametrize("x, error, match", [
    (np.zeros(5), ValueError, r"^X must have shape \(n_samples, n_features\), got \(5,\)$"),
    (np.zeros((4, 2, 2)), ValueError, r"^X must have shape \(n_samples, n_features\), got \(4, 2, 2\)$"),
    (np.zeros((0, 2)), ValueError, r"^X must not be empty, got shape \(0, 2\)$"),
    (np.array([[0.0, 1.0], [np.nan, 2.0], [np.inf, 1.0]]), ValueError,
     r"^X must hold finite numbers, got 2 NaN or infinite values$"),
    ("data", TypeError, r"^X must be a torch.Tensor, a NumPy array or a list of numbers, got str$"),
    (np.array([["a", "b"]]), TypeError, r"^X must hold real numbers, got an array of dtype <U1$"),
    (torch.zeros(3, 2, device="meta"), ValueError, r"^X is on the 'meta' device, which holds shapes but no values"),
])
def test_bad_data_raises_clear_errors(x, error, match):
    with pytest.raises(error, match=match):
        GaussianMixture(1).fit(x)


def test_more_components_than_samples():
    with pytest.raises(ValueError, match=r"n_components must be <= the number of samples, got n_components=5 for X with 3"):
        GaussianMixture(5).fit(np.random.default_rng(0).normal(size=(3, 2)))


def test_methods_before_fit_and_wrong_feature_count():
    model = GaussianMixture(2)
    for method in ("predict", "predict_proba", "score_samples", "score", "bic", "aic"):
        with pytest.raises(NotFittedError, match=rf"not fitted yet: call fit\(X\) before {method}"):
            getattr(model, method)(np.zeros((3, 2)))
    with pytest.raises(NotFittedError, match=r"before sample"):
        model.sample(3)
    with pytest.raises(NotFittedError, match=r"before means_"):
        model.means_
    assert not hasattr(model, "weights_")
    model.fit(blobs(n=50, d=3, k=2)[0])
    with pytest.raises(ValueError, match=r"X must have 3 features, as in fit, got 2"):
        model.predict(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"n must be an int >= 1, got 0"):
        model.sample(0)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_collapsed_component_suggests_remedies(covariance_type):
    x = np.vstack([np.zeros((10, 2)), np.random.default_rng(0).normal(size=(10, 2)) + 5])  # 10 identical points
    with pytest.raises(ValueError, match=r"collapsed samples.*decrease the number of components, increase reg_covar, "
                                         r"or scale the input data"):
        GaussianMixture(2, covariance_type=covariance_type, reg_covar=0.0, random_state=0).fit(x)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_float32_data_far_from_zero(covariance_type):
    # 1e3 +- 0.01: uncentred, sum r x^2 / N_k - mu^2 cancels every float32 digit and the variances collapse
    x = (1e3 + 0.01 * np.random.default_rng(0).normal(size=(500, 2))).astype(np.float32)
    kwargs = dict(n_components=2, covariance_type=covariance_type, random_state=0)
    single = GaussianMixture(**kwargs, dtype=torch.float32).fit(torch.as_tensor(x))
    double = GaussianMixture(**kwargs).fit(x.astype(np.float64))
    assert single.converged_
    np.testing.assert_allclose(single.score(torch.as_tensor(x)), double.score(x), rtol=1e-5)
    assert np.all(single.covariances_.numpy() > 0)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_max_iter_zero_keeps_the_initial_covariances_and_samples_from_them(covariance_type):
    x, _ = blobs(n=100, d=2, k=2, seed=11)
    params = inits(x, 2, covariance_type, seed=0)
    precisions = {"full": np.array([[[2.0, 0.5], [0.5, 1.0]], [[1.0, 0.0], [0.0, 4.0]]]),
                  "diag": np.array([[2.0, 1.0], [1.0, 4.0]]), "spherical": np.array([2.0, 4.0])}[covariance_type]
    model = GaussianMixture(2, covariance_type=covariance_type, max_iter=0,
                            **{**params, "precisions_init": precisions}).fit(x)
    expected = np.linalg.inv(precisions) if covariance_type == "full" else 1 / precisions
    np.testing.assert_allclose(model.covariances_, expected, rtol=1e-12)
    np.testing.assert_allclose(model.means_, params["means_init"], rtol=1e-12)
    first = model.sample(5, generator=torch.Generator().manual_seed(0))  # factorises the covariances
    again = model.sample(5, generator=torch.Generator().manual_seed(0))  # reuses the factors
    np.testing.assert_array_equal(first[0], again[0])


def test_sample_rejects_a_generator_that_is_not_a_torch_generator():
    model = GaussianMixture(2, random_state=0).fit(blobs(n=50, d=2, k=2)[0])
    with pytest.raises(TypeError, match=r"^generator must be a torch.Generator or None, got int$"):
        model.sample(3, generator=0)


def test_bad_initial_parameters():
    x, _ = blobs(n=50, d=2, k=2)
    with pytest.raises(ValueError, match=r"means_init must have shape \(2, 2\), got \(3, 2\)"):
        GaussianMixture(2, means_init=np.zeros((3, 2))).fit(x)
    with pytest.raises(ValueError, match=r"weights_init must be non-negative and sum to 1"):
        GaussianMixture(2, weights_init=np.array([0.7, 0.7])).fit(x)
    with pytest.raises(ValueError, match=r"precisions_init must hold symmetric positive-definite matrices"):
        GaussianMixture(2, precisions_init=-np.tile(np.eye(2), (2, 1, 1))).fit(x)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_runs_on_cuda_and_matches_cpu():
    x, _ = blobs()
    kwargs = dict(n_components=4, **inits(x, 4, "full"))
    cpu = GaussianMixture(**kwargs).fit(torch.as_tensor(x))
    gpu = GaussianMixture(**kwargs).fit(torch.as_tensor(x, device="cuda"))
    assert gpu.means_.device.type == "cuda" and gpu.sample(5)[0].device.type == "cuda"
    torch.testing.assert_close(gpu.score_samples(torch.as_tensor(x, device="cuda")).cpu(),
                               cpu.score_samples(torch.as_tensor(x)))
