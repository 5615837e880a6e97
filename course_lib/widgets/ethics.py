"""Chapter 9: a watermark detector for typed names, and the membership-inference score of a chosen digit.

The detector colours each character of the text by whether it is on the green
list of the token before it (:class:`course_lib.watermark.GreenList`) and
reports the z-score; with the key, a watermarked name shows mostly green. The
membership explorer shows where one training or held-out digit's score falls
among the scores of both sets.
"""
import functools
import html

import torch

from .. import data, metrics
from .._checks import check_choice
from .._tensors import as_tensor
from .core import animation, live
from .page import VMAX, levels, page_widget, rounded

GREEN, RED = "#1a7f37", "#cf222e"


def _check_text(text, vocabulary):
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__} {text!r}")
    words = text.lower().split()
    if words:
        vocabulary.check_words("text", words)
    return words


def render_watermark(lists, vocabulary, text):
    """HTML of ``text`` (names separated by spaces) with each scored symbol coloured green or red, and the z-score.

    Every character and each name's end (shown as ``.``) is scored against the
    token before it; the first token of a name (its start) is not scored.
    """
    words = _check_text(text, vocabulary)
    if not words:
        return "<p>Type one or more names, separated by spaces.</p>"
    pieces, green_count, total = [], 0, 0
    for word in words:
        tokens = vocabulary.encode([word])[0]  # (len + 2,): start, the characters, the end
        for previous, symbol in zip(tokens[:-1].tolist(), tokens[1:].tolist()):
            green = bool(lists.green[previous, symbol])
            green_count, total = green_count + green, total + 1
            pieces.append(f'<span style="color:{GREEN if green else RED};font-weight:bold">'
                          f"{html.escape(vocabulary.symbols[symbol])}</span>")
        pieces.append(" ")
    z = lists.z_score(green_count, total)
    verdict = "watermarked (z > 4)" if z > 4 else "no evidence of the watermark (z <= 4)"
    return (f'<p style="font-family:monospace;font-size:1.3em">{"".join(pieces)}</p>'
            f"<p>{green_count} of {total} symbols green (chance: {lists.share:.0%}); z = {z:.2f}: {verdict}</p>")


def watermark_detector(lists, vocabulary, text=""):
    """Live widget: a text box; each keystroke recolours the names and recomputes z.

    Characters outside the vocabulary get a one-line message instead of a score.
    Returns the ``ipywidgets.VBox``; ``box.text`` is the text box and ``box.result`` the HTML output.
    """
    import ipywidgets

    box_text = ipywidgets.Text(value=text, description="names", placeholder="e.g. smith jones")
    result = ipywidgets.HTML()

    def refresh(_change=None):
        try:
            result.value = render_watermark(lists, vocabulary, box_text.value)
        except ValueError as error:
            result.value = f"<p>{html.escape(str(error))}</p>"

    box_text.observe(refresh, names="value")
    refresh()
    box = ipywidgets.VBox([box_text, result])
    box.text, box.result = box_text, result
    return box


def watermark_examples(lists, vocabulary, texts):
    """The detector's output for fixed ``texts`` (a dict of label -> names), as HTML for the static website."""
    from IPython.display import HTML

    if not isinstance(texts, dict) or not texts:
        raise TypeError(f"texts must be a non-empty dict of label -> names, got {texts!r}")
    rows = "".join(f"<h4>{html.escape(label)}</h4>{render_watermark(lists, vocabulary, text)}"
                   for label, text in texts.items())
    return HTML(rows)


MEMBERSHIP_FIGSIZE = (8, 3.2)
WHICH = ("training digit", "held-out digit")


def _check_scores(member_images, member_scores, other_images, other_scores):
    for argument, images, scores in (("member", member_images, member_scores), ("other", other_images, other_scores)):
        if len(images) != len(scores) or len(scores) == 0:
            raise ValueError(f"{argument}_images and {argument}_scores must be non-empty and of one length, got "
                             f"{len(images)} and {len(scores)}")


