"""Markdown tables of the results (:func:`course_lib.ethics.load`): the benchmark prints them, chapter 9 shows them.

Over seeds each cell is "median (min to max)" (:func:`course_lib._results.spread`).
"""
import statistics

from .._results import spread, table

WATTS = 15.0  # assumed power of one busy laptop core with its share of the package: an estimate, not a measurement


def _column(runs, key):
    return [run[key] for run in runs]


def membership(rows):
    """Per setting: the attack's AUC over seeds, seed 0's bootstrap interval, train and test -ELBO, epsilon, and
    the median distance of samples and of test digits to the nearest training digit."""
    body = []
    for label, runs in rows.items():
        first, epsilon = runs[0], runs[0]["epsilon"]
        body.append([label, spread(_column(runs, "auc"), 3), f"{first['auc_low']:.3f} to {first['auc_high']:.3f}",
                     spread(_column(runs, "train_nll"), 1), spread(_column(runs, "test_nll"), 1),
                     "-" if epsilon is None else f"{epsilon:.1f}",
                     spread(_column(runs, "nearest_sample"), 1), spread(_column(runs, "nearest_held_out"), 1)])
    return table(["setting", "attack AUC", "AUC interval, seed 0", "train -ELBO", "test -ELBO", "epsilon",
                  "sample to nearest training digit", "test digit to nearest training digit"], body)


def per_name_ratio(run, test_size):
    """How many times likelier a sample is to be a given training name than a given unseen real name (None: no
    unseen name was sampled)."""
    return None if run["held_out"] == 0 else (run["copies"] / run["n"]) / (run["held_out"] / test_size)


def names(section, test_size):
    """Per training-set size: copies, unseen real names, the per-name ratio, train and test NLL."""
    body = []
    for n, runs in section.items():
        ratios = [per_name_ratio(run, test_size) for run in runs]
        ratio = ("no unseen name sampled" if None in ratios
                 else spread(ratios, 1 if statistics.median(ratios) < 100 else 0))  # decimals where they tell
        body.append([f"{int(n):,}", runs[0]["epochs"], spread(_column(runs, "copies"), 3),
                     spread(_column(runs, "held_out"), 3), ratio, spread(_column(runs, "train_nll"), 2),
                     spread(_column(runs, "test_nll"), 2)])
    return table(["training names", "epochs", "samples that are training names", "samples that are unseen test "
                  "names", "per-name ratio", "train NLL", "test NLL"], body)


def detected_models(section):
    """The detection section's runs by model name: each family, then the VAE after each number of epochs."""
    return {**section["families"], **{f"VAE after {epochs} epoch{'' if epochs == '1' else 's'}": runs
                                      for epochs, runs in section["vae_epochs"].items()}}


def detection(section):
    """Per model, worst FID first: the classifier's held-out accuracy telling its samples from test digits, and
    their FID."""
    rows = sorted(detected_models(section).items(), key=lambda row: -statistics.median(_column(row[1], "fid")))
    return table(["model", "FID against test digits", "detection accuracy"],
                 [[name, spread(_column(runs, "fid"), 1), spread(_column(runs, "accuracy"))] for name, runs in rows])


def watermark(section):
    """Per strength and text length: symbols scored, median z, share detected; the cost in NLL per name."""
    body = []
    for delta, runs in section["runs"].items():
        for i, row in enumerate(runs[0]["rows"]):
            cost = " / ".join(f"{statistics.mean(_column(runs, key)):.2f}" for key in ("nll_marked", "nll_plain"))
            body.append([delta, row["names"], f"{row['symbols']:.0f}",
                         spread([run["rows"][i]["median_z"] for run in runs]),
                         spread([run["rows"][i]["detected"] for run in runs]), cost if i == 0 else ""])
    return table(["delta", "names per text", "symbols per text", "median z", "share detected (z > 4)",
                  "NLL marked / plain (nats per name)"], body)


def edits(section):
    """Per share of characters edited: the median z of 8-name texts and the share still detected."""
    return table(["share of characters edited", "median z", "share still detected"],
                 [[f"{edit['share']:.0%}", f"{statistics.median(edit['z']):.2f}",
                   f"{sum(z > 4 for z in edit['z']) / len(edit['z']):.0%}"] for edit in section["edits"]])


def bias(section):
    """Per family, share of the rare class kept and remedy: its training share and its share of the samples."""
    groups = {}
    for run in section:
        groups.setdefault((run["family"], run["keep"], run["remedy"]), []).append(run)
    body = [[family, "one (the floor)" if keep < 0.01 else f"{keep:.0%}", remedy or "-",
             f"{runs[0]['train_share']:.3f}", spread(_column(runs, "sample_share"), 3)]
            for (family, keep, remedy), runs in groups.items()]
    return table(["family", "rare digits kept", "remedy", "training share", "sample share"], body)


def energy_wh(row, watts=WATTS):
    """An estimate of the energy of one timed training run: its wall seconds x threads x ``watts``, in Wh."""
    return row["seconds"] * row["threads"] * watts / 3600


def cost(section):
    """Per course model: parameters, measured training time and threads, and the estimated energy."""
    return table(["model", "parameters", "training time (s, measured)", "threads", f"energy (Wh, at {WATTS:g} W "
                  "per thread, estimated)"],
                 [[row["name"], f"{row['parameters']:,}", f"{row['seconds']:.1f}", row["threads"],
                   f"{energy_wh(row):.3f}"] for row in section])
