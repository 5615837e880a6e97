"""VAE widgets (chapter 4): render functions, their live widgets and animations.

Models reach these functions through the model protocol (``sample``,
``interpolate``, ``encode_mean``, ``decode_mean``); nothing here imports a model family.
"""
import math

from .._checks import check_count, check_int, check_number, check_seed
from .._tensors import as_tensor, to_numpy
from ..plotting import digit_tiles
from .core import add_resample_button, image_animation, live_image, model_on
from .page import VMAX, levels, page_widget, publish, rounded, vae_decoder_onnx


def render_vae_samples(model, temperature=1.0, seed=0, device="cpu", n=16, ncols=8, _cache=None):
    """Sample ``n`` digits (expected grey levels) at prior scale ``temperature``.

    The draw uses a CPU ``torch.Generator`` seeded with ``seed``, so a seed
    gives the same digits on every device (up to rounding).

    Returns
    -------
    numpy.ndarray, uint8, the tiled digits (see :func:`~course_lib.plotting.digit_tiles`)
    """
    import torch

    seed = check_seed("seed", seed)
    check_number("temperature", temperature, maximum=10.0)
    n = check_count("n", n, bytes_each=64, minimum=1)
    net = model_on(model, device, {} if _cache is None else _cache)
    generator = torch.Generator().manual_seed(seed)
    return digit_tiles(net.sample(n, generator=generator, temperature=temperature, mean=True), ncols)


def vae_sampler(model, n=16, seed=0):
    """Live sampling: a resample button, a temperature slider, the seed and the device."""
    import ipywidgets

    from ..runtime import available_devices

    cache = {}
    controls = {
        "temperature": ipywidgets.FloatSlider(value=1.0, min=0.0, max=2.5, step=0.1, description="temperature"),
        "seed": ipywidgets.IntText(value=seed, description="seed"),
        "device": ipywidgets.Dropdown(options=available_devices(), value="cpu", description="device"),
    }
    return add_resample_button(live_image(lambda **v: render_vae_samples(model, n=n, _cache=cache, **v), controls))


def vae_sampler_animation(model, n=16, frames=8):
    """Static version of :func:`vae_sampler`: new seeds, then a temperature sweep."""
    states = [{"temperature": 1.0, "seed": s} for s in range(frames)]
    states += [{"temperature": t, "seed": 0} for t in (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5)]
    titles = [f"temperature {s['temperature']:.2f}, seed {s['seed']}" for s in states]
    cache = {}  # one copy per device for all frames, not one per frame
    return image_animation(lambda **v: render_vae_samples(model, n=n, _cache=cache, **v),
                           states, titles, figsize=(6, 2.2))


def render_vae_interpolation(model, x_a, x_b, t=0.5, method="linear"):
    """Digit A, the decode of the latent point a fraction ``t`` of the way to B, digit B.

    Returns
    -------
    numpy.ndarray, uint8, three tiles
    """
    import numpy as np

    check_number("t", t, maximum=1.0)
    x_t = model.interpolate(x_a, x_b, method=method, t=[float(t)])  # (1, 64), eval mode; checks x_a, x_b
    return digit_tiles(np.concatenate([to_numpy(x_a).reshape(1, -1), to_numpy(x_t), to_numpy(x_b).reshape(1, -1)]))


def vae_interpolation(model, images, index_a=0, index_b=1):
    """Pick two digits from ``images`` (N, 64) by index and slide between them."""
    import ipywidgets

    images = as_tensor("images", images, shape=(None, 64))
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
    ts = [i / (frames - 1) for i in range(frames)]
    titles = [f"digit A, {method} t = {t:.2f}, digit B" for t in ts]
    return image_animation(lambda t: render_vae_interpolation(model, images[index_a], images[index_b], t, method),
                           [{"t": t} for t in ts], titles, figsize=(4.5, 2))


