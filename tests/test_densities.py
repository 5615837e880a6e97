"""Tests for course_lib.densities: references (NumPy, scipy), properties (a density integrates to 1,
samples land in cells in proportion to their mass) and error messages."""
import math

import numpy as np
import pytest
import torch
from scipy import stats

from course_lib.densities import Histogram2d, fit_gaussian
from course_lib.data import toy2d


@pytest.fixture(scope="module")
def ring():
    return toy2d("ring", n=500, seed=0)[0]


def test_fit_gaussian_matches_numpy_and_scipy():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((200, 3)) @ np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.0, 0.0, 2.0]]) + 1.5
    reg = 0.1
    gaussian = fit_gaussian(torch.as_tensor(x), reg=reg)
    covariance = np.cov(x, rowvar=False, bias=True) + reg * np.eye(3)  # divided by N, plus reg
    np.testing.assert_allclose(gaussian.mean.numpy(), x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(gaussian.covariance_matrix.numpy(), covariance, rtol=1e-12)
    points = rng.standard_normal((10, 3))
    reference = stats.multivariate_normal(x.mean(0), covariance).logpdf(points)
    np.testing.assert_allclose(gaussian.log_prob(torch.as_tensor(points)).numpy(), reference, rtol=1e-10)
    assert gaussian.mean.dtype == torch.float64
    same = fit_gaussian(x.tolist(), reg=reg)  # lists and NumPy arrays work too
    torch.testing.assert_close(same.covariance_matrix, gaussian.covariance_matrix)


def test_fit_gaussian_maximises_the_likelihood():
    """Moving the mean or scaling the covariance away from the MLE lowers the training log-likelihood."""
    x = torch.as_tensor(np.random.default_rng(1).standard_normal((100, 2)))
    best = fit_gaussian(x)
    best_ll = best.log_prob(x).sum()
    for shift, scale in [(0.05, 1.0), (0.0, 1.05), (0.0, 0.95)]:
        other = torch.distributions.MultivariateNormal(best.mean + shift, best.covariance_matrix * scale)
        assert other.log_prob(x).sum() < best_ll


def test_fit_gaussian_errors():
    constant = torch.ones(10, 2, dtype=torch.float64)
    with pytest.raises(ValueError, match=r"^the covariance of x is singular \(reg=0.0; 10 rows, 2 features\): use reg > 0"):
        fit_gaussian(constant)
    assert torch.isfinite(fit_gaussian(constant, reg=1e-3).log_prob(constant)).all()
    with pytest.raises(ValueError, match="^reg must be a finite number >= 0, got -1$"):
        fit_gaussian(constant, reg=-1)
    with pytest.raises(ValueError, match=r"^x must have shape \(n_samples, n_features\), got \(10,\)$"):
        fit_gaussian(torch.ones(10))
    with pytest.raises(TypeError, match="^x must be a torch.Tensor, a NumPy array or a list of numbers, got str$"):
        fit_gaussian("points")


@pytest.mark.parametrize("bins", [1, 3, 16])
def test_histogram_matches_the_formula_and_numpy(ring, bins):
    alpha = 0.5
    histogram = Histogram2d(bins, limit=2.5, pseudo_count=alpha).fit(ring)
    edges = np.linspace(-2.5, 2.5, bins + 1)
    counts, _, _ = np.histogram2d(ring[:, 0].numpy(), ring[:, 1].numpy(), bins=[edges, edges])
    area = (5 / bins) ** 2
    np.testing.assert_allclose(histogram.cell_mass_.numpy(), (counts + alpha) / (len(ring) + alpha * bins**2),
                               rtol=1e-12)
    assert histogram.cell_area_ == pytest.approx(area)
    # log p_B(x) = log((N_k + alpha) / ((N + alpha B^2) A)) at every training point
    i = np.clip(np.searchsorted(edges, ring[:, 0].numpy(), side="right") - 1, 0, bins - 1)
    j = np.clip(np.searchsorted(edges, ring[:, 1].numpy(), side="right") - 1, 0, bins - 1)
    expected = np.log((counts[i, j] + alpha) / ((len(ring) + alpha * bins**2) * area))
    np.testing.assert_allclose(histogram.log_prob(ring).numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("bins, pseudo_count", [(4, 0.01), (32, 0.0), (50, 1.0)])
def test_histogram_density_integrates_to_one(ring, bins, pseudo_count):
    histogram = Histogram2d(bins, pseudo_count=pseudo_count).fit(ring)
    assert float(histogram.cell_mass_.sum()) == pytest.approx(1.0, abs=1e-12)
    # the density is constant on each cell: a midpoint rule with 3 x 3 points per cell is exact
    per_side = 3 * bins
    grid = (torch.arange(per_side, dtype=torch.float64) + 0.5) / per_side * 5 - 2.5
    points = torch.cartesian_prod(grid, grid)
    integral = histogram.log_prob(points).exp().sum() * (5 / per_side) ** 2
    assert float(integral) == pytest.approx(1.0, abs=1e-10)


def test_histogram_maximum_likelihood_without_pseudo_count(ring):
    histogram = Histogram2d(8, pseudo_count=0.0).fit(ring)
    empty = histogram.cell_mass_ == 0
    assert empty.any()  # the ring leaves the centre and the corners empty
    centre = torch.zeros(1, 2, dtype=torch.float64)
    assert histogram.log_prob(centre).item() == -math.inf
    assert torch.isfinite(histogram.log_prob(ring)).all()


def test_histogram_log_prob_outside_the_square_and_on_its_edges(ring):
    histogram = Histogram2d(10, limit=2.5).fit(ring)
    outside = torch.tensor([[2.6, 0.0], [0.0, -2.5001], [100.0, 100.0]], dtype=torch.float64)
    assert torch.equal(histogram.log_prob(outside), torch.full((3,), -math.inf, dtype=torch.float64))
    corners = torch.tensor([[-2.5, -2.5], [2.5, 2.5], [2.5, -2.5]], dtype=torch.float64)
    expected = (histogram.cell_mass_[[0, 9, 9], [0, 9, 0]] / histogram.cell_area_).log()
    torch.testing.assert_close(histogram.log_prob(corners), expected)


def test_histogram_samples_land_in_cells_in_proportion_to_their_mass(ring):
    histogram = Histogram2d(6, pseudo_count=2.0).fit(ring)
    n = 200_000
    samples = histogram.sample(n, generator=torch.Generator().manual_seed(0))
    assert samples.shape == (n, 2) and samples.dtype == torch.float64
    assert bool((samples.abs() < 2.5).all())
    edges = np.linspace(-2.5, 2.5, 7)
    counts, _, _ = np.histogram2d(samples[:, 0].numpy(), samples[:, 1].numpy(), bins=[edges, edges])
    expected = histogram.cell_mass_.numpy() * n
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert stats.chi2(df=35).sf(chi2) > 1e-3, chi2  # a seeded draw: fails only if the frequencies are off
    # inside one cell the points are uniform: their offsets from the cell corner have mean 1/2 and variance 1/12
    width = 5 / 6
    offsets = ((samples + 2.5) / width) % 1.0
    torch.testing.assert_close(offsets.mean(0), torch.full((2,), 0.5, dtype=torch.float64), atol=0.005, rtol=0)
    torch.testing.assert_close(offsets.var(0), torch.full((2,), 1 / 12, dtype=torch.float64), atol=0.002, rtol=0)


def test_histogram_fitted_to_its_own_samples_recovers_its_masses(ring):
    histogram = Histogram2d(4, pseudo_count=0.0).fit(ring)
    refit = Histogram2d(4, pseudo_count=0.0).fit(histogram.sample(100_000, generator=torch.Generator().manual_seed(1)))
    torch.testing.assert_close(refit.cell_mass_, histogram.cell_mass_, atol=0.005, rtol=0)


def test_histogram_errors(ring):
    with pytest.raises(ValueError, match="^bins must be an int >= 1, got 0$"):
        Histogram2d(0)
    with pytest.raises(TypeError, match=r"^bins must be an int, got float 8\.0$"):
        Histogram2d(8.0)
    with pytest.raises(ValueError, match="^bins must be an int <= 4096, got 5000$"):
        Histogram2d(5000)
    with pytest.raises(ValueError, match="^limit must be a finite number > 0, got 0$"):
        Histogram2d(8, limit=0)
    with pytest.raises(ValueError, match="^pseudo_count must be a finite number >= 0, got -0.1$"):
        Histogram2d(8, pseudo_count=-0.1)
    histogram = Histogram2d(8)
    with pytest.raises(ValueError, match=r"^This Histogram2d is not fitted yet: call fit\(x\) first$"):
        histogram.log_prob(ring)
    with pytest.raises(ValueError, match=r"^x must have shape \(n_samples, 2\), got \(500, 3\)$"):
        histogram.fit(torch.cat([ring, ring[:, :1]], dim=1))
    far = torch.cat([ring, torch.tensor([[3.0, 0.0]])])
    with pytest.raises(ValueError, match=r"^x must lie in the square \[-2.5, 2.5\]\^2, got 1 of 501 points outside; "
                                         r"use a larger limit$"):
        histogram.fit(far)
    with pytest.raises(ValueError, match="not fitted yet"):  # a failed fit leaves the model unfitted
        histogram.sample(3)
    histogram.fit(ring)
    with pytest.raises(ValueError, match="^x must hold finite numbers, got 1 NaN or infinite values$"):
        histogram.log_prob(torch.tensor([[float("nan"), 0.0]]))
