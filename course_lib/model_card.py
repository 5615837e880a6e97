"""Model cards (Mitchell et al., 2019) written from measured numbers, for chapter 9's responsible practice.

A card is only as honest as its numbers, so :func:`model_card` takes every
figure as a :class:`Measured` value (with its interval and how it was
measured) and refuses blanks and placeholders: a card either holds the
measurements or is not written.
"""
import math
import re
from dataclasses import dataclass

PLACEHOLDER = re.compile(r"\b(TODO|TBD|FIXME|XXX|N/A)\b|\?\?|\{\w*\}|<[^>]*>|\.\.\.", re.IGNORECASE)


@dataclass(frozen=True)
class Measured:
    """One measured figure: ``value`` with an optional interval ``(low, high)``, its unit and how it was measured."""

    value: float
    unit: str
    how: str
    low: float = None
    high: float = None

    def __post_init__(self):
        for name in ("value", "low", "high"):
            number = getattr(self, name)
            if number is None and name != "value":
                continue
            if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
                raise ValueError(f"{name} must be a finite number, got {number!r}")
        if (self.low is None) != (self.high is None):
            raise ValueError(f"low and high must be given together, got low={self.low!r}, high={self.high!r}")
        if self.low is not None and not self.low <= self.value <= self.high:
            raise ValueError(f"value must lie in [low, high], got {self.value} outside [{self.low}, {self.high}]")
        _check_text("unit", self.unit, allow_empty=True)
        _check_text("how", self.how)

    def __str__(self):
        interval = "" if self.low is None else f" ({_number(self.low)} to {_number(self.high)})"
        unit = f" {self.unit}" if self.unit else ""
        return f"{_number(self.value)}{unit}{interval}; {self.how}"


def _number(x):
    return f"{x:.4g}" if abs(x) < 1e4 else f"{x:,.0f}"


def _check_text(argument, text, allow_empty=False):
    if not isinstance(text, str):
        raise TypeError(f"{argument} must be a str, got {type(text).__name__} {text!r}")
    if not text.strip() and not allow_empty:
        raise ValueError(f"{argument} must not be empty")
    found = PLACEHOLDER.search(text)
    if found:
        raise ValueError(f"{argument} holds a placeholder {found.group(0)!r}: write the measured or decided text")


def _bullets(argument, items):
    if isinstance(items, str) or not items:
        raise TypeError(f"{argument} must be a non-empty list of str, got {items!r}")
    for i, item in enumerate(items):
        _check_text(f"{argument}[{i}]", item)
    return "\n".join(f"- {item}" for item in items)


def _measurements(argument, figures):
    if not isinstance(figures, dict) or not figures:
        raise TypeError(f"{argument} must be a non-empty dict of name -> Measured, got {figures!r}")
    for name, figure in figures.items():
        _check_text(f"{argument} key", name)
        if not isinstance(figure, Measured):
            raise TypeError(f"{argument}[{name!r}] must be a Measured, got {type(figure).__name__}")
    return "\n".join(f"- **{name}**: {figure}" for name, figure in figures.items())


def model_card(name, *, description, intended_use, out_of_scope, data, metrics, privacy, limitations):
    """A model card in Markdown: every section filled, every figure measured.

    Parameters
    ----------
    name, description : str
        The model, and what it is and how it was trained, in a sentence or two.
    intended_use, out_of_scope, data, limitations : list of str
        Bullet points: what the model is for; what it must not be used for; the
        training and evaluation data (source, licence, splits, known gaps); what
        the measurements do not show.
    metrics, privacy : dict of str to Measured
        Quality figures (e.g. test NLL), and memorisation and attack figures
        (e.g. copy rate, membership-inference AUC).

    Raises
    ------
    TypeError, ValueError
        Naming the argument, for a missing section, an empty entry or a placeholder
        ("TODO", "TBD", "???", "{value}", "<fill in>", "...").
    """
    _check_text("name", name)
    _check_text("description", description)
    sections = [
        ("Intended use", _bullets("intended_use", intended_use)),
        ("Out of scope", _bullets("out_of_scope", out_of_scope)),
        ("Data", _bullets("data", data)),
        ("Measured quality", _measurements("metrics", metrics)),
        ("Memorisation and privacy", _measurements("privacy", privacy)),
        ("Limitations", _bullets("limitations", limitations)),
    ]
    body = "\n\n".join(f"## {title}\n\n{text}" for title, text in sections)
    return f"# Model card: {name}\n\n{description}\n\n{body}\n"
