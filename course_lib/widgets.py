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
import re

from ._checks import check_choice

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


def digit_tiles(images, ncols=None, scale=8, vmax=16.0, pad=1):
    """Tile 8x8 digits into one uint8 picture, white paper and dark ink.

    Parameters
    ----------
    images : array or tensor, shape (N, 64)
        Grey levels in ``[0, vmax]``.
    ncols : int, optional
        Tiles per row (default all in one row).
    scale : int
        Screen pixels per digit pixel (nearest-neighbour upscaling).

    Returns
    -------
    numpy.ndarray, shape (rows * (8 * scale + pad) + pad, cols * (8 * scale + pad) + pad), uint8
    """
    import numpy as np

    from .plotting import tile

    if hasattr(images, "detach"):
        images = images.detach().cpu().numpy()
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 2 or images.shape[1] != 64 or len(images) == 0:
        raise ValueError(f"images must have shape (N, 64) with N >= 1, got {images.shape}")
    ink = 255 - np.clip(images / vmax, 0, 1) * 255  # (N, 64): white paper, black ink
    tiles = ink.reshape(-1, 8, 8).repeat(scale, axis=1).repeat(scale, axis=2)  # (N, 8s, 8s)
    return tile(tiles, ncols or len(tiles), pad=pad, fill=200).astype(np.uint8)


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


# ---------------------------------------------------------------------------
# VAE widgets (chapter 4): render functions, their live widgets and animations.


def _model_on(model, device, cache):
    """``model`` on ``device``: a cached copy, so the caller's model never moves."""
    import copy

    from .runtime import available_devices

    devices = available_devices()
    check_choice("device", device, devices)
    if device not in cache:
        cache[device] = model if model.device.type == device else copy.deepcopy(model).to(device)
        cache[device].eval()
    return cache[device]


def render_vae_samples(model, temperature=1.0, seed=0, device="cpu", num_samples=16, ncols=8, _cache=None):
    """Sample ``num_samples`` digits (expected grey levels) at prior scale ``temperature``.

    The draw uses a ``torch.Generator`` on ``device`` seeded with ``seed``, so
    a seed gives the same digits on a device every time (devices differ).

    Returns
    -------
    numpy.ndarray, uint8, the tiled digits (see :func:`digit_tiles`)
    """
    import torch

    net = _model_on(model, device, {} if _cache is None else _cache)
    generator = torch.Generator(device=net.device).manual_seed(int(seed))
    return digit_tiles(net.sample(num_samples, generator=generator, temperature=temperature, mean=True), ncols)


def vae_sampler(model, num_samples=16, seed=0):
    """Live sampling: a resample button, a temperature slider, the seed and the device."""
    import ipywidgets

    from .runtime import available_devices

    cache = {}
    controls = {
        "temperature": ipywidgets.FloatSlider(value=1.0, min=0.0, max=2.5, step=0.1, description="temperature"),
        "seed": ipywidgets.IntText(value=seed, description="seed"),
        "device": ipywidgets.Dropdown(options=available_devices(), value="cpu", description="device"),
    }
    box = live_image(lambda **v: render_vae_samples(model, num_samples=num_samples, _cache=cache, **v), controls)
    button = ipywidgets.Button(description="resample")

    def resample(_button=None):
        controls["seed"].value += 1

    button.on_click(resample)
    box.children = (button, *box.children)
    box.button, box.resample = button, resample
    return box


def vae_sampler_animation(model, num_samples=16, frames=8):
    """Static version of :func:`vae_sampler`: new seeds, then a temperature sweep."""
    states = [{"temperature": 1.0, "seed": s} for s in range(frames)]
    states += [{"temperature": t, "seed": 0} for t in (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5)]
    titles = [f"temperature {s['temperature']:.2f}, seed {s['seed']}" for s in states]
    return image_animation(lambda **v: render_vae_samples(model, num_samples=num_samples, **v), states, titles,
                           figsize=(6, 2.2))


def render_vae_interpolation(model, x_a, x_b, t=0.5, method="linear"):
    """Digit A, the decode of the latent point a fraction ``t`` of the way to B, digit B.

    Returns
    -------
    numpy.ndarray, uint8, three tiles
    """
    import torch

    from .vae import latent_path

    with torch.no_grad():
        z = model.encode(torch.stack([x_a, x_b]).to(model.device)).mean  # (2, latent_dim)
        position = torch.tensor([float(t)], device=z.device)
        x_t = model.decode_mean(latent_path(z[0], z[1], position, method))  # (1, 64)
    return digit_tiles(torch.cat([x_a[None].to(x_t.device), x_t, x_b[None].to(x_t.device)]))


def vae_interpolation(model, images, index_a=0, index_b=1):
    """Pick two digits from ``images`` (N, 64) by index and slide between them."""
    import ipywidgets

    model.eval()
    last = len(images) - 1
    controls = {
        "index_a": ipywidgets.BoundedIntText(value=index_a, min=0, max=last, description="digit A"),
        "index_b": ipywidgets.BoundedIntText(value=index_b, min=0, max=last, description="digit B"),
        "t": ipywidgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05, description="A → B"),
        "method": ipywidgets.Dropdown(options=["linear", "slerp"], value="linear", description="path"),
    }

    def render(index_a, index_b, t, method):
        return render_vae_interpolation(model, images[index_a], images[index_b], t, method)

    return live_image(render, controls)


def vae_interpolation_animation(model, images, index_a=0, index_b=1, frames=11, method="linear"):
    """Static version of :func:`vae_interpolation`: ``t`` from 0 to 1."""
    model.eval()
    ts = [i / (frames - 1) for i in range(frames)]
    titles = [f"digit A, {method} t = {t:.2f}, digit B" for t in ts]
    return image_animation(lambda t: render_vae_interpolation(model, images[index_a], images[index_b], t, method),
                           [{"t": t} for t in ts], titles, figsize=(4.5, 2))


