"""course_lib.widgets.challenges and .collapse: the ring replay and the posterior-collapse explorer, on the small
results file."""
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from IPython.display import HTML  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course_lib import challenges  # noqa: E402
from course_lib import widgets as W  # noqa: E402
from course_lib.data import mode_centres  # noqa: E402

from .placeholders import spec_of  # noqa: E402

pytest.importorskip("ipywidgets")

SMALL = Path(__file__).with_name("data") / "challenges-small.json"


@pytest.fixture(scope="module")
def results():
    return challenges.load(SMALL)


@pytest.fixture(scope="module")
def replay(results):
    return results["replay"]


@pytest.fixture(scope="module")
def runs(results):
    return results["posterior_collapse"]


def test_replay_draws_the_snapshot_and_the_history_up_to_its_round(replay):
    choice = list(replay)[2]
    run = replay[choice]
    frame = len(run["snapshot_steps"]) - 1
    fig = Figure(figsize=W.REPLAY_FIGSIZE)
    W.draw_ring_replay(fig, replay, choice, frame)
    ring, losses, outputs = fig.axes
    np.testing.assert_allclose(ring.collections[0].get_offsets(), run["snapshots"][frame])
    np.testing.assert_allclose(ring.lines[0].get_xydata(), mode_centres("ring").numpy())
    step = run["snapshot_steps"][frame]
    assert ring.get_title() == f"round {step}: {run['snapshot_modes'][frame]} of 8 modes covered"
    assert choice in fig._suptitle.get_text()
    assert ring.get_xlim() == (-3.0, 3.0) and ring.get_ylim() == (-3.0, 3.0)
    labels = {text.get_text() for panel in (losses, outputs) for text in panel.get_legend().get_texts()}
    assert labels == {"d loss", "g loss", "d real", "d fake"}
    rounds = np.asarray(run["history"]["step"])
    coloured = {line.get_label(): line.get_xydata() for line in losses.lines + outputs.lines
                if line.get_label() in labels}
    for name, xy in coloured.items():
        np.testing.assert_allclose(xy[:, 0], rounds[rounds <= step])
        np.testing.assert_allclose(xy[:, 1], np.asarray(run["history"][name.replace(" ", "_")])[rounds <= step])


def test_replay_bad_choice_and_frame(replay):
    with pytest.raises(ValueError, match=re.escape(f"choice must be one of {list(replay)}, got 'lr 1'")):
        W.draw_ring_replay(Figure(), replay, "lr 1", 0)
    choice = next(iter(replay))
    last = len(replay[choice]["snapshot_steps"]) - 1
    with pytest.raises(ValueError, match=re.escape(f"frame must be an int in [0, {last}], got {last + 1}")):
        W.draw_ring_replay(Figure(), replay, choice, last + 1)
    with pytest.raises(ValueError, match=r"frame must be an int >= 0, got -1"):
        W.draw_ring_replay(Figure(), replay, choice, -1)
    with pytest.raises(TypeError, match=r"frame must be an int, got float 1\.0"):
        W.draw_ring_replay(Figure(), replay, choice, 1.0)


def replay_png(replay, choice, frame):
    fig = Figure(figsize=W.REPLAY_FIGSIZE)
    W.draw_ring_replay(fig, replay, choice, frame)
    return W.figure_png(fig, 80)


def test_replay_widget_redraws_on_the_dropdown_and_the_slider(replay):
    box = W.ring_replay(replay)
    choice, frame = box.controls["choice"], box.controls["frame"]
    assert list(choice.options) == list(replay) and frame.value == 0
    first_choice = choice.value
    assert box.image.value == replay_png(replay, first_choice, 0)
    frame.value = 1
    assert box.image.value == replay_png(replay, first_choice, 1)
    choice.value = list(replay)[3]
    assert box.image.value == replay_png(replay, list(replay)[3], 1)
    assert box.image.value != replay_png(replay, first_choice, 1)


def test_replay_frames_are_evenly_spaced_and_hold_the_last():
    assert W.replay_frames(21, 5) == [0, 5, 10, 15, 20]
    assert W.replay_frames(21, 1) == [20]
    assert W.replay_frames(2, 10) == [0, 1]
    with pytest.raises(ValueError, match=r"frames_per_choice must be an int >= 1, got 0"):
        W.replay_frames(21, 0)


def test_replay_animation_shows_every_choice(replay):
    html = W.ring_replay_animation(replay, frames_per_choice=10).data
    frames = sum(min(10, len(run["snapshot_steps"])) for run in replay.values())
    assert html.count("data:image/png;base64") == frames == 8


