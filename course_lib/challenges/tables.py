"""Markdown tables of the results (:func:`course_lib.challenges.load`): the benchmark prints them, chapter 8
shows them."""
import statistics

from .. import data
from .._results import spread, table as _table


def succeeded(run, dataset="ring"):
    """A toy run succeeds when it covers every mode of the data set: it did not collapse."""
    return run["modes"] == len(data.mode_centres(dataset))


def toy_runs(sweep, dataset):
    """Per setting: modes covered, seeds that collapsed, share near a mode, precision, recall (median and range)."""
    modes = len(data.mode_centres(dataset))
    rows = []
    for name, runs in sweep.items():
        column = {key: [run[key] for run in runs] for key in ("modes", "near", "precision", "recall")}
        rows.append([name, spread(column["modes"], 0), f"{sum(m < modes for m in column['modes'])} of {len(runs)}",
                     spread(column["near"]), spread(column["precision"]), spread(column["recall"])])
    return _table(["setting", f"modes covered (of {modes})", "seeds collapsed", "near a mode", "precision",
                   "recall"], rows)


def learning_rates(section):
    """Share of seeds that succeed (:func:`succeeded`) for each pair of learning rates."""
    rates = section["rates"]
    rows = [[f"{lr_d:g}"] + [f"{sum(map(succeeded, runs)) / len(runs):.2f}" for runs in row]
            for lr_d, row in zip(rates, section["runs"])]
    return _table(["lr_d \\ lr_g"] + [f"{r:g}" for r in rates], rows)


def digit_classes(section):
    """Per setting, over seeds and the second half of training: the largest class's share of the samples,
    the classes holding at least 5% of them, and how often the largest class changed between snapshots."""
    rows = []
    for name, runs in section.items():
        top, held, hops = [], [], []
        for run in runs:
            late = run["counts"][len(run["counts"]) // 2:]
            top += [max(c) / sum(c) for c in late]
            held += [sum(n >= 0.05 * sum(c) for n in c) for c in late]
            leaders = [c.index(max(c)) for c in late]
            hops.append(sum(a != b for a, b in zip(leaders, leaders[1:])))
        rows.append([name, spread(top), spread(held, 0), spread(hops, 0)])
    return _table(["setting", "largest class share", "classes with >= 5%", "changes of the largest class"], rows)


def vanishing_gradients(section):
    """Median over seeds of D's output on samples and the two gradient norms, after each number of D updates."""
    rows = []
    for i, updates in enumerate(section["d_updates"]):
        d_fake, strong, weak = (statistics.median(run[key][i] for run in section["runs"])
                                for key in ("d_fake", "non_saturating", "saturating"))
        rows.append([updates, f"{d_fake:.2e}", f"{strong:.3g}", f"{weak:.3g}", f"{weak / strong:.1e}"])
    return _table(["D updates", "D(G(z))", "non-saturating norm", "saturating norm", "ratio"], rows)


def posterior_collapse(section, free_bits=None):
    """Per (beta, free bits, warm-up): active units, total KL and test ELBO, median and range over seeds."""
    groups = {}
    for run in section:
        if free_bits is None or run["free_bits"] in free_bits:
            groups.setdefault((run["beta"], run["free_bits"], run["warmup"]), []).append(run)
    rows = [[f"{beta:g}", f"{bits:g}", warmup, spread([r["active"] for r in runs], 0),
             spread([sum(r["kl"]) for r in runs]), spread([r["elbo"] for r in runs], 1)]
            for (beta, bits, warmup), runs in groups.items()]
    return _table(["beta", "free bits (nats)", "KL warm-up (batches)", "active units", "total KL (nats)",
                   "test ELBO (nats)"], rows)


def scaling(section):
    """Parameters, seconds per pass, seconds to sample and peak memory per family and image size."""
    return _table(["family", "image", "parameters", "s per pass over 1,000 images", "s to sample", "images sampled",
                   "peak memory of a pass (MiB)"],
                  [[r["family"], f"{r['side']}x{r['side']}", f"{r['parameters']:,}", f"{r['train_seconds']:g}",
                    f"{r['sample_seconds']:g}", r["sampled"], f"{r['memory_mib']:g}"] for r in section])