def latent_background(model, images, labels, size=240, limit=3.0):
    """The 2-D latent means of ``images`` coloured by ``labels``, rasterised once (RGB uint8).

    The square plot spans ``[-limit, limit]`` on both axes, so a latent point
    maps to the pixel (column, row) ``((z1 + limit) / (2 limit) * (size - 1),
    (limit - z2) / (2 limit) * (size - 1))``, rounded, as :func:`render_latent_point` marks it.
    """
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if model.config.latent_dim != 2:
        raise ValueError(f"model must have a 2-D latent space, got latent_dim={model.config.latent_dim}")
    z = to_numpy(model.encode_mean(images))  # (N, 2), eval mode; checks the images
    fig = Figure(figsize=(size / 100, size / 100), dpi=100)
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes([0, 0, 1, 1])
    labels = to_numpy(as_tensor("labels", labels, shape=(len(z),), integer=True))
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
    numpy.ndarray, shape (size, size + 8 + 8 * (size // 8), 3), uint8
        The scatter (``size`` = ``background.shape[0]``), an 8-pixel white gap,
        then the digit at ``size // 8`` screen pixels per digit pixel.
    """
    import numpy as np
    import torch

    check_number("z1", z1, minimum=-limit, maximum=limit)
    check_number("z2", z2, minimum=-limit, maximum=limit)
    size = background.shape[0]
    picture = background.copy()
    col = int(round((z1 + limit) / (2 * limit) * (size - 1)))
    row = int(round((limit - z2) / (2 * limit) * (size - 1)))
    for dr in range(-6, 7):  # a black cross
        if 0 <= row + dr < size and 0 <= col < size:
            picture[row + dr, max(col - 1, 0):col + 2] = 0
        if 0 <= col + dr < size and 0 <= row < size:
            picture[max(row - 1, 0):row + 2, col + dr] = 0
    x = model.decode_mean(torch.tensor([[float(z1), float(z2)]]))  # (1, 64), eval mode on the model's device
    scale = size // 8
    digit = digit_tiles(x, scale=scale, pad=0)  # (8 * scale, 8 * scale)
    out = np.full((size, size + 8 + digit.shape[1], 3), 255, dtype=np.uint8)
    out[:, :size] = picture
    out[:digit.shape[0], size + 8:] = digit[..., None]
    return out


def vae_latent_explorer(model, images, labels, limit=3.0):
    """Two sliders pick a point of a 2-D latent space; the decoded digit appears beside the scatter."""
    import ipywidgets

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
    background = latent_background(model, images, labels, limit=limit)
    states = [{"z1": radius * math.cos(2 * math.pi * i / frames), "z2": radius * math.sin(2 * math.pi * i / frames)}
              for i in range(frames)]
    titles = [f"z = ({s['z1']:.2f}, {s['z2']:.2f})" for s in states]
    return image_animation(lambda z1, z2: render_latent_point(model, background, z1, z2, limit), states, titles,
                           figsize=(6.5, 3.4))


# --- the website's version, computed in the reader's page (see .page) ---


def vae_sampler_page(model, fallback, n=16, ncols=8, seed=0):
    """The page version of :func:`~course_lib.widgets.vae_sampler`: resample, seed and temperature."""
    n = check_count("n", n, bytes_each=64, minimum=1)
    check_int("ncols", ncols, 1)
    spec = {"model": publish(vae_decoder_onnx(model)), "latent_dim": model.config.latent_dim, "n": n,
            "ncols": ncols, "seed": seed, "vmax": VMAX}
    return page_widget("vae-sampler", spec, fallback)


def vae_interpolation_page(model, images, fallback, index_a=0, index_b=1):
    """The page version of :func:`~course_lib.widgets.vae_interpolation`: two digits chosen by index, the path's
    position and its method; the digits' latent means are computed here, the decoding in the page."""
    images = as_tensor("images", images, shape=(None, 64))
    latents = model.encode_mean(images)  # (N, latent_dim), eval mode
    spec = {"model": publish(vae_decoder_onnx(model)), "latents": rounded(latents),
            "images": levels(images),
            "index_a": index_a, "index_b": index_b, "vmax": VMAX}
    return page_widget("vae-interpolation", spec, fallback)


def vae_latent_page(model, background, fallback, limit=3.0):
    """The page version of :func:`~course_lib.widgets.vae_latent_explorer`: the scatter (``background``, from
    :func:`~course_lib.widgets.vae.latent_background`) as a PNG, the decoder run in the page."""
    import base64

    from .core import array_png

    if model.config.latent_dim != 2:
        raise ValueError(f"model must have a 2-D latent space, got latent_dim={model.config.latent_dim}")
    spec = {"model": publish(vae_decoder_onnx(model)), "limit": limit, "size": int(background.shape[0]),
            "background": "data:image/png;base64," + base64.b64encode(array_png(background)).decode(),
            "vmax": VMAX}
    return page_widget("vae-latent", spec, fallback)
