"""course_lib.metrics: the measures chapter 7 defines (so far bits per dimension)."""
import math
import warnings

import pytest
import torch

from course_lib.metrics import bits_per_dim


def test_bits_per_dim_divides_nats_by_dimensions_times_ln2():
    assert bits_per_dim(64 * math.log(17), 64) == pytest.approx(math.log2(17))
    torch.testing.assert_close(bits_per_dim(torch.tensor([0.0, 44.3614195558365]), 64),
                               torch.tensor([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"^num_dims must be an int >= 1, got 0$"):
        bits_per_dim(1.0, 0)
    with pytest.raises(TypeError, match=r"^nll_nats must be a number, array or tensor, got str$"):
        bits_per_dim("1", 64)


# ---------------------------------------------------------------- sample-based measures

import numpy as np  # noqa: E402
import scipy.linalg  # noqa: E402

from course_lib.metrics import (bootstrap_interval, classifier_two_sample_test, fid, frechet_distance,  # noqa: E402
                                inception_score, kid, memorization, mmd, precision_recall, samples)


def _features(n, d, shift=0.0, seed=0):
    """n draws of one correlated Gaussian in d dimensions (the same mixing for every seed), shifted."""
    mixing = np.random.default_rng(100 + d).standard_normal((d, d)) / np.sqrt(d)
    return np.random.default_rng(seed).standard_normal((n, d)) @ mixing + shift


def _scipy_fid(a, b):
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(root))


def test_fid_matches_the_scipy_sqrtm_formula_and_is_zero_for_equal_sets():
    a, b = _features(500, 6, seed=0), _features(400, 6, shift=0.3, seed=1)
    assert fid(a, b) == pytest.approx(_scipy_fid(a, b), rel=1e-8)
    assert fid(torch.as_tensor(a), torch.as_tensor(b)) == pytest.approx(fid(a, b), rel=1e-12)
    assert fid(a, b) == pytest.approx(fid(b, a), rel=1e-9)
    assert abs(fid(a, a)) < 1e-9


def test_fid_with_fewer_examples_than_dimensions_uses_the_exact_nuclear_norm():
    a, b = _features(20, 40, seed=2), _features(30, 40, shift=0.1, seed=3)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    expected = frechet_distance(a.mean(0), s1, b.mean(0), s2)  # the eigenvalue route on the same moments
    assert fid(a, b) == pytest.approx(expected, rel=1e-10)
    assert abs(fid(a, a)) < 1e-8


def _random_gaussian(d, seed):
    """A mean and a full-rank covariance (condition number about 100) in d dimensions."""
    rng = np.random.default_rng(seed)
    factor = rng.standard_normal((d, d))
    return rng.standard_normal(d), factor @ factor.T / d + 0.05 * np.eye(d)


@pytest.mark.parametrize("d", [3, 16, 64])
def test_frechet_distance_matches_scipy_sqrtm_and_torchmetrics_on_full_rank_statistics(d):
    fid_module = pytest.importorskip("torchmetrics.image.fid")
    (mu1, s1), (mu2, s2) = _random_gaussian(d, seed=d), _random_gaussian(d, seed=d + 1)
    sqrtm = float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2)
                  - 2 * np.trace(scipy.linalg.sqrtm(s1 @ s2).real))
    torchmetrics = float(fid_module._compute_fid(*map(torch.as_tensor, (mu1, s1, mu2, s2))))
    ours = frechet_distance(mu1, s1, mu2, s2)
    assert ours == pytest.approx(sqrtm, rel=1e-6) and ours == pytest.approx(torchmetrics, rel=1e-6)
    assert abs(frechet_distance(mu1, s1, mu1, s1)) < 1e-8


