"""Chapter 9's leak measures: the membership-inference AUC against scikit-learn, the copy rate by hand."""
import pytest
import torch
from sklearn.metrics import roc_auc_score

from course_lib import metrics


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_membership_auc_is_scikit_learns_roc_auc(seed):
    draws = torch.Generator().manual_seed(seed)
    members = torch.randn(300, generator=draws, dtype=torch.float64) + 0.3
    others = torch.randn(200, generator=draws, dtype=torch.float64)
    labels = [1] * 300 + [0] * 200
    expected = roc_auc_score(labels, torch.cat([members, others]).numpy())
    assert metrics.membership_auc(members, others) == pytest.approx(expected, abs=1e-12)


def test_ties_count_one_half_and_the_extremes_are_zero_and_one():
    assert metrics.membership_auc([1.0, 1.0], [1.0, 1.0, 1.0]) == 0.5
    assert metrics.membership_auc([2.0, 3.0], [0.0, 1.0]) == 1.0
    assert metrics.membership_auc([0.0], [1.0, 2.0]) == 0.0
    rounded = torch.tensor([1, 2, 2, 3], dtype=torch.float64)  # ties across the groups, as rounded scores give
    expected = roc_auc_score([1, 1, 0, 0], torch.cat([rounded[:2], rounded[2:]]).numpy())
    assert metrics.membership_auc(rounded[:2], rounded[2:]) == pytest.approx(expected)


def test_copy_rate_of_words_and_of_rows():
    assert metrics.copy_rate(["smith", "jones", "smyth", "smith"], ["smith", "jones", "brown"]) == 0.75
    assert metrics.copy_rate(["zzz"], ["smith"]) == 0.0
    training = torch.tensor([[0, 1, 2], [3, 4, 5]])
    samples = torch.tensor([[0, 1, 2], [0, 1, 3], [3, 4, 5], [5, 4, 3]])
    assert metrics.copy_rate(samples, training) == 0.5


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="member_scores"):
        metrics.membership_auc([], [1.0])
    with pytest.raises(ValueError, match="non_member_scores"):
        metrics.membership_auc([1.0], [[1.0, 2.0]])
    with pytest.raises(ValueError, match="non_member_scores"):
        metrics.membership_auc([1.0], [float("nan")])
    with pytest.raises(TypeError, match="training must be a list of str"):
        metrics.copy_rate(["a"], torch.zeros(2, 3))
    with pytest.raises(ValueError, match="samples"):
        metrics.copy_rate([], ["a"])
    with pytest.raises(ValueError, match="training"):
        metrics.copy_rate(torch.zeros(2, 3), torch.zeros(2, 4))
