"""Training challenges of chapter 8, measured over many seeds: the tables the chapter will quote.

Usage: ``python benchmarks/challenges.py [--seeds 10] [--steps 5000] [--only mode-collapse]``

- **Mode collapse** on the ring of 8 Gaussians (std 0.02): a plain GAN
  (no penalty, constant learning rates) against remedies (an R1 gradient
  penalty, spectral normalisation of D, the recipe of chapter 5), each trained
  from the same seeds. Per setting: modes covered (``data.mode_coverage``), the
  share of samples near a mode, and precision and recall against fresh ring
  samples (``metrics.precision_recall`` on the 2-D points), as median and range
  over the seeds, with how many seeds collapsed (fewer than 8 modes covered).
- **Learning rates**: the share of seeds on which a plain GAN covers all 8 ring
  modes with at least half its samples near one, for a grid of the two
  players' learning rates (the heat map of chapter 8).
- **Posterior collapse**: a small VAE on the digits with KL weight beta 1 and
  4, and beta 4 with free bits or KL annealing: active units
  (``metrics.active_units``, Burda et al. 2016), total KL and the test ELBO.
- **Scaling**: the digits upsampled to 16x16 and 32x32 (cost, not quality):
  seconds per pass over 1,000 training images, seconds to sample 100 images
  (2 for the pixel model, whose sampling takes one pass per pixel) and
  parameters, for each family of the course.
- **Vanishing gradients**: the gradient norm reaching the generator
  (``adversarial.generator_gradient_norm``) under the saturating and the
  non-saturating loss, as the discriminator is trained alone against a fixed,
  untrained generator for more and more steps.

Run with ``OMP_NUM_THREADS=1`` on an idle machine. Every run is seeded: the
same command prints the same measurements on the same machine (the seconds
column aside).
"""
import argparse
import dataclasses
import statistics
import time
import warnings

import torch
from torch.nn import functional as F

import course_lib
from course_lib import autoregressive, data, gan, metrics, vae
from course_lib.mixture import ConvergenceWarning, GaussianMixture
from course_lib.adversarial import discriminator_step, fit_gan, generator_gradient_norm
from course_lib.train import fit

RING_NOISE = 0.02
PLAIN = {"batch_size": 128, "lr_d": 1e-3, "lr_g": 1e-3}
MODE_COLLAPSE_SETTINGS = {  # name -> (GAN config, fit_gan keyword arguments beyond PLAIN and steps)
    "plain GAN": (gan.RING, {}),
    "R1 penalty (gamma 0.5)": (gan.RING, {"r1_weight": 0.5}),
    "spectral norm in D": (dataclasses.replace(gan.RING, spectral_norm=True), {}),
    "chapter 5 recipe (R1 + linear decay)": (gan.RING, {k: v for k, v in gan.RING_RECIPE.items() if k != "steps"}),
}


def ring_run(config, settings, seed, steps):
    """Train one ring GAN; return its coverage, precision, recall and training seconds."""
    course_lib.setup(seed=seed, quiet=True)
    x, _ = data.toy2d("ring", n=2000, seed=seed, noise=RING_NOISE)
    model = gan.GAN(config)
    start = time.perf_counter()
    fit_gan(model, x, seed=seed, progress=False, steps=steps, **{**PLAIN, **settings})
    seconds = time.perf_counter() - start
    samples = model.sample(1000, generator=torch.Generator().manual_seed(seed))
    fresh, _ = data.toy2d("ring", n=1000, seed=1000 + seed, noise=RING_NOISE)
    coverage = data.mode_coverage(samples, "ring", noise=RING_NOISE)
    precision, recall = metrics.precision_recall(fresh, samples)
    return {"modes": coverage["modes"], "near": coverage["near"], "precision": precision, "recall": recall,
            "seconds": seconds}


def summary(values, digits=2):
    """'median (min to max)' of a list of numbers."""
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f} to {max(values):.{digits}f})"


def mode_collapse(seeds, steps):
    print(f"## Mode collapse on the ring of 8 Gaussians: {len(seeds)} seeds, {steps} rounds each, "
          f"lr_d = lr_g = {PLAIN['lr_d']:g} unless the setting says otherwise\n")
    print("| setting | modes covered | seeds with < 8 modes | near a mode | precision | recall | seconds per run |")
    print("|---|---|---|---|---|---|---|")
    for name, (config, settings) in MODE_COLLAPSE_SETTINGS.items():
        runs = [ring_run(config, settings, seed, steps) for seed in seeds]
        column = {key: [run[key] for run in runs] for key in runs[0]}
        collapsed = sum(modes < 8 for modes in column["modes"])
        print(f"| {name} | {summary(column['modes'], 0)} | {collapsed} of {len(seeds)} | {summary(column['near'])} | "
              f"{summary(column['precision'])} | {summary(column['recall'])} | {statistics.median(column['seconds']):.1f} |",
              flush=True)
    print()