@pytest.mark.parametrize("a, b", [([1.0, 4.0], [9.0, 1.0]), ([0.0, 4.0, 2.0], [9.0, 0.0, 2.0])])
def test_frechet_distance_of_commuting_covariances_in_closed_form(a, b):
    # One eigenbasis for both: |mu1 - mu2|^2 + sum (sqrt a - sqrt b)^2. A zero eigenvalue makes sigma singular.
    rotation = np.linalg.qr(np.random.default_rng(21).standard_normal((len(a), len(a))))[0]
    mu2 = np.arange(1.0, len(a) + 1)
    expected = (mu2**2).sum() + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    assert frechet_distance(np.zeros(len(a)), np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-12)
    rotated = [rotation @ np.diag(v) @ rotation.T for v in (a, b)]
    assert frechet_distance(np.zeros(len(a)), rotated[0], mu2, rotated[1]) == pytest.approx(expected, rel=1e-10)


def _eigh_frechet(mu1, s1, mu2, s2):
    """Float64 reference through eigh: tr sqrt(S1 S2) from the eigenvalues of sqrt(S1) S2 sqrt(S1), those under
    numpy's rank tolerance taken as the zeros they are (as in benchmarks/metrics_speed.py)."""
    def nonzero(values):
        return np.where(values > values.max() * len(values) * np.finfo(np.float64).eps, values, 0.0)
    values, vectors = scipy.linalg.eigh(s1)
    root1 = (vectors * np.sqrt(nonzero(values))) @ vectors.T
    trace_root = np.sqrt(nonzero(scipy.linalg.eigvalsh(root1 @ s2 @ root1))).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * trace_root)


def _moments(n, d, shift=0.0, seed=0):
    """Mean and covariance (N-1) of ``_features(n, d, shift, seed)``."""
    x = _features(n, d, shift, seed)
    return x.mean(0), np.cov(x, rowvar=False)


@pytest.mark.parametrize("lapack", [True, False])  # the CPU route (NumPy, LAPACK), or torch's as on a GPU
@pytest.mark.parametrize("n1, n2", [(20, 30), (20, 200), (200, 20), (200, 300)])
def test_frechet_distance_with_singular_covariances_matches_the_eigh_reference(monkeypatch, lapack, n1, n2):
    # d = 40: a covariance of n <= 40 examples has rank n - 1 (the pivoted Cholesky route when it is sigma1)
    (mu1, s1), (mu2, s2) = _moments(n1, 40, seed=36), _moments(n2, 40, shift=0.2, seed=37)
    if not lapack:
        monkeypatch.setattr(samples, "_LAPACK_DEVICES", ())
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(_eigh_frechet(mu1, s1, mu2, s2), rel=1e-10)
    assert abs(frechet_distance(mu1, s1, mu1, s1)) < 1e-8
    zero = np.zeros((40, 40))  # rank 0: tr sqrt(0 S2) = 0
    expected = float(((mu1 - mu2) ** 2).sum() + np.trace(s2))
    assert frechet_distance(mu1, zero, mu2, s2) == pytest.approx(expected, rel=1e-12)


def test_lapack_factors_span_the_covariance_with_its_rank_as_width():
    # _lapack_product(s, I) = F^T F: the nonzero eigenvalues of F F^T = s, one per column of F
    _, singular = _moments(20, 40, seed=38)
    values = np.linalg.eigvalsh(singular)[-19:]
    product = samples._lapack_product(singular, np.eye(40)).numpy()
    assert product.shape == (19, 19)  # rank 19: dpstrf stopped at the round-off of zeros
    np.testing.assert_allclose(np.linalg.eigvalsh(product), values, rtol=1e-10)
    _, full = _moments(200, 40, seed=39)
    _, other = _moments(300, 40, seed=40)
    lower = np.linalg.cholesky(full)
    np.testing.assert_allclose(samples._lapack_product(full, other).numpy(), lower.T @ other @ lower, atol=1e-12)


