"""Chapter 8: a posterior-collapse explorer, live, as an animation and in the page.

It reads the precomputed results of :mod:`course_lib.challenges` (nothing
trains here): ``results["posterior_collapse"]``, VAEs trained over a grid of
beta, free bits and KL annealing.
"""
import functools

from .._checks import check_choice
from .core import animation, live
from .page import page_widget, rounded

COLLAPSE_FIGSIZE = (7, 3.5)


def _matching_runs(runs, beta, free_bits, warmup):
    """The runs of one setting, each argument checked against the values the runs hold."""
    if not runs:
        raise ValueError("runs must hold at least one posterior-collapse run, got an empty list")
    check_choice("beta", beta, sorted({r["beta"] for r in runs}))
    check_choice("warmup", warmup, sorted({r["warmup"] for r in runs}))
    offered = sorted({r["free_bits"] for r in runs if r["beta"] == beta and r["warmup"] == warmup})
    if free_bits not in offered:
        raise ValueError(f"free_bits must be one of {offered} for beta={beta}, warmup={warmup}, got {free_bits!r}")
    return [r for r in runs if (r["beta"], r["free_bits"], r["warmup"]) == (beta, free_bits, warmup)]


def sorted_kl(runs):
    """Each run's KL per latent dimension sorted descending: array of shape (num_runs, latent_dim).

    Sorting each seed on its own compares ranks, not dimension indices: which
    dimension a VAE keeps active is arbitrary and differs between seeds.
    """
    import numpy as np

    return -np.sort(-np.asarray([r["kl"] for r in runs], dtype=float), axis=1)


def draw_posterior_collapse(fig, runs, beta, free_bits, warmup=0):
    """Bar chart of the KL per latent dimension of the VAEs trained with one (beta, free bits, warm-up).

    Bar k is the median over seeds of each seed's k-th largest KL; the error
    bars span the seeds' min to max; a dashed line marks the free bits. The
    y-limit is the largest KL (or free bits) over all ``runs``, so bars shrink
    visibly as the setting changes.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    runs : list of dict
        ``results["posterior_collapse"]`` from :func:`course_lib.challenges.load`.
    beta, free_bits : float
        KL weight and free bits (nats per dimension) of the runs to show.
    warmup : int
        KL annealing over this many batches (0: none; annealed runs have ``free_bits`` 0).

    Raises
    ------
    ValueError
        Naming ``beta``, ``warmup`` or ``free_bits`` if no run has that value.
    """
    import numpy as np

    chosen = _matching_runs(runs, beta, free_bits, warmup)
    kl = sorted_kl(chosen)  # (S, D)
    median = np.median(kl, axis=0)  # (D,)
    ranks = np.arange(1, kl.shape[1] + 1)
    ax = fig.add_subplot()
    ax.bar(ranks, median, color="C0", yerr=[median - kl.min(0), kl.max(0) - median], capsize=2,
           error_kw={"elinewidth": 0.8, "ecolor": "0.3"})
    if free_bits:
        ax.axhline(free_bits, color="C3", linestyle="--", linewidth=0.8, label=f"free bits {free_bits:g} nats")
        ax.legend(fontsize=7, loc="upper right")
    top = max(max(max(r["kl"]) for r in runs), max(r["free_bits"] for r in runs), 1e-3)  # same for every setting
    ax.set_ylim(0, 1.05 * top)
    ax.set_xticks(ranks)
    ax.set_xlabel("latent dimension (sorted by KL)", fontsize=8)
    ax.set_ylabel("KL (nats)", fontsize=8)
    ax.tick_params(labelsize=7)
    setting = f"KL annealed over {warmup} batches" if warmup else f"free bits {free_bits:g}"
    active, elbo = np.median([r["active"] for r in chosen]), np.median([r["elbo"] for r in chosen])
    seeds = f"{len(chosen)} seed" + "s" * (len(chosen) != 1)
    ax.set_title(f"beta {beta:g}, {setting}: {active:g} active units (median over {seeds}), "
                 f"test ELBO {elbo:.1f} nats", fontsize=9)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.14, top=0.9)  # fixed: frames align