def medians(runs, beta, free_bits, warmup=0):
    kl = [sorted(r["kl"], reverse=True) for r in runs
          if (r["beta"], r["free_bits"], r["warmup"]) == (beta, free_bits, warmup)]
    return np.median(kl, axis=0), len(kl)


@pytest.mark.parametrize("beta, free_bits, warmup", [(1.0, 0.0, 0), (8.0, 0.5, 0), (4.0, 0.0, 300)])
def test_collapse_bars_are_the_sorted_median_kl(runs, beta, free_bits, warmup):
    fig = Figure(figsize=W.COLLAPSE_FIGSIZE)
    W.draw_posterior_collapse(fig, runs, beta, free_bits, warmup)
    (ax,) = fig.axes
    heights = np.array([bar.get_height() for bar in ax.patches])
    expected, seeds = medians(runs, beta, free_bits, warmup)
    np.testing.assert_allclose(heights, expected)
    assert np.all(np.diff(heights) <= 0)
    assert ax.get_ylim()[1] == pytest.approx(1.05 * max(max(r["kl"] + [r["free_bits"]]) for r in runs))
    assert ax.get_xlabel() == "latent dimension (sorted by KL)" and ax.get_ylabel() == "KL (nats)"
    chosen = [r for r in runs if (r["beta"], r["free_bits"], r["warmup"]) == (beta, free_bits, warmup)]
    active = np.median([r["active"] for r in chosen])
    assert f"{active:g} active units (median over {seeds} seed{'s' * (seeds != 1)})" in ax.get_title()
    assert (f"KL annealed over {warmup} batches" if warmup else f"free bits {free_bits:g}") in ax.get_title()


def test_collapse_bad_setting_is_named(runs):
    with pytest.raises(ValueError, match=re.escape("beta must be one of [1.0, 2.0, 4.0, 8.0], got 3.0")):
        W.draw_posterior_collapse(Figure(), runs, 3.0, 0.0)
    with pytest.raises(ValueError, match=re.escape("warmup must be one of [0, 300], got 100")):
        W.draw_posterior_collapse(Figure(), runs, 1.0, 0.0, warmup=100)
    with pytest.raises(ValueError, match=re.escape("free_bits must be one of [0.0] for beta=1.0, warmup=300, "
                                                   "got 0.5")):
        W.draw_posterior_collapse(Figure(), runs, 1.0, 0.5, warmup=300)
    with pytest.raises(ValueError, match=r"runs must hold at least one posterior-collapse run"):
        W.draw_posterior_collapse(Figure(), [], 1.0, 0.0)


def collapse_png(runs, beta, free_bits, warmup=0):
    fig = Figure(figsize=W.COLLAPSE_FIGSIZE)
    W.draw_posterior_collapse(fig, runs, beta, free_bits, warmup)
    return W.figure_png(fig, 80)


def test_collapse_explorer_redraws_and_annealing_ignores_free_bits(runs):
    box = W.posterior_collapse_explorer(runs)
    beta, free_bits, annealed = (box.controls[name] for name in ("beta", "free_bits", "annealed"))
    assert list(beta.options) == [("1", 1.0), ("2", 2.0), ("4", 4.0), ("8", 8.0)]
    assert [value for _, value in free_bits.options] == [0.0, 0.25, 0.5, 1.0]
    first = box.image.value
    assert first == collapse_png(runs, 1.0, 0.0)
    beta.value = 8.0
    free_bits.value = 0.5
    assert box.image.value != first and box.image.value == collapse_png(runs, 8.0, 0.5)
    annealed.value = True
    assert free_bits.disabled and box.image.value == collapse_png(runs, 8.0, 0.0, warmup=300)
    annealed.value = False
    assert not free_bits.disabled and box.image.value == collapse_png(runs, 8.0, 0.5)


def test_collapse_animation_goes_over_beta_then_free_bits(runs):
    html = W.posterior_collapse_animation(runs).data
    assert html.count("data:image/png;base64") == 4 + 3


# --- the website's version: the placeholders' specs (the page draws from them; web/course/challenges.mjs) ---

def significant(values, digits):
    return all(v == float(f"{v:.{digits}g}") for v in np.ravel(values))


