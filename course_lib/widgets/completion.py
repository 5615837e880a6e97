"""Digit completion (chapter 6): a pixel model fills an erased region pixel by pixel, live, as an animation and in
the page.

Models reach these functions through their public methods (a pixel model's
``complete``, ``check_x`` and ``config``); nothing here imports a model family.
"""
from .._checks import check_choice, check_int, check_number, check_seed
from .._tensors import as_tensor, to_numpy
from ..plotting import digit_tiles
from .core import add_resample_button, image_animation, live_image
from .page import VMAX, levels, page_widget, pixel_step_onnx, publish

NUM_PIXELS = 64  # 8x8 digits, raster order: pixel t is row t // 8, column t % 8
# Erasing the bottom rows leaves every missing pixel after every observed one in raster order, where
# ``complete`` samples the exact conditional; the right and top halves show what the model cannot look ahead to.
COMPLETION_REGIONS = ("bottom half", "bottom quarter", "right half", "top half")
MISSING_RGB = (190, 215, 245)  # pixels not drawn yet: light blue, unlike any grey level
CURSOR_RGB = (230, 60, 60)  # the next pixel to be drawn


def observed_mask(region):
    """The pixels kept when ``region`` (one of ``COMPLETION_REGIONS``) is erased: bool (64,), True = observed."""
    import torch

    check_choice("region", region, COMPLETION_REGIONS)
    index = torch.arange(NUM_PIXELS)
    row, column = index // 8, index % 8
    return {"bottom half": row < 4, "bottom quarter": row < 6, "right half": column < 4,
            "top half": row >= 4}[region]


def _check_pixel_model(model):
    if not callable(getattr(model, "complete", None)) or not hasattr(model, "config"):
        raise TypeError(f"model must be a pixel model with complete(x, mask) (such as PixelTransformer), "
                        f"got {type(model).__name__}")
    if model.config.num_pixels != NUM_PIXELS:
        raise ValueError(f"model must model 8x8 digits (num_pixels {NUM_PIXELS}), "
                         f"got num_pixels={model.config.num_pixels}")


def _check_images(model, images):
    images = as_tensor("images", images, shape=(None, NUM_PIXELS))
    model.check_x(images, "images")  # whole grey levels in the model's range
    return images


def _check_controls(model, images, index, region, temperature):
    """The checks of the live and the page widget: ``images`` checked, and the controls' starting values."""
    _check_pixel_model(model)
    images = _check_images(model, images)
    check_int("index", index, 0, maximum=len(images) - 1)
    check_choice("region", region, COMPLETION_REGIONS)
    check_number("temperature", temperature, 0.1, maximum=2.0)  # the slider's range
    return images


def render_completion(model, images, index=0, region="bottom half", seed=0, step=NUM_PIXELS, temperature=1.0,
                      _cache=None):
    """Three tiles: digit ``index`` with ``region`` erased, its completion after ``step`` pixels, the original.

    The completion is ``model.complete`` with a CPU generator seeded with
    ``seed``; tile 2 shows its observed pixels and the completed pixels of
    raster index < ``step``. Pixels not drawn yet are light blue, the next one red.

    Returns
    -------
    numpy.ndarray, shape (66, 196, 3), uint8
    """
    import numpy as np
    import torch

    _check_pixel_model(model)
    images = as_tensor("images", images, shape=(None, NUM_PIXELS))
    check_int("index", index, 0, maximum=len(images) - 1)
    observed = observed_mask(region)
    seed = check_seed("seed", seed)
    check_int("step", step, 0, maximum=NUM_PIXELS)
    check_number("temperature", temperature, 0, strict=True)
    key = (int(index), region, seed, float(temperature))
    cache = {} if _cache is None else _cache
    if cache.get("key") != key:  # one completion kept: scrubbing the steps costs no forward pass
        x = images[int(index)].unsqueeze(0)  # (1, 64)
        cache["x_hat"] = to_numpy(model.complete(x, observed, generator=torch.Generator().manual_seed(seed),
                                                 temperature=temperature)).astype(np.float32)[0]
        cache["key"] = key
    x, x_hat, observed = to_numpy(images[int(index)]).astype(np.float32), cache["x_hat"], to_numpy(observed)
    later = np.arange(NUM_PIXELS) >= step
    hidden = np.stack([~observed, ~observed & later, np.zeros(NUM_PIXELS, bool)])  # (3, 64)
    cursor = np.zeros_like(hidden)
    waiting = np.flatnonzero(hidden[1])
    if len(waiting):
        cursor[1, waiting[0]] = True
    picture = np.repeat(digit_tiles(np.stack([x, x_hat, x]))[..., None], 3, axis=-1)  # (66, 196, 3)
    for mask, colour in ((hidden, MISSING_RGB), (cursor, CURSOR_RGB)):
        picture[digit_tiles(mask.astype(np.float32), vmax=1.0) == 0] = colour  # black = the mask's pixels
    return picture


