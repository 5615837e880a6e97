"""Autoregressive widgets (chapter 6): a names sampler and a digit completed pixel by pixel, with their animations.

Models reach these functions through their public methods (a character
model's ``sample`` and ``vocabulary``; a pixel model's ``complete``, ``check_x``
and ``config``); nothing here imports a model family.
"""
import functools
import textwrap

from .._checks import check_choice, check_int, check_number, check_seed
from .._tensors import as_tensor, to_numpy
from ..plotting import digit_tiles
from .core import add_resample_button, animation, image_animation, live, live_image

NO_CONDITION = "none"  # the condition dropdown's first entry
NAMES_FIGSIZE = (6.0, 3.0)
NUM_PIXELS = 64  # 8x8 digits, raster order: pixel t is row t // 8, column t % 8
# Erasing the bottom rows leaves every missing pixel after every observed one in raster order, where
# ``complete`` samples the exact conditional; the right and top halves show what the model cannot look ahead to.
COMPLETION_REGIONS = ("bottom half", "bottom quarter", "right half", "top half")
MISSING_RGB = (190, 215, 245)  # pixels not drawn yet: light blue, unlike any grey level
CURSOR_RGB = (230, 60, 60)  # the next pixel to be drawn


# --- names sampler ------------------------------------------------------------


def _check_char_model(argument, model):
    if not callable(getattr(model, "sample", None)) or not hasattr(model, "vocabulary"):
        raise TypeError(f"{argument} must be a character model (with sample and vocabulary, such as "
                        f"TransformerCharLM or NGramCounts), got {type(model).__name__}")


def _check_models(models):
    if not isinstance(models, dict) or not models:
        raise TypeError(f"models must be a non-empty dict of label -> character model, got {models!r}")
    for label, model in models.items():
        if not isinstance(label, str):
            raise TypeError(f"models must have str labels as keys, got {type(label).__name__} {label!r}")
        _check_char_model(f"models[{label!r}]", model)


def _check_training_names(training_names):
    """None, or the training words as a frozenset."""
    if training_names is None:
        return None
    if isinstance(training_names, str) or not hasattr(training_names, "__iter__"):
        raise TypeError(f"training_names must be a set of str or None, got {type(training_names).__name__}")
    return frozenset(training_names)


def render_names(model, temperature=1.0, top_p=1.0, prefix="", condition=NO_CONDITION, seed=0, n=16, top_k=None):
    """``n`` words from a character model, drawn with a CPU generator seeded with ``seed``.

    Parameters
    ----------
    model : CharLanguageModel
    temperature, top_k
        As in ``model.sample``.
    top_p : float in (0, 1]
        Nucleus filtering; 1 turns it off.
    prefix : str
        Every word starts with it.
    condition : str or None
        One of ``model.vocabulary.conditions``, or "none" (None): no condition
        token for a model without conditions; for a conditional model, each
        word's condition is drawn uniformly (a sample of the mixture over conditions).

    Returns
    -------
    list of str

    Raises
    ------
    ValueError, TypeError
        From ``model.sample``, naming the argument (a prefix outside the vocabulary, a condition the model lacks).
    """
    import torch

    _check_char_model("model", model)
    seed = check_seed("seed", seed)
    check_int("n", n, 1)
    check_number("top_p", top_p, 0, strict=True, maximum=1)
    options = {"temperature": temperature, "top_k": top_k, "top_p": None if top_p >= 1 else top_p, "prefix": prefix}
    generator = torch.Generator().manual_seed(seed)
    conditions = model.vocabulary.conditions
    if condition == NO_CONDITION:
        condition = None
    if condition is not None or not conditions:
        return model.sample(n, condition=condition, generator=generator, **options)
    picks = torch.randint(len(conditions), (n,), generator=generator).tolist()  # (n,): one condition per word
    names = [None] * n
    for i, each in enumerate(conditions):
        rows = [row for row, pick in enumerate(picks) if pick == i]
        if rows:
            for row, name in zip(rows, model.sample(len(rows), condition=each, generator=generator, **options)):
                names[row] = name
    return names


