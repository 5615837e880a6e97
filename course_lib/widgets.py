"""Interactive figures: a plain drawing function, wrapped in ipywidgets.

Each widget in the course is built the same way:

1. a *drawing function* ``draw(fig, **state)`` that renders one state onto a
   Matplotlib figure (testable without any widget library);
2. :func:`live`, which wires ipywidgets controls to that function for a
   running kernel (JupyterLab, Colab, a JupyterHub);
3. :func:`animation`, which renders a sequence of states as a JavaScript
   animation that still plays and scrubs on the static website.

:func:`show` picks between 2 and 3: the website build sets the environment
variable ``COURSE_STATIC_WIDGETS=1`` because no kernel runs behind the pages.
ipywidgets is imported only inside the functions that need it.
"""
import io
import os

STATIC_ENV_VAR = "COURSE_STATIC_WIDGETS"


def static_mode():
    """True while the static website is being built (no kernel behind the page)."""
    return os.environ.get(STATIC_ENV_VAR, "") == "1"


def figure_png(fig, dpi=80):
    """Render a Matplotlib figure to PNG bytes (for an ``ipywidgets.Image``)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def live(draw, controls, figsize=(4, 4), dpi=80):
    """Wire ipywidgets ``controls`` to ``draw(fig, **values)``; return the widget box.

    The figure is drawn off-screen (Agg) and shown as a PNG in an
    ``ipywidgets.Image``, which updates faster than re-creating plot outputs.

    Parameters
    ----------
    draw : callable
        ``draw(fig, **values)``; clears and draws onto ``fig``.
    controls : dict of str to ipywidgets.ValueWidget
        One control per keyword of ``draw``.
    figsize : (float, float)
    dpi : int

    Returns
    -------
    ipywidgets.VBox
        The controls above the image. ``box.image`` is the image widget and
        ``box.refresh()`` redraws it (tests use both).
    """
    import ipywidgets
    from matplotlib.figure import Figure

    if not callable(draw):
        raise TypeError(f"draw must be callable as draw(fig, **values), got {type(draw).__name__}")
    if not isinstance(controls, dict) or not controls:
        raise TypeError(f"controls must be a non-empty dict of name -> widget, got {controls!r}")
    fig = Figure(figsize=figsize)
    image = ipywidgets.Image(format="png")

    def refresh(_change=None):
        fig.clear()
        draw(fig, **{name: control.value for name, control in controls.items()})
        image.value = figure_png(fig, dpi)

    for control in controls.values():
        control.observe(refresh, names="value")
    refresh()
    box = ipywidgets.VBox([*controls.values(), image])
    box.image, box.refresh, box.controls = image, refresh, controls
    return box


def animation(draw, states, figsize=(4, 4), interval=300, dpi=80):
    """Render ``draw(fig, **state)`` for each state as a scrubbable JS animation.

    Returns an ``IPython.display.HTML`` object that needs no kernel and no
    network, so the website's slider still moves.

    Parameters
    ----------
    draw : callable
        The same drawing function given to :func:`live`.
    states : sequence of dict
        Keyword arguments for each frame.
    interval : int
        Milliseconds between frames.
    """
    import matplotlib.pyplot as plt
    from IPython.display import HTML
    from matplotlib.animation import FuncAnimation

    states = list(states)
    if not states:
        raise ValueError("states must hold at least one frame, got an empty sequence")
    fig = plt.figure(figsize=figsize, dpi=dpi)

    def frame(i):
        fig.clear()
        draw(fig, **states[i])

    html = FuncAnimation(fig, frame, frames=len(states), interval=interval).to_jshtml(default_mode="once")
    plt.close(fig)
    return HTML(html)


def show(live_factory, animation_factory):
    """Display the live widget in a kernel, or the animation on the website build.

    Both arguments are zero-argument callables, so only the one needed is built.
    """
    from IPython.display import display

    display(animation_factory() if static_mode() else live_factory())
