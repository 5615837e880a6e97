"""Chapter 9's bias runs: a model trained on digits where one class is rare; the class shares of its samples (by
the feature network) against the training shares, with reweighting or class-conditional sampling as remedies."""
import torch

from .. import data, features, setup, vae
from .._checks import check_choice
from ..mixture import CategoricalMixture
from ..train import fit

BIAS_FAMILIES = ("mixture of 10 categoricals", "VAE")
BIAS_REMEDIES = (None, "reweight", "conditional")
BIAS_EPOCHS = 60  # the VAE of bias_run, as the membership runs' at 1,000 digits
RARE_CLASS = 0  # the feature network almost never calls a sample without zeros "0": a floor near 0%


def imbalanced_digits(rare_class=RARE_CLASS, keep=0.1, seed=0):
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


def bias_run(family, rare_class=RARE_CLASS, keep=0.1, seed=0, remedy=None, n=1000, epochs=BIAS_EPOCHS):
    """Train ``family`` on :func:`imbalanced_digits` and measure the class shares of ``n`` samples.

    Remedies: ``"reweight"`` repeats each rare example until the class has its
    original weight (about 1/keep copies); ``"conditional"`` (mixture only) fits
    one mixture per class and samples each class equally often. ``epochs``: the VAE's training.

    Returns
    -------
    dict
        ``train_share`` and ``sample_share`` of the rare class, ``sample_shares``
        (all ten classes, by ``features.predict_proba``) and the arguments.
    """
    check_choice("family", family, BIAS_FAMILIES)
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
        fit(model, vae.negative_elbo_loss, x, epochs=epochs, batch_size=100, lr=3e-3, seed=seed, progress=False)
        samples = model.sample(n, generator=draws)
    classes = features.predict_proba(samples.float().clamp(0, data.NUM_LEVELS - 1)).argmax(1)
    shares = torch.bincount(classes, minlength=10).double() / len(classes)
    return {"family": family, "remedy": remedy, "seed": seed, "keep": keep, "rare_class": rare_class,
            "train_share": train_share, "sample_share": float(shares[rare_class]), "sample_shares": shares.tolist()}
