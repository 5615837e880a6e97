"""Chapter 9: a watermark detector for typed names.

The detector colours each character of the text by whether it is on the green
list of the token before it (:class:`course_lib.watermark.GreenList`) and
reports the z-score; with the key, a watermarked name shows mostly green.
"""
import html

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