def latent_background(model, images, labels, size=240, limit=3.0):
    """The 2-D latent means of ``images`` coloured by ``labels``, rasterised once (RGB uint8).

    The square plot spans ``[-limit, limit]`` on both axes, so a latent point
    maps to the pixel ``((z1 + limit) / (2 limit) * size, (limit - z2) / (2 limit) * size)``.
    """
    import numpy as np
    import torch
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if model.config.latent_dim != 2:
        raise ValueError(f"model must have a 2-D latent space, got latent_dim={model.config.latent_dim}")
    with torch.no_grad():
        z = model.encode(images.to(model.device)).mean.cpu().numpy()
    fig = Figure(figsize=(size / 100, size / 100), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes([0, 0, 1, 1])
    labels = np.asarray(labels)
    ax.axhline(0, color="0.85", lw=0.8, zorder=0)
    ax.axvline(0, color="0.85", lw=0.8, zorder=0)
    ax.scatter(z[:, 0], z[:, 1], c=labels, cmap="tab10", s=4, vmin=-0.5, vmax=9.5)
    for digit in np.unique(labels):  # each class's name at its centre
        centre = np.median(z[labels == digit], axis=0)
        ax.text(*centre, str(digit), fontsize=11, weight="bold", ha="center", va="center", alpha=0.8)
    ax.text(0.98, 0.02, "$z_1$", transform=ax.transAxes, ha="right", va="bottom", fontsize=9)
    ax.text(0.02, 0.98, "$z_2$", transform=ax.transAxes, ha="left", va="top", fontsize=9)
    ax.set_xlim(-limit, limit)
    ax.set_ylim(-limit, limit)
    ax.set_axis_off()
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


def render_latent_point(model, background, z1, z2, limit=3.0):
    """The latent scatter with a cross at (z1, z2), beside the decode of that point.

    Returns
    -------
    numpy.ndarray, shape (size, size + 8 * scale + gap, 3), uint8
    """
    import numpy as np
    import torch

    size = background.shape[0]
    picture = background.copy()
    col = int(round((z1 + limit) / (2 * limit) * (size - 1)))
    row = int(round((limit - z2) / (2 * limit) * (size - 1)))
    for dr in range(-6, 7):  # a black cross
        if 0 <= row + dr < size and 0 <= col < size:
            picture[row + dr, max(col - 1, 0):col + 2] = 0
        if 0 <= col + dr < size and 0 <= row < size:
            picture[max(row - 1, 0):row + 2, col + dr] = 0
    with torch.no_grad():
        x = model.decode_mean(torch.tensor([[z1, z2]], dtype=torch.float32, device=model.device))
    scale = size // 8
    digit = digit_tiles(x, scale=scale, pad=0)  # (8 * scale, 8 * scale)
    out = np.full((size, size + 8 + digit.shape[1], 3), 255, dtype=np.uint8)
    out[:, :size] = picture
    out[:digit.shape[0], size + 8:] = digit[..., None]
    return out


def vae_latent_explorer(model, images, labels, limit=3.0):
    """Two sliders pick a point of a 2-D latent space; the decoded digit appears beside the scatter."""
    import ipywidgets

    model.eval()
    background = latent_background(model, images, labels, limit=limit)
    controls = {
        "z1": ipywidgets.FloatSlider(value=0.0, min=-limit, max=limit, step=0.1, description="$z_1$"),
        "z2": ipywidgets.FloatSlider(value=0.0, min=-limit, max=limit, step=0.1, description="$z_2$"),
    }
    box = live_image(lambda z1, z2: render_latent_point(model, background, z1, z2, limit), controls)
    box.background = background
    return box


def vae_latent_explorer_animation(model, images, labels, frames=24, radius=1.5, limit=3.0):
    """Static version of :func:`vae_latent_explorer`: the point circles the origin."""
    import math

    model.eval()
    background = latent_background(model, images, labels, limit=limit)
    states = [{"z1": radius * math.cos(2 * math.pi * i / frames), "z2": radius * math.sin(2 * math.pi * i / frames)}
              for i in range(frames)]
    titles = [f"z = ({s['z1']:.2f}, {s['z2']:.2f})" for s in states]
    return image_animation(lambda z1, z2: render_latent_point(model, background, z1, z2, limit), states, titles,
                           figsize=(6.5, 3.4))


def show(live_factory, animation_factory):
    """Display the live widget in a kernel, or the animation on the website build.

    Both arguments are zero-argument callables, so only the one needed is built.
    """
    from IPython.display import display

    display(animation_factory() if static_mode() else live_factory())


# --- Chapter 3: EM stepper for a Gaussian mixture -------------------------------------------

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

    from .plotting import _numpy, covariance_ellipses

    if isinstance(iteration, bool) or not isinstance(iteration, (int, np.integer)) or not 0 <= iteration < len(history):
        raise ValueError(f"iteration must be an int in [0, {len(history) - 1}], got {iteration!r}")
    x, state = _numpy(x), history[iteration]
    k = len(state["weights"])
    palette = np.array([to_rgb(f"C{i % 10}") for i in range(k)])  # (K, 3)
    colours = np.clip(_numpy(state["resp"]) @ palette, 0, 1)  # (N, 3): each point blends its components' colours
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


def show_em_stepper(x, history, figsize=EM_FIGSIZE):
    """Show :func:`em_stepper` in a kernel, or :func:`em_animation` on the website build."""
    show(lambda: em_stepper(x, history, figsize), lambda: em_animation(x, history, figsize))
