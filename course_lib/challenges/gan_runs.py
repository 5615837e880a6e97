"""GAN runs on the toy sets and the digits, each one seeded and reduced to the numbers chapter 8 plots.

A *setting* is a dict of :func:`course_lib.adversarial.fit_gan` keywords
that replace :data:`PLAIN`'s, plus an optional ``"spectral_norm": True`` for
the discriminator; a setting and a seed fix a run completely.
"""
import dataclasses

import torch

from .. import data, features, gan, metrics, setup
from ..adversarial import discriminator_step, fit_gan, generator_gradient_norm

NOISE = {"ring": 0.02, "grid": 0.05}  # the toy sets' noise std: narrow modes make collapse easy to see
PLAIN = {"batch_size": 128, "lr_d": 1e-3, "lr_g": 1e-3}  # the plain GAN: no penalty, constant learning rates
NUM_SAMPLES = 1000  # samples measured per run, against as many fresh data points


def _rounded(values, digits=4):
    return [[round(float(v), digits) for v in row] for row in values]


def _model_and_settings(setting, config):
    keywords = dict(setting)
    spectral_norm = keywords.pop("spectral_norm", False)
    return gan.GAN(dataclasses.replace(config, spectral_norm=spectral_norm)), {**PLAIN, **keywords}


def toy_run(dataset, setting, seed, steps, keep=0, snapshot_every=None, num_fixed=200, log_every=25):
    """Train one GAN on a toy set of Gaussian modes; measure its samples.

    Parameters
    ----------
    dataset : {"ring", "grid"}
    setting : dict
        See the module docstring.
    seed : int
        Seeds the data, the weights, the batches and the measured samples.
    steps : int
        Training rounds.
    keep : int
        Keep this many of the measured samples (rounded to 4 decimals) in ``run["samples"]``.
    snapshot_every, num_fixed, log_every
        Passed to ``fit_gan``; with ``snapshot_every`` the run also holds the
        training history and the modes covered by each snapshot of the fixed noise batch.

    Returns
    -------
    dict
        ``seed``, ``modes`` (covered), ``near`` (share of samples near a mode),
        ``precision`` and ``recall`` (k-NN balls against fresh data points),
        ``counts`` (samples near each mode) and ``diverged`` (a loss blew up:
        every measure is then 0).
    """
    setup(seed=seed, quiet=True)
    x, _ = data.toy2d(dataset, n=2000, seed=seed, noise=NOISE[dataset])
    model, keywords = _model_and_settings(setting, gan.RING)
    run = {"seed": seed, "diverged": False}
    try:
        history = fit_gan(model, x, seed=seed, progress=False, steps=steps, snapshot_every=snapshot_every,
                          num_fixed=num_fixed, log_every=log_every, **keywords)
    except FloatingPointError:
        centres = len(data.mode_centres(dataset))
        return {**run, "diverged": True, "modes": 0, "near": 0.0, "precision": 0.0, "recall": 0.0,
                "counts": [0] * centres}
    samples = model.sample(NUM_SAMPLES, generator=torch.Generator().manual_seed(seed))
    fresh, _ = data.toy2d(dataset, n=NUM_SAMPLES, seed=1000 + seed, noise=NOISE[dataset])
    coverage = data.mode_coverage(samples, dataset, noise=NOISE[dataset])
    precision, recall = metrics.precision_recall(fresh, samples)
    run.update(modes=coverage["modes"], near=round(coverage["near"], 4), precision=round(precision, 4),
               recall=round(recall, 4), counts=coverage["counts"].tolist())
    if keep:
        run["samples"] = _rounded(samples[:keep])
    if snapshot_every is not None:
        run["history"] = {name: [round(float(v), 5) for v in history[name]]
                          for name in ("step", "d_loss", "g_loss", "d_real", "d_fake")}
        run["snapshot_steps"] = list(history.snapshots)
        run["snapshots"] = [_rounded(s, 3) for s in history.snapshots.values()]
        run["snapshot_modes"] = [data.mode_coverage(s, dataset, noise=NOISE[dataset])["modes"]
                                 for s in history.snapshots.values()]
    return run


def digits_class_run(setting, seed, steps, snapshot_every, num_fixed=500):
    """Train a digits GAN and classify a fixed batch of its samples after every ``snapshot_every`` rounds.

    Returns ``seed``, ``steps`` (the snapshot rounds) and ``counts``: for each
    snapshot, how many of the ``num_fixed`` samples the feature network
    (:mod:`course_lib.features`) assigns to each digit class 0..9.
    """
    setup(seed=seed, quiet=True)
    x, _ = data.load_digits("train")
    model, keywords = _model_and_settings(setting, gan.DIGITS)
    history = fit_gan(model, x, seed=seed, progress=False, steps=steps, snapshot_every=snapshot_every,
                      num_fixed=num_fixed, **keywords)
    counts = [torch.bincount(features.predict_proba(s.clamp(0, data.NUM_LEVELS - 1)).argmax(1), minlength=10)
              for s in history.snapshots.values()]
    return {"seed": seed, "steps": list(history.snapshots), "counts": [c.tolist() for c in counts]}


def gradient_run(seed, d_updates, lr=1e-3, batch_size=128, probe_size=512):
    """Train the discriminator alone against a fixed, untrained ring generator; after each total in
    ``d_updates`` measure D's mean output on samples and the gradient norm reaching the generator under
    both generator losses (:func:`course_lib.adversarial.generator_gradient_norm`)."""
    setup(seed=seed, quiet=True)
    x, _ = data.toy2d("ring", n=2000, seed=seed, noise=NOISE["ring"])
    model = gan.GAN(gan.RING)
    optimizer = torch.optim.Adam(model.discriminator.parameters(), lr=lr, betas=(0.5, 0.999))
    draws = torch.Generator().manual_seed(seed)
    probe = torch.randn(probe_size, gan.RING.noise_dim, generator=draws)
    run = {"seed": seed, "d_fake": [], "non_saturating": [], "saturating": []}
    done = 0
    for total in d_updates:
        for _ in range(total - done):
            real = x[torch.randint(len(x), (batch_size,), generator=draws)]
            noise = torch.randn(batch_size, gan.RING.noise_dim, generator=draws)
            discriminator_step(model, optimizer, real, None, noise, None)
        done = total
        with torch.no_grad():
            run["d_fake"].append(float(f"{model.discriminator(model.generator(probe)).sigmoid().mean():.5g}"))
        for loss in ("non_saturating", "saturating"):
            run[loss].append(float(f"{generator_gradient_norm(model, probe, generator_loss=loss):.5g}"))
    return run
