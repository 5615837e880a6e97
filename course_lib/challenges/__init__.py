"""Training challenges of chapter 8, reproduced and measured over seeds: the sweeps, their data file and tables.

Each section of :data:`SECTIONS` trains many small models (about half an hour
on one CPU thread in all), so the results are computed offline and shipped in
``results.json`` beside this file; :func:`load` checks its SHA-256 against
:data:`RESULTS_SHA256`. ``python benchmarks/challenges.py --write
course_lib/challenges/results.json`` recomputes every section, prints the
tables chapter 8 quotes and writes the file (the script prints the new digest);
``--small`` runs the same code on a few seeds and steps, which
``tests/test_challenge_results.py`` regenerates bit for bit. Apart from the scaling
section's seconds and memory, a run repeats exactly on the same machine and
thread count.

Sections
--------
``mode_collapse``
    Ring of 8 Gaussians: a plain GAN and three remedies; grid of 25: the plain
    GAN and the R1 penalty; 10 seeds each (:func:`.gan_runs.toy_run`).
``learning_rates``
    The ring with chapter 5's recipe (R1 penalty, linear decay) over a grid of both players' learning rates.
``adam``
    The ring with the R1 penalty and three Adam momentum settings.
``replay``
    One plain ring run per learning-rate choice with snapshots and the
    history of losses and D's outputs (the replay widget).
``digit_classes``
    The class histogram of a digits GAN's samples over training
    (:func:`.gan_runs.digits_class_run`): a generator that outruns D hops
    between classes; chapter 5's recipe does not.
``vanishing_gradients``
    Gradient norms reaching the generator under both losses while D trains alone.
``posterior_collapse``
    VAEs over KL weights and free bits, plus KL annealing (:func:`.vae_runs.collapse_run`).
``scaling``
    Cost against image size (:mod:`.scaling`); timings, so never compared bit for bit.
"""
from pathlib import Path

from .. import _results
from .._checks import check_choice
from ..gan import DIGITS_RECIPE, RING_RECIPE
from . import gan_runs, scaling, tables, vae_runs

PATH = Path(__file__).with_name("results.json")
RESULTS_SHA256 = "23eb4b1cd866d6883c92b131a73ef24dbf0c530438cb803f973f37e0d5773f40"


def _without(recipe, *names):
    """A recipe of :mod:`course_lib.gan` as a setting: the keywords of ``fit_gan`` but ``names``."""
    return {key: value for key, value in recipe.items() if key not in names}


RING_SETTINGS = {  # name -> setting (gan_runs): the plain GAN collapses, three remedies
    "plain GAN": {},
    "R1 penalty": {"r1_weight": 0.5},
    "spectral norm in D": {"spectral_norm": True},
    "R1 + linear decay (chapter 5)": _without(RING_RECIPE, "steps"),
}
GRID_SETTINGS = {
    "plain GAN": {},
    "R1 penalty": {"r1_weight": 0.5},
}
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3)
LEARNING_RATE_BASE = _without(RING_RECIPE, "steps", "batch_size", "lr_d", "lr_g")  # chapter 5's recipe but its rates
ADAM_BASE = RING_SETTINGS["R1 penalty"]  # (0.5, 0.999) is that setting itself
ADAM_BETAS = ((0.9, 0.999), (0.5, 0.999), (0.0, 0.9))
REPLAY_CHOICES = {  # name -> setting of one plain ring run
    "both slow (1e-4)": {"lr_d": 1e-4, "lr_g": 1e-4},
    "both 1e-3": {},
    "both fast (3e-3)": {"lr_d": 3e-3, "lr_g": 3e-3},
    "D fast, G slow": {"lr_d": 3e-3, "lr_g": 1e-4},
}
DIGIT_SETTINGS = {
    "G outruns D (lr_d 5e-4, lr_g 5e-3)": {"lr_d": 5e-4, "lr_g": 5e-3},
    "chapter 5's recipe": _without(DIGITS_RECIPE, "steps"),
}
D_UPDATES = (0, 10, 50, 200, 1000)
BETAS = (1.0, 2.0, 4.0, 8.0)
FREE_BITS = (0.0, 0.25, 0.5, 1.0)
WARMUPS = (300,)  # KL annealing, at each beta without free bits