def test_replay_page_holds_the_replayable_choices_rounded_in_order(replay):
    fast = "both fast (3e-3)"
    diverged = dict(replay, **{fast: {"diverged": True, "history": replay[fast]["history"]}})
    placeholder = W.ring_replay_page(diverged, HTML("<p>the animation</p>"))
    kind, spec = spec_of(placeholder)
    assert kind == "ring-replay" and "<p>the animation</p>" in placeholder.data
    assert [c["label"] for c in spec["choices"]] == ["both slow (1e-4)", "both 1e-3", "D fast, G slow"]
    for choice in spec["choices"]:
        run = replay[choice["label"]]
        assert choice["steps"] == run["snapshot_steps"] and choice["modes"] == run["snapshot_modes"]
        np.testing.assert_allclose(choice["snapshots"], run["snapshots"], rtol=5e-3, atol=1e-12)
        assert significant(choice["snapshots"], 3) and not significant(run["snapshots"], 3)
        assert set(choice["history"]) == {"step", "d_loss", "g_loss", "d_real", "d_fake"}
        for name, values in choice["history"].items():
            np.testing.assert_allclose(values, run["history"][name], rtol=5e-4)
            assert significant(values, 4)
    np.testing.assert_allclose(spec["centres"], mode_centres("ring").numpy())
    assert spec["limit"] == 3.0


def test_replay_page_refuses_what_the_live_replay_refuses(replay):
    bare = {name: {"diverged": True} for name in replay}
    message = re.escape(f"replay must hold at least one run with snapshots, got choices {list(replay)}")
    for make in (W.ring_replay, lambda r: W.ring_replay_page(r, HTML(""))):
        with pytest.raises(ValueError, match=message):
            make(bare)
    first = next(iter(replay))
    short = dict(replay, **{first: dict(replay[first], snapshot_steps=replay[first]["snapshot_steps"][:1])})
    counts = {name: 1 if name == first else 2 for name in replay}
    message = re.escape(f"replay's runs must share their snapshot_steps; snapshots per choice: {counts}")
    for make in (W.ring_replay, lambda r: W.ring_replay_page(r, HTML(""))):
        with pytest.raises(ValueError, match=message):
            make(short)


def test_collapse_page_holds_every_run_and_the_explorers_offers(runs):
    kind, spec = spec_of(W.posterior_collapse_page(runs, HTML("<p>the animation</p>")))
    assert kind == "posterior-collapse"
    assert len(spec["runs"]) == len(runs)
    for shown, run in zip(spec["runs"], runs):
        assert set(shown) == {"beta", "free_bits", "warmup", "active", "elbo", "kl"}
        same = ("beta", "free_bits", "warmup", "active")
        assert [shown[k] for k in same] == [run[k] for k in same]
        assert shown["elbo"] == pytest.approx(run["elbo"], rel=1e-6)
        assert shown["kl"] == run["kl"]  # the results hold 4 digits already; a third of them needs rounding:
    thirds = [dict(run, kl=[v / 3 for v in run["kl"]]) for run in runs]
    shown = spec_of(W.posterior_collapse_page(thirds, HTML("")))[1]["runs"]
    assert [r["kl"] for r in shown] == [[float(f"{v:.4g}") for v in run["kl"]] for run in thirds]
    box = W.posterior_collapse_explorer(runs)
    assert spec["betas"] == [v for _, v in box.controls["beta"].options] == [1.0, 2.0, 4.0, 8.0]
    assert spec["free_bits"] == [v for _, v in box.controls["free_bits"].options] == [0.0, 0.25, 0.5, 1.0]
    assert spec["warmup"] == 300 and box.controls["annealed"].description == "KL annealed (300 batches)"
    longer = runs + [dict(run, warmup=600) for run in runs if run["warmup"]]
    assert spec_of(W.posterior_collapse_page(longer, HTML("")))[1]["warmup"] == 300  # the first, as the checkbox's


def test_collapse_page_without_annealed_runs_offers_no_warmup_and_refuses_no_plain_runs(runs):
    plain = [r for r in runs if r["warmup"] == 0]
    assert spec_of(W.posterior_collapse_page(plain, HTML("")))[1]["warmup"] == 0
    assert "annealed" not in W.posterior_collapse_explorer(plain).controls
    annealed = [r for r in runs if r["warmup"]]
    message = re.escape("runs must hold runs without KL annealing (warmup 0), got none")
    for make in (W.posterior_collapse_explorer, W.posterior_collapse_animation,
                 lambda r: W.posterior_collapse_page(r, HTML(""))):
        with pytest.raises(ValueError, match=message):
            make(annealed)
