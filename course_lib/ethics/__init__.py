"""Chapter 9's measurements over seeds: memorisation and membership inference, detection of generated digits, a
watermark, a rare class, and the cost of training; the runs (:mod:`.runs`, :mod:`.watermark_runs`,
:mod:`.bias_runs`), their data file and tables.

The sections take about half an hour on one CPU thread (DP-SGD most of it),
so their results are computed offline and shipped in ``results.json`` beside
this file; :func:`load` checks its SHA-256 against :data:`RESULTS_SHA256`.
``python benchmarks/ethics.py --write course_lib/ethics/results.json``
recomputes them and prints the tables chapter 9 quotes; ``--small`` runs the
same code with few seeds and updates, which ``tests/test_ethics_results.py``
regenerates bit for bit. Apart from the cost section's seconds, a run repeats
exactly on the same machine and thread count.

Sections
--------
``membership``
    The digits VAE's ELBO as a membership-inference score: a control with no
    membership, against training-set size and training time, and DP-SGD at
    several noise levels (:func:`.runs.membership_run`).
``names``
    Copies among the samples of character models trained on small and large
    sets of last names (:func:`.runs.names_copy_run`).
``detection``
    A classifier telling each course model's samples from test digits, and a
    VAE's samples over its training (:func:`.runs.detection_run`).
``watermark``
    The green-list watermark in the shipped names transformer: detection
    against length and strength, false positives on real names, a wrong key,
    and edits.
``bias``
    A rare digit class among the samples of two families, with remedies (:func:`.bias_runs.bias_run`).
``cost``
    Wall time of training each of the course's models here (:func:`.runs.cost_run`); timings, never compared.
"""
from pathlib import Path

import torch

from .. import _results, data, metrics, pretrained, vae
from .._checks import check_choice
from ..mixture import CategoricalMixture
from ..watermark import GreenList
from . import bias_runs, runs, tables, watermark_runs
from .bias_runs import BIAS_EPOCHS, BIAS_FAMILIES, RARE_CLASS, bias_run, imbalanced_digits
from .runs import (COSTED, DETECTED_FAMILIES, MEMBERS_SCORED, cost_run, detection_run, membership_attack,
                   membership_model, membership_run, names_copy_run)
from .watermark_runs import edit_names, false_positive_rate, text_scores, watermark_run

PATH = Path(__file__).with_name("results.json")
RESULTS_SHA256 = "0e92e66d908195d1a203a18acb43447812c451d22fdc8640763ae8fcd157607a"

MEMBER_EPOCHS = {50: 600, 200: 300, 1000: 60}  # training digits -> epochs: about 600 updates each
TIMES = (10, 30, 100, 300)  # epochs at n = 200: the attack against training time
DP_SIZE = 1000
NOISE = (0.0, 0.5, 1.0, 2.0, 4.0)  # DP-SGD's sigma at n = 1000, 60 epochs; 0 clips without noise
DP_DELTA = 1e-3  # below 1 / n, the convention
NAME_SIZES = (500, 5000, len(data.load_names("train", "last")))  # the last of them: every training name
DETECTION_EPOCHS = (1, 5, 20)  # a VAE's samples early in training, beside the full recipe's
KEY, GAMMA, DELTAS = "course", 0.5, (1.0, 2.0, 4.0)
WATERMARK_DELTA = 2.0  # the strength chapter 9 adopts
EDIT_SHARES = (0.0, 0.1, 0.25, 0.5)
RARE_KEPT = (0.001, 0.1, 0.3, 1.0)  # shares of its training examples kept; 0.001 keeps one: the floor
REMEDIED_KEPT = (0.1, 0.3)  # the rare shares the remedies are tried at
BIAS_SETTINGS = ([(family, keep, None) for family in BIAS_FAMILIES for keep in RARE_KEPT]
                 + [(family, keep, "reweight") for family in BIAS_FAMILIES for keep in REMEDIED_KEPT]
                 + [(BIAS_FAMILIES[0], keep, "conditional") for keep in REMEDIED_KEPT])

FULL = {"seeds": 5, "dp_seeds": 3, "epoch_share": 1.0, "name_steps": 2000, "watermarked": 400,
        "detected": DETECTED_FAMILIES}
SMALL = {"seeds": 1, "dp_seeds": 1, "epoch_share": 0.02, "name_steps": 20, "watermarked": 48,
         "detected": DETECTED_FAMILIES[:-1]}  # the pixel transformer's 447 samples take 24 s: left to the full size


def _epochs(epochs, size):
    return max(1, round(epochs * size["epoch_share"]))


def _control(seed):
    """The attack's AUC from a model fitted on neither set (the validation digits): no membership to find."""
    (x_train, _), (x_val, _), (x_test, _) = (data.load_digits(split, shuffle_seed=seed)
                                             for split in ("train", "val", "test"))
    model = CategoricalMixture(1).fit(x_val)
    return metrics.membership_auc(model.log_prob(x_train[:MEMBERS_SCORED]), model.log_prob(x_test[:MEMBERS_SCORED]))


