"""course_lib.autoregressive: counts against hand counts, the chain rule, causality by gradients, the
sampling filters against brute force, byte-pair encoding, checkpoints and the exact error messages.

Every model is tiny and untrained (a few optimizer steps at most): the properties tested hold for any weights.
"""
import itertools
import math
import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from course_lib import checkpoints
from course_lib.autoregressive import (ALPHABET, BigramCounts, BytePairTokenizer, CharVocabulary, MLPCharLM,
                                       MLPConfig, NGramCounts, PixelConfig, PixelTransformer, TransformerCharLM,
                                       TransformerConfig, filter_logits, fit_counts, next_token_loss, pixel_loss)
from course_lib.autoregressive.sampling import UNBOUNDED_MAX_LENGTH, CharLanguageModel
from course_lib.data import load_digits, load_first_names_by_sex, load_names

SYMBOLS = "." + ALPHABET  # id = position: the boundary, then a-z
WORDS = ["anna", "ann", "bob", "abba", "ben", "nab", "anne"]
SEXES = ["female", "female", "male", "female", "male", "male", "female"]
HELD_OUT = ["ab", "zed", "annabel", "b"]  # unseen letters and contexts too
SEX_TOKENS = {"female": "F", "male": "M"}  # stand-ins for the condition tokens in the hand counts


def _exactly(message):
    return "^" + re.escape(message) + "$"


def _generator(seed):
    return torch.Generator().manual_seed(seed)


def tiny_transformer(conditions=(), context=8, dtype=torch.float32, seed=0):
    torch.manual_seed(seed)
    config = TransformerConfig(conditions=conditions, context=context, embed_dim=8, num_heads=2, num_layers=2)
    return TransformerCharLM(config).to(dtype).eval()


def tiny_mlp(conditions=(), context=3, dtype=torch.float32, seed=0):
    torch.manual_seed(seed)
    config = MLPConfig(conditions=conditions, context=context, embed_dim=4, hidden_dim=16, dropout=0.0)
    return MLPCharLM(config).to(dtype).eval()


def tiny_pixels(dtype=torch.float32, seed=0, **sizes):
    torch.manual_seed(seed)
    config = PixelConfig(**{"embed_dim": 8, "num_heads": 2, "num_layers": 2, "dropout": 0.0, **sizes})
    return PixelTransformer(config).to(dtype).eval()


# name -> () -> (model, the condition of HELD_OUT's words or None)
CHAR_MODELS = {
    "unigram": lambda: (NGramCounts(1, 0.5).fit(WORDS), None),
    "bigram": lambda: (BigramCounts(0.1).fit(WORDS), None),
    "trigram": lambda: (NGramCounts(3, 0.1).fit(WORDS), None),
    "trigram|sex": lambda: (NGramCounts(3, 0.1, conditions=("female", "male")).fit(WORDS, SEXES), "male"),
    "mlp": lambda: (tiny_mlp(), None),
    "mlp|sex": lambda: (tiny_mlp(("female", "male")), ["female", "male", "male", "female"]),
    "transformer": lambda: (tiny_transformer(), None),
    "transformer|sex": lambda: (tiny_transformer(("female", "male"), dtype=torch.float64), "female"),
}
NEURAL = ["mlp", "mlp|sex", "transformer", "transformer|sex"]


# ---------------------------------------------------------------- counts against hand counts

def _events(n, word, start="."):
    """(context, next symbol) pairs of a word: n - 1 symbols of context, the start token before the word."""
    padded = start * (n - 1) + word + "."
    return [(padded[i:i + n - 1], padded[i + n - 1]) for i in range(len(word) + 1)]


def _hand_log_probs(n, alpha, train, words, train_starts=None, starts=None):
    """log p(word) from add-alpha counts (eq. 6.2), counted with collections.Counter; S = 27 symbols."""
    pairs, contexts = Counter(), Counter()
    for word, start in zip(train, train_starts or ["."] * len(train)):
        for context, symbol in _events(n, word, start):
            pairs[context, symbol] += 1
            contexts[context] += 1
    return [sum(math.log((pairs[c, x] + alpha) / (contexts[c] + alpha * 27)) for c, x in _events(n, word, start))
            for word, start in zip(words, starts or ["."] * len(words))]


@pytest.mark.parametrize("n, alpha", [(1, 0.5), (2, 0.1), (3, 0.1), (3, 1.0), (5, 0.01)])
def test_ngram_log_probs_equal_hand_counts_with_add_alpha_smoothing(n, alpha):
    model = NGramCounts(n, alpha).fit(WORDS)
    words = WORDS + HELD_OUT
    expected = torch.tensor(_hand_log_probs(n, alpha, WORDS, words), dtype=torch.float64)
    log_p = model.log_prob(words)
    assert log_p.dtype == torch.float64 and log_p.shape == (len(words),)
    torch.testing.assert_close(log_p, expected, rtol=1e-12, atol=1e-12)


