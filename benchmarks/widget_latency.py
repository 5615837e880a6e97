"""Latency of the chapter-4 VAE widgets: from setting a control's value to the new PNG.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/widget_latency.py [--repeats 60]``

For each widget a control is set programmatically (as a slider drag does) and
the time until ``image.value`` holds the new PNG is measured; ipywidgets
observers run synchronously, so that is the time a user waits (before the
browser paints). Beside it is the alternative a user would write:
``ipywidgets.interactive`` around a function that re-plots with ``plt.subplots``
and ``imshow`` and renders the figure like the inline backend does. The models
have the chapter's architecture; latency does not depend on trained weights.
Target (issue 4): median <= 50 ms on 2 CPU cores.
"""
import argparse
import contextlib
import io
import statistics
import time

import ipywidgets
import matplotlib
import numpy as np
import torch

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import course_lib  # noqa: E402
from course_lib import vae, widgets  # noqa: E402
from course_lib.data import load_digits  # noqa: E402

TARGET_MS = 50.0


def time_changes(control, values):
    """Milliseconds per ``control.value = v`` (observers run inside the assignment)."""
    times = []
    for value in values:
        start = time.perf_counter()
        control.value = value
        times.append(1000 * (time.perf_counter() - start))
    return times


def inline_png(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")  # what the inline backend does
    plt.close(fig)
    return buffer.getvalue()


def naive_sampler(model):
    def show(temperature, seed):
        g = torch.Generator().manual_seed(seed)
        x = model.sample(16, generator=g, temperature=temperature, mean=True)
        fig, axes = plt.subplots(2, 8, figsize=(8, 2))
        for ax, image in zip(axes.flat, x):
            ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
            ax.axis("off")
        inline_png(fig)

    return ipywidgets.interactive(show, temperature=(0.0, 2.5, 0.1), seed=(0, 100)).children[0]


def naive_interpolation(model, images):
    def show(t, method="linear"):
        x_a, x_b = images[0], images[1]
        z = model.encode(torch.stack([x_a, x_b])).mean.detach()
        x_t = model.decode_mean(vae.latent_path(z[0], z[1], torch.tensor([t]), method)).detach()[0]
        fig, axes = plt.subplots(1, 3, figsize=(6, 2))
        for ax, image in zip(axes, (x_a, x_t, x_b)):
            ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
            ax.axis("off")
        inline_png(fig)

    return ipywidgets.interactive(show, t=(0.0, 1.0, 0.05)).children[0]


def naive_explorer(model, images, labels):
    z_all = model.encode(images).mean.detach().numpy()

    def show(z1, z2):
        fig, (left, right) = plt.subplots(1, 2, figsize=(8, 4))
        left.scatter(z_all[:, 0], z_all[:, 1], c=labels, cmap="tab10", s=4)
        left.plot([z1], [z2], "k+", markersize=15)
        left.set_xlabel("$z_1$")
        left.set_ylabel("$z_2$")
        x = model.decode_mean(torch.tensor([[z1, z2]])).detach()[0]
        right.imshow(x.reshape(8, 8), cmap="gray_r", vmin=0, vmax=16)
        right.axis("off")
        inline_png(fig)

    return ipywidgets.interactive(show, z1=(-3.0, 3.0, 0.1), z2=(-3.0, 3.0, 0.1)).children[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=60)
    args = parser.parse_args()
    course_lib.setup(seed=0, quiet=True)
    images, labels = load_digits("test")
    model = vae.VAE(vae.VAEConfig()).eval()
    model_2d = vae.VAE(vae.LATENT_2D).eval()
    wobble = lambda a, b: [a if i % 2 else b for i in range(args.repeats)]  # noqa: E731

    quiet = contextlib.redirect_stdout(io.StringIO())  # outside a kernel, interactive's clear_output prints
    sampler = widgets.vae_sampler(model)
    interpolation = widgets.vae_interpolation(model, images)
    explorer = widgets.vae_latent_explorer(model_2d, images, labels)
    with quiet:
        naive_controls = (naive_sampler(model), naive_interpolation(model, images),
                          naive_explorer(model_2d, images, labels))
    cases = [
        ("sampler: temperature", sampler.controls["temperature"], wobble(0.5, 1.5),
         naive_controls[0], wobble(0.5, 1.5)),
        ("sampler: seed", sampler.controls["seed"], list(range(1, args.repeats + 1)), None, None),
        ("interpolation: t", interpolation.controls["t"], wobble(0.25, 0.75),
         naive_controls[1], wobble(0.25, 0.75)),
        ("latent explorer: z1", explorer.controls["z1"], wobble(-1.0, 1.0),
         naive_controls[2], wobble(-1.0, 1.0)),
    ]
    print(f"torch threads {torch.get_num_threads()}, {args.repeats} changes per widget; target median <= "
          f"{TARGET_MS:.0f} ms")
    print(f"{'widget':<24}{'median ms':>10}{'p90 ms':>9}{'naive median':>14}{'naive p90':>11}{'naive/ours':>12}")
    medians = []
    for name, control, values, naive_control, naive_values in cases:
        ours = time_changes(control, values)
        median, p90 = statistics.median(ours), float(np.percentile(ours, 90))
        medians.append(median)
        line = f"{name:<24}{median:>10.1f}{p90:>9.1f}"
        if naive_control is not None:
            with quiet:
                naive = time_changes(naive_control, naive_values[: max(10, args.repeats // 3)])
            naive_median = statistics.median(naive)
            line += f"{naive_median:>14.1f}{float(np.percentile(naive, 90)):>11.1f}{naive_median / median:>11.0f}x"
        print(line)
    verdict = "ok" if max(medians) <= TARGET_MS else "MISSED"
    print(f"slowest median {max(medians):.1f} ms: {verdict}")


if __name__ == "__main__":
    main()
