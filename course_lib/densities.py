"""The two extremes of chapter 1: one Gaussian fitted by maximum likelihood, and a 2-D histogram.

- :func:`fit_gaussian`: the maximum-likelihood mean and covariance (divided by
  ``N``), returned as a ``torch.distributions.MultivariateNormal``.
- :class:`Histogram2d`: a histogram density on a square, fitted by counting,
  with a pseudo-count so that empty cells keep a small density.

Both are fitted in closed form; chapter 1 uses them to show underfitting (one
Gaussian on a ring of eight clusters) and overfitting (a histogram with
ever smaller cells).
"""
import math

import torch

from . import _tensors
from ._checks import NotFittedError, check_count, check_int, check_number
from ._gaussian import cholesky


def fit_gaussian(x, reg=0.0):
    r"""Fit one Gaussian to the rows of ``x`` by maximum likelihood.

    .. math:: \hat\mu = \frac1N \sum_n x^{(n)}, \qquad
              \hat\Sigma = \frac1N \sum_n (x^{(n)} - \hat\mu)(x^{(n)} - \hat\mu)^\top + \lambda I

    with :math:`\lambda` = ``reg`` (0 gives the maximum-likelihood estimate).

    Parameters
    ----------
    x : tensor or array, shape (N, D)
    reg : float >= 0
        Added to every variance, so that a feature that never varies (a blank
        border pixel) still gets an invertible covariance.

    Returns
    -------
    torch.distributions.MultivariateNormal
        float64, on ``x``'s device; ``log_prob`` in nats, ``sample`` draws.

    Raises
    ------
    ValueError
        A covariance that is not positive definite (say which ``reg`` to try).
    """
    check_number("reg", reg)
    x = _tensors.as_tensor("x", x, dtype=torch.float64, shape=("n_samples", "n_features"))
    mean = x.mean(dim=0)  # (D,)
    centred = x - mean  # (N, D)
    eye = torch.eye(x.shape[1], dtype=x.dtype, device=x.device)
    covariance = centred.T @ centred / len(x) + reg * eye  # (D, D), divided by N: the MLE

    def singular(_):
        return ValueError(f"the covariance of x is singular (reg={reg}; {len(x)} rows, {x.shape[1]} features): "
                          "use reg > 0, e.g. 1e-3 times the typical variance")

    factor = cholesky(covariance.unsqueeze(0), singular)[0]  # (D, D), Sigma = L L^T
    return torch.distributions.MultivariateNormal(mean, scale_tril=factor)