def test_ngram_logits_are_normalised_and_hold_the_log_probs_each_word_scores():
    model = NGramCounts(3, 0.1).fit(WORDS)  # log_prob looks up only each next symbol: the table must agree
    tokens = model.vocabulary.encode(HELD_OUT)
    logits, targets = model.logits(tokens[:, :-1]), tokens[:, 1:]
    torch.testing.assert_close(logits.exp().sum(-1), torch.ones(targets.shape, dtype=torch.float64))
    picked = logits.gather(-1, targets.clamp(min=0).unsqueeze(-1)).squeeze(-1).masked_fill(targets < 0, 0.0)
    torch.testing.assert_close(picked.sum(1), model.log_prob(HELD_OUT), rtol=1e-12, atol=1e-12)


def test_conditional_ngram_counts_start_each_context_with_the_condition_token():
    model = NGramCounts(3, 0.1, conditions=("female", "male")).fit(WORDS, SEXES)
    starts = [SEX_TOKENS[s] for s in SEXES]
    words, conditions = HELD_OUT, ["female", "male", "female", "male"]
    expected = _hand_log_probs(3, 0.1, WORDS, words, starts, [SEX_TOKENS[c] for c in conditions])
    torch.testing.assert_close(model.log_prob(words, conditions), torch.tensor(expected, dtype=torch.float64),
                               rtol=1e-12, atol=1e-12)


def test_bigram_counts_table_equals_hand_counts():
    model = BigramCounts().fit(WORDS)
    hand = Counter(pair for word in WORDS for pair in _events(2, word))
    expected = torch.zeros(27, 27, dtype=torch.long)
    for (previous, following), count in hand.items():
        expected[SYMBOLS.index(previous), SYMBOLS.index(following)] = count
    assert torch.equal(model.counts_, expected)
    assert model.counts_.sum() == sum(len(word) + 1 for word in WORDS)  # one count per predicted symbol


def test_bigram_counts_of_a_conditional_model_have_one_row_per_condition_token():
    counts = BigramCounts(conditions=("female", "male")).fit(WORDS, SEXES).counts_
    assert counts.shape == (29, 27) and counts[0].sum() == 0  # "." never precedes a letter: conditions start words
    assert counts[27].sum() == SEXES.count("female") and counts[28, SYMBOLS.index("b")] == 2  # male: "bob", "ben"


def test_fit_counts_keeps_the_alpha_with_the_lowest_validation_loss():
    train, val = WORDS, ["anab", "bea", "nob"]
    alphas = (0.001, 0.1, 1.0, 10.0)
    model, val_losses = fit_counts(2, train, val, alphas=alphas)
    expected = {alpha: float(NGramCounts(2, alpha).fit(train).loss(val)) for alpha in alphas}
    assert val_losses.keys() == expected.keys()
    assert all(val_losses[a] == pytest.approx(expected[a], rel=1e-12) for a in alphas)
    best = min(expected, key=expected.get)
    assert model.alpha == best and best not in (alphas[0], alphas[-1])  # an interior optimum on these words
    torch.testing.assert_close(model.log_prob(val), NGramCounts(2, best).fit(train).log_prob(val))


# ---------------------------------------------------------------- the chain rule