def test_frechet_distance_finiteness_check_tells_overflowing_sums_from_non_finite_values():
    upper_nan = np.eye(3)
    upper_nan[0, 2] = np.nan  # in the triangle no factorisation reads
    with pytest.raises(ValueError, match=r"^sigma1 must hold finite numbers, got 1 NaN or infinite values$"):
        frechet_distance(np.zeros(3), upper_nan, np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match=r"^sigma2 must hold finite numbers"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), np.diag([1.0, np.inf, 1.0]))
    huge = np.full(3, 1e308)  # finite, but its sum overflows: checked one by one, accepted, and no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert frechet_distance(huge, np.eye(3), huge, 4 * np.eye(3)) == pytest.approx(3.0, rel=1e-12)


def test_kid_is_the_unbiased_polynomial_mmd_averaged_over_subsets():
    a, b = _features(60, 4, seed=4), _features(50, 4, shift=0.5, seed=5)
    mean, std = kid(a, b, subset_size=50, n_subsets=1)
    # one subset of 50 from each: all of b, and a subset of a; recompute it by hand with the same draw
    generator = torch.Generator().manual_seed(0)
    x = a[torch.randperm(60, generator=generator)[:50].numpy()]
    y = b[torch.randperm(50, generator=generator)[:50].numpy()]
    kernel = lambda p, q: (p @ q.T / 4 + 1) ** 3  # noqa: E731
    m = 50
    kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
    expected = ((kxx.sum() - np.trace(kxx)) + (kyy.sum() - np.trace(kyy))) / (m * (m - 1)) - 2 * kxy.mean()
    assert mean == pytest.approx(expected, rel=1e-10) and std == 0.0
    kid_module = pytest.importorskip("torchmetrics.image.kid")
    assert mean == pytest.approx(float(kid_module.poly_mmd(torch.as_tensor(x), torch.as_tensor(y))), rel=1e-10)
    big = _features(1000, 4, seed=11)
    same, same_std = kid(big[:500], big[500:], subset_size=200, n_subsets=20)
    apart, _ = kid(big[:500], big[500:] + 1.0, subset_size=200, n_subsets=20)
    assert abs(same) < 2 * same_std + 1e-3 and apart > 10 * abs(same) and apart > 0.1, (same, same_std, apart)


def test_kid_equals_a_brute_force_loop_over_subsets_and_pairs():
    a, b = _features(12, 3, seed=22), _features(10, 3, shift=0.4, seed=23)
    k = lambda p, q: (p @ q / 3 + 1) ** 3  # noqa: E731
    generator = torch.Generator().manual_seed(5)  # the subsets kid draws with seed=5
    values = []
    for _ in range(3):
        x = a[torch.randperm(12, generator=generator)[:8].numpy()]
        y = b[torch.randperm(10, generator=generator)[:8].numpy()]
        within = sum(k(x[i], x[j]) + k(y[i], y[j]) for i in range(8) for j in range(8) if i != j) / (8 * 7)
        values.append(within - 2 * sum(k(x[i], y[j]) for i in range(8) for j in range(8)) / 64)
    assert kid(a, b, subset_size=8, n_subsets=3, seed=5) == pytest.approx((np.mean(values), np.std(values)), rel=1e-10)


def test_mmd_is_zero_on_average_for_one_distribution_and_positive_for_two():
    a, b = _features(200, 3, seed=6), _features(200, 3, seed=7)
    assert abs(mmd(a, b)) < 0.01 and mmd(a, b + 1.0) > 0.1


def test_inception_score_is_one_for_constant_and_the_class_count_for_confident_balanced_predictions():
    assert inception_score(np.full((100, 10), 0.1), splits=5) == pytest.approx((1.0, 0.0))
    confident = np.eye(10)[np.arange(100) % 10]
    assert inception_score(confident, splits=10) == pytest.approx((10.0, 0.0))
    p = np.random.default_rng(8).dirichlet(np.ones(5), size=40)
    marginal = p.mean(0)
    expected = np.exp((p * (np.log(p) - np.log(marginal))).sum(1).mean())
    assert inception_score(p, splits=1)[0] == pytest.approx(expected)


