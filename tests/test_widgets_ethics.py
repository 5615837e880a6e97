"""Chapter 9's widgets: the watermark detector (its colours are the green lists, its z the GreenList's) and the
membership explorer (its digit, its score and its share of held-out digits below)."""
import re

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from course_lib import metrics, pretrained, widgets
from course_lib.watermark import GreenList


@pytest.fixture(scope="module")
def model():
    return pretrained.load("names-mlp")


@pytest.fixture(scope="module")
def lists(model):
    return GreenList.for_vocabulary("test-key", model.vocabulary)


def test_each_scored_symbol_is_coloured_by_its_green_list_and_z_is_the_detectors(model, lists):
    names = model.sample(6, watermark=lists, generator=torch.Generator().manual_seed(0))
    page = widgets.render_watermark(lists, model.vocabulary, " ".join(names))
    colours = re.findall(r'color:(#[0-9a-f]{6})', page)
    z, green, total = lists.detect(names, model.vocabulary)
    assert len(colours) == total and colours.count(widgets.ethics.GREEN) == green
    assert f"{green} of {total} symbols green" in page and f"z = {z:.2f}" in page


def test_text_outside_the_vocabulary_is_refused_by_name(model, lists):
    with pytest.raises(ValueError, match="text"):
        widgets.render_watermark(lists, model.vocabulary, "o'brien")
    with pytest.raises(TypeError, match="text"):
        widgets.render_watermark(lists, model.vocabulary, 3)
    assert "Type one or more names" in widgets.render_watermark(lists, model.vocabulary, "  ")


def test_the_live_detector_rescores_each_change_and_explains_bad_characters(model, lists):
    box = widgets.watermark_detector(lists, model.vocabulary, "smith")
    first = box.result.value
    box.text.value = "smith jones"
    assert box.result.value != first and "of 12 symbols" in box.result.value
    box.text.value = "smith!"
    assert "text" in box.result.value and "color:" not in box.result.value


def test_the_static_examples_hold_every_text(model, lists):
    page = widgets.watermark_examples(lists, model.vocabulary, {"real": "smith", "typed": "jones"}).data
    assert "<h4>real</h4>" in page and "<h4>typed</h4>" in page
    with pytest.raises(TypeError, match="texts"):
        widgets.watermark_examples(lists, model.vocabulary, {})


@pytest.fixture(scope="module")
def scored():
    members, others = torch.arange(5 * 64.0).reshape(5, 64) % 17, torch.zeros(4, 64)
    return members, torch.tensor([-80.0, -85.0, -90.0, -70.0, -95.0]), others, torch.tensor([-100.0, -88.0, -120.0,
                                                                                             -110.0])


def membership_png(scored, which, index):
    fig = Figure(figsize=widgets.MEMBERSHIP_FIGSIZE)
    widgets.draw_membership(fig, *scored, which, index)
    return fig, widgets.figure_png(fig, 80)


def test_membership_figure_places_the_digit_and_counts_held_out_digits_below_it(scored):
    fig, _ = membership_png(scored, "training digit", 2)  # ELBO -90: above 3 of the 4 held-out digits
    image, histogram = fig.axes
    np.testing.assert_array_equal(image.images[0].get_array(), scored[0][2].reshape(8, 8).numpy())
    assert histogram.get_title() == "ELBO -90.0: above 75% of held-out digits"
    assert [line.get_xdata()[0] for line in histogram.lines] == [-90.0]
    auc = metrics.membership_auc(scored[1], scored[3])  # 18 of the 20 (member, held-out) pairs ordered: 0.9
    assert auc == pytest.approx(0.9) and fig._suptitle.get_text().endswith(f"AUC {auc:.2f} over these digits")
    fig, _ = membership_png(scored, "held-out digit", 1)
    assert fig.axes[1].get_title() == "ELBO -88.0: above 75% of held-out digits"


def test_membership_figure_refuses_a_bad_choice_or_index(scored):
    with pytest.raises(ValueError, match="which must be one of"):
        widgets.draw_membership(Figure(), *scored, "member", 0)
    with pytest.raises(ValueError, match=re.escape("index must be in [0, 3] for a held-out digit, got 4")):
        widgets.draw_membership(Figure(), *scored, "held-out digit", 4)
    with pytest.raises(ValueError, match="member_images and member_scores"):
        widgets.membership_explorer(scored[0][:2], *scored[1:])


def test_membership_explorer_redraws_and_bounds_the_slider_by_the_chosen_set(scored):
    box = widgets.membership_explorer(*scored)
    which, index = box.controls["which"], box.controls["index"]
    assert index.max == 4 and box.image.value == membership_png(scored, "training digit", 0)[1]
    index.value = 4
    which.value = "held-out digit"
    assert index.max == 3 and index.value == 3
    assert box.image.value == membership_png(scored, "held-out digit", 3)[1]


def test_membership_animation_shows_members_then_held_out_digits(scored):
    assert widgets.membership_animation(*scored, per_side=2).data.count("data:image/png;base64") == 2 + 2
