"""course_lib.metrics: the measures chapter 7 defines (so far bits per dimension)."""
import math

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

from course_lib.metrics import fid, frechet_distance, inception_score, kid, mmd, precision_recall  # noqa: E402


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
    assert fid(a, b) == pytest.approx(expected, rel=1e-7, abs=1e-7)


def test_frechet_distance_of_diagonal_gaussians_in_closed_form():
    s1, s2 = np.diag([1.0, 4.0]), np.diag([9.0, 1.0])
    expected = 1.0 + (1 + 4 + 9 + 1) - 2 * (3.0 + 2.0)  # |mu|^2 + traces - 2 sum sqrt(s1 s2)
    assert frechet_distance([0.0, 0.0], s1, [1.0, 0.0], s2) == pytest.approx(expected)


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
    big = _features(1000, 4, seed=11)
    same, same_std = kid(big[:500], big[500:], subset_size=200, n_subsets=20)
    apart, _ = kid(big[:500], big[500:] + 1.0, subset_size=200, n_subsets=20)
    assert abs(same) < 2 * same_std + 1e-3 and apart > 10 * abs(same) and apart > 0.1, (same, same_std, apart)


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


@pytest.mark.parametrize("call, error, message", [
    (lambda: fid(np.zeros((5, 3)), np.zeros((5, 4))), ValueError, r"^feats_b must have shape \(N, 3\), got \(5, 4\)$"),
    (lambda: fid(np.zeros((1, 3)), np.zeros((5, 3))), ValueError, r"^feats_a and feats_b need at least 2 examples"),
    (lambda: kid(np.zeros((5, 3)), np.zeros((9, 3)), subset_size=6), ValueError,
     r"^subset_size must be at most the smaller set's size \(5\), got 6$"),
    (lambda: inception_score(np.full((4, 2), 0.7)), ValueError, r"^splits must be an int <= 4, got 10$"),
    (lambda: inception_score(np.full((4, 2), 0.7), splits=2), ValueError, r"^probs must hold probabilities"),
    (lambda: precision_recall(np.zeros((3, 2)), np.zeros((5, 2))), ValueError, r"^k must be an int <= 2, got 3$"),
    (lambda: mmd(np.zeros((4, 2)), np.ones((4, 2)), bandwidth=0), ValueError,
     r"^bandwidth must be a finite number > 0, got 0$"),
    (lambda: fid("a", np.zeros((5, 3))), TypeError, r"^feats_a must be a torch.Tensor, a NumPy array"),
])
def test_metric_errors_name_the_argument(call, error, message):
    with pytest.raises(error, match=message):
        call()


from course_lib.metrics import bootstrap_interval, classifier_two_sample_test, memorization  # noqa: E402


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
