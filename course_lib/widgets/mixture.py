"""Chapter 3: EM stepper for a Gaussian mixture, live and as a static animation."""
from .._checks import check_int
from .core import animation, live


def draw_em_state(fig, x, history, iteration):
    """Draw one EM state: 2-D points coloured by responsibilities, component ellipses, log-likelihood.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    x : array or tensor, shape (N, 2)
        The data EM runs on.
    history : list of dict
        From :func:`course_lib.mixture.em_history`.
    iteration : int
        Index into ``history`` (0 = the initial parameters).
    """
    import numpy as np
    from matplotlib.colors import to_rgb

    from .._tensors import as_tensor, to_numpy
    from ..plotting import covariance_ellipses

    check_int("iteration", iteration, 0)  # TypeError for a float or bool, ValueError below 0
    if iteration >= len(history):
        raise ValueError(f"iteration must be an int in [0, {len(history) - 1}], got {iteration}")
    x, state = to_numpy(as_tensor("x", x, shape=(None, 2))), history[iteration]
    k = len(state["weights"])
    palette = np.array([to_rgb(f"C{i % 10}") for i in range(k)])  # (K, 3)
    colours = np.clip(to_numpy(state["resp"]) @ palette, 0, 1)  # (N, 3): each point blends its components' colours
    ax, curve = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.15, 1]})
    ax.scatter(x[:, 0], x[:, 1], c=colours, s=6, alpha=0.7, linewidths=0)
    covariance_ellipses(state["means"], state["covariances"], ax=ax)
    low, high = x.min(0), x.max(0)
    margin = 0.1 * (high - low)
    ax.set_xlim(low[0] - margin[0], high[0] + margin[0])  # fixed limits: frames do not jump
    ax.set_ylim(low[1] - margin[1], high[1] + margin[1])
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(f"EM step {iteration}: colour = responsibilities")
    values = [h["log_likelihood"] for h in history]
    curve.plot(range(len(values)), values, color="0.75", linewidth=1)
    curve.plot(range(iteration + 1), values[:iteration + 1], color="C0", marker="o", markersize=3)
    curve.ticklabel_format(axis="y", useOffset=False)
    curve.set_xlabel("EM step")
    curve.set_ylabel("mean log-likelihood (nats)")
    curve.set_title(f"log-likelihood per point: {values[iteration]:.3f}")
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.14, top=0.91, wspace=0.32)  # fixed: frames align


EM_FIGSIZE = (8.5, 3.8)


def em_stepper(x, history, figsize=EM_FIGSIZE, dpi=80):
    """Live widget: a slider over the EM steps in ``history`` redraws :func:`draw_em_state`.

    Returns the box from :func:`live`; ``box.controls["iteration"]`` is the slider.
    """
    import functools

    import ipywidgets

    if not history:
        raise ValueError("history must hold at least one EM state, got an empty list")
    slider = ipywidgets.IntSlider(value=0, min=0, max=len(history) - 1, description="EM step",
                                  continuous_update=True)
    return live(functools.partial(draw_em_state, x=x, history=history), {"iteration": slider}, figsize, dpi)


def em_animation(x, history, figsize=EM_FIGSIZE, interval=500, dpi=80):
    """The same EM steps as a scrubbable animation for the static website."""
    import functools

    draw = functools.partial(draw_em_state, x=x, history=history)
    return animation(draw, [{"iteration": i} for i in range(len(history))], figsize, interval, dpi)
