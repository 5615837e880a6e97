"""Does a model leak its training data? Exact copies among samples, and membership inference (chapter 9)."""
import numpy as np
import torch
from scipy.stats import rankdata

from .._tensors import as_tensor, to_numpy


def _scores(argument, scores):
    values = to_numpy(as_tensor(argument, scores, dtype=torch.float64, device="cpu"))
    if values.ndim != 1 or len(values) < 1:
        raise ValueError(f"{argument} must be a 1-D array of at least 1 score, got shape {values.shape}")
    return values


def membership_auc(member_scores, non_member_scores):
    r"""Area under the ROC curve of a membership-inference attack that calls high scores members.

    The probability that a random training member scores above a random
    non-member, ties counting one half (the Mann-Whitney statistic):

    .. math::

        \mathrm{AUC} = \frac{1}{n_m n_o} \sum_{i=1}^{n_m} \sum_{j=1}^{n_o}
        \Big(\mathbb{1}[s_i > t_j] + \tfrac12 \mathbb{1}[s_i = t_j]\Big),

    with member scores :math:`s_i` and non-member scores :math:`t_j` (for a
    likelihood attack, ``log_prob`` of each example; Shokri et al., 2017,
    Carlini et al., 2022). 0.5: the attack learns nothing about membership; 1:
    it tells every member from every non-member. Computed from midranks, in
    O(n log n), equal to ``sklearn.metrics.roc_auc_score``.

    Parameters
    ----------
    member_scores, non_member_scores : 1-D arrays or tensors of finite numbers
    """
    members = _scores("member_scores", member_scores)
    others = _scores("non_member_scores", non_member_scores)
    ranks = rankdata(np.concatenate([members, others]), method="average")[:len(members)]  # midranks: ties
    return float((ranks.sum() - len(members) * (len(members) + 1) / 2) / (len(members) * len(others)))


def copy_rate(samples, training):
    """Share of ``samples`` that are exact copies of a training example.

    Parameters
    ----------
    samples, training : list of str, or 2-D arrays or tensors of the same width
        Words (e.g. sampled names against the training names) or rows (e.g.
        digits as grey levels; compare rounded values).

    Returns
    -------
    float in [0, 1]
    """
    if isinstance(samples, (list, tuple)) or isinstance(training, (list, tuple)):
        for argument, words in (("samples", samples), ("training", training)):
            if not isinstance(words, (list, tuple)) or not all(isinstance(w, str) for w in words):
                raise TypeError(f"{argument} must be a list of str when the other is, got {type(words).__name__}")
        if not samples:
            raise ValueError("samples must hold at least one word, got none")
        known = set(training)
        return sum(word in known for word in samples) / len(samples)
    rows = as_tensor("samples", samples, device="cpu", shape=("N", "D"))
    reference = as_tensor("training", training, device="cpu", shape=(None, rows.shape[1]))
    known = {tuple(row) for row in reference.tolist()}
    return sum(tuple(row) in known for row in rows.tolist()) / len(rows)