def test_precision_recall_match_a_brute_force_count():
    real, fake = _features(40, 2, seed=9), _features(30, 2, shift=0.7, seed=10)

    def radius(points, i, k=3):
        return np.sort(np.linalg.norm(points - points[i], axis=1))[k]

    def inside(points, others):  # share of `points` inside some ball around `others`
        return np.mean([any(np.linalg.norm(p - o) <= radius(others, j) for j, o in enumerate(others)) for p in points])

    assert precision_recall(real, fake, k=3) == pytest.approx((inside(fake, real), inside(real, fake)))
    assert precision_recall(real, real, k=3) == (1.0, 1.0)


def test_measures_do_not_depend_on_the_order_of_the_examples():
    a, b = _features(40, 3, seed=24), _features(30, 3, shift=0.5, seed=25)
    order_a, order_b = np.random.default_rng(26).permutation(40), np.random.default_rng(27).permutation(30)
    shuffled_a, shuffled_b = a[order_a], b[order_b]
    assert fid(shuffled_a, shuffled_b) == pytest.approx(fid(a, b), rel=1e-10)
    assert mmd(shuffled_a, shuffled_b) == pytest.approx(mmd(a, b), rel=1e-10)
    assert precision_recall(shuffled_a, shuffled_b) == precision_recall(a, b)
    # subsets as large as the sets: every subset is a permutation of its whole set, whatever the draw
    assert kid(a[:30][order_b], shuffled_b, subset_size=30, n_subsets=2) == \
        pytest.approx(kid(a[:30], b, subset_size=30, n_subsets=2), rel=1e-10, abs=1e-12)
    p = np.random.default_rng(28).dirichlet(np.ones(4), size=40)
    assert inception_score(p[order_a], splits=1)[0] == pytest.approx(inception_score(p, splits=1)[0], rel=1e-12)
    generated, generated_shuffled = memorization(a, b, b[:5])[0], memorization(shuffled_a, shuffled_b, b[:5])[0]
    np.testing.assert_allclose(generated_shuffled.numpy(), generated.numpy()[order_b], rtol=1e-12)


