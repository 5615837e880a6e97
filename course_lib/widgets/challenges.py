"""Chapter 8: a GAN training replay on the ring, live, as an animation and in the page.

It reads the precomputed results of :mod:`course_lib.challenges` (nothing
trains here): ``results["replay"]``. The chapter's posterior-collapse explorer
is in :mod:`.collapse`.
"""
import functools

from .._checks import check_choice, check_int
from .core import animation, live
from .page import page_widget, rounded

REPLAY_FIGSIZE = (8, 3.5)
RING_LIMIT = 3.0  # the ring's modes sit at radius 2: +-3 shows them and nearby strays, with fixed axes
HISTORY = ("step", "d_loss", "g_loss", "d_real", "d_fake")  # a replay run's history, as the page draws it


def _replay_run(replay, choice):
    """The run of ``choice``, checked to hold snapshots (a diverged run holds none)."""
    check_choice("choice", choice, list(replay))
    run = replay[choice]
    if "snapshots" not in run:
        raise ValueError(f"choice {choice!r} has no snapshots to replay (diverged: {run.get('diverged')})")
    return run


def draw_ring_replay(fig, replay, choice, frame):
    """Draw one snapshot of a GAN's training on the ring: its samples, and the losses and D's outputs so far.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    replay : dict of str to dict
        ``results["replay"]`` from :func:`course_lib.challenges.load`: learning-rate choice -> run.
    choice : str
        A key of ``replay``.
    frame : int
        Index into the run's ``snapshot_steps``.

    Raises
    ------
    ValueError
        If ``choice`` is not a key of ``replay`` or ``frame`` is out of range.
    """
    import numpy as np

    from ..data import mode_centres

    run = _replay_run(replay, choice)
    check_int("frame", frame, 0)
    if frame >= len(run["snapshot_steps"]):
        raise ValueError(f"frame must be an int in [0, {len(run['snapshot_steps']) - 1}], got {frame}")
    step, points = run["snapshot_steps"][frame], np.asarray(run["snapshots"][frame])  # points: (N, 2)
    grid = fig.add_gridspec(2, 2, width_ratios=[1, 1.6], hspace=0.12)
    ax = fig.add_subplot(grid[:, 0])
    losses = fig.add_subplot(grid[0, 1])
    outputs = fig.add_subplot(grid[1, 1], sharex=losses)
    ax.scatter(points[:, 0], points[:, 1], s=5, alpha=0.6, linewidths=0, color="C0")
    centres = mode_centres("ring").numpy()
    ax.plot(centres[:, 0], centres[:, 1], "x", color="C3", markersize=6, label="mode centres")
    ax.set_xlim(-RING_LIMIT, RING_LIMIT)  # fixed limits: frames do not jump
    ax.set_ylim(-RING_LIMIT, RING_LIMIT)
    ax.set_aspect("equal")
    ax.set_title(f"round {step}: {run['snapshot_modes'][frame]} of {len(centres)} modes covered", fontsize=9)
    ax.tick_params(labelsize=7)
    history = run["history"]
    rounds = np.asarray(history["step"])
    shown = rounds <= step
    for panel, names in ((losses, ("d_loss", "g_loss")), (outputs, ("d_real", "d_fake"))):
        for colour, name in zip(("C0", "C1"), names):
            values = np.asarray(history[name])
            panel.plot(rounds, values, color="0.85", linewidth=1)  # the whole run, greyed: fixed y-limits
            panel.plot(rounds[shown], values[shown], color=colour, linewidth=1.2, label=name.replace("_", " "))
        panel.axvline(step, color="0.3", linestyle=":", linewidth=1)
        panel.legend(fontsize=7, loc="upper right")
        panel.tick_params(labelsize=7)
    outputs.axhline(0.5, color="0.6", linestyle="--", linewidth=0.8)  # D cannot tell real from fake
    outputs.set_ylim(0, 1)
    losses.set_ylabel("loss", fontsize=8)
    outputs.set_ylabel("D's mean output", fontsize=8)
    outputs.set_xlabel("training round", fontsize=8)
    losses.tick_params(labelbottom=False)
    fig.suptitle(f"learning rates: {choice}", fontsize=10)
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.13, top=0.86, wspace=0.25)  # fixed: frames align