def completion_widget(model, images, index=0, region="bottom half", seed=0, temperature=1.0):
    """Live completion: pick a digit, the erased region, the seed and temperature; a step slider (and play) reveals it.

    Returns
    -------
    ipywidgets.VBox
        From :func:`~course_lib.widgets.core.live_image`; ``box.play`` drives ``box.controls["step"]``.
    """
    import ipywidgets

    images = _check_controls(model, images, index, region, temperature)
    controls = {
        "index": ipywidgets.BoundedIntText(value=index, min=0, max=len(images) - 1, description="digit"),
        "region": ipywidgets.Dropdown(options=list(COMPLETION_REGIONS), value=region, description="erase"),
        "seed": ipywidgets.IntText(value=check_seed("seed", seed), description="seed"),
        "temperature": ipywidgets.FloatSlider(value=temperature, min=0.1, max=2.0, step=0.05,
                                              description="temperature"),
        "step": ipywidgets.IntSlider(value=NUM_PIXELS, min=0, max=NUM_PIXELS, description="pixels"),
    }
    cache = {}
    box = live_image(lambda **v: render_completion(model, images, _cache=cache, **v), controls)
    play = ipywidgets.Play(value=NUM_PIXELS, min=0, max=NUM_PIXELS, step=1, interval=80, description="play")
    ipywidgets.link((play, "value"), (controls["step"], "value"))
    box.children = (*box.children[:-1], play, box.children[-1])
    box.play = play
    return add_resample_button(box)


def completion_animation(model, images, index=0, region="bottom half", seed=0, temperature=1.0, pixels_per_frame=1):
    """Static version of :func:`completion_widget`: the missing pixels in raster order, ``pixels_per_frame`` a frame."""
    _check_pixel_model(model)
    images = _check_images(model, images)
    check_int("pixels_per_frame", pixels_per_frame, 1)
    missing = (~observed_mask(region)).nonzero().flatten().tolist()
    steps = [missing[0]] + [m + 1 for m in missing[pixels_per_frame - 1::pixels_per_frame]]
    if steps[-1] != missing[-1] + 1:
        steps.append(missing[-1] + 1)
    titles = [f"{region} erased: {sum(m < k for m in missing)} of {len(missing)} pixels drawn" for k in steps]
    cache = {}
    render_completion(model, images, index, region, seed, 0, temperature, _cache=cache)  # checks, and completes once
    return image_animation(lambda step: render_completion(model, images, index, region, seed, step, temperature,
                                                          _cache=cache),
                           [{"step": k} for k in steps], titles, figsize=(4.5, 2), interval=120)


# --- the website's version, computed in the reader's page (see .page) ---


def completion_page(model, images, fallback, index=0, region="bottom half", seed=0, temperature=1.0):
    """The page version of :func:`completion_widget`: digit, erased region, seed, temperature and the pixels
    slider with play; the page draws each missing pixel in raster order with one model call, which computes only
    the positions after those it has cached (:func:`~course_lib.widgets.page.pixel_step_onnx`; the shipped
    model's file, over :data:`~course_lib.widgets.page.HALF_ABOVE_BYTES`, holds its weights in half precision)."""
    images = _check_controls(model, images, index, region, temperature)
    config = model.config
    spec = {"model": publish(pixel_step_onnx(model)), "images": levels(images), "index": index, "region": region,
            "regions": {name: observed_mask(name).int().tolist() for name in COMPLETION_REGIONS},
            "seed": check_seed("seed", seed), "temperature": temperature, "vmax": VMAX,
            "missing_rgb": MISSING_RGB, "cursor_rgb": CURSOR_RGB,
            "cache": [config.num_layers, config.num_heads, config.embed_dim // config.num_heads]}
    return page_widget("completion", spec, fallback)