@pytest.mark.parametrize("name", CHAR_MODELS)
def test_next_logits_are_the_last_position_of_logits_at_every_length(name):
    model, condition = CHAR_MODELS[name]()
    tokens = model.vocabulary.encode(HELD_OUT, condition)  # (N, T)
    with torch.no_grad():
        for length in range(1, tokens.shape[1]):  # shorter and longer than the MLP's context
            torch.testing.assert_close(model.next_logits(tokens[:, :length]), model.logits(tokens[:, :length])[:, -1],
                                       rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", CHAR_MODELS)
def test_next_symbol_probabilities_sum_to_one_and_log_prob_is_their_chain_rule_sum(name):
    model, condition = CHAR_MODELS[name]()
    tokens = model.vocabulary.encode(HELD_OUT, condition)  # (N, T)
    with torch.no_grad():
        logits = model.logits(tokens[:, :-1])  # (N, T - 1, S)
    assert logits.shape == (len(HELD_OUT), tokens.shape[1] - 1, 27)  # condition tokens are inputs, never outputs
    probs = logits.exp() if isinstance(model, NGramCounts) else logits.softmax(-1)  # counts give log p directly
    torch.testing.assert_close(probs.sum(-1), torch.ones_like(probs[..., 0]), rtol=0, atol=1e-6)
    conditions = condition if isinstance(condition, list) else [condition] * len(HELD_OUT)
    expected = []
    for word, word_condition in zip(HELD_OUT, conditions):  # one word at a time: no padding involved
        ids = model.vocabulary.encode([word], word_condition)[0]
        with torch.no_grad():
            log_p = model.logits(ids[None, :-1])[0].log_softmax(-1)  # (len + 1, S)
        expected.append(sum(log_p[t, ids[t + 1]] for t in range(len(word) + 1)))
    log_prob = model.log_prob(HELD_OUT, condition)
    assert log_prob.shape == (len(HELD_OUT),) and log_prob.dtype == model.dtype
    torch.testing.assert_close(log_prob, torch.stack(expected), rtol=1e-5, atol=1e-5)
    loss = model.loss(HELD_OUT, condition)
    torch.testing.assert_close(loss, -log_prob.sum() / (sum(map(len, HELD_OUT)) + len(HELD_OUT)))


@pytest.mark.parametrize("name", CHAR_MODELS)
def test_the_empty_word_that_sampling_can_write_can_be_scored(name):
    model, condition = CHAR_MODELS[name]()
    condition = condition[0] if isinstance(condition, list) else condition
    with torch.no_grad():
        log_p_end = model.logits(model.vocabulary.encode([""], condition)[:, :1])[0, 0].log_softmax(-1)[0]
    torch.testing.assert_close(model.log_prob([""], condition)[0], log_p_end)  # p("") = p(end | start)


def test_a_tiny_pixel_model_is_a_distribution_over_every_image():
    model = tiny_pixels(torch.float64, num_pixels=3, num_levels=3, image_width=3)
    images = torch.tensor(list(itertools.product(range(3), repeat=3)))  # all 27 images
    total = model.log_prob(images).exp().sum()
    assert total.item() == pytest.approx(1.0, abs=1e-12)


def test_pixel_log_prob_is_the_chain_rule_sum_and_pixel_loss_its_negative_mean():
    model = tiny_pixels()
    x = load_digits("test")[0][:5]  # (5, 64), grey levels as float32
    with torch.no_grad():
        logits = model(x.long())  # (5, 64, 17)
    probs = logits.softmax(-1)
    torch.testing.assert_close(probs.sum(-1), torch.ones(5, 64), rtol=0, atol=1e-6)
    expected = torch.stack([sum(logits[i, t].log_softmax(-1)[int(x[i, t])] for t in range(64)) for i in range(5)])
    log_prob = model.log_prob(x)
    assert log_prob.shape == (5,) and log_prob.dtype == torch.float32
    torch.testing.assert_close(log_prob, expected, rtol=1e-5, atol=1e-4)
    with torch.no_grad():
        torch.testing.assert_close(pixel_loss(model, x), -log_prob.mean())


@pytest.mark.parametrize("name", ["mlp", "transformer"])
def test_next_token_loss_is_the_models_loss_and_a_few_steps_lower_it(name):
    model, _ = CHAR_MODELS[name]()
    tokens = model.vocabulary.encode(WORDS)
    torch.testing.assert_close(next_token_loss(model, tokens), model.loss(WORDS))  # the same nats per symbol
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    before = next_token_loss(model, tokens).item()
    for _ in range(5):
        loss = next_token_loss(model, tokens)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert next_token_loss(model, tokens).item() < before


# ---------------------------------------------------------------- causality by gradients

def _embedding_row_gradients(model, embedding, tokens, t):
    """Gradient of the logits at position t w.r.t. the embedding's rows, one row per token id."""
    model.zero_grad()
    model(tokens)[:, t].sum().backward()
    return embedding.weight.grad


@pytest.mark.parametrize("name", ["mlp", "transformer"])
def test_char_logits_at_t_have_zero_gradient_from_later_symbols(name):
    model, _ = CHAR_MODELS[name]()
    tokens = torch.arange(8)[None]  # (1, 8): start, then a..g, all distinct, so each row of the table is a position
    embedding = model.embedding if name == "mlp" else model.token_embedding
    for t in range(8):
        grad = _embedding_row_gradients(model, embedding, tokens, t)
        assert torch.all(grad[tokens[0, t + 1:]] == 0), f"logits at {t} depend on a later symbol"
        assert grad[tokens[0, t]].abs().sum() > 0  # and on the symbol at t itself
        if name == "transformer":
            assert torch.all(model.position_embedding.weight.grad[t + 1:] == 0)


def _hooked_gradients(model, embedding, inputs, t):
    """Gradient of the logits at position t w.r.t. the embedding's output (B, T, C), caught by a forward hook."""
    caught = []

    def keep_gradient(module, args, output):  # (B, T, C): a non-leaf tensor, so ask autograd to keep its gradient
        output.retain_grad()
        caught.append(output)

    handle = embedding.register_forward_hook(keep_gradient)
    try:
        model(inputs)[:, t].sum().backward()
    finally:
        handle.remove()
    return caught[0].grad  # (B, T, C)


def test_transformer_logits_at_t_have_zero_gradient_from_later_embeddings():
    model = tiny_transformer(context=10)
    tokens = torch.randint(0, 27, (3, 10), generator=_generator(0))
    for t in range(10):
        grad = _hooked_gradients(model, model.token_embedding, tokens, t)
        assert torch.all(grad[:, t + 1:] == 0) and torch.all(grad[:, t].abs().sum(-1) > 0)


def test_pixel_logits_at_t_depend_on_the_pixels_before_t_only():
    model = tiny_pixels()
    x = torch.randperm(17, generator=_generator(0))[None]  # (1, 17): distinct grey levels, one pixel per row
    for t in range(17):
        grad = _embedding_row_gradients(model, model.token_embedding, x, t)
        assert torch.all(grad[x[0, t:]] == 0), f"the logits of pixel {t} depend on pixel {t} or a later one"
        assert grad[model.start].abs().sum() > 0  # the start token stands before pixel 0
        if t > 0:
            assert grad[x[0, t - 1]].abs().sum() > 0
        hooked = _hooked_gradients(model, model.token_embedding, x, t)  # input position s holds pixel s - 1
        assert torch.all(hooked[:, t + 1:] == 0) and hooked[:, t].abs().sum() > 0
    images = load_digits("test")[0][:4].long()
    with torch.no_grad():
        logits = model(images)
        for t in (0, 20, 63):
            changed = images.clone()
            changed[:, t:] = torch.randint(0, 17, changed[:, t:].shape, generator=_generator(t))
            assert torch.equal(model(changed)[:, :t + 1], logits[:, :t + 1])



def test_transformer_logits_from_a_cache_equal_those_of_the_whole_prefix():
    model = tiny_transformer(context=10, dtype=torch.float64)
    tokens = torch.randint(0, 27, (3, 10), generator=_generator(0))
    cache, pieces = None, []
    with torch.no_grad():
        for end in (1, 2, 7, 10):
            logits, cache = model.extend(tokens[:, :end], cache)
            pieces.append(logits)
            assert cache[0].shape == cache[1].shape == (2, 3, 2, end, 4)  # layers, words, heads, positions, head size
        torch.testing.assert_close(torch.cat(pieces, dim=1), model.logits(tokens), rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match=_exactly("tokens must hold more positions than the cache (10), got 10")):
        model.extend(tokens, cache)


@pytest.mark.parametrize("options", [{}, {"temperature": 0.5, "top_p": 0.8}, {"top_k": 2, "prefix": "ab"},
                                     {"condition": "male"}], ids=["model", "filtered", "prefix", "condition"])
def test_sampling_with_the_cache_draws_the_words_the_whole_prefix_draws(options, monkeypatch):
    model = tiny_transformer(conditions=("female", "male") if "condition" in options else (), dtype=torch.float64)
    cached = model.sample(50, generator=_generator(3), **options)
    monkeypatch.setattr(TransformerCharLM, "_next_logits_cached", CharLanguageModel._next_logits_cached)
    assert model.sample(50, generator=_generator(3), **options) == cached  # each step from the whole prefix

def test_pixel_logits_from_a_cache_equal_those_of_the_whole_prefix():
    model = tiny_pixels(torch.float64)
    x = load_digits("test")[0][:3].long()
    cache, pieces = None, []
    with torch.no_grad():
        whole = model(x)
        for end in (1, 2, 20, 21, 64):  # one position at a time, and runs of them
            logits, cache = model.extend(x[:, :end], cache)
            pieces.append(logits)
            assert cache[0].shape == cache[1].shape == (2, 3, 2, end, 4)  # layers, images, heads, pixels, head size
    torch.testing.assert_close(torch.cat(pieces, dim=1), whole, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match=_exactly("x must hold more pixels than the cache (64), got 64")):
        model.extend(x, cache)


# ---------------------------------------------------------------- filtering and sampling

def _random_logits(rows=20, symbols=6, seed=0):
    return 3 * torch.randn(rows, symbols, generator=_generator(seed), dtype=torch.float64)


def _brute_force_top_p(probs, p):
    """Among all subsets, the smallest whose mass reaches p (the most massive one of that size)."""
    symbols = range(len(probs))
    for size in range(1, len(probs) + 1):
        best = list(max(itertools.combinations(symbols, size), key=lambda subset: sum(probs[list(subset)])))
        if probs[best].sum() >= p or size == len(probs):  # the whole set has mass 1, whatever the rounding
            kept = torch.zeros_like(probs)
            kept[best] = probs[best]
            return kept / kept.sum()


@pytest.mark.parametrize("p", [0.05, 0.3, 0.6, 0.9, 0.999, 1.0])
def test_top_p_keeps_the_smallest_set_whose_mass_reaches_p(p):
    logits = _random_logits()
    expected = torch.stack([_brute_force_top_p(row, p) for row in logits.softmax(-1)])
    torch.testing.assert_close(filter_logits(logits, top_p=p), expected, rtol=1e-12, atol=1e-12)
    if p == 1.0:
        torch.testing.assert_close(filter_logits(logits, top_p=p), logits.softmax(-1), rtol=0, atol=0)  # keeps all


@pytest.mark.parametrize("k", [1, 2, 5, 6, 10])
def test_top_k_keeps_the_k_most_probable_symbols_renormalised(k):
    logits = _random_logits()
    probs = logits.softmax(-1)
    order = probs.argsort(-1, descending=True)
    expected = torch.zeros_like(probs).scatter(-1, order[:, :k], probs.gather(-1, order[:, :k]))
    torch.testing.assert_close(filter_logits(logits, top_k=k), expected / expected.sum(-1, keepdim=True))


def test_temperature_divides_the_logits_and_near_zero_gives_the_argmax():
    logits = _random_logits()
    torch.testing.assert_close(filter_logits(logits, temperature=2.0), (logits / 2).softmax(-1))
    one_hot = F.one_hot(logits.argmax(-1), 6).double()
    assert torch.equal(filter_logits(logits, temperature=1e-6), one_hot)
    assert torch.equal(filter_logits(logits, top_k=1), one_hot)
    tied = torch.tensor([[1.0, 3.0, 3.0, 0.0]])
    torch.testing.assert_close(filter_logits(tied, top_k=1), torch.tensor([[0.0, 1.0, 0.0, 0.0]]))  # the argmax
    torch.testing.assert_close(filter_logits(tied, top_k=2), torch.tensor([[0.0, 0.5, 0.5, 0.0]]))


def _greedy(model, condition=None, prefix=""):
    """The argmax continuation by hand, and the smallest gap between the two largest logits along it."""
    ids = [model.vocabulary.start_token(condition)] + [SYMBOLS.index(c) for c in prefix]
    longest, gaps = model.max_length or UNBOUNDED_MAX_LENGTH, []
    while len(ids) <= longest:
        with torch.no_grad():
            logits = model.logits(torch.tensor([ids]))[0, -1]
        top = logits.topk(2).values
        gaps.append((top[0] - top[1]).item())
        if logits.argmax().item() == 0:
            break
        ids.append(logits.argmax().item())
    return "".join(SYMBOLS[i] for i in ids[1:]), min(gaps)


@pytest.mark.parametrize("name", NEURAL)
def test_top_k_one_and_a_tiny_temperature_sample_the_argmax_continuation(name):
    model, condition = CHAR_MODELS[name]()
    condition = condition[0] if isinstance(condition, list) else condition
    head = model.head if isinstance(model, TransformerCharLM) else model.mlp[-1]
    with torch.no_grad():
        head.weight.mul_(20)  # larger gaps between the logits: a clear argmax at every step
    for prefix in ("", "b", "zq"):
        greedy, gap = _greedy(model, condition, prefix)
        assert gap > 0.002  # exp(-gap / 1e-4) < 1e-8 per draw (and seeded): temperature 1e-4 is the argmax
        assert greedy.startswith(prefix)
        for options in ({"top_k": 1}, {"temperature": 1e-4}, {"top_k": 1, "top_p": 0.5}):
            words = model.sample(3, prefix=prefix, condition=condition, generator=_generator(0), **options)
            assert words == [greedy] * 3, options


@pytest.mark.parametrize("name", CHAR_MODELS)
def test_seeded_sampling_repeats_keeps_the_prefix_and_respects_max_length(name):
    model, condition = CHAR_MODELS[name]()
    condition = condition[0] if isinstance(condition, list) else condition
    words = model.sample(30, condition=condition, generator=_generator(0))
    assert isinstance(words, list) and len(words) == 30 and all(isinstance(w, str) for w in words)
    assert words == model.sample(30, condition=condition, generator=_generator(0))
    assert words != model.sample(30, condition=condition, generator=_generator(1))
    assert all(set(word) <= set(ALPHABET) for word in words)
    assert max(map(len, words)) <= (model.max_length or UNBOUNDED_MAX_LENGTH)
    prefixed = model.sample(30, prefix="zz", condition=condition, top_p=0.9, generator=_generator(0))
    assert all(word.startswith("zz") for word in prefixed)
    assert torch.isfinite(model.log_prob(words + prefixed, condition)).all()  # every sample can be scored


def test_words_stop_at_the_transformers_context():
    model = tiny_transformer(context=4)  # the start token and at most 3 letters
    words = model.sample(200, generator=_generator(0))
    assert max(map(len, words)) == 3 == model.max_length  # untrained: most words run into the limit
    assert model.sample(5, prefix="abc") == ["abc"] * 5  # a prefix filling the context is the whole word
    assert max(map(len, model.sample(50, prefix="a", temperature=3.0, generator=_generator(0)))) == 3


def test_condition_tokens_change_the_words_sampled():
    model = NGramCounts(2, 1e-6, conditions=("female", "male")).fit(["anna", "ava", "alma"] + ["bob", "ben"],
                                                                    ["female"] * 3 + ["male"] * 2)
    female = model.sample(20, condition="female", generator=_generator(0))
    male = model.sample(20, condition="male", generator=_generator(0))
    assert all(w.startswith("a") for w in female) and all(w.startswith("b") for w in male)
    assert model.log_prob(["anna"], "female") > model.log_prob(["anna"], "male") + 10
    conditional = tiny_transformer(("female", "male"))
    assert conditional.sample(10, condition="female", generator=_generator(0)) != \
        conditional.sample(10, condition="male", generator=_generator(0))


# ---------------------------------------------------------------- pixels: sampling and completion

@pytest.mark.parametrize("mask_kind", ["top half (64,)", "random (N, 64)", "NumPy (64,)"])
def test_complete_keeps_the_observed_pixels_and_returns_the_models_dtype(mask_kind):
    model = tiny_pixels(torch.float64)
    x = load_digits("test")[0][:3]
    if mask_kind == "random (N, 64)":
        mask = torch.rand(3, 64, generator=_generator(0)) < 0.5
    else:
        mask = torch.arange(64) < 32
        mask = mask.numpy() if mask_kind.startswith("NumPy") else mask
    observed = torch.as_tensor(mask).expand(3, -1)
    garbled = x.clone()
    garbled[~observed] = float("nan")  # values at missing pixels are ignored
    completed = model.complete(garbled, mask, generator=_generator(0))
    assert completed.dtype == torch.float64 and completed.shape == (3, 64)
    assert torch.equal(completed[observed], x[observed].double())
    assert torch.equal(completed, completed.round()) and completed.min() >= 0 and completed.max() <= 16
    before = x.clone()
    assert torch.equal(completed, model.complete(x, mask, generator=_generator(0)))
    assert torch.equal(x, before)  # the caller's images are left alone


def test_pixel_samples_are_grey_levels_that_repeat_with_the_generator():
    model = tiny_pixels()
    x = model.sample(3, generator=_generator(0))
    assert x.shape == (3, 64) and x.dtype == torch.float32 and torch.equal(x, x.round())
    assert x.min() >= 0 and x.max() <= 16
    assert torch.equal(x, model.sample(3, generator=_generator(0)))
    assert torch.equal(model.sample(2, generator=_generator(0), temperature=1e-4),
                       model.sample(2, generator=_generator(1), temperature=1e-4))  # the argmax image


def test_context_coverage_is_the_share_of_predicted_symbols_whose_context_was_counted():
    model = NGramCounts(3).fit(WORDS)
    seen = {context for word in WORDS for context, _ in _events(3, word)}
    held_out = [context for word in HELD_OUT for context, _ in _events(3, word)]
    assert model.context_coverage(HELD_OUT) == pytest.approx(sum(c in seen for c in held_out) / len(held_out))
    assert model.context_coverage(WORDS) == 1.0
    counted = Counter(context for word in WORDS for context, _ in _events(3, word))
    assert model.context_coverage(HELD_OUT, min_count=2) == pytest.approx(
        sum(counted[c] >= 2 for c in held_out) / len(held_out))


# ---------------------------------------------------------------- byte-pair encoding

def test_the_first_merge_is_the_most_frequent_pair_by_hand():
    tokenizer = BytePairTokenizer(1).fit(["aab", "ab", "bab"])  # pairs: aa 1, ab 3, ba 1
    assert tokenizer.merges_ == [("a", "b")] and tokenizer.vocabulary_ == ["a", "b", "ab"]
    assert tokenizer.encode("aab") == ["a", "ab"] and tokenizer.encode("abab") == ["ab", "ab"]
    assert BytePairTokenizer(1).fit(["ab", "cd"]).merges_ == [("c", "d")]  # a tie goes to the later pair
    assert BytePairTokenizer(1).fit(["aaa"]).encode("aaa") == ["aa", "a"]  # non-overlapping, left to right
    assert BytePairTokenizer(5).fit(["ab"]).merges_ == [("a", "b")]  # stops once every word is one token


def test_byte_pair_encoding_round_trips_every_training_name_in_fewer_tokens():
    names = load_names("train", "first")
    tokenizer = BytePairTokenizer(200).fit(names)
    assert len(tokenizer.merges_) == 200 and len(tokenizer.vocabulary_) == 26 + 200
    encoded = [tokenizer.encode(name) for name in names]
    assert all(tokenizer.decode(tokens) == name for tokens, name in zip(encoded, names))
    assert all(set(tokens) <= set(tokenizer.vocabulary_) for tokens in encoded)
    num_tokens = sum(map(len, encoded))
    assert num_tokens < 0.6 * sum(map(len, names))  # 200 merges: about half as many tokens as letters
    shorter = BytePairTokenizer(50).fit(names)  # learning is greedy: fewer merges are a prefix of the same run
    assert shorter.merges_ == tokenizer.merges_[:50]
    assert all(tokenizer.encode(name, num_merges=50) == shorter.encode(name) for name in names[:300])
    fewer = [tokenizer.encode(name) for name in load_names("test", "first")]  # unseen names too
    assert all("".join(tokens) == name for tokens, name in zip(fewer, load_names("test", "first")))


# ---------------------------------------------------------------- checkpoints

@pytest.mark.parametrize("make, kwargs", [
    (lambda: tiny_mlp(dtype=torch.float64), {}),
    (lambda: tiny_transformer(("female", "male")), {"condition": ["female", "male", "male", "female"]}),
    (lambda: tiny_pixels(torch.float64), {}),
], ids=["MLPCharLM", "TransformerCharLM", "PixelTransformer"])
def test_checkpoints_round_trip_with_equal_log_probs(make, kwargs, tmp_path):
    model = make()
    path = tmp_path / "model.pt"
    checkpoints.save(model, path)
    loaded = checkpoints.load(path, type(model))
    assert loaded.config == model.config and loaded.dtype == model.dtype
    x = load_digits("test")[0][:4] if isinstance(model, PixelTransformer) else HELD_OUT
    assert torch.equal(loaded.log_prob(x, **kwargs), model.log_prob(x, **kwargs))
    if not isinstance(model, PixelTransformer):
        assert loaded.vocabulary.conditions == model.config.conditions


# ---------------------------------------------------------------- data

def test_first_names_by_sex_keep_the_split_and_the_census_lists():
    import names as census

    train, train_sexes = load_first_names_by_sex("train")
    test, test_sexes = load_first_names_by_sex("test")
    assert len(train) == len(train_sexes) and len(test) == len(test_sexes)
    assert set(train_sexes) == set(test_sexes) == {"female", "male"}
    assert not set(train) & set(test)
    assert set(train) == set(load_names("train", "first")) and set(test) == set(load_names("test", "first"))
    lists = {sex: {line.split()[0].lower() for line in (Path(census.__file__).parent / f"dist.{sex}.first").open()}
             for sex in ("female", "male")}
    pairs = Counter(zip(train, train_sexes))
    assert set(pairs.values()) == {1} and all(name in lists[sex] for name, sex in pairs)
    twice = [name for name, count in Counter(train).items() if count == 2]
    assert twice and all(name in lists["female"] & lists["male"] for name in twice)


# ---------------------------------------------------------------- errors

LETTERS = "'abcdefghijklmnopqrstuvwxyz'"


# (call(model, pixels, x), error, message): model a TransformerCharLM of context 6, pixels a PixelTransformer,
# x three test digits
BAD_CALLS = [
    (lambda model, pixels, x: model.log_prob(["anna", "Zoë", "bé"]), ValueError,
     f"words holds characters outside the vocabulary: 'Z', 'é', 'ë' (first in 'Zoë'); the vocabulary has {LETTERS}"),
    (lambda model, pixels, x: model.sample(2, prefix="a-b"), ValueError,
     f"prefix holds characters outside the vocabulary: '-' (first in 'a-b'); the vocabulary has {LETTERS}"),
    (lambda model, pixels, x: model.sample(2, prefix="abcdef"), ValueError,
     "prefix must be at most 5 characters long (the model's context), got 6"),
    (lambda model, pixels, x: model.log_prob(["ab", "abcdef"]), ValueError,
     "words must be at most 5 characters long (the model's context), got 6"),
    (lambda model, pixels, x: model.sample(2, prefix=["a"]), TypeError, "prefix must be a str, got list ['a']"),
    (lambda model, pixels, x: model.sample(2, temperature=0), ValueError,
     "temperature must be a finite number > 0, got 0"),
    (lambda model, pixels, x: model.sample(2, temperature=-1.0), ValueError,
     "temperature must be a finite number > 0, got -1.0"),
    (lambda model, pixels, x: model.sample(2, top_k=0), ValueError, "top_k must be an int >= 1, got 0"),
    (lambda model, pixels, x: model.sample(2, top_k=2.0), TypeError, "top_k must be an int, got float 2.0"),
    (lambda model, pixels, x: model.sample(2, top_p=0.0), ValueError, "top_p must be a finite number > 0, got 0.0"),
    (lambda model, pixels, x: model.sample(2, top_p=1.5), ValueError, "top_p must be a number <= 1, got 1.5"),
    (lambda model, pixels, x: model.sample(2, condition="female"), ValueError,
     "condition must be None for a model without conditions, got 'female'"),
    (lambda model, pixels, x: tiny_transformer(("female", "male")).sample(2), ValueError,
     "condition must be one of ['female', 'male'], got None"),
    (lambda model, pixels, x: tiny_transformer(("female", "male")).log_prob(["ab", "b"], ["female"]), ValueError,
     "condition must give one condition per word (2), got 1"),
    (lambda model, pixels, x: model.log_prob("anna"), TypeError, "words must be a list of str, got str"),
    (lambda model, pixels, x: model.loss(np.array(["anna"])), TypeError, "words must be a list of str, got ndarray"),
    (lambda model, pixels, x: model.log_prob([]), ValueError, "words must not be empty"),
    (lambda model, pixels, x: model.log_prob(["ab", 3]), TypeError, "words must hold str only, got int 3"),
    (lambda model, pixels, x: NGramCounts(2).fit([]), ValueError, "words must not be empty"),
    (lambda model, pixels, x: NGramCounts(0), ValueError, "n must be an int >= 1, got 0"),
    (lambda model, pixels, x: NGramCounts(9), ValueError, "n must be an int <= 8, got 9"),
    (lambda model, pixels, x: NGramCounts(2, alpha=0), ValueError, "alpha must be a finite number > 0, got 0"),
    (lambda model, pixels, x: fit_counts(2, WORDS, HELD_OUT, alphas=0.1), TypeError,
     "alphas must be a non-empty list of numbers, got 0.1"),
    (lambda model, pixels, x: fit_counts(2, WORDS, HELD_OUT, alphas=(0.1, -1)), ValueError,
     "alphas must be a finite number > 0, got -1"),
    (lambda model, pixels, x: NGramCounts(3).log_prob(["ab"]), ValueError,
     "this NGramCounts is not fitted yet; call fit(words) first"),
    (lambda model, pixels, x: NGramCounts(3).sample(2), ValueError,
     "this NGramCounts is not fitted yet; call fit(words) first"),
    (lambda model, pixels, x: BigramCounts().counts_, ValueError,
     "this BigramCounts is not fitted yet; call fit(words) first"),
    (lambda model, pixels, x: BytePairTokenizer().encode("ab"), ValueError,
     "this BytePairTokenizer is not fitted yet; call fit(words) first"),
    (lambda model, pixels, x: BytePairTokenizer(-1), ValueError, "num_merges must be an int >= 0, got -1"),
    (lambda model, pixels, x: BytePairTokenizer().fit("anna"), TypeError, "words must be a list of str, got str"),
    (lambda model, pixels, x: BytePairTokenizer().fit([]), ValueError, "words must not be empty"),
    (lambda model, pixels, x: BytePairTokenizer().fit(["ab", None]), TypeError,
     "words must hold str only, got NoneType None"),
    (lambda model, pixels, x: BytePairTokenizer().fit(["ab", ""]), ValueError, "words must not hold the empty word"),
    (lambda model, pixels, x: BytePairTokenizer().fit(["ab"]).encode(["ab"]), TypeError,
     "word must be a str, got list ['ab']"),
    (lambda model, pixels, x: BytePairTokenizer().fit(["ab"]).encode(""), ValueError, "word must not be empty"),
    (lambda model, pixels, x: TransformerConfig(embed_dim=10, num_heads=4), ValueError,
     "embed_dim must be a multiple of num_heads (4), got 10"),
    (lambda model, pixels, x: PixelConfig(embed_dim=10, num_heads=4), ValueError,
     "embed_dim must be a multiple of num_heads (4), got 10"),
    (lambda model, pixels, x: model.logits(torch.zeros(1, 7, dtype=torch.long)), ValueError,
     "tokens has 7 positions, more than the model's context (6); raise TransformerConfig.context or leave out "
     "longer words"),
    (lambda model, pixels, x: filter_logits(torch.zeros(1, 3), top_k=0), ValueError, "top_k must be an int >= 1, got 0"),
    (lambda model, pixels, x: filter_logits(torch.zeros(1, 3), temperature=0), ValueError,
     "temperature must be a finite number > 0, got 0"),
    (lambda model, pixels, x: tiny_mlp().sample(1, prefix="a" * 25), ValueError,
     "prefix must be at most 24 characters long (the longest word sampling writes), got 25"),
    (lambda model, pixels, x: NGramCounts(8, alphabet="".join(map(chr, range(200, 500)))), ValueError,
     "n=8 with 301 tokens needs keys beyond int64; use a smaller n or alphabet"),
    (lambda model, pixels, x: PixelConfig(num_pixels=60), ValueError,
     "num_pixels must be a multiple of image_width (8), got 60"),
    (lambda model, pixels, x: BytePairTokenizer(5).fit(["ab"]).encode("ab", num_merges=-1), ValueError,
     "num_merges must be an int >= 0, got -1"),
    (lambda model, pixels, x: MLPConfig(dropout=1.0), ValueError, "dropout must be a number in [0, 1), got 1.0"),
    (lambda model, pixels, x: TransformerConfig(dropout=1), ValueError, "dropout must be a number in [0, 1), got 1"),
    (lambda model, pixels, x: PixelConfig(dropout=1.5), ValueError, "dropout must be a number in [0, 1), got 1.5"),
    (lambda model, pixels, x: MLPConfig(context=0), ValueError, "context must be an int >= 1, got 0"),
    (lambda model, pixels, x: TransformerConfig(conditions=("f", "f")), ValueError,
     "conditions must be distinct, got ('f', 'f')"),
    (lambda model, pixels, x: MLPConfig(alphabet="ab."), ValueError,
     "alphabet must hold distinct characters other than '.', got 'ab.'"),
    (lambda model, pixels, x: MLPCharLM(TransformerConfig()), TypeError,
     "config must be a MLPConfig, got TransformerConfig"),
    (lambda model, pixels, x: CharVocabulary(conditions="female"), TypeError,
     "conditions must be a tuple of str, got 'female'"),
    (lambda model, pixels, x: pixels.complete(x, torch.ones(63, dtype=torch.bool)), ValueError,
     "mask must have shape (64,) or (N, 64), got (63,)"),
    (lambda model, pixels, x: pixels.complete(x, torch.ones(1, 3, 64, dtype=torch.bool)), ValueError,
     "mask must have shape (64,) or (N, 64), got (1, 3, 64)"),
    (lambda model, pixels, x: pixels.complete(x, torch.ones(64)), TypeError,
     "mask must be a bool tensor or array (True where a pixel is observed), got dtype torch.float32"),
    (lambda model, pixels, x: pixels.complete(x, np.ones(64)), TypeError,
     "mask must be a bool tensor or array (True where a pixel is observed), got dtype torch.float64"),
    (lambda model, pixels, x: pixels.complete(x, torch.ones(2, 64, dtype=torch.bool)), ValueError,
     "mask must have shape (64,) or (3, 64) to match x, got (2, 64)"),
    (lambda model, pixels, x: pixels.complete(x[:, :32], torch.ones(64, dtype=torch.bool)), ValueError,
     "x must have shape (N, 64), got (3, 32)"),
    (lambda model, pixels, x: pixels.complete(x, torch.ones(64, dtype=torch.bool), temperature=0), ValueError,
     "temperature must be a finite number > 0, got 0"),
    (lambda model, pixels, x: pixels.log_prob(x + 1), ValueError,
     "x must hold the integer levels 0..16, got values in [1, 17]"),
    (lambda model, pixels, x: pixels.log_prob(x + 0.5), ValueError,
     "x must hold the integer levels 0..16, got values in [0.5, 16.5]"),
]


@pytest.mark.parametrize("call, error, message", BAD_CALLS, ids=[message[:60] for *_, message in BAD_CALLS])
def test_bad_inputs_raise_with_full_messages(call, error, message):
    model, pixels, x = tiny_transformer(context=6), tiny_pixels(), load_digits("test")[0][:3]
    with pytest.raises(error, match=_exactly(message)):
        call(model, pixels, x)
