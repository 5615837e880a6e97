"""Chapter 6's models on their fixed test splits: losses, training times, and the shipped weights.

Usage: ``python benchmarks/autoregressive_quality.py [--seeds 0 1 2] [--skip-training] [--device cpu]``

- Names (``data.load_names``), test loss in nats per character (each word's end
  counted as one): add-alpha n-gram counts with alpha chosen on validation,
  then the MLP and the transformer trained by their recipes over the seeds
  (mean and range) with training time, then the shipped models. Targets
  (issue 11): losses strictly falling from bigram to MLP to transformer; the
  transformer at most 2.15 nats per character, trained in under 60 s.
- Digits, test negative log-likelihood in nats per image and bits/dim:
  uniform and independent per-pixel baselines, the chapter-4 VAE (negative
  ELBO and the importance-weighted bound, k = 512) over the seeds, and the
  shipped pixel model (target: at most 85 nats; its recipe trains in minutes,
  timed by ``python -m course_lib.pretrained build digits-pixels --out DIR``).

Run with ``OMP_NUM_THREADS=2`` on an idle 2-core machine to match the course's budget.
"""
import argparse
import math
import time

import torch

import course_lib
from course_lib import data, pretrained, vae
from course_lib.metrics import bits_per_dim
from course_lib.autoregressive import (MLP_RECIPE, TRANSFORMER_RECIPE, MLPCharLM, TransformerCharLM, fit_counts,
                                       next_token_loss)
from course_lib.train import fit

TARGETS = {"transformer loss": 2.15, "transformer seconds": 60.0, "pixel nats": 85.0}


def spread(values):
    return f"{sum(values) / len(values):.3f} ({min(values):.3f}..{max(values):.3f})"


def count_rows():
    rows = []
    for kind, n in [("last", 2), ("last", 3), ("last", 4), ("first", 4)]:
        start = time.perf_counter()
        model, _ = fit_counts(n, data.load_names("train", kind), data.load_names("val", kind))
        seconds = time.perf_counter() - start  # counting plus the alpha search on validation
        rows.append((f"{n}-gram counts, alpha {model.alpha:g}", kind, float(model.loss(data.load_names("test", kind))),
                     seconds))
    return rows


def neural_runs(model_class, recipe, seeds, device):
    losses, seconds = [], []
    train_words, val_words = data.load_names("train", "last"), data.load_names("val", "last")
    for seed in seeds:
        course_lib.setup(seed=seed, preferred=device, quiet=True)
        model = model_class().to(device)
        start = time.perf_counter()
        fit(model, next_token_loss, model.vocabulary.encode(train_words), model.vocabulary.encode(val_words),
            seed=seed, progress=False, **recipe)
        seconds.append(time.perf_counter() - start)
        losses.append(float(model.loss(data.load_names("test", "last"))))
    return losses, seconds


def per_pixel_categorical_nll(x_train, x_test):
    """Independent categorical per pixel, add-one smoothed counts from the training digits."""
    counts = torch.stack([torch.bincount(x_train[:, j].long(), minlength=data.NUM_LEVELS) for j in range(64)])
    log_p = ((counts + 1.0) / (counts.sum(1, keepdim=True) + data.NUM_LEVELS)).log()  # (64, 17)
    return float(-log_p.gather(1, x_test.long().T).sum(0).mean())


def vae_runs(seeds, device, x_train, x_val, x_test):
    nelbo, iw = [], []
    for seed in seeds:
        course_lib.setup(seed=seed, preferred=device, quiet=True)
        model = vae.VAE().to(device)
        fit(model, vae.negative_elbo_loss, x_train, x_val, seed=seed, progress=False, **vae.DIGITS_RECIPE)
        model.eval()  # fit leaves the model in training mode: dropout off for the bound
        g = torch.Generator(device=device).manual_seed(seed)
        x = x_test.to(device)
        with torch.no_grad():
            nelbo.append(float(-torch.stack([model.elbo(x, generator=g) for _ in range(10)]).mean()))
        iw.append(float(-model.log_prob(x, k=512, generator=g).mean()))
    return nelbo, iw


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--skip-training", action="store_true", help="counts and shipped models only")
    args = parser.parse_args()

    print("| names model | list | test nats/char (mean, range over seeds) | train seconds (mean, max) |")
    print("|---|---|---|---|")
    counts = count_rows()
    for name, kind, loss, seconds in counts:
        print(f"| {name} | {kind} | {loss:.3f} | {seconds:.1f} (count, choose alpha) |")
    results = {}
    if not args.skip_training:
        for label, cls, recipe in [("MLP", MLPCharLM, MLP_RECIPE), ("transformer", TransformerCharLM,
                                                                    TRANSFORMER_RECIPE)]:
            losses, seconds = neural_runs(cls, recipe, args.seeds, args.device)
            results[label] = (losses, seconds)
            print(f"| {label}, recipe, seeds {args.seeds} | last | {spread(losses)} | "
                  f"{sum(seconds) / len(seconds):.1f}, {max(seconds):.1f} |")
    test_last = data.load_names("test", "last")
    for name in ("names-mlp", "names-transformer"):
        print(f"| shipped {name} | last | {float(pretrained.load(name).loss(test_last)):.3f} | (shipped) |")

    (x_train, _), (x_val, _), (x_test, _) = (data.load_digits(s) for s in ("train", "val", "test"))
    print("\n| digits model | test nats per image | bits/dim |")
    print("|---|---|---|")
    baselines = [("uniform over 17 levels", 64 * math.log(data.NUM_LEVELS)),
                 ("independent per-pixel categorical (add-one)", per_pixel_categorical_nll(x_train, x_test))]
    for name, nats in baselines:
        print(f"| {name} | {nats:.1f} | {bits_per_dim(nats, 64):.3f} |")
    if not args.skip_training:
        nelbo, iw = vae_runs(args.seeds, args.device, x_train, x_val, x_test)
        print(f"| VAE (chapter 4 recipe), negative ELBO, seeds {args.seeds} | {spread(nelbo)} | "
              f"{bits_per_dim(sum(nelbo) / len(nelbo), 64):.3f} |")
        print(f"| VAE, importance-weighted bound k=512 | {spread(iw)} | {bits_per_dim(sum(iw) / len(iw), 64):.3f} |")
    pixel_nats = float(-pretrained.load("digits-pixels").log_prob(x_test).mean())
    print(f"| shipped digits-pixels (exact) | {pixel_nats:.1f} | {bits_per_dim(pixel_nats, 64):.3f} |")

    print("\nTargets:")
    print(f"- shipped pixel model at most {TARGETS['pixel nats']} nats: {'met' if pixel_nats <= TARGETS['pixel nats'] else 'MISSED'}")
    if results:
        bigram = counts[0][2]
        order = bigram > max(results["MLP"][0]) and min(results["MLP"][0]) > max(results["transformer"][0])
        print(f"- bigram > MLP > transformer on every seed: {'met' if order else 'MISSED'}")
        losses, seconds = results["transformer"]
        print(f"- transformer at most {TARGETS['transformer loss']} nats/char on every seed: "
              f"{'met' if max(losses) <= TARGETS['transformer loss'] else 'MISSED'}; trained in under "
              f"{TARGETS['transformer seconds']:.0f} s: {'met' if max(seconds) < TARGETS['transformer seconds'] else 'MISSED'}")


if __name__ == "__main__":
    main()