def learning_rates(seeds, steps, rates=(1e-4, 3e-4, 1e-3, 3e-3)):
    print(f"## Plain GAN on the ring: share of {len(seeds)} seeds covering all 8 modes with >= 50% of samples near "
          f"one, after {steps} rounds\n")
    print("| lr_d \\ lr_g | " + " | ".join(f"{r:g}" for r in rates) + " |")
    print("|---" * (len(rates) + 1) + "|")
    for lr_d in rates:
        cells = []
        for lr_g in rates:
            runs = [ring_run(gan.RING, {"lr_d": lr_d, "lr_g": lr_g}, seed, steps) for seed in seeds]
            cells.append(f"{sum(r['modes'] == 8 and r['near'] >= 0.5 for r in runs) / len(runs):.1f}")
        print(f"| {lr_d:g} | " + " | ".join(cells) + " |", flush=True)
    print()


COLLAPSE_CONFIG = vae.VAEConfig(hidden_dim=128, dropout=0.0)  # the small VAE chapter 5 compares: about 2 s a run
COLLAPSE_FIT = {"epochs": 60, "batch_size": 100, "lr": 3e-3}
COLLAPSE_SETTINGS = {  # name -> (beta, loss_fn factory)
    "beta 1": (1.0, lambda: vae.negative_elbo_loss),
    "beta 4": (4.0, lambda: vae.negative_elbo_loss),
    "beta 4, free bits 0.5 nats": (4.0, lambda: vae.free_bits_loss(0.5)),
    "beta 4, KL annealed over 300 steps": (4.0, lambda: vae.annealed_elbo_loss(300)),
}


def posterior_collapse(seeds):
    (x_train, _), (x_test, _) = data.load_digits("train"), data.load_digits("test")
    print(f"## Posterior collapse: a VAE with {COLLAPSE_CONFIG.latent_dim} latent dimensions, {len(seeds)} seeds, "
          f"measured on the test digits\n")
    print("| setting | active units | total KL (nats) | test ELBO (nats) |")
    print("|---|---|---|---|")
    for name, (beta, loss) in COLLAPSE_SETTINGS.items():
        rows = []
        for seed in seeds:
            course_lib.setup(seed=seed, quiet=True)
            model = vae.VAE(dataclasses.replace(COLLAPSE_CONFIG, beta=beta))
            fit(model, loss(), x_train, seed=seed, progress=False, **COLLAPSE_FIT)
            model.eval()
            count, _ = metrics.active_units(model.encode_mean(x_test))
            with torch.no_grad():
                elbo = model.elbo(x_test, generator=torch.Generator().manual_seed(seed)).mean().item()
            rows.append((count, model.kl_per_dimension(x_test).sum().item(), elbo))
        active, kl, elbo = zip(*rows)
        print(f"| {name} | {summary(active, 0)} | {summary(kl)} | {summary(elbo, 1)} |", flush=True)
    print()


SCALING_SIDES = (8, 16, 32)


def upsampled_digits(side):
    """The 1,000 training digits resized to side x side (bilinear), rounded back to the levels 0..16."""
    x, _ = data.load_digits("train")
    images = F.interpolate(x.reshape(-1, 1, *data.DIGITS_SHAPE), size=(side, side), mode="bilinear")
    return images.reshape(len(x), side * side).round().clamp(0, data.NUM_LEVELS - 1)


