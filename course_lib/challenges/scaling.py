"""Cost against image size: each family of the course on the digits upsampled to 16x16 and 32x32.

The cost growth, not the quality, is the point. Seconds are wall time on the
thread count of the caller (one, in ``benchmarks/challenges.py``); memory is
the growth of the peak resident set of a fresh process over one training pass
(:func:`peak_memory_growth`, which :func:`row` runs in a new process), so it
counts activations, gradients and optimiser state, not the libraries. It reads
Linux's ``VmHWM`` (the high-water mark of this process's memory):
``getrusage``'s maximum would start from the parent's size at the fork.
"""
import dataclasses
import re
import subprocess
import sys
import time
import warnings

from torch.nn import functional as F

from .. import autoregressive, data, gan, setup, vae
from .._checks import check_choice
from ..adversarial import fit_gan
from ..mixture import ConvergenceWarning, GaussianMixture
from ..train import fit

SIDES = (8, 16, 32)
FAMILIES = ("Gaussian mixture (10, diagonal)", "VAE", "GAN", "pixel transformer (2 layers)")
PIXEL_PART = 64  # images the pixel transformer trains on per timing; its time is scaled to the 1,000
PIXEL_SAMPLES = 2  # images it samples: one pass per pixel makes 100 take minutes at 32x32


def upsampled_digits(side):
    """The 1,000 training digits resized to side x side (bilinear), rounded back to the levels 0..16."""
    x, _ = data.load_digits("train")
    images = F.interpolate(x.reshape(-1, 1, *data.DIGITS_SHAPE), size=(side, side), mode="bilinear")
    return images.reshape(len(x), side * side).round().clamp(0, data.NUM_LEVELS - 1)


def _family(family, side):
    """(train, sample, images sampled, parameters, share) of a family: ``train()`` runs ``share`` of a pass over
    the training images (all of it but for the pixel transformer), ``sample()`` draws the images."""
    x = upsampled_digits(side)
    num_pixels = side * side
    setup(seed=0, quiet=True)
    if family == FAMILIES[0]:
        model = GaussianMixture(10, covariance_type="diag", max_iter=1, tol=0, random_state=0)

        def train():
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # one EM iteration is one pass, on purpose
                model.fit(x.double())

        return train, lambda: model.sample(100), 100, 10 * (2 * num_pixels + 1), 1.0
    if family == FAMILIES[1]:
        model = vae.VAE(dataclasses.replace(vae.SMALL, data_dim=num_pixels))
        train = lambda: fit(model, vae.negative_elbo_loss, x, epochs=1, batch_size=100, progress=False)  # noqa: E731
        return train, lambda: model.sample(100), 100, sum(p.numel() for p in model.parameters()), 1.0
    if family == FAMILIES[2]:
        model = gan.GAN(dataclasses.replace(gan.DIGITS, data_dim=num_pixels))
        train = lambda: fit_gan(model, x, steps=10, batch_size=100, progress=False)  # noqa: E731  10 x 100 = a pass
        return train, lambda: model.sample(100), 100, sum(p.numel() for p in model.parameters()), 1.0
    model = autoregressive.PixelTransformer(autoregressive.PixelConfig(num_pixels=num_pixels, image_width=side,
                                                                       embed_dim=64, num_layers=2))
    train = lambda: fit(model, autoregressive.pixel_loss, x[:PIXEL_PART], epochs=1, batch_size=32,  # noqa: E731
                        progress=False)
    parameters = sum(p.numel() for p in model.parameters())
    return train, lambda: model.sample(PIXEL_SAMPLES), PIXEL_SAMPLES, parameters, PIXEL_PART / len(x)


def _seconds(work):
    """Wall time of ``work()``, measured on its second call (the first pays for one-off set-up)."""
    work()
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _peak_kib():
    with open("/proc/self/status") as status:
        return int(re.search(r"^VmHWM:\s+(\d+) kB", status.read(), re.MULTILINE).group(1))


def peak_memory_growth(family, side):
    """MiB by which one training pass raises the peak resident set of this process (call it in a fresh one)."""
    train = _family(family, side)[0]
    before = _peak_kib()
    train()
    return (_peak_kib() - before) / 1024


def row(family, side):
    """One row of the scaling table: family, image side, parameters, seconds per pass over the 1,000
    images, seconds to sample, images sampled, and MiB of peak memory one pass adds (in a fresh process)."""
    check_choice("family", family, FAMILIES)
    check_choice("side", side, SIDES)
    train, sample, sampled, parameters, share = _family(family, side)
    train_seconds = _seconds(train) / share
    command = [sys.executable, "-c", f"import torch; from {__name__} import peak_memory_growth; "
               f"torch.set_num_threads(1); print(peak_memory_growth({family!r}, {side}))"]
    memory = float(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    return {"family": family, "side": side, "parameters": parameters, "train_seconds": float(f"{train_seconds:.3g}"),
            "sample_seconds": float(f"{_seconds(sample):.3g}"), "sampled": sampled, "memory_mib": round(memory, 1)}
