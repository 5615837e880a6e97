"""Train the chapter-4 VAE on the digits and report its test likelihood.

Usage: ``python benchmarks/vae_digits.py [--device cpu|cuda|mps] [--seed 0] [--k 512]``

Prints the training time, the test negative ELBO and the importance-weighted
negative log-likelihood in nats per image and bits per dimension, beside the
published reference on the same split (jmtomczak/intro_dgm VAE: 100.5 nats
negative ELBO on validation). Run with ``OMP_NUM_THREADS=1`` to match the
course's 2-core budget.
"""
import argparse
import math
import time

import torch

import course_lib
from course_lib import vae
from course_lib.data import load_digits
from course_lib.train import fit

REFERENCE_NEGATIVE_ELBO = 100.5  # nats, intro_dgm VAE, validation split
TARGETS = {"negative ELBO": 100.0, "IW NLL": 95.0}  # nats, issue 4


def bits_per_dim(nats, num_dims=64):
    return nats / (num_dims * math.log(2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--k", type=int, default=512, help="importance samples per test image")
    parser.add_argument("--elbo-samples", type=int, default=10, help="ELBO draws averaged per test image")
    args = parser.parse_args()

    device = course_lib.setup(seed=args.seed, preferred=args.device, quiet=True)
    x_train, _ = load_digits("train")
    x_val, _ = load_digits("val")
    x_test, _ = load_digits("test")
    model = vae.VAE(vae.VAEConfig()).to(device)
    start = time.perf_counter()
    history = fit(model, vae.negative_elbo_loss, x_train, x_val, seed=args.seed, progress=False,
                  **vae.DIGITS_RECIPE)
    train_seconds = time.perf_counter() - start

    model.eval()
    x_test, x_val = x_test.to(device), x_val.to(device)
    generator = torch.Generator(device=device).manual_seed(args.seed)
    with torch.no_grad():
        elbo = torch.stack([model.elbo(x_test, generator=generator) for _ in range(args.elbo_samples)]).mean(0)
        val_elbo = torch.stack([model.elbo(x_val, generator=generator) for _ in range(args.elbo_samples)]).mean(0)
        start = time.perf_counter()
        log_px = model.log_prob(x_test, k=args.k, generator=generator)
        iw_seconds = time.perf_counter() - start
    rows = [
        ("val negative ELBO", -val_elbo.mean().item()),
        ("test negative ELBO", -elbo.mean().item()),
        (f"test IW NLL (k={args.k})", -log_px.mean().item()),
    ]
    print(f"device {device}, torch threads {torch.get_num_threads()}, config {model.config}")
    print(f"training: {train_seconds:.1f} s, {history.epochs} epochs (best {history.best_epoch + 1}, "
          f"stop: {history.stop_reason}); IW evaluation {iw_seconds:.1f} s")
    print(f"{'quantity':<26}{'nats/image':>12}{'bits/dim':>10}")
    for name, nats in rows:
        print(f"{name:<26}{nats:>12.2f}{bits_per_dim(nats):>10.3f}")
    print(f"{'reference: intro_dgm VAE':<26}{REFERENCE_NEGATIVE_ELBO:>12.2f}{bits_per_dim(REFERENCE_NEGATIVE_ELBO):>10.3f}"
          "  (negative ELBO, val)")
    print(f"{'uniform over 17 levels':<26}{64 * math.log(17):>12.2f}{math.log2(17):>10.3f}")
    checks = {"negative ELBO": rows[1][1], "IW NLL": rows[2][1]}
    for name, value in checks.items():
        verdict = "ok" if value <= TARGETS[name] else "MISSED"
        print(f"target {name} <= {TARGETS[name]:.0f} nats: {value:.2f} {verdict}")


if __name__ == "__main__":
    main()