def draw_names(fig, model, temperature=1.0, top_p=1.0, prefix="", condition=NO_CONDITION, seed=0, n=16,
               training_names=None, label=None, ncols=4):
    """Draw :func:`render_names` as a table of words; words in ``training_names`` are grey and starred.

    A condition the model lacks is ignored, with a note; an error of the
    sampler (such as a prefix outside the vocabulary) is drawn in place of
    the words, so that a live widget shows it instead of raising.
    """
    _check_char_model("model", model)
    training_names = _check_training_names(training_names)
    check_int("ncols", ncols, 1)
    conditions = model.vocabulary.conditions
    notes = []
    if condition not in (None, NO_CONDITION) and condition not in conditions:
        have = f"'s conditions are {', '.join(map(repr, conditions))}" if conditions else " has no conditions"
        notes.append(f"condition {condition!r} ignored: this model{have}")
        condition = NO_CONDITION
    if condition in (None, NO_CONDITION) and conditions:
        notes.append("condition none: each word's condition drawn at random")
    top_p_text = "off" if top_p >= 1 else f"{top_p:.2f}"
    fig.suptitle(f"{label + ': ' if label else ''}temperature {temperature:.2f}, top-p {top_p_text}, "
                 f"prefix {prefix!r}, condition {condition or NO_CONDITION}", fontsize=10)
    try:
        names = render_names(model, temperature, top_p, prefix, condition, seed, n)
    except ValueError as error:
        fig.text(0.5, 0.5, textwrap.fill(str(error), 70), color="C3", ha="center", va="center", fontsize=10)
        names = []
    rows = -(-len(names) // ncols)
    width = int(fig.get_figwidth() * 72 * 0.94 / ncols / (0.6 * 11)) - 2  # characters per column: 11 pt monospace
    for i, name in enumerate(names):
        copied = training_names is not None and name in training_names
        shown = (name or "(empty)") if len(name) <= width else name[:width - 1] + "…"
        x, y = 0.03 + (i % ncols) * 0.94 / ncols, 0.84 - (i // ncols) * 0.68 / max(rows - 1, 1)
        fig.text(x, y, shown + (" *" if copied else ""), family="monospace", fontsize=11,
                 color="0.55" if copied or not name else "black", style="italic" if copied else "normal")
    if training_names is not None and names:
        copies = sum(name in training_names for name in names)
        notes.append(f"* in the training set: {copies} of {len(names)}")
    fig.text(0.03, 0.03, "; ".join(notes), fontsize=8, color="0.35")


def _training_names_by_label(models, training_names):
    """label -> the training words of that model (or None): one set for all models, or a dict by label."""
    if isinstance(training_names, dict):
        unknown = sorted(set(training_names) - set(models))
        if unknown:
            raise ValueError(f"training_names has labels that are not in models: {unknown}; models has {list(models)}")
        return {label: _check_training_names(training_names.get(label)) for label in models}
    return dict.fromkeys(models, _check_training_names(training_names))


def _draw_labelled(fig, models, training_names, ncols, n, model, **state):
    """``draw_names`` for the model under the label ``model`` (what the dropdown holds)."""
    draw_names(fig, models[model], n=n, training_names=training_names[model], label=model, ncols=ncols, **state)


def names_widget(models, n=16, seed=0, training_names=None, ncols=4):
    """Live names sampler: the model, temperature, top-p, a prefix, the condition, the seed and a resample button.

    Parameters
    ----------
    models : dict of str to character model
        The dropdown's choices, by label.
    training_names : set of str, or dict of label to set of str, optional
        Sampled words found here (in the chosen model's set, given a dict) are marked as copies.

    Returns
    -------
    ipywidgets.VBox
        From :func:`~course_lib.widgets.core.live`; the condition dropdown
        offers "none" and the chosen model's conditions.
    """
    import ipywidgets

    _check_models(models)
    training_names = _training_names_by_label(models, training_names)
    seed = check_seed("seed", seed)
    first = next(iter(models))
    controls = {
        "model": ipywidgets.Dropdown(options=list(models), value=first, description="model"),
        "temperature": ipywidgets.FloatSlider(value=1.0, min=0.1, max=2.0, step=0.05, description="temperature"),
        "top_p": ipywidgets.FloatSlider(value=1.0, min=0.05, max=1.0, step=0.05, description="top-p"),
        "prefix": ipywidgets.Text(value="", description="prefix", placeholder="letters every name starts with"),
        "condition": ipywidgets.Dropdown(options=[NO_CONDITION, *models[first].vocabulary.conditions],
                                         value=NO_CONDITION, description="condition"),
        "seed": ipywidgets.IntText(value=seed, description="seed"),
    }
    condition = controls["condition"]

    def offer_conditions(change):  # registered before live's redraw, so it runs first
        options = (NO_CONDITION, *models[change["new"]].vocabulary.conditions)
        if tuple(condition.options) != options:
            kept = condition.value if condition.value in options else NO_CONDITION
            condition.options = options
            condition.value = kept

    controls["model"].observe(offer_conditions, names="value")
    draw = functools.partial(_draw_labelled, models=models, training_names=training_names, ncols=ncols, n=n)
    return add_resample_button(live(draw, controls, figsize=NAMES_FIGSIZE))


def names_animation(models, temperatures=(0.5, 1.0, 2.0), top_p=0.5, prefix="", n=16, seed=0, training_names=None,
                    ncols=4):
    """Static version of :func:`names_widget`: for each model a temperature sweep, top-p, then each condition."""
    _check_models(models)
    training_names = _training_names_by_label(models, training_names)
    states = []
    for label, model in models.items():
        base = {"model": label, "prefix": prefix, "seed": seed, "top_p": 1.0, "temperature": 1.0,
                "condition": NO_CONDITION}
        states += [{**base, "temperature": t} for t in temperatures]
        states += [{**base, "top_p": top_p}]
        states += [{**base, "condition": c} for c in model.vocabulary.conditions]
    draw = functools.partial(_draw_labelled, models=models, training_names=training_names, ncols=ncols, n=n)
    return animation(draw, states, figsize=NAMES_FIGSIZE, interval=1200)


# --- digit completion -----------------------------------------------------------


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

    _check_pixel_model(model)
    images = _check_images(model, images)
    check_int("index", index, 0, maximum=len(images) - 1)
    check_choice("region", region, COMPLETION_REGIONS)
    check_number("temperature", temperature, 0.1, maximum=2.0)  # the slider's range
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
