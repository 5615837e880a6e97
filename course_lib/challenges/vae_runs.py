"""VAE runs for posterior collapse: one seeded training per (KL weight, free bits, warm-up) and its measures."""
import dataclasses

import torch

from .. import data, metrics, setup, vae
from ..train import fit

FIT = {"epochs": 60, "batch_size": 100, "lr": 3e-3}


def collapse_run(beta, free_bits, warmup, seed, epochs=FIT["epochs"]):
    """Train a VAE with KL weight ``beta``, ``free_bits`` nats per dimension (0: none) and the KL weight
    annealed over ``warmup`` batches (0: none); measure it on the test digits.

    Returns
    -------
    dict
        ``beta``, ``free_bits``, ``warmup``, ``seed``; ``active`` (active units,
        :func:`course_lib.metrics.active_units`), ``activity`` and ``kl`` (nats)
        per latent dimension, and ``elbo``, the mean test ELBO with beta = 1 in nats.
    """
    if free_bits and warmup:
        raise ValueError(f"use free bits or KL annealing, not both: got free_bits={free_bits}, warmup={warmup}")
    (x_train, _), (x_test, _) = data.load_digits("train"), data.load_digits("test")
    setup(seed=seed, quiet=True)
    model = vae.VAE(dataclasses.replace(vae.SMALL, beta=beta))
    loss = (vae.free_bits_loss(free_bits) if free_bits else vae.annealed_elbo_loss(warmup) if warmup
            else vae.negative_elbo_loss)
    fit(model, loss, x_train, seed=seed, progress=False, **{**FIT, "epochs": epochs})
    model.eval()
    active, activity = metrics.active_units(model.encode_mean(x_test))
    with torch.no_grad():
        elbo = model.elbo(x_test, generator=torch.Generator().manual_seed(seed)).mean().item()
    return {"beta": beta, "free_bits": free_bits, "warmup": warmup, "seed": seed, "active": active,
            "activity": [float(f"{a:.4g}") for a in activity], "elbo": round(elbo, 3),
            "kl": [round(k, 4) for k in model.kl_per_dimension(x_test).tolist()]}