def _replayable(replay):
    """The choices with snapshots, in order, and the snapshot rounds they share: the rounds of one slider."""
    choices = [name for name, run in replay.items() if "snapshots" in run]
    if not choices:
        raise ValueError(f"replay must hold at least one run with snapshots, got choices {list(replay)}")
    steps = replay[choices[0]]["snapshot_steps"]
    if any(replay[name]["snapshot_steps"] != steps for name in choices):
        counts = {name: len(replay[name]["snapshot_steps"]) for name in choices}
        raise ValueError(f"replay's runs must share their snapshot_steps; snapshots per choice: {counts}")
    return choices, steps


def ring_replay(replay, figsize=REPLAY_FIGSIZE, dpi=80):
    """Live replay: a dropdown for the learning-rate choice and a slider over the snapshot rounds.

    The slider shows the round and holds the frame index (``box.controls["frame"].value``).
    Every choice must share the same snapshot rounds (the runs of one results file do).

    Returns
    -------
    ipywidgets.VBox
        From :func:`~course_lib.widgets.core.live`.
    """
    import ipywidgets

    choices, steps = _replayable(replay)
    controls = {
        "choice": ipywidgets.Dropdown(options=choices, value=choices[0], description="learning rates"),
        "frame": ipywidgets.SelectionSlider(options=[(str(s), i) for i, s in enumerate(steps)], value=0,
                                            description="round", continuous_update=True),
    }
    return live(functools.partial(draw_ring_replay, replay=replay), controls, figsize, dpi)


def replay_frames(num_snapshots, frames_per_choice):
    """``frames_per_choice`` evenly spaced frame indices in ``range(num_snapshots)``, always holding the last."""
    import numpy as np

    check_int("frames_per_choice", frames_per_choice, 1)
    return np.unique(np.round(np.linspace(num_snapshots - 1, 0, frames_per_choice)).astype(int)).tolist()


def ring_replay_animation(replay, frames_per_choice=10, figsize=REPLAY_FIGSIZE, interval=400, dpi=70):
    """The replay for the static website: each learning-rate choice in turn, ``frames_per_choice`` snapshots each."""
    states = [{"choice": name, "frame": i} for name, run in replay.items() if "snapshots" in run
              for i in replay_frames(len(run["snapshot_steps"]), frames_per_choice)]
    return animation(functools.partial(draw_ring_replay, replay=replay), states, figsize, interval, dpi)


# --- the website's version, computed in the reader's page (see .page) ---


def ring_replay_page(replay, fallback):
    """The page version of :func:`ring_replay`: the snapshots and histories go into the page, which draws them.

    No model is needed: the page draws the chosen snapshot's samples, the mode
    centres and the losses and D's outputs up to its round, as
    :func:`draw_ring_replay` does.

    Parameters
    ----------
    replay : dict of str to dict
        ``results["replay"]`` from :func:`course_lib.challenges.load`: learning-rate choice -> run.
    fallback : IPython.display.HTML
        The animation (:func:`ring_replay_animation`), shown until the page has drawn.

    Returns
    -------
    IPython.display.HTML
        The placeholder of kind ``"ring-replay"``; its spec is ``{"choices": [{"label", "steps", "snapshots",
        "modes", "history": {"step", "d_loss", "g_loss", "d_real", "d_fake"}}, ...], "centres", "limit"}``:
        the choices with snapshots in order, points to 3 significant digits, histories to 4.

    Raises
    ------
    ValueError
        If no run holds snapshots, or the runs do not share their snapshot rounds.
    """
    from ..data import mode_centres

    choices, _ = _replayable(replay)
    spec = {"choices": [{"label": name, "steps": list(replay[name]["snapshot_steps"]),
                         "snapshots": rounded(replay[name]["snapshots"], 3),
                         "modes": list(replay[name]["snapshot_modes"]),
                         "history": {key: rounded(replay[name]["history"][key], 4) for key in HISTORY}}
                        for name in choices],
            "centres": mode_centres("ring").tolist(), "limit": RING_LIMIT}
    return page_widget("ring-replay", spec, fallback)
