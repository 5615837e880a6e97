"""Chapter 9's measurements, each one seeded run: what a model leaks about its training data, and a watermark's reach.

- :func:`membership_run`: a VAE trained on the first ``n`` training digits,
  optionally with DP-SGD; the membership-inference AUC of its ELBO (members:
  its training digits; non-members: test digits), with a bootstrap interval,
  and its test NLL bound. Members and non-members come from a *shuffled* split
  (``data.load_digits(shuffle_seed=seed)``): the fixed split's blocks are not
  exchangeable (chapter 2), and a model fitted on neither block already tells
  them apart (AUC about 0.6), which an attack would take for membership.
- :func:`watermark_run`: names sampled with and without a green-list
  watermark; the detection z-score against the length of the text, the
  false-positive rate on real names and the cost in likelihood.

- :func:`bias_run`: a model trained on digits where one class is rare; the
  class shares of its samples (by the feature network) against the training
  shares, with reweighting or class-conditional sampling as remedies.

``benchmarks/ethics.py`` prints the tables of many such runs.
"""
import statistics

import torch

from . import data, dp, features, metrics, setup, vae
from .mixture import CategoricalMixture
from .train import fit
from .watermark import GreenList

MEMBERS_SCORED = 200  # at most this many members and as many test digits are scored


