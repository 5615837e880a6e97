"""Model cards hold every measured figure and no placeholder."""
import pytest

from course_lib.model_card import Measured, model_card


def card(**changes):
    arguments = dict(
        name="digits VAE", description="Chapter 4's VAE of the 8x8 digits, trained for 100 epochs on 1,000 digits.",
        intended_use=["teaching: sampling, interpolation and likelihood on 8x8 digits"],
        out_of_scope=["any decision about a person", "handwriting other than the UCI digits"],
        data=["scikit-learn's copy of the UCI optical digits, CC BY 4.0; 1,000 training digits, 447 test digits"],
        metrics={"test NLL (importance-weighted, k = 512)": Measured(94.09, "nats", "3 training seeds", 93.86, 94.24)},
        privacy={"membership-inference AUC": Measured(0.52, "", "log-likelihood attack, 1,000 bootstrap resamples",
                                                      0.49, 0.55),
                 "exact copies among 1,000 samples": Measured(0.0, "share", "rounded grey levels")},
        limitations=["8x8 images only", "measured on one fixed split"])
    return model_card(**{**arguments, **changes})


def test_the_card_holds_every_figure_with_its_interval_and_method():
    text = card()
    for piece in ("# Model card: digits VAE", "## Intended use", "## Out of scope", "## Data", "## Measured quality",
                  "## Memorisation and privacy", "## Limitations", "94.09 nats (93.86 to 94.24); 3 training seeds",
                  "0.52 (0.49 to 0.55); log-likelihood attack", "0 share; rounded grey levels", "CC BY 4.0"):
        assert piece in text, piece


@pytest.mark.parametrize("text", ["TODO", "tbd later", "accuracy ??", "{auc}", "<fill in>", "more...", "N/A"])
def test_placeholders_are_refused_wherever_they_stand(text):
    with pytest.raises(ValueError, match="limitations\\[1\\] holds a placeholder"):
        card(limitations=["8x8 images only", text])
    with pytest.raises(ValueError, match="how holds a placeholder"):
        Measured(1.0, "nats", text)


def test_missing_sections_and_bad_figures_are_named():
    with pytest.raises(TypeError, match="out_of_scope"):
        card(out_of_scope=[])
    with pytest.raises(TypeError, match="metrics"):
        card(metrics={})
    with pytest.raises(TypeError, match="privacy\\['auc'\\] must be a Measured"):
        card(privacy={"auc": 0.52})
    with pytest.raises(ValueError, match="description must not be empty"):
        card(description=" ")
    with pytest.raises(ValueError, match="value must be a finite number"):
        Measured(float("nan"), "nats", "one seed")
    with pytest.raises(ValueError, match="low and high must be given together"):
        Measured(1.0, "nats", "one seed", low=0.5)
    with pytest.raises(ValueError, match="value must lie in"):
        Measured(1.0, "nats", "one seed", 1.5, 2.0)
