"""Sample-based measures on feature vectors: FID, KID, Inception Score, precision and recall, MMD.

Every function takes NumPy arrays or torch tensors (on any device), computes in
float64 on the first set's device and returns Python floats. Definitions follow
the reference implementations users know: pytorch-fid / torchmetrics (FID, KID,
IS) and Kynkaanniemi et al. (2019) for precision and recall. Pairwise distances
and kernels are computed in blocks of rows, so two sets of 50,000 examples
need one block of about 16 million float64 numbers (128 MiB) at a time, not 50,000^2
(except :func:`mmd`'s default bandwidth, a median over all pairs: pass ``bandwidth`` for large sets).
"""
import math

import numpy as np
import torch

from .._checks import check_int, check_number, check_seed
from .._tensors import as_tensor

_BLOCK_ENTRIES = 2**24  # entries of one block of a pairwise matrix: 128 MiB of float64 (tests shrink it)
_EPS = np.finfo(np.float64).eps
_LAPACK_DEVICES = ("cpu",)  # Fréchet statistics here go to NumPy and LAPACK, elsewhere to torch (tests empty it)


def _features(argument, x, width=None, minimum=1):
    """``x`` as a float64 (N, features) tensor with at least ``minimum`` rows (and ``width`` columns if given)."""
    x = as_tensor(argument, x, dtype=torch.float64, shape=(None, "features" if width is None else width))
    if len(x) < minimum:
        raise ValueError(f"{argument} must have at least {minimum} examples (rows), got {len(x)}")
    return x


def _paired(feats_a, feats_b, minimum=1):
    """Both sets as float64 tensors of one width on ``feats_a``'s device, each with at least ``minimum`` rows."""
    a = _features("feats_a", feats_a, minimum=minimum)
    return a, _features("feats_b", feats_b, a.shape[1], minimum).to(a.device)


