"""The watermark detector widget: its colours are the green lists, its z the GreenList's."""
import re

import pytest
import torch

from course_lib import pretrained, widgets
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