FULL = {"seeds": 10, "steps": 5000, "lr_seeds": 5, "lr_steps": 4000, "replay_steps": 5000, "snapshot_every": 250,
        "digit_seeds": 3, "digit_steps": 3000, "digit_every": 150, "vae_seeds": 5, "vae_epochs": 60}
SMALL = {"seeds": 2, "steps": 200, "lr_seeds": 1, "lr_steps": 100, "replay_steps": 200, "snapshot_every": 100,
         "digit_seeds": 1, "digit_steps": 60, "digit_every": 30, "vae_seeds": 1, "vae_epochs": 2}


def _toy_sweep(dataset, settings, size, keep=300):
    return {name: [gan_runs.toy_run(dataset, setting, seed, size["steps"], keep=keep * (seed == 0))
                   for seed in range(size["seeds"])] for name, setting in settings.items()}


def _mode_collapse(size):
    return {"ring": _toy_sweep("ring", RING_SETTINGS, size), "grid": _toy_sweep("grid", GRID_SETTINGS, size)}


def _learning_rates(size):
    runs = [[[gan_runs.toy_run("ring", {**LEARNING_RATE_BASE, "lr_d": lr_d, "lr_g": lr_g}, seed, size["lr_steps"])
              for seed in range(size["lr_seeds"])] for lr_g in LEARNING_RATES] for lr_d in LEARNING_RATES]
    return {"rates": list(LEARNING_RATES), "base": LEARNING_RATE_BASE, "steps": size["lr_steps"], "runs": runs}


def _adam(size):
    return {f"betas {b1:g}, {b2:g}": [gan_runs.toy_run("ring", {**ADAM_BASE, "betas": (b1, b2)}, seed,
                                                       size["steps"]) for seed in range(size["seeds"])]
            for b1, b2 in ADAM_BETAS}


def _replay(size):
    return {name: gan_runs.toy_run("ring", setting, 0, size["replay_steps"], snapshot_every=size["snapshot_every"])
            for name, setting in REPLAY_CHOICES.items()}


def _digit_classes(size):
    return {name: [gan_runs.digits_class_run(setting, seed, size["digit_steps"], size["digit_every"])
                   for seed in range(size["digit_seeds"])] for name, setting in DIGIT_SETTINGS.items()}


def _vanishing_gradients(size):
    return {"d_updates": list(D_UPDATES), "runs": [gan_runs.gradient_run(seed, D_UPDATES)
                                                   for seed in range(size["seeds"])]}


def _posterior_collapse(size):
    settings = [(beta, bits, 0) for beta in BETAS for bits in FREE_BITS]
    settings += [(beta, 0.0, warmup) for beta in BETAS for warmup in WARMUPS]
    return [vae_runs.collapse_run(beta, bits, warmup, seed, epochs=size["vae_epochs"])
            for beta, bits, warmup in settings for seed in range(size["vae_seeds"])]


def _scaling(_size):
    return [scaling.row(family, side) for side in scaling.SIDES for family in scaling.FAMILIES]


SECTIONS = {"mode_collapse": _mode_collapse, "learning_rates": _learning_rates, "adam": _adam, "replay": _replay,
            "digit_classes": _digit_classes, "vanishing_gradients": _vanishing_gradients,
            "posterior_collapse": _posterior_collapse, "scaling": _scaling}
REPEATABLE = [name for name in SECTIONS if name != "scaling"]  # every section but the timings


def run(section, small=False):
    """Compute one section (see the module docstring) at the full size, or the small one the tests use."""
    check_choice("section", section, list(SECTIONS))
    return SECTIONS[section](SMALL if small else FULL)


dumps = _results.dumps


def load(path=None):
    """The shipped results (or those at ``path``, unchecked), as a dict of section -> results.

    Raises
    ------
    ValueError
        If the shipped file's SHA-256 is not :data:`RESULTS_SHA256`.
    """
    return _results.load(PATH, RESULTS_SHA256, "benchmarks/challenges.py", path)
