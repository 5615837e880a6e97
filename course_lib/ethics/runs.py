"""Chapter 9's measurements, each one seeded run: what a model leaks about its training data, whether its samples
can be told from data and what training costs (the watermark's runs are in :mod:`.watermark_runs`, a rare
class's in :mod:`.bias_runs`).

- :func:`membership_run`: a VAE trained on the first ``n`` training digits
  (:func:`membership_model`), optionally with DP-SGD; the membership-inference
  AUC of its ELBO (members: its training digits; non-members: test digits),
  with a bootstrap interval, its test NLL bound and how close its samples come
  to its training digits. Members and non-members come from a *shuffled* split
  (``data.load_digits(shuffle_seed=seed)``): the fixed split's blocks are not
  exchangeable (chapter 2), and a model fitted on neither block already tells
  them apart (AUC about 0.6), which an attack would take for membership.
- :func:`names_copy_run`: a character model trained on ``n`` last names; the
  share of its samples that are its training names, against the share that
  are real names it never saw.
- :func:`detection_run`: a classifier two-sample test between a model's
  samples and the test digits: how well generated digits can be detected.
- :func:`cost_run`: the wall time and parameters of training one of the course's models on this machine.

:mod:`course_lib.ethics` runs many of them over seeds; ``benchmarks/ethics.py`` prints their tables.
"""
import time

import torch

from .. import data, dp, features, metrics, pretrained, setup, vae
from .._checks import check_choice, check_int
from ..autoregressive import MLPCharLM, MLPConfig, next_token_loss
from ..mixture import CategoricalMixture
from ..train import fit

MEMBERS_SCORED = 200  # at most this many members and as many test digits are scored
NAME_BATCH = 256  # names per update of names_copy_run
DETECTED_FAMILIES = ("independent pixels", "mixture of 10 categoricals", "VAE", "GAN (shipped)",
                     "pixel transformer (shipped)")
COSTED = ("mixture of 10 categoricals", "VAE", "names-mlp", "names-transformer", "digits-gan-0", "digits-pixels")


def membership_model(n, epochs, seed, noise_multiplier=None, max_grad_norm=1.0, batch_size=None, lr=3e-3,
                     delta=1e-3):
    """Train a VAE on the first ``n`` training digits of the split shuffled by ``seed``.

    Parameters
    ----------
    n : int
        Training digits: the first n of the training split shuffled by ``seed``.
    epochs : int
    seed : int
        Seeds the split, the weights and the batches.
    noise_multiplier : float, optional
        Train with DP-SGD (:func:`course_lib.dp.fit_private`) at this sigma; None: ordinary training.
    max_grad_norm, delta
        DP-SGD's clipping norm and the delta of the reported epsilon.
    batch_size : int, optional
        Default: min(100, n) for ordinary training, n // 10 for DP-SGD (sampling rate 0.1).

    Returns
    -------
    model : VAE
        In eval mode.
    members, non_members : tensors (n, 64) and (447, 64)
        Its training digits, and the test digits of the same shuffled split.
    epsilon : float or None
        DP-SGD's epsilon at ``delta``; None without DP.
    """
    (x_train, _), (x_test, _) = (data.load_digits(split, shuffle_seed=seed) for split in ("train", "test"))
    check_int("n", n, 1, len(x_train))
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
    return model.eval(), train, x_test, epsilon


def membership_attack(model, members, non_members, seed, num_resamples=200):
    """Attack a trained VAE with its own ELBO: members against non-members, up to :data:`MEMBERS_SCORED` each.

    ``seed`` seeds the ELBO's draws, the model's samples and the bootstrap.

    Returns
    -------
    dict
        ``auc`` with ``auc_low`` and ``auc_high`` (95% bootstrap over the scored
        digits), ``train_nll`` and ``test_nll`` (-ELBO of the scored members and
        non-members, nats per digit), ``nearest_sample`` and ``nearest_held_out``
        (median distance, in the feature network's space, from the model's
        samples and from the non-members to the nearest member: samples much
        closer than fresh digits are near-copies).
    """
    check_int("num_resamples", num_resamples, 1)
    scored = min(len(members), MEMBERS_SCORED)
    with torch.no_grad():
        draws = torch.Generator().manual_seed(seed)
        inside = model.elbo(members[:scored], generator=draws)
        outside = model.elbo(non_members[:scored], generator=draws)
        samples = model.sample(scored, generator=draws).clamp(0, data.NUM_LEVELS - 1)
    nearest_sample, nearest_held_out = metrics.memorization(features.embed(members), features.embed(samples),
                                                            features.embed(non_members[:scored]))
    auc, low, high = metrics.bootstrap_interval(metrics.membership_auc, inside, outside, num_resamples=num_resamples,
                                                seed=seed)
    return {"auc": auc, "auc_low": low, "auc_high": high, "train_nll": -inside.mean().item(),
            "test_nll": -outside.mean().item(), "nearest_sample": nearest_sample.median().item(),
            "nearest_held_out": nearest_held_out.median().item()}


