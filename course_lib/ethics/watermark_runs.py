"""Chapter 9's watermark runs: names sampled with and without a green-list watermark, the detection z-score
against the length of the text, the false-positive rate on real names, editing as an attack, and the cost in
likelihood (:mod:`course_lib.watermark` holds the watermark itself)."""
import statistics

import torch

from .._checks import check_int, check_number
from ..watermark import GreenList


def text_scores(lists, vocabulary, names, names_per_text):
    """(z, green, total) of each text made of ``names_per_text`` consecutive names (a partial last group is dropped)."""
    check_int("names_per_text", names_per_text, 1)
    if len(names) < names_per_text:
        raise ValueError(f"names must hold at least names_per_text = {names_per_text} names, got {len(names)}")
    return [lists.detect(names[i:i + names_per_text], vocabulary)
            for i in range(0, len(names) - names_per_text + 1, names_per_text)]


def watermark_run(model, delta, key="course", gamma=0.5, n=400, names_per_text=(1, 2, 4, 8, 16), seed=0):
    """Sample ``n`` names with a watermark of strength ``delta`` and measure how well the key finds it.

    Texts are consecutive groups of ``names_per_text`` sampled names, scored as
    one text each (:meth:`GreenList.detect`).

    Returns
    -------
    dict
        ``rows``: for each group size, the mean number of scored symbols, the
        median z and the share of texts with z > 4; ``nll_marked`` and
        ``nll_plain``: the model's mean negative log-likelihood (nats per name)
        of watermarked and of ordinary samples from the same seed, the cost of
        the watermark in the model's own terms.
    """
    check_int("n", n, max(names_per_text))
    lists = GreenList.for_vocabulary(key, model.vocabulary, gamma=gamma, delta=delta)
    marked = model.sample(n, watermark=lists, generator=torch.Generator().manual_seed(seed))
    plain = model.sample(n, generator=torch.Generator().manual_seed(seed))
    rows = []
    for size in names_per_text:
        scores = text_scores(lists, model.vocabulary, marked, size)
        rows.append({"names": size, "symbols": statistics.mean(s[2] for s in scores),
                     "median_z": statistics.median(s[0] for s in scores),
                     "detected": sum(s[0] > 4 for s in scores) / len(scores)})
    nll = {name: -model.log_prob(words).mean().item() for name, words in (("marked", marked), ("plain", plain))}
    return {"delta": delta, "rows": rows, "nll_marked": nll["marked"], "nll_plain": nll["plain"]}


def false_positive_rate(lists, vocabulary, names, names_per_text=8, threshold=4.0):
    """Share of texts of ``names_per_text`` real names (written without the key) whose z exceeds ``threshold``."""
    scores = [z for z, _, _ in text_scores(lists, vocabulary, names, names_per_text)]
    return sum(z > threshold for z in scores) / len(scores), len(scores)


def edit_names(names, share, alphabet, seed=0):
    """Each character of each name replaced, with probability ``share``, by a letter of ``alphabet`` drawn at
    random (possibly the same one): the cheapest attack on a watermark, paraphrase by typos."""
    check_number("share", share, 0, maximum=1)
    draws = torch.Generator().manual_seed(seed)
    edited = []
    for name in names:
        change = torch.rand(len(name), generator=draws) < share
        letters = torch.randint(len(alphabet), (len(name),), generator=draws)
        edited.append("".join(alphabet[k] if c else ch for ch, c, k in zip(name, change.tolist(), letters.tolist())))
    return edited
