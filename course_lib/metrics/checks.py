"""Is a model copying, and can its samples be told from data? Plus a bootstrap interval for any measure."""
import numpy as np
import torch

from .._checks import check_int, check_number, check_seed
from .._tensors import as_tensor, to_numpy
from .samples import _features, _row_blocks


def _nearest_distance(x, reference):
    """Each row's distance to its nearest row of ``reference``, computed in row blocks: (N,) on ``x``'s device."""
    return torch.cat([block.min(1).values for _, block in _row_blocks(x, reference)])


def memorization(train_feats, generated_feats, held_out_feats):
    """Distances to the nearest training example, for generated samples and for held-out real examples.

    A model that copies puts its samples much closer to training examples than
    fresh real data are: compare the two distributions (e.g. their medians).

    Returns
    -------
    generated, held_out : torch.Tensor (float64, CPU), shapes (N_generated,) and (N_held_out,)
    """
    train = _features("train_feats", train_feats)
    generated = _features("generated_feats", generated_feats, train.shape[1]).to(train.device)
    held_out = _features("held_out_feats", held_out_feats, train.shape[1]).to(train.device)
    return _nearest_distance(generated, train).cpu(), _nearest_distance(held_out, train).cpu()


def classifier_two_sample_test(real_feats, fake_feats, seed=0):
    """Held-out accuracy of a logistic regression telling real from generated (Lopez-Paz and Oquab, 2017).

    Each set is cut in half at random; the classifier is fitted on the first
    halves and scored on the second, balanced (the smaller set's size from each).
    0.5 means indistinguishable to this classifier; 1.0 means always detected.
    """
    from sklearn.linear_model import LogisticRegression

    real = to_numpy(_features("real_feats", real_feats, minimum=4))
    fake = to_numpy(_features("fake_feats", fake_feats, real.shape[1], minimum=4))
    n = min(len(real), len(fake))
    generator = torch.Generator().manual_seed(check_seed("seed", seed))
    real = real[torch.randperm(len(real), generator=generator)[:n].numpy()]
    fake = fake[torch.randperm(len(fake), generator=generator)[:n].numpy()]
    half = n // 2
    x_fit, x_test = np.concatenate([real[:half], fake[:half]]), np.concatenate([real[half:], fake[half:]])
    y_fit = np.r_[np.ones(half), np.zeros(half)]
    y_test = np.r_[np.ones(n - half), np.zeros(n - half)]
    scale = x_fit.std(0) + 1e-12
    centre = x_fit.mean(0)
    classifier = LogisticRegression(max_iter=2000).fit((x_fit - centre) / scale, y_fit)
    return float(classifier.score((x_test - centre) / scale, y_test))


def bootstrap_interval(measure, *sets, num_resamples=200, level=0.95, seed=0):
    """``measure(*sets)`` with a percentile bootstrap interval: each set resampled with replacement.

    Suited to averages over examples (a mean NLL, an accuracy). Measures that
    look at distances between examples (FID, KID, precision and recall) see a
    resample's duplicates as less spread or as zero-distance neighbours, so
    their bootstrap distribution is shifted away from the estimate; give those
    an interval over seeds or over random subsets instead.

    Returns
    -------
    value, low, high : float
    """
    if not callable(measure):
        raise TypeError(f"measure must be callable as measure(*sets), got {type(measure).__name__}")
    if not sets:
        raise ValueError("bootstrap_interval needs at least one set of examples")
    check_int("num_resamples", num_resamples, 2)
    check_number("level", level, 0, strict=True, maximum=1)
    if level >= 1:
        raise ValueError(f"level must be a number in (0, 1), got {level}")
    sets = [as_tensor(f"sets[{i}]", s, dtype=torch.float64).detach() for i, s in enumerate(sets)]
    generator = torch.Generator().manual_seed(check_seed("seed", seed))
    values = torch.tensor([float(measure(*(s[torch.randint(len(s), (len(s),), generator=generator).to(s.device)]
                                           for s in sets))) for _ in range(num_resamples)], dtype=torch.float64)
    tail = (1 - level) / 2
    return float(measure(*sets)), float(values.quantile(tail)), float(values.quantile(1 - tail))