def membership_run(n, epochs, seed, noise_multiplier=None, max_grad_norm=1.0, batch_size=None, lr=3e-3,
                   delta=1e-3, num_resamples=200):
    """Train a VAE (:func:`membership_model`) and attack it (:func:`membership_attack`), both seeded by ``seed``.

    Returns
    -------
    dict
        The attack's figures, ``epsilon`` (None without DP) and the arguments.
    """
    model, members, non_members, epsilon = membership_model(n, epochs, seed, noise_multiplier, max_grad_norm,
                                                            batch_size, lr, delta)
    attack = membership_attack(model, members, non_members, seed, num_resamples)
    nearest = {key: attack.pop(key) for key in ("nearest_sample", "nearest_held_out")}  # the data file's key order
    return {"n": n, "epochs": epochs, "seed": seed, "noise_multiplier": noise_multiplier, **attack, "epsilon": epsilon,
            **nearest}


def names_copy_run(n, seed, steps=2000, num_samples=1000):
    """Train a character MLP on ``n`` census last names for ``steps`` updates and count the copies in its samples.

    The ``n`` names are drawn from the training split by ``seed``; the model has
    no dropout. The same number of updates at every ``n``: a small set is seen
    many more times, as a small fine-tuning set is.

    Returns
    -------
    dict
        ``copies``: share of ``num_samples`` samples that are its own training
        names (:func:`course_lib.metrics.copy_rate`); ``held_out``: share that
        are test-split names, real names it never saw; ``train_nll`` and
        ``test_nll`` (nats per name); ``epochs``; and the arguments.
    """
    names = data.load_names("train", "last")
    check_int("n", n, 1, len(names))
    check_int("steps", steps, 1)
    check_int("num_samples", num_samples, 1)
    order = torch.randperm(len(names), generator=torch.Generator().manual_seed(seed))[:n]
    train = [names[i] for i in order.tolist()]
    test = data.load_names("test", "last")
    setup(seed=seed, quiet=True)
    model = MLPCharLM(MLPConfig(dropout=0.0))
    batch_size = min(NAME_BATCH, n)
    epochs = max(1, round(steps * batch_size / n))
    fit(model, next_token_loss, model.vocabulary.encode(train), epochs=epochs, batch_size=batch_size, lr=3e-3,
        seed=seed, progress=False)
    model.eval()
    samples = model.sample(num_samples, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        nll = {split: -model.log_prob(words).mean().item() for split, words in (("train", train), ("test", test))}
    return {"n": n, "seed": seed, "steps": steps, "epochs": epochs, "copies": metrics.copy_rate(samples, train),
            "held_out": metrics.copy_rate(samples, test), "train_nll": nll["train"], "test_nll": nll["test"]}


def _digit_model(family, seed, vae_epochs):
    check_choice("family", family, DETECTED_FAMILIES)
    x_train, _ = data.load_digits("train")
    setup(seed=seed, quiet=True)
    if family == "independent pixels":
        return CategoricalMixture(1).fit(x_train)
    if family == "mixture of 10 categoricals":
        return CategoricalMixture(10, alpha=0.5, random_state=seed).fit(x_train)
    if family == "VAE":
        model = vae.VAE()
        fit(model, vae.negative_elbo_loss, x_train, data.load_digits("val")[0], seed=seed, progress=False,
            **{**vae.DIGITS_RECIPE, "epochs": vae_epochs})
        return model.eval()
    if family == "GAN (shipped)":
        return pretrained.load(f"digits-gan-{pretrained.GAN_SEEDS[seed % len(pretrained.GAN_SEEDS)]}")
    return pretrained.load("digits-pixels")


def detection_run(family, seed, vae_epochs=vae.DIGITS_RECIPE["epochs"]):
    """How well a classifier tells ``family``'s samples from test digits (:func:`metrics.classifier_two_sample_test`).

    As many samples as test digits (447), both embedded by the feature network;
    ``seed`` seeds the model's training (the shipped GAN of that training seed;
    the one shipped pixel transformer), the samples and the test's halves.

    Returns
    -------
    dict
        ``accuracy`` (0.5: indistinguishable to the classifier), ``fid`` of the
        samples against the test digits, ``family``, ``seed``, ``vae_epochs``.
    """
    check_int("vae_epochs", vae_epochs, 1)
    model = _digit_model(family, seed, vae_epochs)  # checks the family before any work
    x_test, _ = data.load_digits("test")
    with torch.no_grad():
        samples = model.sample(len(x_test), generator=torch.Generator().manual_seed(seed)).float()
    real, fake = features.embed(x_test), features.embed(samples.clamp(0, data.NUM_LEVELS - 1))
    return {"family": family, "seed": seed, "vae_epochs": vae_epochs if family == "VAE" else None,
            "accuracy": metrics.classifier_two_sample_test(real, fake, seed=seed), "fid": metrics.fid(real, fake)}


def cost_run(name):
    """Train one course model as the course does and time it: the wall seconds, threads and parameters.

    ``name``: the mixture or the VAE of chapters 3 and 4 (recipes as there), or
    a shipped model rebuilt from its recipe (:func:`course_lib.pretrained.build.build`).
    """
    from ..pretrained import build

    check_choice("name", name, COSTED)
    start = time.perf_counter()
    if name in ("mixture of 10 categoricals", "VAE"):
        model = _digit_model(name, 0, vae.DIGITS_RECIPE["epochs"])
    else:
        model, _ = build.build(name)
    seconds = time.perf_counter() - start
    tensors = model.parameters() if isinstance(model, torch.nn.Module) else (model.weights_, model.probs_)
    parameters = sum(t.numel() for t in tensors)
    return {"name": name, "seconds": seconds, "threads": torch.get_num_threads(), "parameters": parameters}
