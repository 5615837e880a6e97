"""GAN widgets (chapter 5): live sampling and a latent walk, with their website animations.

Models reach these functions through their public methods (``noise``,
``sample``, ``interpolate``, ``config``); nothing here imports a model family.
The widgets show pixel models (64 grey levels per sample, the digits).
"""

from .._checks import check_count, check_number, check_seed
from ..plotting import digit_tiles
from .core import add_resample_button, image_animation, live_image, model_on
from .page import VMAX, gan_generator_onnx, page_widget, publish

NO_TRUNCATION = 4.0  # the slider's top: P(|z_j| > 4) = 6e-5, so no truncation in effect


def _check_pixel_model(model):
    if model.config.data_dim != 64:
        raise ValueError(f"model must generate 8x8 digits (data_dim 64), got data_dim={model.config.data_dim}")


def _label(model, label, default=None):
    """The class to generate: None (any) for an unconditional model or when ``label`` is None or "any".

    ``default`` replaces None for a conditional model that needs one class (the latent walk).
    """
    if (label is None or label == "any") and model.config.num_classes and default is not None:
        return default
    if label is None or label == "any":
        return None
    if model.config.num_classes == 0:
        raise ValueError(f"label needs a conditional GAN (num_classes > 0), got label={label!r}")
    return int(label)


def render_gan_samples(model, seed=0, truncation=NO_TRUNCATION, label=None, device="cpu", n=16, ncols=8,
                       _cache=None):
    """``n`` samples of a pixel GAN from a CPU generator seeded with ``seed`` (the same on every device).

    Parameters
    ----------
    truncation : float
        Noise coordinates truncated to [-truncation, truncation]; ``NO_TRUNCATION`` (4) leaves them be.
    label : int, "any" or None
        The class to ask a conditional GAN for; None or "any" draws classes uniformly.

    Returns
    -------
    numpy.ndarray, uint8, the tiled samples (see :func:`~course_lib.plotting.digit_tiles`)
    """
    import torch

    _check_pixel_model(model)
    seed = check_seed("seed", seed)
    check_number("truncation", truncation, strict=True, maximum=NO_TRUNCATION)
    n = check_count("n", n, bytes_each=64 * 4)
    net = model_on(model, device, {} if _cache is None else _cache)
    generator = torch.Generator().manual_seed(seed)
    label = _label(model, label)
    x = net.sample(n, generator=generator, truncation=None if truncation >= NO_TRUNCATION else truncation,
                   labels=label)
    return digit_tiles(x, ncols)


def gan_sampler(model, n=16, seed=0):
    """Live sampling: a resample button, the seed, the noise truncation, the class (conditional models), the device."""
    import ipywidgets

    from ..runtime import available_devices

    _check_pixel_model(model)
    cache = {}
    controls = {
        "truncation": ipywidgets.FloatSlider(value=NO_TRUNCATION, min=0.25, max=NO_TRUNCATION, step=0.25,
                                             description="truncation"),
        "seed": ipywidgets.IntText(value=seed, description="seed"),
        "device": ipywidgets.Dropdown(options=available_devices(), value="cpu", description="device"),
    }
    if model.config.num_classes:
        controls["label"] = ipywidgets.Dropdown(options=["any", *range(model.config.num_classes)], value="any",
                                                description="class")
    return add_resample_button(live_image(lambda **v: render_gan_samples(model, n=n, _cache=cache, **v), controls))


def gan_sampler_animation(model, n=16, frames=6):
    """Static version of :func:`gan_sampler`: new seeds, then a truncation sweep (then each class, if conditional)."""
    _check_pixel_model(model)
    states = [{"seed": s} for s in range(frames)]
    states += [{"seed": 0, "truncation": t} for t in (0.25, 0.5, 1.0, 2.0, NO_TRUNCATION)]
    states += [{"seed": 0, "label": c} for c in range(model.config.num_classes)]
    titles = [f"seed {s['seed']}, truncation {s.get('truncation', NO_TRUNCATION):g}"
              + (f", class {s['label']}" if "label" in s else "") for s in states]
    cache = {}
    return image_animation(lambda **v: render_gan_samples(model, n=n, _cache=cache, **v), states, titles,
                           figsize=(6, 2.2))


def render_gan_walk(model, seed_a=0, seed_b=1, t=0.5, method="slerp", label=None):
    """G at noise z_a (from ``seed_a``), at the point a fraction ``t`` along the path to z_b, and at z_b.

    A conditional GAN walks within one class: ``label`` (default 0).

    Returns
    -------
    numpy.ndarray, uint8, three tiles
    """
    import torch

    _check_pixel_model(model)
    check_number("t", t, maximum=1.0)
    ends = [model.noise(1, generator=torch.Generator().manual_seed(check_seed(name, seed)))[0]
            for name, seed in (("seed_a", seed_a), ("seed_b", seed_b))]
    path = model.interpolate(ends[0], ends[1], steps=101, method=method, labels=_label(model, label, default=0))
    return digit_tiles(path[[0, int(round(100 * t)), 100]])


def gan_latent_walk(model, seed_a=0, seed_b=1):
    """Two noise vectors chosen by seed; a slider walks from one to the other."""
    import ipywidgets

    controls = {
        "seed_a": ipywidgets.IntText(value=seed_a, description="seed A"),
        "seed_b": ipywidgets.IntText(value=seed_b, description="seed B"),
        "t": ipywidgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.01, description="A → B"),
        "method": ipywidgets.Dropdown(options=["slerp", "linear"], value="slerp", description="path"),
    }
    if model.config.num_classes:
        controls["label"] = ipywidgets.Dropdown(options=list(range(model.config.num_classes)), value=0,
                                                description="class")
    return live_image(lambda **v: render_gan_walk(model, **v), controls)


def gan_latent_walk_animation(model, seed_a=0, seed_b=1, frames=11, method="slerp", label=None):
    """Static version of :func:`gan_latent_walk`: ``t`` from 0 to 1."""
    ts = [i / (frames - 1) for i in range(frames)]
    return image_animation(lambda t: render_gan_walk(model, seed_a, seed_b, t, method, label), [{"t": t} for t in ts],
                           [f"{method} t = {t:.2f}" for t in ts], figsize=(4.5, 2))


# --- the website's version, computed in the reader's page (see .page) ---


def gan_sampler_page(model, fallback, n=16, ncols=8, seed=0):
    """The page version of :func:`~course_lib.widgets.gan_sampler`: resample, seed, truncation and, for a
    conditional GAN, the class."""
    n = check_count("n", n, bytes_each=64, minimum=1)
    spec = {"model": publish(gan_generator_onnx(model)), "noise_dim": model.config.noise_dim,
            "num_classes": model.config.num_classes, "n": n, "ncols": ncols, "seed": seed,
            "max_truncation": NO_TRUNCATION, "vmax": VMAX}
    return page_widget("gan-sampler", spec, fallback)


def gan_walk_page(model, fallback, seed_a=0, seed_b=1):
    """The page version of :func:`~course_lib.widgets.gan_latent_walk`: two noise seeds, the position on the path
    and its method, and for a conditional GAN the class."""
    spec = {"model": publish(gan_generator_onnx(model)), "noise_dim": model.config.noise_dim,
            "num_classes": model.config.num_classes, "seed_a": seed_a, "seed_b": seed_b, "vmax": VMAX}
    return page_widget("gan-walk", spec, fallback)