def _draw_collapse_controls(fig, runs, warmup, beta, free_bits, annealed):
    """:func:`draw_posterior_collapse` from the explorer's controls: annealing means free bits 0."""
    draw_posterior_collapse(fig, runs, beta, 0.0 if annealed else free_bits, warmup if annealed else 0)


def _collapse_offers(runs):
    """What the explorer offers: the betas and free bits of the runs without warm-up, and the smallest warm-up of
    the annealed runs (0 if there are none), which the "KL annealed" checkbox stands for."""
    plain = [r for r in runs if r["warmup"] == 0]
    if not plain:
        raise ValueError("runs must hold runs without KL annealing (warmup 0), got none")
    warmups = sorted({r["warmup"] for r in runs} - {0})
    return sorted({r["beta"] for r in plain}), sorted({r["free_bits"] for r in plain}), (warmups or [0])[0]


def posterior_collapse_explorer(runs, figsize=COLLAPSE_FIGSIZE, dpi=80):
    """Live explorer: sliders for beta and free bits and a "KL annealed" checkbox.

    Annealed runs have no free bits, so while the checkbox is ticked the
    free-bits slider is disabled and ignored (the title then names the warm-up).
    The checkbox appears only if ``runs`` hold annealed runs.

    Returns
    -------
    ipywidgets.VBox
        From :func:`~course_lib.widgets.core.live`.
    """
    import ipywidgets

    betas, bits, warmup = _collapse_offers(runs)
    controls = {
        "beta": ipywidgets.SelectionSlider(options=[(f"{b:g}", b) for b in betas], value=betas[0],
                                           description="beta"),
        "free_bits": ipywidgets.SelectionSlider(options=[(f"{f:g}", f) for f in bits], value=bits[0],
                                                description="free bits"),
    }
    if warmup:
        controls["annealed"] = ipywidgets.Checkbox(value=False, description=f"KL annealed ({warmup} batches)")

        def disable_free_bits(change):
            controls["free_bits"].disabled = change["new"]

        controls["annealed"].observe(disable_free_bits, names="value")
    draw = functools.partial(_draw_collapse_controls, runs=runs, warmup=warmup)
    if not warmup:
        draw = functools.partial(draw, annealed=False)
    return live(draw, controls, figsize, dpi)


def posterior_collapse_animation(runs, figsize=COLLAPSE_FIGSIZE, interval=800, dpi=70):
    """For the website: beta rising without free bits (collapse), then free bits rising at the largest beta."""
    betas, bits, _ = _collapse_offers(runs)
    states = [{"beta": b, "free_bits": bits[0]} for b in betas]
    states += [{"beta": betas[-1], "free_bits": f} for f in bits[1:]]
    return animation(functools.partial(draw_posterior_collapse, runs=runs), states, figsize, interval, dpi)


# --- the website's version, computed in the reader's page (see .page) ---


def posterior_collapse_page(runs, fallback):
    """The page version of :func:`posterior_collapse_explorer`: the runs' KLs go into the page, which draws the bars.

    No model is needed: the page picks the runs of the chosen setting and draws
    the median over seeds of their sorted KL, as :func:`draw_posterior_collapse`
    does, with the explorer's controls.

    Parameters
    ----------
    runs : list of dict
        ``results["posterior_collapse"]`` from :func:`course_lib.challenges.load`.
    fallback : IPython.display.HTML
        The animation (:func:`posterior_collapse_animation`), shown until the page has drawn.

    Returns
    -------
    IPython.display.HTML
        The placeholder of kind ``"posterior-collapse"``; its spec is ``{"runs": [{"beta", "free_bits",
        "warmup", "active", "elbo", "kl"}, ...], "betas", "free_bits", "warmup"}``: every run (KL to 4
        significant digits), the betas and free bits the sliders offer and the checkbox's warm-up (0: none).

    Raises
    ------
    ValueError
        If no run is without KL annealing (warmup 0).
    """
    betas, bits, warmup = _collapse_offers(runs)
    spec = {"runs": [{"beta": r["beta"], "free_bits": r["free_bits"], "warmup": r["warmup"], "active": r["active"],
                      "elbo": rounded(r["elbo"]), "kl": rounded(r["kl"], 4)} for r in runs],
            "betas": betas, "free_bits": bits, "warmup": warmup}
    return page_widget("posterior-collapse", spec, fallback)
