"""k-means clustering in torch, the default initialisation of :class:`~course_lib.mixture.GaussianMixture`."""
import math

import torch


def kmeans_plusplus(x, n_clusters, generator):
    """Greedy k-means++ seeding (Arthur and Vassilvitskii 2007): indices of ``n_clusters`` rows of ``x``.

    Each new centre is the best of ``2 + log K`` candidates drawn with
    probability proportional to the squared distance to the nearest centre.
    """
    n_trials = 2 + int(math.log(n_clusters))
    first = int(torch.randint(len(x), (1,), generator=generator, device=generator.device))
    indices = [first]
    closest = (x - x[first]).square().sum(1)  # (N,) squared distance to the nearest centre
    for _ in range(1, n_clusters):
        total = closest.sum()
        probs = closest / total if total > 0 else torch.ones_like(closest)
        candidates = torch.multinomial(probs.to(generator.device), n_trials, True, generator=generator)
        candidates = candidates.to(x.device)
        new_closest = torch.minimum(closest, torch.cdist(x[candidates], x).square())  # (T, N)
        best = int(new_closest.sum(1).argmin())
        closest = new_closest[best]
        indices.append(int(candidates[best]))
    return torch.tensor(indices, device=x.device)


def kmeans(x, n_clusters, generator, max_iter=100):
    """k-means++ seeding, then Lloyd iterations until no label changes; returns labels, shape (N,)."""
    centres = x[kmeans_plusplus(x, n_clusters, generator)]  # (K, d)
    labels = None
    for _ in range(max_iter):
        new_labels = torch.cdist(x, centres).argmin(1)
        if labels is not None and torch.equal(new_labels, labels):
            break
        labels = new_labels
        counts = torch.bincount(labels, minlength=n_clusters).unsqueeze(1)  # (K, 1)
        sums = torch.zeros_like(centres).index_add_(0, labels, x)
        centres = torch.where(counts > 0, sums / counts.clamp(min=1), centres)  # empty cluster: keep centre
    return labels
