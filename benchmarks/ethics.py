"""Chapter 9's measurements over seeds: membership inference against training-set size, training time and
DP-SGD, the green-list watermark's detection, false positives and removal by edits, and a rare class's share
of the samples with and without remedies.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/ethics.py [--seeds 3] [--only membership]``

Every run is seeded (``course_lib.ethics``); intervals: the AUC's 95% bootstrap over the scored digits for one
run, and the range over seeds. Run on an idle machine (a few minutes).
"""
import statistics
import time

import torch

from course_lib import data, ethics, metrics, pretrained
from course_lib._cli import OneLineParser
from course_lib.challenges.tables import spread
from course_lib.mixture import CategoricalMixture
from course_lib.watermark import GreenList

SIZES = (50, 200, 1000)  # training digits
EPOCHS = {50: 600, 200: 300, 1000: 60}  # about 600 batches each: the same number of updates
TIMES = (10, 30, 100, 300)  # epochs at n = 200: the attack against training time
NOISE = (0.5, 1.0, 2.0, 4.0)  # DP-SGD's sigma at n = 1000, 60 epochs


def membership_table(title, runs_by_row):
    print(f"### {title}\n")
    print("| setting | AUC, median over seeds (range) | AUC interval of seed 0 | train -ELBO | test -ELBO | epsilon |")
    print("|---|---|---|---|---|---|")
    for label, runs in runs_by_row.items():
        first, epsilon = runs[0], runs[0]["epsilon"]
        print(f"| {label} | {spread([r['auc'] for r in runs], 3)} | "
              f"{first['auc_low']:.3f} to {first['auc_high']:.3f} | "
              f"{spread([r['train_nll'] for r in runs], 1)} | {spread([r['test_nll'] for r in runs], 1)} | "
              f"{'-' if epsilon is None else f'{epsilon:.1f} (delta 1e-3)'} |", flush=True)
    print()


def control(seeds):
    """The attack's score from a model fitted on neither set: what the AUC is without any membership."""
    rows = []
    for seed in seeds:
        (x_train, _), (x_val, _), (x_test, _) = (data.load_digits(split, shuffle_seed=seed)
                                                 for split in ("train", "val", "test"))
        model = CategoricalMixture(1).fit(x_val)
        rows.append(metrics.membership_auc(model.log_prob(x_train[:ethics.MEMBERS_SCORED]),
                                           model.log_prob(x_test[:ethics.MEMBERS_SCORED])))
    return rows


def membership(seeds):
    print(f"## Membership inference on the digits VAE (score: ELBO; members: up to {ethics.MEMBERS_SCORED} "
          f"training digits; non-members: as many test digits; the split shuffled by each seed); seeds "
          f"{list(seeds)}\n")
    print(f"Control, independent pixels fitted on the validation digits (members of neither set): AUC "
          f"{spread(control(seeds), 3)}\n")
    membership_table("against training-set size (about 600 updates each)",
                     {f"n = {n}, {EPOCHS[n]} epochs": [ethics.membership_run(n, EPOCHS[n], s) for s in seeds]
                      for n in SIZES})
    membership_table("against training time, n = 200",
                     {f"{e} epochs": [ethics.membership_run(200, e, s) for s in seeds] for e in TIMES})
    membership_table("DP-SGD, n = 1000, 60 epochs, expected batch 100, clipping norm 1",
                     {"no DP": [ethics.membership_run(1000, 60, s) for s in seeds],
                      **{f"sigma {sigma:g}": [ethics.membership_run(1000, 60, s, noise_multiplier=sigma)
                                              for s in seeds] for sigma in NOISE}})


def watermark(seeds):
    model = pretrained.load("names-transformer")
    vocabulary = model.vocabulary
    print("## Green-list watermark in the shipped names transformer (gamma 0.5; z > 4 counts as detected)\n")
    print("| delta | names per text | symbols per text | median z | share detected | "
          "NLL marked / plain (nats per name) |")
    print("|---|---|---|---|---|---|")
    for delta in (1.0, 2.0, 4.0):
        runs = [ethics.watermark_run(model, delta, seed=seed) for seed in seeds]
        for i, row in enumerate(runs[0]["rows"]):
            z = [run["rows"][i]["median_z"] for run in runs]
            detected = [run["rows"][i]["detected"] for run in runs]
            cost = " / ".join(f"{statistics.mean(r[key] for r in runs):.2f}" for key in ("nll_marked", "nll_plain"))
            print(f"| {delta:g} | {row['names']} | {row['symbols']:.0f} | {spread(z, 2)} | {spread(detected, 2)} | "
                  f"{cost if i == 0 else ''} |", flush=True)
    lists = GreenList.for_vocabulary("course", vocabulary, gamma=0.5, delta=2.0)
    real = data.load_names("test", "last")
    rate, texts = ethics.false_positive_rate(lists, vocabulary, real)
    print(f"\nFalse positives: {rate:.3f} of {texts} texts of 8 real test names have z > 4.\n")
    print("| share of characters edited | median z of 8-name texts (delta 2) | share still detected |")
    print("|---|---|---|")
    marked = model.sample(400, watermark=lists, generator=torch.Generator().manual_seed(0))
    for share in (0.0, 0.1, 0.25, 0.5):
        edited = ethics.edit_names(marked, share, vocabulary.alphabet)
        z = [score[0] for score in ethics.text_scores(lists, vocabulary, edited, 8)]
        print(f"| {share:g} | {statistics.median(z):.2f} | {sum(v > 4 for v in z) / len(z):.2f} |")
    print()


def bias(seeds):
    print("## A rare class: digit 3 kept at a share of its training examples; share of samples the feature "
          f"network calls 3 (median and range over seeds {list(seeds)})\n")
    print("The floor (one 3 left) is the share of samples called 3 without any 3 to learn from: the classifier's "
          "errors on imperfect samples.\n")
    print("| family | 3s kept | remedy | training share of 3 | sample share of 3 |")
    print("|---|---|---|---|---|")
    settings = [(family, keep, None) for family in ethics.BIAS_FAMILIES for keep in (0.001, 0.1, 1.0)]
    settings += [(family, 0.1, "reweight") for family in ethics.BIAS_FAMILIES]
    settings += [(ethics.BIAS_FAMILIES[0], 0.1, "conditional")]
    for family, keep, remedy in settings:
        runs = [ethics.bias_run(family, keep=keep, seed=seed, remedy=remedy) for seed in seeds]
        kept = "one (the floor)" if keep < 0.01 else f"{keep:.0%}"
        print(f"| {family} | {kept} | {remedy or '-'} | {runs[0]['train_share']:.3f} | "
              f"{spread([r['sample_share'] for r in runs], 3)} |", flush=True)
    print()


SECTIONS = {"membership": membership, "watermark": watermark, "bias": bias}


def main():
    parser = OneLineParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--only", choices=list(SECTIONS), action="append")
    args = parser.parse_args()
    if args.seeds < 1:
        parser.error(f"--seeds must be at least 1, got {args.seeds}")
    for name in args.only or SECTIONS:
        start = time.perf_counter()
        SECTIONS[name](range(args.seeds))
        print(f"({name}: {time.perf_counter() - start:.0f} s)\n", flush=True)


if __name__ == "__main__":
    main()