class Histogram2d:
    r"""Histogram density on the square :math:`[-a, a]^2`, cut into ``bins`` x ``bins`` equal cells.

    .. math:: p_B(x) = \frac{N_{k(x)} + \alpha}{(N + \alpha B^2)\, A}

    for :math:`x` in the square (0 outside), where :math:`k(x)` is the cell
    holding :math:`x`, :math:`N_k` the number of training points in cell
    :math:`k`, :math:`\alpha` the pseudo-count and :math:`A = (2a/B)^2` the
    cell area. With :math:`\alpha = 0` it is the maximum-likelihood histogram.
    Cells are closed on the left and open on the right, except the last row
    and column, which also hold the square's right and top edges.

    Parameters
    ----------
    bins : int >= 1
        Cells per side, :math:`B`.
    limit : float > 0
        Half the side of the square, :math:`a`.
    pseudo_count : float >= 0
        :math:`\alpha`, added to every cell's count so that a new point in a
        cell that was empty in training gets a small density, not zero.

    Attributes
    ----------
    edges_ : torch.Tensor, shape (bins + 1,), float64; the cell boundaries on each axis
    cell_mass_ : torch.Tensor, shape (bins, bins), float64
        Probability of each cell; ``cell_mass_[i, j]`` is the cell of column
        ``i`` along the first coordinate and row ``j`` along the second. Sums to 1.
    cell_area_ : float, :math:`A`
    """

    def __init__(self, bins, limit=2.5, pseudo_count=0.01):
        check_int("bins", bins, 1, maximum=4096)  # 4096^2 cells: the most torch.multinomial can sample from
        check_number("limit", limit, strict=True)
        check_number("pseudo_count", pseudo_count)
        self.bins, self.limit, self.pseudo_count = int(bins), float(limit), float(pseudo_count)

    def _points(self, x, argument):
        """``x`` as a float64 (N, 2) tensor, on the fitted model's device once there is one."""
        device = self.edges_.device if hasattr(self, "cell_mass_") else None
        return _tensors.as_tensor(argument, x, dtype=torch.float64, device=device, shape=("n_samples", 2))

    def _cells(self, x):
        """Cell indices (i, j) of the points ``x`` (N, 2) and whether each lies in the square."""
        inside = (x.abs() <= self.limit).all(dim=1)  # (N,)
        # bucketize(right=True) - 1 puts a point on an inner edge into the cell to its right
        index = torch.bucketize(x, self.edges_, right=True) - 1  # (N, 2)
        index = index.clamp(0, self.bins - 1)  # the right and top edges belong to the last cells
        return index[:, 0], index[:, 1], inside

    def fit(self, x):
        """Count the points ``x`` (N, 2) in every cell; returns ``self``.

        Raises
        ------
        ValueError
            If a point lies outside the square: the histogram has no cell for it.
        """
        x = _tensors.as_tensor("x", x, dtype=torch.float64, shape=("n_samples", 2))
        if hasattr(self, "cell_mass_"):
            del self.cell_mass_  # not fitted until the counts below are in
        self.edges_ = torch.linspace(-self.limit, self.limit, self.bins + 1, dtype=x.dtype, device=x.device)
        i, j, inside = self._cells(x)
        if not bool(inside.all()):
            raise ValueError(f"x must lie in the square [-{self.limit:g}, {self.limit:g}]^2, got "
                             f"{int((~inside).sum())} of {len(x)} points outside; use a larger limit")
        counts = torch.zeros(self.bins * self.bins, dtype=x.dtype, device=x.device)
        counts.index_add_(0, i * self.bins + j, torch.ones_like(i, dtype=x.dtype))  # N_k
        # (N_k + alpha) / (N + alpha B^2): the probability of each cell
        mass = (counts + self.pseudo_count) / (len(x) + self.pseudo_count * self.bins**2)
        self.cell_area_ = (2 * self.limit / self.bins) ** 2
        self.cell_mass_ = mass.view(self.bins, self.bins)  # (B, B), set last: it marks the model as fitted
        return self

    def _check_fitted(self):
        if not hasattr(self, "cell_mass_"):
            raise NotFittedError("This Histogram2d is not fitted yet: call fit(x) first")

    def log_prob(self, x):
        """Log density in nats, shape (N,): ``log(cell mass / A)``, and ``-inf`` outside the square."""
        self._check_fitted()
        x = self._points(x, "x")
        i, j, inside = self._cells(x)
        log_density = (self.cell_mass_[i, j] / self.cell_area_).log()  # (N,)
        return log_density.masked_fill(~inside, -math.inf)

    def sample(self, n, generator=None):
        """Draw ``n`` points: a cell with probability equal to its mass, then a uniform point inside it.

        Parameters
        ----------
        n : int
        generator : torch.Generator, optional
            On any device; makes the draw repeatable. Default: torch's global CPU generator.

        Returns
        -------
        torch.Tensor, shape (n, 2), float64, on the device the histogram was fitted on
        """
        self._check_fitted()
        n = check_count("n", n, bytes_each=64)  # an index, two uniforms and two coordinates per point
        _tensors.check_generator(generator)
        cells = _tensors.categorical(self.cell_mass_.flatten(), n, generator)  # (n,), row-major over (i, j)
        corner = torch.stack([cells // self.bins, cells % self.bins], dim=1).to(self.cell_mass_.dtype)  # (n, 2)
        offset = _tensors.uniform((n, 2), generator, self.cell_mass_.device, self.cell_mass_.dtype)
        width = 2 * self.limit / self.bins
        return -self.limit + (corner + offset) * width