def _membership(size):
    seeds, dp_seeds = range(size["seeds"]), range(size["dp_seeds"])
    sizes = {str(n): [membership_run(n, _epochs(e, size), seed) for seed in seeds] for n, e in MEMBER_EPOCHS.items()}
    dp_epochs = _epochs(MEMBER_EPOCHS[DP_SIZE], size)
    return {
        "control": [_control(seed) for seed in seeds],
        "sizes": sizes,
        "times": {str(e): [membership_run(200, _epochs(e, size), seed) for seed in seeds] for e in TIMES},
        "dp": {"no DP": sizes[str(DP_SIZE)][:size["dp_seeds"]],
               **{f"sigma {sigma:g}": [membership_run(DP_SIZE, dp_epochs, seed, noise_multiplier=sigma,
                                                      delta=DP_DELTA) for seed in dp_seeds] for sigma in NOISE}},
    }


def _names(size):
    return {str(n): [names_copy_run(n, seed, steps=size["name_steps"]) for seed in range(size["seeds"])]
            for n in NAME_SIZES}


def _detection(size):
    full = vae.DIGITS_RECIPE["epochs"]
    return {"families": {family: [detection_run(family, seed, vae_epochs=_epochs(full, size))
                                  for seed in range(size["seeds"])] for family in size["detected"]},
            "vae_epochs": {str(e): [detection_run("VAE", seed, vae_epochs=min(e, _epochs(full, size)))
                                    for seed in range(size["seeds"])] for e in DETECTION_EPOCHS}}


def _watermark(size):
    model = pretrained.load("names-transformer")
    vocabulary, n = model.vocabulary, size["watermarked"]
    lists = GreenList.for_vocabulary(KEY, vocabulary, gamma=GAMMA, delta=WATERMARK_DELTA)
    real = data.load_names("test", "last")
    marked = model.sample(n, watermark=lists, generator=torch.Generator().manual_seed(0))
    wrong = GreenList.for_vocabulary("another key", vocabulary, gamma=GAMMA, delta=WATERMARK_DELTA)
    edits = []
    for share in EDIT_SHARES:
        scores = text_scores(lists, vocabulary, edit_names(marked, share, vocabulary.alphabet), 8)
        edits.append({"share": share, "z": [z for z, _, _ in scores]})
    return {
        "runs": {f"{delta:g}": [watermark_run(model, delta, key=KEY, gamma=GAMMA, n=n, seed=seed)
                                for seed in range(size["seeds"])] for delta in DELTAS},
        "false_positives": {str(k): false_positive_rate(lists, vocabulary, real, names_per_text=k) for k in (8, 16)},
        "wrong_key": false_positive_rate(wrong, vocabulary, marked, names_per_text=8),
        "edits": edits,
    }


def _bias(size):
    return [bias_run(family, RARE_CLASS, keep, seed, remedy, epochs=_epochs(BIAS_EPOCHS, size))
            for family, keep, remedy in BIAS_SETTINGS for seed in range(size["seeds"])]


def _cost(_size):
    return [cost_run(name) for name in COSTED]


SECTIONS = {"membership": _membership, "names": _names, "detection": _detection, "watermark": _watermark,
            "bias": _bias, "cost": _cost}
REPEATABLE = [name for name in SECTIONS if name != "cost"]


def run(section, small=False):
    """Compute one section (see the module docstring) at the full size, or the small one the tests use."""
    check_choice("section", section, list(SECTIONS))
    return SECTIONS[section](SMALL if small else FULL)


def load(path=None):
    """The shipped results (or those at ``path``, unchecked), as a dict of section -> results.

    Raises
    ------
    ValueError
        If the shipped file's SHA-256 is not :data:`RESULTS_SHA256`.
    """
    return _results.load(PATH, RESULTS_SHA256, "benchmarks/ethics.py", path)


__all__ = ["BIAS_EPOCHS", "BIAS_FAMILIES", "BIAS_SETTINGS", "COSTED", "DELTAS", "DETECTED_FAMILIES", "DP_DELTA",
           "DP_SIZE", "EDIT_SHARES", "FULL", "GAMMA", "KEY", "MEMBERS_SCORED", "MEMBER_EPOCHS", "NAME_SIZES", "NOISE",
           "RARE_CLASS", "RARE_KEPT", "REMEDIED_KEPT", "SECTIONS", "SMALL", "TIMES", "WATERMARK_DELTA", "bias_run",
           "cost_run", "detection_run", "edit_names", "false_positive_rate", "imbalanced_digits", "load",
           "membership_attack", "membership_model", "membership_run", "names_copy_run", "run", "text_scores",
           "watermark_run"]
