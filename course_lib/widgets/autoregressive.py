"""Autoregressive widgets (chapter 6): the names sampler, live, as an animation and in the page.

Models reach these functions through their public methods (a character
model's ``sample``, ``next_logits`` and ``vocabulary``); nothing here imports a
model family. The chapter's digit completion is in :mod:`.completion`.
"""
import functools
import textwrap

from .._checks import check_int, check_number, check_seed
from .core import add_resample_button, animation, live
from .page import next_symbol_onnx, page_widget, publish

NO_CONDITION = "none"  # the condition dropdown's first entry
NAMES_FIGSIZE = (6.0, 3.0)



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


# --- the website's version, computed in the reader's page (see .page) ---


def names_page(models, fallback, n=16, seed=0):
    """The page version of :func:`~course_lib.widgets.names_widget` for its neural models (count models need
    their tables and stay in the notebook): model, temperature, top-p, prefix, condition, seed and resample; the
    sampling loop runs in the page, one model call per symbol."""
    import torch

    from ..autoregressive.sampling import UNBOUNDED_MAX_LENGTH

    neural = {label: model for label, model in models.items() if isinstance(model, torch.nn.Module)}
    if not neural:
        raise ValueError(f"models must hold at least one neural character model, got {list(models)}")
    entries = []
    for label, model in neural.items():
        vocabulary = model.vocabulary
        entries.append({"label": label, "model": publish(next_symbol_onnx(model)),
                        "symbols": vocabulary.symbols, "conditions": list(vocabulary.conditions),
                        "max_length": model.max_length or UNBOUNDED_MAX_LENGTH})
    return page_widget("names", {"models": entries, "n": n, "seed": seed}, fallback)