def _row_blocks(x, y, pairwise=torch.cdist):
    """Yield ``(rows, pairwise(x[rows], y))`` over consecutive slices of ``x``'s rows: a pairwise matrix in blocks."""
    step = max(1, _BLOCK_ENTRIES // len(y))
    for start in range(0, len(x), step):
        rows = slice(start, start + step)
        yield rows, pairwise(x[rows], y)


def _lapack_product(sigma1, sigma2):
    """``F^T sigma2 F`` (r, r) as a tensor, for NumPy (d, d) covariances and a factor ``F F^T = sigma1`` (d, r).

    ``F`` is LAPACK's Cholesky factor ``L`` (dpotrf, r = d), and ``L^T sigma2 L``
    comes from two triangular products (dtrmm: half the work of general ones).
    When ``sigma1`` is singular it is the pivoted Cholesky factor (dpstrf):
    ``P^T sigma1 P = L L^T``, each step eliminating the largest remaining
    diagonal entry, stopped at rank r once that entry is at most
    ``d eps max(diag sigma1)``. What is left is positive semi-definite with every
    diagonal entry (so every eigenvalue, up to d times that) at round-off level:
    the zeros of a singular covariance (of n <= d examples: r = n - 1). ``F = P L`` (d, r).
    """
    from scipy.linalg import blas, lapack  # here, not at the top: scipy.linalg adds 0.15 s to importing course_lib

    lower, info = lapack.dpotrf(sigma1, lower=1, clean=0)  # dtrmm reads the lower triangle only
    if info == 0:
        return torch.from_numpy(blas.dtrmm(1.0, lower, blas.dtrmm(1.0, lower, sigma2, side=1, lower=1),
                                           lower=1, trans_a=1, overwrite_b=1))
    tolerance = len(sigma1) * _EPS * sigma1.diagonal().max()
    lower, pivots, rank, _ = lapack.dpstrf(sigma1, tol=tolerance, lower=1)
    lower = torch.from_numpy(lower[:, :rank]).tril_()  # dpstrf leaves its workings above the diagonal
    factor = lower[torch.from_numpy(np.argsort(pivots))]  # row pivots[i] (from 1) of F is row i of L
    return factor.T @ torch.from_numpy(sigma2) @ factor


def _torch_factor(sigma):
    """``F`` (d, d) with ``F F^T = sigma``, in torch on any device: the Cholesky factor, or ``V sqrt(Lambda)``
    from ``eigh`` when ``sigma`` is singular (negative round-off eigenvalues taken as zeros)."""
    factor, info = torch.linalg.cholesky_ex(sigma)
    if info:
        values, vectors = torch.linalg.eigh(sigma)
        factor = vectors * values.clamp(min=0).sqrt()  # columns scaled
    return factor


def _root_trace(sigma1, sigma2):
    """``tr sqrt(sigma1 sigma2)`` for symmetric positive semi-definite matrices, with no matrix square root.

    With any factor ``sigma1 = F F^T`` (F: d x r), ``sigma1 sigma2`` has the
    eigenvalues of the symmetric r x r ``F^T sigma2 F`` (>= 0), and d - r zeros.
    NumPy arrays (CPU) get ``F`` from LAPACK (:func:`_lapack_product`), tensors
    from torch (Cholesky, or ``eigh`` when singular: r = d). Either way the
    eigenvalues come from torch (on the CPU, MKL: faster than SciPy's
    OpenBLAS); only those r numbers leave the device.
    """
    if isinstance(sigma1, np.ndarray):
        product = _lapack_product(sigma1, sigma2)
    else:
        factor = _torch_factor(sigma1)
        product = factor.T @ sigma2 @ factor
    if product.shape[0] == 0:  # sigma1 = 0
        return 0.0
    values = torch.linalg.eigvalsh(product).cpu().numpy()  # ascending; eigvalsh reads the lower triangle
    # Up to numpy.linalg.matrix_rank's tolerance (or < 0) an eigenvalue is the round-off of a zero:
    # its square root would add about sqrt(eps) to the trace.
    return np.sqrt(values[values > values[-1] * len(sigma1) * _EPS]).sum()


def _lapack_views(*tensors):
    """NumPy views (no copy) of tensors on a device in ``_LAPACK_DEVICES``, the tensors themselves elsewhere.

    On the CPU, NumPy and LAPACK do the Fréchet step: at d = 64 it takes about
    0.1 ms, and there a NumPy call costs less than a torch one.
    """
    if tensors[0].device.type in _LAPACK_DEVICES:
        return [tensor.numpy(force=True) for tensor in tensors]  # detached; no copy of CPU float64 data
    return tensors


def _frechet(mu1, sigma1, mu2, sigma2):
    """:func:`frechet_distance` of checked float64 moments (d,) and covariances (d, d), as
    :func:`_lapack_views` gives them: NumPy arrays from the CPU, or tensors on one device."""
    difference = mu1 - mu2
    return float(difference @ difference + sigma1.trace() + sigma2.trace() - 2 * _root_trace(sigma1, sigma2))


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2) (eq. 7.2).

    ``|mu1 - mu2|^2 + tr sigma1 + tr sigma2 - 2 tr sqrt(sigma1 sigma2)``, with the
    trace of the square root from the eigenvalues of a symmetric matrix similar
    to ``sigma1 sigma2``: real and exact, never a complex ``sqrtm``. CPU data go
    through NumPy and LAPACK (no copy), data on other devices stay there, in torch.

    Parameters
    ----------
    mu1, mu2 : array or tensor, shape (d,)
    sigma1, sigma2 : array or tensor, shape (d, d)
        Symmetric positive semi-definite covariances.
    """
    mu1 = as_tensor("mu1", mu1, dtype=torch.float64, shape=("d",), finite="none")
    d, device = mu1.shape[0], mu1.device
    mu2 = as_tensor("mu2", mu2, dtype=torch.float64, device=device, shape=(d,), finite="none")
    sigma1 = as_tensor("sigma1", sigma1, dtype=torch.float64, device=device, shape=(d, d), finite="none")
    sigma2 = as_tensor("sigma2", sigma2, dtype=torch.float64, device=device, shape=(d, d), finite="none")
    views = _lapack_views(mu1, sigma1, mu2, sigma2)
    # Finite numbers have a finite sum (unless it overflows): one test for all four; only when it
    # fails is each argument checked, to name the culprit (or to find that none is).
    with np.errstate(over="ignore", invalid="ignore"):
        finite = math.isfinite(sum(view.sum() for view in views))
    if not finite:
        for name, value in (("mu1", mu1), ("mu2", mu2), ("sigma1", sigma1), ("sigma2", sigma2)):
            as_tensor(name, value)
    return _frechet(*views)


def fid(feats_a, feats_b):
    """Fréchet distance between Gaussians fitted to two sets of features (Heusel et al. 2017), covariances with N-1.

    When a set has no more examples than dimensions, ``tr sqrt(S1 S2)`` is the
    nuclear norm of the centred product ``A B^T / sqrt((n1 - 1)(n2 - 1))``: exact and faster.
    """
    a, b = _paired(feats_a, feats_b, minimum=2)  # float64, checked once
    mean_a, mean_b = a.mean(0), b.mean(0)
    centred_a, centred_b = a - mean_a, b - mean_b  # (n1, d), (n2, d)
    if min(len(a), len(b)) <= a.shape[1]:
        product = centred_a @ centred_b.T / math.sqrt((len(a) - 1) * (len(b) - 1))  # (n1, n2)
        trace_root = torch.linalg.svdvals(product).sum()
        traces = centred_a.square().sum() / (len(a) - 1) + centred_b.square().sum() / (len(b) - 1)
        return float((mean_a - mean_b).square().sum() + traces - 2 * trace_root)
    sigma_a = (centred_a.T @ centred_a).div_(len(a) - 1)  # (d, d)
    sigma_b = (centred_b.T @ centred_b).div_(len(b) - 1)
    return _frechet(*_lapack_views(mean_a, sigma_a, mean_b, sigma_b))


def _kernel_mean(x, y, kernel, off_diagonal=False):
    """Mean of ``kernel(x_i, y_j)`` over all pairs, or over the pairs ``i != j`` when ``y`` is ``x``; in row blocks."""
    total = 0.0
    for rows, block in _row_blocks(x, y, kernel):
        total = total + block.sum() - (block.diagonal(rows.start).sum() if off_diagonal else 0.0)
    return total / (len(x) * (len(y) - 1) if off_diagonal else len(x) * len(y))


def _unbiased_mmd2(x, y, kernel):
    r"""Unbiased MMD^2 (Gretton et al. 2012) of the samples ``x`` (m rows) and ``y`` (n rows).

    .. math:: \frac{1}{m(m-1)} \sum_{i \ne j} k(x_i, x_j) + \frac{1}{n(n-1)} \sum_{i \ne j} k(y_i, y_j)
              - \frac{2}{mn} \sum_{i, j} k(x_i, y_j)
    """
    return (_kernel_mean(x, x, kernel, off_diagonal=True) + _kernel_mean(y, y, kernel, off_diagonal=True)
            - 2 * _kernel_mean(x, y, kernel))


def kid(feats_a, feats_b, subset_size=1000, n_subsets=100, seed=0):
    """Kernel Inception Distance (Binkowski et al. 2018): unbiased MMD^2, kernel ``(x.y / d + 1)^3``.

    Averaged over ``n_subsets`` random subsets of ``subset_size`` from each set
    (at most the smaller set's size). Returns ``(mean, std)`` over the subsets.
    """
    a, b = _paired(feats_a, feats_b, minimum=2)
    check_int("subset_size", subset_size, 2)
    check_int("n_subsets", n_subsets, 1)
    if subset_size > min(len(a), len(b)):
        raise ValueError(f"subset_size must be at most the smaller set's size ({min(len(a), len(b))}), "
                         f"got {subset_size}")
    generator = torch.Generator().manual_seed(check_seed("seed", seed))
    d = a.shape[1]
    kernel = lambda p, q: (p @ q.T / d + 1) ** 3  # noqa: E731
    values = []
    for _ in range(n_subsets):
        x = a[torch.randperm(len(a), generator=generator)[:subset_size].to(a.device)]
        y = b[torch.randperm(len(b), generator=generator)[:subset_size].to(b.device)]
        values.append(float(_unbiased_mmd2(x, y, kernel)))
    values = torch.tensor(values, dtype=torch.float64)
    return float(values.mean()), float(values.std(unbiased=False)) if n_subsets > 1 else 0.0


def mmd(feats_a, feats_b, bandwidth=None):
    """Unbiased MMD^2 with the RBF kernel ``exp(-|x - y|^2 / (2 h^2))`` (Gretton et al. 2012).

    ``bandwidth`` h defaults to the median pairwise distance of the pooled sets;
    that median holds all ``N (N - 1) / 2`` distances of the ``N`` pooled
    examples in memory at once: pass ``bandwidth`` for large sets.
    """
    a, b = _paired(feats_a, feats_b, minimum=2)
    if bandwidth is None:
        bandwidth = float(torch.pdist(torch.cat([a, b])).median())
    check_number("bandwidth", bandwidth, 0, strict=True)
    kernel = lambda p, q: torch.exp(-torch.cdist(p, q).square() / (2 * bandwidth**2))  # noqa: E731
    return float(_unbiased_mmd2(a, b, kernel))


def inception_score(probs, splits=10):
    """Inception Score (Salimans et al. 2016): ``exp(E_x KL(p(y|x) || p(y)))``, mean and std over ``splits``.

    ``probs`` (N, classes) are class probabilities, each row summing to one.
    The splits are consecutive blocks of rows, as in Salimans et al.'s code, so
    rows ordered by class give a lower score: shuffle them first (torchmetrics
    shuffles before splitting).
    """
    p = as_tensor("probs", probs, dtype=torch.float64, shape=(None, "classes"))
    check_int("splits", splits, 1, maximum=len(p))
    row_sums = p.sum(1)
    if (p < 0).any() or not torch.allclose(row_sums, torch.ones_like(row_sums), atol=1e-6):
        raise ValueError(f"probs must hold probabilities (non-negative rows that sum to 1), got entries down to "
                         f"{float(p.min()):g} and row sums in [{float(row_sums.min()):g}, {float(row_sums.max()):g}]")
    scores = []
    for part in torch.tensor_split(p, splits):
        marginal = part.mean(0, keepdim=True)
        kl = torch.where(part > 0, part * (part.clamp(min=1e-300).log() - marginal.clamp(min=1e-300).log()), 0.0)
        scores.append(float(kl.sum(1).mean().exp()))
    scores = torch.tensor(scores, dtype=torch.float64)
    return float(scores.mean()), float(scores.std(unbiased=False)) if splits > 1 else 0.0


def _radii(x, k):
    """Each row's distance to its k-th nearest neighbour in ``x``, the row itself excluded: (N,)."""
    return torch.cat([block.kthvalue(k + 1, dim=1).values for _, block in _row_blocks(x, x)])


def precision_recall(real_feats, fake_feats, k=3):
    """Improved precision and recall (Kynkaanniemi et al. 2019) with k-nearest-neighbour balls.

    Precision: the share of generated points inside the ball of some real point
    (radius: its distance to its k-th nearest real neighbour); recall: the share
    of real points inside some generated point's ball. Returns ``(precision, recall)``.
    """
    real = _features("real_feats", real_feats, minimum=2)
    fake = _features("fake_feats", fake_feats, real.shape[1], minimum=2).to(real.device)
    check_int("k", k, 1, maximum=min(len(real), len(fake)) - 1)
    real_radii, fake_radii = _radii(real, k), _radii(fake, k)
    in_real_ball = torch.zeros(len(fake), dtype=torch.bool, device=real.device)
    in_fake_ball = torch.zeros(len(real), dtype=torch.bool, device=real.device)
    for rows, between in _row_blocks(fake, real):  # (rows, N_real)
        in_real_ball[rows] = (between <= real_radii).any(1)
        in_fake_ball |= (between <= fake_radii[rows, None]).any(0)
    return float(in_real_ball.double().mean()), float(in_fake_ball.double().mean())
