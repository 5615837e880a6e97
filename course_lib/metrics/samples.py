"""Sample-based measures on feature vectors: FID, KID, Inception Score, precision and recall, MMD.

Every function takes NumPy arrays or torch tensors (on any device), computes in
float64 and returns Python floats. Definitions follow the reference
implementations users know: pytorch-fid / torchmetrics (FID, KID, IS) and
Kynkaanniemi et al. (2019) for precision and recall.
"""
import math

import torch

from .._checks import check_int, check_number, check_seed
from .._tensors import as_tensor

def _features(argument, x, width=None):
    return as_tensor(argument, x, dtype=torch.float64, shape=(None, "features" if width is None else width))


def _paired(feats_a, feats_b, minimum=1):
    """Both sets as float64 tensors of one width on ``feats_a``'s device, each with at least ``minimum`` rows."""
    a = _features("feats_a", feats_a)
    b = _features("feats_b", feats_b, a.shape[1]).to(a.device)
    if len(a) < minimum or len(b) < minimum:
        raise ValueError(f"feats_a and feats_b need at least {minimum} examples each, got {len(a)} and {len(b)}")
    return a, b


def frechet_distance(mu1, sigma1, mu2, sigma2):
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2) (eq. 7.2).

    ``|mu1 - mu2|^2 + tr sigma1 + tr sigma2 - 2 tr sqrt(sigma1 sigma2)``, with the
    trace of the square root from the eigenvalues of the symmetric matrix
    ``sqrt(sigma1) sigma2 sqrt(sigma1)``: real and exact, never a complex ``sqrtm``.
    """
    mu1 = as_tensor("mu1", mu1, dtype=torch.float64, shape=("d",))
    d = len(mu1)
    mu2 = as_tensor("mu2", mu2, dtype=torch.float64, shape=(d,)).to(mu1.device)
    sigma1 = as_tensor("sigma1", sigma1, dtype=torch.float64, shape=(d, d)).to(mu1.device)
    sigma2 = as_tensor("sigma2", sigma2, dtype=torch.float64, shape=(d, d)).to(mu1.device)
    values, vectors = torch.linalg.eigh((sigma1 + sigma1.T) / 2)
    root1 = vectors @ torch.diag(values.clamp(min=0).sqrt()) @ vectors.T  # sqrt(sigma1), symmetric
    middle = root1 @ sigma2 @ root1
    trace_root = torch.linalg.eigvalsh((middle + middle.T) / 2).clamp(min=0).sqrt().sum()  # < 0: round-off
    return float((mu1 - mu2).square().sum() + sigma1.trace() + sigma2.trace() - 2 * trace_root)


def fid(feats_a, feats_b):
    """Fréchet distance between Gaussians fitted to two sets of features (Heusel et al. 2017), covariances with N-1.

    When a set has no more examples than dimensions, ``tr sqrt(S1 S2)`` is the
    nuclear norm of the centred product ``A B^T / sqrt((n1 - 1)(n2 - 1))``: exact and faster.
    """
    a, b = _paired(feats_a, feats_b, minimum=2)
    centred_a, centred_b = a - a.mean(0), b - b.mean(0)
    if min(len(a), len(b)) <= a.shape[1]:
        product = centred_a @ centred_b.T / math.sqrt((len(a) - 1) * (len(b) - 1))  # (n1, n2)
        trace_root = torch.linalg.svdvals(product).sum()
        traces = centred_a.square().sum() / (len(a) - 1) + centred_b.square().sum() / (len(b) - 1)
        return float((a.mean(0) - b.mean(0)).square().sum() + traces - 2 * trace_root)
    return frechet_distance(a.mean(0), centred_a.T @ centred_a / (len(a) - 1),
                            b.mean(0), centred_b.T @ centred_b / (len(b) - 1))


def _unbiased_mmd2(kxx, kyy, kxy):
    m, n = len(kxx), len(kyy)
    return ((kxx.sum() - kxx.diagonal().sum()) / (m * (m - 1)) + (kyy.sum() - kyy.diagonal().sum()) / (n * (n - 1))
            - 2 * kxy.mean())


def kid(feats_a, feats_b, subset_size=1000, n_subsets=100, seed=0):
    """Kernel Inception Distance (Binkowski et al. 2018): unbiased MMD^2, kernel ``(x.y / d + 1)^3``.

    Averaged over ``n_subsets`` random subsets of ``subset_size`` from each set
    (at most the smaller set's size). Returns ``(mean, std)`` over the subsets.
    """
    a, b = _paired(feats_a, feats_b)
    check_int("subset_size", subset_size, 2)
    check_int("n_subsets", n_subsets, 1)
    if subset_size > min(len(a), len(b)):
        raise ValueError(f"subset_size must be at most the smaller set's size ({min(len(a), len(b))}), "
                         f"got {subset_size}")
    generator = torch.Generator().manual_seed(check_seed("seed", seed))
    d = a.shape[1]
    values = []
    for _ in range(n_subsets):
        x = a[torch.randperm(len(a), generator=generator)[:subset_size].to(a.device)]
        y = b[torch.randperm(len(b), generator=generator)[:subset_size].to(b.device)]
        kernel = lambda p, q: (p @ q.T / d + 1) ** 3  # noqa: E731
        values.append(float(_unbiased_mmd2(kernel(x, x), kernel(y, y), kernel(x, y))))
    values = torch.tensor(values, dtype=torch.float64)
    return float(values.mean()), float(values.std(unbiased=False)) if n_subsets > 1 else 0.0


def mmd(feats_a, feats_b, bandwidth=None):
    """Unbiased MMD^2 with the RBF kernel ``exp(-|x - y|^2 / (2 h^2))`` (Gretton et al. 2012).

    ``bandwidth`` h defaults to the median pairwise distance of the pooled sets.
    """
    a, b = _paired(feats_a, feats_b, minimum=2)
    pooled = torch.cat([a, b])
    if bandwidth is None:
        distances = torch.cdist(pooled, pooled)
        bandwidth = float(distances[torch.triu(torch.ones_like(distances, dtype=torch.bool), 1)].median())
    check_number("bandwidth", bandwidth, 0, strict=True)
    kernel = lambda p, q: torch.exp(-torch.cdist(p, q).square() / (2 * bandwidth**2))  # noqa: E731
    return float(_unbiased_mmd2(kernel(a, a), kernel(b, b), kernel(a, b)))


def inception_score(probs, splits=10):
    """Inception Score (Salimans et al. 2016): ``exp(E_x KL(p(y|x) || p(y)))``, mean and std over ``splits``.

    ``probs`` (N, classes) are class probabilities, each row summing to one.
    """
    p = _features("probs", probs)
    check_int("splits", splits, 1, maximum=len(p))
    if (p < 0).any() or not torch.allclose(p.sum(1), torch.ones(len(p), dtype=p.dtype, device=p.device), atol=1e-6):
        raise ValueError("probs must hold probabilities (non-negative rows that sum to 1)")
    scores = []
    for part in torch.tensor_split(p, splits):
        marginal = part.mean(0, keepdim=True)
        kl = torch.where(part > 0, part * (part.clamp(min=1e-300).log() - marginal.clamp(min=1e-300).log()), 0.0)
        scores.append(float(kl.sum(1).mean().exp()))
    scores = torch.tensor(scores, dtype=torch.float64)
    return float(scores.mean()), float(scores.std(unbiased=False)) if splits > 1 else 0.0


def _radii(x, k):
    distances = torch.cdist(x, x)
    return distances.kthvalue(k + 1, dim=1).values  # (N,): the k-th neighbour, the point itself excluded


def precision_recall(real_feats, fake_feats, k=3):
    """Improved precision and recall (Kynkaanniemi et al. 2019) with k-nearest-neighbour balls.

    Precision: the share of generated points inside the ball of some real point
    (radius: its distance to its k-th nearest real neighbour); recall: the share
    of real points inside some generated point's ball. Returns ``(precision, recall)``.
    """
    real = _features("real_feats", real_feats)
    fake = _features("fake_feats", fake_feats, real.shape[1]).to(real.device)
    check_int("k", k, 1, maximum=min(len(real), len(fake)) - 1)
    real_radii, fake_radii = _radii(real, k), _radii(fake, k)
    between = torch.cdist(fake, real)  # (N_fake, N_real)
    precision = (between <= real_radii[None, :]).any(1).double().mean()
    recall = (between.T <= fake_radii[None, :]).any(1).double().mean()
    return float(precision), float(recall)