def seconds(work):
    """Wall time of ``work()``, measured on its second call (the first pays for one-off set-up)."""
    work()
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def scaling_rows(side):
    """(family, parameters, seconds per pass over the 1,000 images, seconds to sample, images sampled) at one size.

    The pixel transformer trains on 64 of the images, timed and scaled to 1,000: its attention grows with
    the square of the number of pixels, and a whole pass at 32x32 takes minutes.
    """
    x = upsampled_digits(side)
    num_pixels = side * side
    course_lib.setup(seed=0, quiet=True)
    mixture = GaussianMixture(10, covariance_type="diag", max_iter=10, tol=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # tol=0: exactly 10 iterations, on purpose
        fit_mixture = seconds(lambda: mixture.fit(x.double())) / 10  # one EM iteration is one pass
    yield "Gaussian mixture (10, diagonal)", 10 * (2 * num_pixels + 1), fit_mixture, \
        seconds(lambda: mixture.sample(100)), 100
    model = vae.VAE(vae.VAEConfig(data_dim=num_pixels, hidden_dim=128, dropout=0.0))
    yield "VAE", sum(p.numel() for p in model.parameters()), \
        seconds(lambda: fit(model, vae.negative_elbo_loss, x, epochs=1, batch_size=100, progress=False)), \
        seconds(lambda: model.sample(100)), 100
    model = gan.GAN(dataclasses.replace(gan.DIGITS, data_dim=num_pixels))
    yield "GAN", sum(p.numel() for p in model.parameters()), \
        seconds(lambda: fit_gan(model, x, steps=10, batch_size=100, progress=False)), \
        seconds(lambda: model.sample(100)), 100
    model = autoregressive.PixelTransformer(autoregressive.PixelConfig(num_pixels=num_pixels, image_width=side,
                                                                       embed_dim=64, num_layers=2))
    part = x[:64]
    train_seconds = seconds(lambda: fit(model, autoregressive.pixel_loss, part, epochs=1, batch_size=32,
                                        progress=False)) * len(x) / len(part)
    yield "pixel transformer (2 layers)", sum(p.numel() for p in model.parameters()), train_seconds, \
        seconds(lambda: model.sample(2)), 2


def scaling():
    print("## Cost against image size: the digits upsampled (1 CPU thread)\n")
    print("| family | image | parameters | s per pass over 1,000 images | s to sample | images sampled |")
    print("|---|---|---|---|---|---|")
    for side in SCALING_SIDES:
        for family, parameters, train_seconds, sample_seconds, sampled in scaling_rows(side):
            print(f"| {family} | {side}x{side} | {parameters:,} | {train_seconds:.3g} | {sample_seconds:.3g} | "
                  f"{sampled} |", flush=True)
    print()


def vanishing_gradients(seeds, d_rounds=(0, 10, 50, 200, 1000)):
    print("## Gradient reaching the generator while D trains alone against a fixed generator (ring)\n")
    print("| D updates | D(G(z)) | non-saturating norm | saturating norm | ratio |")
    print("|---|---|---|---|---|")
    rows = {rounds: [] for rounds in d_rounds}
    for seed in seeds:
        course_lib.setup(seed=seed, quiet=True)
        x, _ = data.toy2d("ring", n=2000, seed=seed, noise=RING_NOISE)
        model = gan.GAN(gan.RING)
        optimizer = torch.optim.Adam(model.discriminator.parameters(), lr=1e-3, betas=(0.5, 0.999))
        draws = torch.Generator().manual_seed(seed)
        probe = torch.randn(512, gan.RING.noise_dim, generator=draws)
        done = 0
        for rounds in d_rounds:
            for _ in range(rounds - done):
                real = x[torch.randint(len(x), (128,), generator=draws)]
                discriminator_step(model, optimizer, real, None, torch.randn(128, gan.RING.noise_dim, generator=draws),
                                   None)
            done = rounds
            with torch.no_grad():
                d_fake = model.discriminator(model.generator(probe)).sigmoid().mean().item()
            norms = [generator_gradient_norm(model, probe, generator_loss=loss)
                     for loss in ("non_saturating", "saturating")]
            rows[rounds].append((d_fake, *norms))
    for rounds, values in rows.items():
        d_fake, strong, weak = (statistics.median(v) for v in zip(*values))
        print(f"| {rounds} | {d_fake:.2e} | {strong:.3g} | {weak:.3g} | {weak / strong:.1e} |")
    print()


SECTIONS = {"mode-collapse": lambda args: mode_collapse(range(args.seeds), args.steps),
            "learning-rates": lambda args: learning_rates(range(min(args.seeds, 5)), min(args.steps, 3000)),
            "posterior-collapse": lambda args: posterior_collapse(range(min(args.seeds, 5))),
            "scaling": lambda args: scaling(),
            "vanishing-gradients": lambda args: vanishing_gradients(range(args.seeds))}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--steps", type=int, default=5000, help="GAN rounds per mode-collapse run")
    parser.add_argument("--only", choices=list(SECTIONS), action="append", help="run only these sections")
    args = parser.parse_args()
    for name in args.only or SECTIONS:
        SECTIONS[name](args)


if __name__ == "__main__":
    main()
