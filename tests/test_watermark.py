"""The green-list watermark: keyed and deterministic, its z-score the binomial one, detected after sampling."""
import math

import pytest
import torch
from scipy import stats

from course_lib import pretrained
from course_lib.autoregressive import CharVocabulary
from course_lib.watermark import GreenList


def test_green_lists_are_a_deterministic_function_of_key_and_context():
    first, again = GreenList("secret", 30, 27, gamma=0.25), GreenList("secret", 30, 27, gamma=0.25)
    assert torch.equal(first.green, again.green)
    assert not torch.equal(first.green, GreenList("other", 30, 27, gamma=0.25).green)
    assert first.green.sum(1).tolist() == [round(0.25 * 27)] * 30  # the same share in every context
    assert len({tuple(row.tolist()) for row in first.green}) > 25  # contexts get different lists
    assert first.share == 7 / 27


def test_a_known_green_list_stays_the_same_on_every_machine():
    # SHA-256 seeds and torch's CPU randperm: a changed list would silently stop detecting older text
    assert GreenList("course", 2, 8, gamma=0.5).green.int().tolist() == [[1, 0, 0, 1, 0, 1, 1, 0],
                                                                          [1, 0, 1, 1, 0, 0, 1, 0]]


def test_the_z_score_is_the_standardised_binomial_count():
    lists = GreenList("k", 1, 10, gamma=0.3)
    for green, total in [(0, 1), (3, 10), (40, 100), (700, 1000)]:
        null = stats.binom(total, 0.3)
        assert math.isclose(lists.z_score(green, total), (green - null.mean()) / null.std(), rel_tol=1e-12)


def test_bias_adds_delta_on_the_green_symbols_of_each_rows_context():
    lists = GreenList("k", 3, 5, gamma=0.4, delta=1.5)
    logits = torch.zeros(3, 5)
    previous = torch.tensor([2, 0, 2])
    assert torch.equal(lists.bias(logits, previous), 1.5 * lists.green[previous].float())


def test_counting_scores_each_symbol_against_the_token_before_it_and_skips_padding():
    lists = GreenList("k", 4, 4, gamma=0.5)
    tokens = torch.tensor([[3, 1, 2, 0], [3, 2, 0, -1]])
    expected = sum(int(lists.green[a, b]) for a, b in [(3, 1), (1, 2), (2, 0), (3, 2), (2, 0)])
    assert lists.count(tokens) == (expected, 5)


def test_text_written_without_the_key_looks_like_chance():
    lists = GreenList("k", 27, 27, gamma=0.5)
    tokens = torch.randint(27, (2000, 8), generator=torch.Generator().manual_seed(0))
    assert abs(lists.z_score(*lists.count(tokens))) < 4


def test_sampling_with_the_key_is_detected_and_without_it_is_not():
    model = pretrained.load("names-transformer")
    lists = GreenList.for_vocabulary("course", model.vocabulary, gamma=0.5, delta=2.0)
    marked = model.sample(100, watermark=lists, generator=torch.Generator().manual_seed(0))
    plain = model.sample(100, generator=torch.Generator().manual_seed(0))
    z_marked, _, total = lists.detect(marked, model.vocabulary)
    z_plain, _, _ = lists.detect(plain, model.vocabulary)
    assert total > 400 and z_marked > 8 and abs(z_plain) < 4, (z_marked, z_plain)


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="key"):
        GreenList("", 3, 3)
    with pytest.raises(ValueError, match="gamma"):
        GreenList("k", 3, 3, gamma=1.0)
    with pytest.raises(ValueError, match="delta"):
        GreenList("k", 3, 3, delta=-1)
    lists = GreenList("k", 3, 4)
    with pytest.raises(ValueError, match="previous"):
        lists.bias(torch.zeros(1, 4), torch.tensor([3]))
    with pytest.raises(ValueError, match="logits"):
        lists.bias(torch.zeros(1, 5), torch.tensor([0]))
    with pytest.raises(ValueError, match="green"):
        lists.z_score(5, 4)
    model = pretrained.load("names-mlp")
    with pytest.raises(ValueError, match="watermark must have green lists"):
        model.sample(2, watermark=GreenList("k", 3, 4))
    with pytest.raises(ValueError, match="tokens"):
        lists.count(torch.zeros(2, 1, dtype=torch.long))


def test_for_vocabulary_covers_condition_tokens():
    vocabulary = CharVocabulary(conditions=("female", "male"))
    lists = GreenList.for_vocabulary("k", vocabulary)
    assert lists.green.shape == (vocabulary.num_tokens, vocabulary.num_symbols)