def membership_run(n, epochs, seed, noise_multiplier=None, max_grad_norm=1.0, batch_size=None, lr=3e-3,
                   delta=1e-3, num_resamples=200):
    """Train a VAE on the first ``n`` training digits and attack it with its own ELBO.

    Parameters
    ----------
    n : int
        Training digits: the first n of the training split shuffled by ``seed``.
    epochs : int
    seed : int
        Seeds the split, the weights, the batches and the ELBO's draws.
    noise_multiplier : float, optional
        Train with DP-SGD (:func:`course_lib.dp.fit_private`) at this sigma; None: ordinary training.
    max_grad_norm, delta
        DP-SGD's clipping norm and the delta of the reported epsilon.
    batch_size : int, optional
        Default: min(100, n) for ordinary training, n // 10 for DP-SGD (sampling rate 0.1).

    Returns
    -------
    dict
        ``auc`` with ``auc_low`` and ``auc_high`` (95% bootstrap over the scored
        digits), ``train_nll`` and ``test_nll`` (-ELBO, nats per digit),
        ``epsilon`` (None without DP) and the arguments.
    """
    (x_train, _), (x_test, _) = (data.load_digits(split, shuffle_seed=seed) for split in ("train", "test"))
    train = x_train[:n]
    setup(seed=seed, quiet=True)
    model = vae.VAE(vae.SMALL)  # no dropout: the unregularised case
    epsilon = None
    if noise_multiplier is None:
        fit(model, vae.negative_elbo_loss, train, epochs=epochs, batch_size=batch_size or min(100, n), lr=lr,
            seed=seed, progress=False)
    else:
        _, epsilon = dp.fit_private(model, vae.negative_elbo_loss, train, epochs=epochs,
                                    batch_size=batch_size or max(1, n // 10), lr=lr,
                                    noise_multiplier=noise_multiplier, max_grad_norm=max_grad_norm, delta=delta,
                                    seed=seed)
    model.eval()
    scored = min(n, MEMBERS_SCORED)
    with torch.no_grad():
        draws = torch.Generator().manual_seed(seed)
        members, others = model.elbo(train[:scored], generator=draws), model.elbo(x_test[:scored], generator=draws)
    auc, low, high = metrics.bootstrap_interval(metrics.membership_auc, members, others,
                                                num_resamples=num_resamples, seed=seed)
    return {"n": n, "epochs": epochs, "seed": seed, "noise_multiplier": noise_multiplier, "auc": auc,
            "auc_low": low, "auc_high": high, "train_nll": -members.mean().item(), "test_nll": -others.mean().item(),
            "epsilon": epsilon}


def text_scores(lists, vocabulary, names, names_per_text):
    """(z, green, total) of each text made of ``names_per_text`` consecutive names (a partial last group is dropped)."""
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
    if not 0 <= share <= 1:
        raise ValueError(f"share must be in [0, 1], got {share}")
    draws = torch.Generator().manual_seed(seed)
    edited = []
    for name in names:
        change = torch.rand(len(name), generator=draws) < share
        letters = torch.randint(len(alphabet), (len(name),), generator=draws)
        edited.append("".join(alphabet[k] if c else ch for ch, c, k in zip(name, change.tolist(), letters.tolist())))
    return edited


BIAS_FAMILIES = ("mixture of 10 categoricals", "VAE")
BIAS_REMEDIES = (None, "reweight", "conditional")


def imbalanced_digits(rare_class=3, keep=0.1, seed=0):
    """The training digits with only a share ``keep`` of the class ``rare_class`` left (drawn by ``seed``)."""
    if not 0 < keep <= 1:
        raise ValueError(f"keep must be in (0, 1], got {keep}")
    x, y = data.load_digits("train")
    rare = torch.nonzero(y == rare_class).squeeze(1)
    if len(rare) == 0:
        raise ValueError(f"rare_class must be a digit class 0..9, got {rare_class!r}")
    order = torch.randperm(len(rare), generator=torch.Generator().manual_seed(seed))
    dropped = rare[order[max(1, round(keep * len(rare))):]]
    kept = torch.ones(len(y), dtype=torch.bool).index_fill(0, dropped, False)
    return x[kept], y[kept]


def bias_run(family, rare_class=3, keep=0.1, seed=0, remedy=None, n=1000):
    """Train ``family`` on :func:`imbalanced_digits` and measure the class shares of ``n`` samples.

    Remedies: ``"reweight"`` repeats each rare example until the class has its
    original weight (about 1/keep copies); ``"conditional"`` (mixture only) fits
    one mixture per class and samples each class equally often.

    Returns
    -------
    dict
        ``train_share`` and ``sample_share`` of the rare class, ``sample_shares``
        (all ten classes, by ``features.predict_proba``) and the arguments.
    """
    if family not in BIAS_FAMILIES:
        raise ValueError(f"family must be one of {BIAS_FAMILIES}, got {family!r}")
    if remedy not in BIAS_REMEDIES or (remedy == "conditional" and family != BIAS_FAMILIES[0]):
        raise ValueError(f"remedy must be one of {BIAS_REMEDIES} ('conditional' for the mixture only), got {remedy!r}")
    x, y = imbalanced_digits(rare_class, keep, seed)
    train_share = float((y == rare_class).double().mean())
    if remedy == "reweight":
        copies = round(1 / keep)
        rare = y == rare_class
        x, y = torch.cat([x[~rare], x[rare].repeat(copies, 1)]), torch.cat([y[~rare], y[rare].repeat(copies)])
    setup(seed=seed, quiet=True)
    draws = torch.Generator().manual_seed(seed)
    if family == BIAS_FAMILIES[0] and remedy == "conditional":
        per_class = [CategoricalMixture(10, alpha=0.5, random_state=seed).fit(x[y == c]) for c in range(10)]
        samples = torch.cat([model.sample(n // 10, generator=draws) for model in per_class])
    elif family == BIAS_FAMILIES[0]:
        samples = CategoricalMixture(10, alpha=0.5, random_state=seed).fit(x).sample(n, generator=draws)
    else:
        model = vae.VAE(vae.SMALL)
        fit(model, vae.negative_elbo_loss, x, epochs=60, batch_size=100, lr=3e-3, seed=seed, progress=False)
        samples = model.sample(n, generator=draws)
    classes = features.predict_proba(samples.float().clamp(0, data.NUM_LEVELS - 1)).argmax(1)
    shares = torch.bincount(classes, minlength=10).double() / len(classes)
    return {"family": family, "remedy": remedy, "seed": seed, "keep": keep, "rare_class": rare_class,
            "train_share": train_share, "sample_share": float(shares[rare_class]), "sample_shares": shares.tolist()}
