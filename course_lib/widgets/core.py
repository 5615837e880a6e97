"""The generic widget mechanism: drawing function -> live widget or static animation.

See :mod:`course_lib.widgets` for the pattern; ipywidgets is imported only
inside the functions that need it.
"""
import io
import os
import re

from .._checks import check_choice
from ..runtime import available_devices

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
    return HTML(_offline_controls(html))


# Matplotlib's JS animation draws its buttons with Font Awesome icons loaded
# from a CDN; the course's pages must work offline, so the link goes and each
# icon becomes a plain Unicode symbol.
_ICON_SYMBOLS = {
    "fa fa-minus": "&minus;",
    "fa fa-fast-backward": "|&#x25C1;",
    "fa fa-step-backward": "&#x25C1;",
    "fa fa-play fa-flip-horizontal": "&#x25C0;",
    "fa fa-pause": "&#x275A;&#x275A;",
    "fa fa-play": "&#x25B6;",
    "fa fa-step-forward": "&#x25B7;",
    "fa fa-fast-forward": "&#x25B7;|",
    "fa fa-plus": "+",
}


def _offline_controls(html):
    """Remove the CDN stylesheet from a ``to_jshtml`` page and swap icons for symbols."""
    html = re.sub(r"<link[^>]*font-awesome[^>]*>", "", html)
    return re.sub(r'<i class="(fa [^"]*)"></i>', lambda m: _ICON_SYMBOLS.get(m.group(1), ""), html)


# ---------------------------------------------------------------------------
# Fast path: widgets that show pixel arrays skip Matplotlib while live.
# A slider change then costs one forward pass plus a PNG encode (a few ms)
# instead of a full figure redraw (tens of ms).


def array_png(pixels):
    """Encode an image array as PNG bytes without Matplotlib.

    Parameters
    ----------
    pixels : numpy.ndarray, shape (H, W) or (H, W, 3), uint8
    """
    import numpy as np
    from PIL import Image

    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.ndim not in (2, 3):
        raise ValueError(f"pixels must be a uint8 array of shape (H, W) or (H, W, 3), "
                         f"got {pixels.dtype} with shape {pixels.shape}")
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="png", compress_level=1)
    return buffer.getvalue()


def live_image(render, controls, width=None):
    """Like :func:`live`, for a ``render(**values)`` that returns a uint8 image array.

    Returns
    -------
    ipywidgets.VBox
        ``box.image`` (the ``ipywidgets.Image``), ``box.refresh()``,
        ``box.controls`` and ``box.pixels`` (the last array shown).
    """
    import ipywidgets

    if not callable(render):
        raise TypeError(f"render must be callable as render(**values), got {type(render).__name__}")
    if not isinstance(controls, dict) or not controls:
        raise TypeError(f"controls must be a non-empty dict of name -> widget, got {controls!r}")
    image = ipywidgets.Image(format="png", **({} if width is None else {"width": width}))
    box = ipywidgets.VBox([*controls.values(), image])

    def refresh(_change=None):
        box.pixels = render(**{name: control.value for name, control in controls.items()})
        image.value = array_png(box.pixels)

    for control in controls.values():
        control.observe(refresh, names="value")
    box.image, box.refresh, box.controls = image, refresh, controls
    refresh()
    return box


def add_resample_button(box):
    """Put a "resample" button above a :func:`live_image` box whose controls hold a ``seed``; return the box.

    Each press adds one to the seed, so the image redraws with new draws;
    ``box.button`` is the button and ``box.resample()`` presses it.
    """
    import ipywidgets

    seed = box.controls["seed"]
    button = ipywidgets.Button(description="resample")

    def resample(_button=None):
        seed.value += 1

    button.on_click(resample)
    box.children = (button, *box.children)
    box.button, box.resample = button, resample
    return box


def image_animation(render, states, titles=None, figsize=(4, 4), interval=300, dpi=80):
    """:func:`animation` for a ``render(**state)`` returning an image array; ``titles[i]`` labels frame i."""
    states = list(states)
    titles = [""] * len(states) if titles is None else list(titles)

    def draw(fig, _index, **state):
        ax = fig.add_subplot()
        pixels = render(**state)
        ax.imshow(pixels, cmap="gray" if pixels.ndim == 2 else None, vmin=0, vmax=255, interpolation="nearest")
        ax.set_axis_off()
        ax.set_title(titles[_index], fontsize=9)

    return animation(draw, [{"_index": i, **s} for i, s in enumerate(states)], figsize=figsize,
                     interval=interval, dpi=dpi)


def show(live_factory, animation_factory, page_factory=None):
    """Display the live widget in a kernel; on the website build, the widget that computes in the page.

    ``live_factory`` and ``animation_factory`` take no arguments, so only what is
    needed is built. On the website build (:func:`static_mode`) with a models
    folder (:func:`course_lib.widgets.page.models_folder`), ``page_factory(animation)``
    builds the in-page widget around the animation, its fallback; without one, or
    without a ``page_factory``, the animation is shown.
    """
    from IPython.display import display

    from .page import models_folder

    if not static_mode():
        display(live_factory())
    elif page_factory is None or models_folder() is None:
        display(animation_factory())
    else:
        display(page_factory(animation_factory()))


def model_on(model, device, cache):
    """``model`` itself if it is on ``device``, else a copy there cached in ``cache``.

    The caller's model never moves and its mode never changes (the model's
    inference methods run in eval mode by themselves). A cached copy is
    refreshed from ``model``'s current weights on every call, so it never shows
    weights from before the latest training.
    """
    import copy

    check_choice("device", device, available_devices())
    if model.device.type == device:
        return model
    if device in cache:
        cache[device].load_state_dict(model.state_dict())  # under a million weights: cheap beside a render
    else:
        cache[device] = copy.deepcopy(model).to(device)
    return cache[device]