def test_pairwise_measures_in_small_row_blocks_equal_the_whole_matrix(monkeypatch):
    real, fake, train = _features(37, 4, seed=29), _features(29, 4, shift=0.3, seed=30), _features(41, 4, seed=31)
    whole = (precision_recall(real, fake, k=4), mmd(real, fake), kid(real, fake, subset_size=20, n_subsets=3),
             memorization(train, fake, real))
    for entries in (1, 100):  # one row per block; blocks of 2 or 3 rows with a shorter last one
        monkeypatch.setattr(samples, "_BLOCK_ENTRIES", entries)
        blocks = [block for _, block in samples._row_blocks(torch.as_tensor(real), torch.as_tensor(fake))]
        assert len(blocks) == (37 if entries == 1 else 13)
        torch.testing.assert_close(torch.cat(blocks), torch.cdist(torch.as_tensor(real), torch.as_tensor(fake)))
        assert precision_recall(real, fake, k=4) == whole[0]
        assert mmd(real, fake) == pytest.approx(whole[1], rel=1e-10)
        assert kid(real, fake, subset_size=20, n_subsets=3) == pytest.approx(whole[2], rel=1e-10)
        for blocked, unblocked in zip(memorization(train, fake, real), whole[3]):
            torch.testing.assert_close(blocked, unblocked, rtol=1e-12, atol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_measures_on_the_gpu_equal_those_on_the_cpu():
    a, b, few = _features(300, 8, seed=32), _features(200, 8, shift=0.2, seed=33), _features(6, 8, seed=34)
    on_gpu = lambda *sets: [torch.as_tensor(x, device="cuda") for x in sets]  # noqa: E731
    measures = (fid, mmd, precision_recall, lambda x, y: kid(x, y, subset_size=100, n_subsets=3),
                lambda x, y: torch.cat(memorization(x, y, y[:10])))
    for measure in measures:
        torch.testing.assert_close(torch.as_tensor(measure(*on_gpu(a, b))), torch.as_tensor(measure(a, b)),
                                   rtol=1e-9, atol=1e-12)
    assert fid(*on_gpu(few, b)) == pytest.approx(fid(few, b), rel=1e-9)
    # mu1, sigma1 (rank 19: eigh on the GPU, the pivoted Cholesky of LAPACK on the CPU), mu2, sigma2
    singular = (*_moments(20, 40, seed=36), *_moments(30, 40, shift=0.2, seed=37))
    assert frechet_distance(*on_gpu(*singular)) == pytest.approx(frechet_distance(*singular), rel=1e-9)
    p = np.random.default_rng(35).dirichlet(np.ones(4), size=40)
    assert inception_score(*on_gpu(p), splits=4) == pytest.approx(inception_score(p, splits=4), rel=1e-9)


_NAN = np.array([[0.0, 1.0], [np.nan, 2.0], [1.0, 0.0]])
_INF = np.array([[0.0, 1.0], [np.inf, 2.0], [1.0, 0.0]])


@pytest.mark.parametrize("call, error, message", [
    (lambda: fid(np.zeros((5, 3)), np.zeros((5, 4))), ValueError, r"^feats_b must have shape \(N, 3\), got \(5, 4\)$"),
    (lambda: precision_recall(np.zeros((5, 3)), np.zeros((5, 2))), ValueError,
     r"^fake_feats must have shape \(N, 3\), got \(5, 2\)$"),
    (lambda: memorization(np.zeros((5, 3)), np.zeros((5, 3)), np.zeros((5, 2))), ValueError,
     r"^held_out_feats must have shape \(N, 3\), got \(5, 2\)$"),
    (lambda: frechet_distance(np.zeros(3), np.eye(3), np.zeros(3), np.eye(2)), ValueError,
     r"^sigma2 must have shape \(3, 3\), got \(2, 2\)$"),
    (lambda: fid(np.zeros((1, 3)), np.zeros((5, 3))), ValueError,
     r"^feats_a must have at least 2 examples \(rows\), got 1$"),
    (lambda: kid(np.zeros((5, 3)), np.zeros((1, 3))), ValueError,
     r"^feats_b must have at least 2 examples \(rows\), got 1$"),
    (lambda: mmd(np.zeros((1, 3)), np.zeros((5, 3))), ValueError,
     r"^feats_a must have at least 2 examples \(rows\), got 1$"),
    (lambda: precision_recall(np.zeros((1, 3)), np.zeros((5, 3))), ValueError,
     r"^real_feats must have at least 2 examples \(rows\), got 1$"),
    (lambda: classifier_two_sample_test(np.zeros((5, 3)), np.zeros((3, 3))), ValueError,
     r"^fake_feats must have at least 4 examples \(rows\), got 3$"),
    (lambda: fid(np.zeros((3, 2)), _NAN), ValueError,
     r"^feats_b must hold finite numbers, got 1 NaN or infinite values$"),
    (lambda: precision_recall(_INF, np.zeros((3, 2)), k=1), ValueError,
     r"^real_feats must hold finite numbers, got 1 NaN or infinite values$"),
    (lambda: frechet_distance([0.0, np.nan], np.eye(2), [0.0, 0.0], np.eye(2)), ValueError,
     r"^mu1 must hold finite numbers, got 1 NaN or infinite values$"),
    (lambda: memorization(_NAN, np.zeros((3, 2)), np.zeros((3, 2))), ValueError,
     r"^train_feats must hold finite numbers, got 1 NaN or infinite values$"),
    (lambda: kid(np.zeros((5, 3)), np.zeros((9, 3)), subset_size=6), ValueError,
     r"^subset_size must be at most the smaller set's size \(5\), got 6$"),
    (lambda: kid(np.zeros((5, 3)), np.zeros((9, 3)), subset_size=1), ValueError,
     r"^subset_size must be an int >= 2, got 1$"),
    (lambda: precision_recall(np.zeros((3, 2)), np.zeros((5, 2))), ValueError, r"^k must be an int <= 2, got 3$"),
    (lambda: precision_recall(np.zeros((3, 2)), np.zeros((5, 2)), k=0), ValueError, r"^k must be an int >= 1, got 0$"),
    (lambda: precision_recall(np.zeros((3, 2)), np.zeros((5, 2)), k=1.0), TypeError,
     r"^k must be an int, got float 1.0$"),
    (lambda: inception_score(np.full((4, 2), 0.7)), ValueError, r"^splits must be an int <= 4, got 10$"),
    (lambda: inception_score(np.full((4, 2), 0.7), splits=2), ValueError,
     r"^probs must hold probabilities \(non-negative rows that sum to 1\), got entries down to 0.7 and row sums "
     r"in \[1.4, 1.4\]$"),
    (lambda: inception_score(np.array([[1.5, -0.5], [0.5, 0.5]]), splits=2), ValueError,
     r"^probs must hold probabilities .*, got entries down to -0.5 and row sums in \[1, 1\]$"),
    (lambda: inception_score(np.full(4, 0.25)), ValueError, r"^probs must have shape \(N, classes\), got \(4,\)$"),
    (lambda: mmd(np.zeros((4, 2)), np.ones((4, 2)), bandwidth=0), ValueError,
     r"^bandwidth must be a finite number > 0, got 0$"),
    (lambda: fid("a", np.zeros((5, 3))), TypeError, r"^feats_a must be a torch.Tensor, a NumPy array"),
])
def test_metric_errors_name_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_memorization_finds_copies_closer_to_training_than_fresh_data():
    train = _features(300, 5, seed=12)
    copies = train[:50] + 1e-3
    fresh = _features(50, 5, seed=13)
    generated, held_out = memorization(train, copies, fresh)
    assert generated.shape == (50,) and held_out.shape == (50,)
    assert generated.max() <= 1e-3 * np.sqrt(5) + 1e-12 and held_out.median() > 100 * generated.median()
    brute = np.array([np.linalg.norm(train - f, axis=1).min() for f in fresh])
    np.testing.assert_allclose(held_out.numpy(), brute, rtol=1e-10)


def test_classifier_two_sample_test_is_near_chance_for_one_distribution_and_near_one_for_two():
    real, same, apart = _features(400, 3, seed=14), _features(400, 3, seed=15), _features(400, 3, shift=3.0, seed=16)
    assert 0.4 <= classifier_two_sample_test(real, same) <= 0.6
    assert classifier_two_sample_test(real, apart) >= 0.99


def test_bootstrap_interval_brackets_the_estimate_and_narrows_with_more_data():
    mean_gap = lambda a, b: float(a.mean() - b.mean())  # noqa: E731
    small = bootstrap_interval(mean_gap, _features(50, 1, seed=17), _features(50, 1, shift=1.0, seed=18))
    large = bootstrap_interval(mean_gap, _features(800, 1, seed=19), _features(800, 1, shift=1.0, seed=20))
    for value, low, high in (small, large):
        assert low < value < high
    assert (large[2] - large[1]) < 0.5 * (small[2] - small[1])
    assert bootstrap_interval(mean_gap, _features(50, 1), _features(50, 1, seed=3), seed=1) == \
        bootstrap_interval(mean_gap, _features(50, 1), _features(50, 1, seed=3), seed=1)
    with pytest.raises(ValueError, match=r"^level must be a number in \(0, 1\), got 1$"):
        bootstrap_interval(mean_gap, _features(5, 1), level=1)