def draw_membership(fig, member_images, member_scores, other_images, other_scores, which, index):
    """One digit and where its score falls among the members' and the held-out digits' scores.

    The attack calls a digit a member when its score (the model's ELBO) is high;
    the title gives the share of held-out digits that score lower, the
    attack's confidence, and the suptitle the attack's AUC over all digits shown.
    """
    check_choice("which", which, WHICH)
    images, scores = (member_images, member_scores) if which == WHICH[0] else (other_images, other_scores)
    if not 0 <= index < len(scores):
        raise ValueError(f"index must be in [0, {len(scores) - 1}] for a {which}, got {index}")
    score = float(scores[index])
    below = sum(float(s) < score for s in other_scores) / len(other_scores)
    ax_image, ax_scores = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 2.6]})
    ax_image.imshow(torch.as_tensor(images[index]).reshape(data.DIGITS_SHAPE).cpu().numpy(), cmap="gray_r", vmin=0,
                    vmax=data.NUM_LEVELS - 1)
    ax_image.set_axis_off()
    ax_image.set_title(f"{which} {index}", fontsize=9)
    low = min(min(map(float, member_scores)), min(map(float, other_scores)))
    high = max(max(map(float, member_scores)), max(map(float, other_scores)))
    bins = torch.linspace(low, high, 30).tolist()
    ax_scores.hist([float(s) for s in member_scores], bins=bins, alpha=0.6, label="training digits (members)")
    ax_scores.hist([float(s) for s in other_scores], bins=bins, alpha=0.6, label="held-out digits")
    ax_scores.axvline(score, color="k", lw=2, label="this digit")
    ax_scores.set_xlabel("score: ELBO (nats; higher = the model finds it likelier)")
    ax_scores.set_ylabel("digits")
    ax_scores.legend(fontsize=7, loc="upper left")
    ax_scores.set_title(f"ELBO {score:.1f}: above {below:.0%} of held-out digits", fontsize=9)
    auc = metrics.membership_auc(torch.as_tensor(member_scores), torch.as_tensor(other_scores))
    fig.suptitle(f"membership inference: AUC {auc:.2f} over these digits", fontsize=10)
    fig.tight_layout()


def membership_explorer(member_images, member_scores, other_images, other_scores, figsize=MEMBERSHIP_FIGSIZE,
                        dpi=80):
    """Live widget: choose a training or a held-out digit and see its membership-inference score.

    ``member_images`` and ``other_images``: grey-level digits, shape (N, 64);
    ``*_scores``: the model's ELBO of each (one value per digit).
    Returns the ``ipywidgets.VBox`` of :func:`~course_lib.widgets.core.live`.
    """
    import ipywidgets

    _check_scores(member_images, member_scores, other_images, other_scores)
    which = ipywidgets.ToggleButtons(options=list(WHICH), value=WHICH[0], description="digit")
    index = ipywidgets.IntSlider(value=0, min=0, max=len(member_scores) - 1, description="number")

    def clamp_index(change):
        index.max = len(member_scores if change["new"] == WHICH[0] else other_scores) - 1

    which.observe(clamp_index, names="value")
    draw = functools.partial(draw_membership, member_images=member_images, member_scores=member_scores,
                             other_images=other_images, other_scores=other_scores)
    return live(draw, {"which": which, "index": index}, figsize, dpi)


def membership_animation(member_images, member_scores, other_images, other_scores, per_side=6,
                         figsize=MEMBERSHIP_FIGSIZE, interval=900, dpi=70):
    """For the website: the first ``per_side`` training digits, then as many held-out digits."""
    _check_scores(member_images, member_scores, other_images, other_scores)
    states = [{"which": WHICH[0], "index": i} for i in range(min(per_side, len(member_scores)))]
    states += [{"which": WHICH[1], "index": i} for i in range(min(per_side, len(other_scores)))]
    draw = functools.partial(draw_membership, member_images=member_images, member_scores=member_scores,
                             other_images=other_images, other_scores=other_scores)
    return animation(draw, states, figsize, interval, dpi)


# --- the website's version, computed in the reader's page (see .page) ---


def watermark_page(lists, vocabulary, examples, text=""):
    """The page version of :func:`~course_lib.widgets.watermark_detector`: the key's green lists go into the page
    (no model is needed to test a text), which colours each typed symbol and computes z as
    :meth:`course_lib.watermark.GreenList.detect` does; ``examples`` (the static HTML) is the fallback."""
    spec = {"green": lists.green.int().tolist(), "share": lists.share, "symbols": vocabulary.symbols,
            "alphabet": vocabulary.alphabet, "text": text}
    return page_widget("watermark", spec, examples)


def membership_page(member_images, member_scores, other_images, other_scores, fallback):
    """The page version of :func:`~course_lib.widgets.membership_explorer`: the digits and their scores go into
    the page (no model is needed), which draws the chosen digit, both sets' score histograms and the share of
    held-out digits the chosen one outscores; the AUC over all of them is computed here."""
    _check_scores(member_images, member_scores, other_images, other_scores)
    spec = {"members": levels(member_images), "member_scores": rounded(member_scores),
            "others": levels(other_images), "other_scores": rounded(other_scores), "vmax": VMAX,
            "auc": metrics.membership_auc(as_tensor("member_scores", member_scores),
                                          as_tensor("other_scores", other_scores))}
    return page_widget("membership", spec, fallback)
