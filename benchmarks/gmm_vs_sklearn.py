"""course_lib.mixture.GaussianMixture against scikit-learn's, from the same initial parameters.

Both estimators start from identical weights, means and precisions (so neither
pays for its own k-means), use the same tol, reg_covar and max_iter, and run
on ONE thread (torch.set_num_threads(1); threadpoolctl limits NumPy's BLAS).
Each fit is timed ``REPEATS`` times and the median is reported.

Run from the repository root:  .venv/bin/python benchmarks/gmm_vs_sklearn.py
"""
import statistics
import time
import warnings

import numpy as np
import torch
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture
from threadpoolctl import threadpool_limits

from course_lib.data import load_digits, toy2d
from course_lib.mixture import GaussianMixture

REPEATS = 5
DIGITS_REG_COVAR = 0.1  # a variance floor: always-blank border pixels would make covariances singular


def initial_parameters(x, n_components, covariance_type, seed=0):
    """Uniform weights, means at random data points, spherical precisions from the data variance."""
    rng = np.random.default_rng(seed)
    n, d = x.shape
    means = x[rng.choice(n, n_components, replace=False)]
    precision = 1.0 / x.var(0).mean()
    precisions = {
        "full": np.tile(np.eye(d) * precision, (n_components, 1, 1)),
        "diag": np.full((n_components, d), precision),
        "spherical": np.full(n_components, precision),
    }[covariance_type]
    return {"weights_init": np.full(n_components, 1.0 / n_components), "means_init": means,
            "precisions_init": precisions}


def timed_fits(classes, x, kwargs):
    """Fit each class REPEATS times, alternating between them so load changes hit both alike."""
    seconds = {cls: [] for cls in classes}
    models = {}
    for _ in range(REPEATS):
        for cls in classes:
            start = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # a non-converged fit is still a fair timing
                models[cls] = cls(**kwargs).fit(x)
            seconds[cls].append(time.perf_counter() - start)
    return [(models[cls], statistics.median(seconds[cls])) for cls in classes]


def compare(name, x, n_components, covariance_type, reg_covar):
    kwargs = dict(n_components=n_components, covariance_type=covariance_type, reg_covar=reg_covar,
                  tol=1e-3, max_iter=100, **initial_parameters(x, n_components, covariance_type))
    (ours, ours_s), (theirs, theirs_s) = timed_fits([GaussianMixture, SklearnGaussianMixture], x, kwargs)
    ll_ours, ll_theirs = ours.score(x), theirs.score(x)
    max_diff = float(np.abs(ours.score_samples(x) - theirs.score_samples(x)).max())
    print(f"| {name:<22} | {covariance_type:<4} | {ours.n_iter_:>3} / {theirs.n_iter_:<3} | {ll_ours:>12.6f} | "
          f"{ll_theirs:>12.6f} | {max_diff:8.1e} | {ours_s * 1e3:8.1f} | {theirs_s * 1e3:8.1f} | "
          f"{ours_s / theirs_s:5.2f} |")
    return ours_s / theirs_s, max_diff


def main():
    torch.set_num_threads(1)
    toy = toy2d("ring", n=20_000, seed=0)[0].double().numpy()
    digits = load_digits("train")[0].double().numpy()
    print("Mean log-likelihood per sample (nats) and median fit time over "
          f"{REPEATS} runs, one thread each, same initial parameters.")
    print("| data (N x d, K)        | cov  | iters ours/sk | ours (nats)  | sklearn      | max |diff| "
          "| ours ms  | sk ms    | ratio |")
    print("|---|---|---|---|---|---|---|---|---|")
    with threadpool_limits(limits=1):
        results = [compare("ring 20000 x 2, K=8", toy, 8, "full", 1e-6),
                   compare("digits 1000 x 64, K=10", digits, 10, "full", DIGITS_REG_COVAR),
                   compare("digits 1000 x 64, K=10", digits, 10, "diag", DIGITS_REG_COVAR)]
    worst_ratio = max(r for r, _ in results)
    worst_diff = max(d for _, d in results)
    print(f"worst time ratio {worst_ratio:.2f} (target <= 1.0); "
          f"worst per-sample log-density difference {worst_diff:.1e} nats (target <= 1e-6)")


if __name__ == "__main__":
    main()
