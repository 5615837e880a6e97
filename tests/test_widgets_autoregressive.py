"""course_lib.widgets.autoregressive and .completion: the names sampler and the digit completion, driven
programmatically."""
import io
import re

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course_lib import widgets as W  # noqa: E402
from course_lib.autoregressive import (  # noqa: E402
    NGramCounts,
    PixelConfig,
    PixelTransformer,
    TransformerCharLM,
    TransformerConfig,
)
from course_lib.data import load_digits  # noqa: E402
from course_lib.plotting import digit_tiles  # noqa: E402
from course_lib.widgets import completion as C  # noqa: E402

ipywidgets = pytest.importorskip("ipywidgets")

WORDS = ["anna", "bob", "carl", "dora", "emma", "fred", "gina", "hugo"]


def png_pixels(data):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)))


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    trigram = NGramCounts(3, alpha=0.1).fit(WORDS)
    gpt = TransformerCharLM(TransformerConfig(conditions=("female", "male"), context=8, embed_dim=8, num_heads=2,
                                              num_layers=1, dropout=0.2))
    return {"trigram": trigram, "gpt": gpt}


@pytest.fixture(scope="module")
def pixel_model():
    torch.manual_seed(0)
    return PixelTransformer(PixelConfig(embed_dim=16, num_layers=1, num_heads=2))  # dropout 0.3: mode matters


@pytest.fixture(scope="module")
def digits():
    return load_digits("test")[0][:10]  # (10, 64) grey levels 0..16


def names_png(model, label, n=16, training_names=None, **state):
    fig = Figure(figsize=W.NAMES_FIGSIZE)
    W.draw_names(fig, model, n=n, training_names=training_names, label=label, **state)
    return W.figure_png(fig, 80)


def texts(fig):
    return [t.get_text() for t in fig.texts]


# --- names sampler ---------------------------------------------------------------

def test_render_names_is_the_seeded_sample(models):
    trigram, gpt = models["trigram"], models["gpt"]
    expected = trigram.sample(6, temperature=0.7, top_p=0.5, prefix="a", generator=torch.Generator().manual_seed(3))
    assert W.render_names(trigram, temperature=0.7, top_p=0.5, prefix="a", seed=3, n=6) == expected
    assert all(name.startswith("a") for name in expected)
    plain = trigram.sample(5, generator=torch.Generator().manual_seed(0))  # top-p 1 is no filtering
    assert W.render_names(trigram, top_p=1.0, n=5) == W.render_names(trigram, condition=None, n=5) == plain
    male = gpt.sample(5, condition="male", generator=torch.Generator().manual_seed(2))
    assert W.render_names(gpt, condition="male", seed=2, n=5) == male


def test_no_condition_on_a_conditional_model_samples_the_mixture(models):
    gpt = models["gpt"].train()
    names = W.render_names(gpt, seed=4, n=12)
    assert len(names) == 12 and all(isinstance(name, str) for name in names)
    assert W.render_names(gpt, condition=None, seed=4, n=12) == names  # seeded: repeatable
    assert W.render_names(gpt, seed=5, n=12) != names
    assert gpt.training  # sampling keeps the caller's mode
    gpt.eval()


def test_render_names_errors_name_the_argument(models):
    trigram, gpt = models["trigram"], models["gpt"]
    with pytest.raises(ValueError, match=re.escape("prefix holds characters outside the vocabulary: 'A' "
                                                   "(first in 'Ab'); the vocabulary has 'abcdefghijklmnopqrstuvwxyz'")):
        W.render_names(trigram, prefix="Ab")
    with pytest.raises(ValueError, match=r"^condition must be None for a model without conditions, got 'male'$"):
        W.render_names(trigram, condition="male")
    with pytest.raises(ValueError, match=re.escape("condition must be one of ['female', 'male'], got 'other'")):
        W.render_names(gpt, condition="other")
    with pytest.raises(ValueError, match=r"^top_p must be a finite number > 0, got 0$"):
        W.render_names(trigram, top_p=0)
    with pytest.raises(ValueError, match=r"^top_p must be a number <= 1, got 1.5$"):
        W.render_names(trigram, top_p=1.5)
    with pytest.raises(ValueError, match=r"^temperature must be a finite number > 0, got 0$"):
        W.render_names(trigram, temperature=0)
    with pytest.raises(ValueError, match=r"^seed must be an int >= 0, got -1$"):
        W.render_names(trigram, seed=-1)
    with pytest.raises(TypeError, match=r"^model must be a character model \(with sample and vocabulary"):
        W.render_names("trigram")


def test_draw_names_marks_training_copies(models):
    trigram = models["trigram"]
    names = W.render_names(trigram, temperature=0.3, n=8)
    fig = Figure(figsize=W.NAMES_FIGSIZE)
    W.draw_names(fig, trigram, temperature=0.3, n=8, training_names=set(WORDS), label="trigram")
    shown = texts(fig)
    copies = [name for name in names if name in WORDS]
    assert copies  # at temperature 0.3 a trigram of 8 names repeats some
    width = 13  # characters per column at the default size and 4 columns; longer names are cut
    for name in names:
        cut = name if len(name) <= width else name[:width - 1] + "…"
        assert (cut + " *" if name in WORDS else cut) in shown
    assert shown[-1] == f"* in the training set: {len(copies)} of 8"
    assert fig._suptitle.get_text() == "trigram: temperature 0.30, top-p off, prefix '', condition none"


def test_draw_names_shows_errors_and_ignores_a_missing_condition(models):
    trigram = models["trigram"]
    fig = Figure()
    W.draw_names(fig, trigram, prefix="Zz")  # draws, does not raise
    assert any(text.startswith("prefix holds characters outside the vocabulary: 'Z'") for text in texts(fig))
    fig = Figure()
    W.draw_names(fig, trigram, condition="female", n=4)
    assert texts(fig)[-1] == "condition 'female' ignored: this model has no conditions"
    assert [name[:5] for name in W.render_names(trigram, n=4)] == [text[:5] for text in texts(fig)[1:5]]
    fig = Figure()
    W.draw_names(fig, models["gpt"], condition="other", n=4)
    assert texts(fig)[-1] == ("condition 'other' ignored: this model's conditions are 'female', 'male'; "
                              "condition none: each word's condition drawn at random")


def test_names_widget_switches_models_and_conditions(models):
    box = W.names_widget(models, n=8, training_names=WORDS)
    controls = box.controls
    assert list(controls["model"].options) == ["trigram", "gpt"]
    assert list(controls["condition"].options) == ["none"]
    assert box.image.value == names_png(models["trigram"], "trigram", n=8, training_names=WORDS)
    controls["model"].value = "gpt"
    assert list(controls["condition"].options) == ["none", "female", "male"]
    controls["condition"].value = "male"
    controls["temperature"].value = 0.5
    assert box.image.value == names_png(models["gpt"], "gpt", n=8, training_names=WORDS, condition="male",
                                        temperature=0.5)
    controls["model"].value = "trigram"  # the unconditional model: back to "none"
    assert controls["condition"].value == "none" and list(controls["condition"].options) == ["none"]
    assert box.image.value == names_png(models["trigram"], "trigram", n=8, training_names=WORDS, temperature=0.5)


def test_names_widget_shows_a_bad_prefix_and_resamples(models):
    box = W.names_widget(models, n=8)
    box.controls["prefix"].value = "Zz"  # the callback draws the library's message instead of raising
    assert box.image.value == names_png(models["trigram"], "trigram", n=8, prefix="Zz")
    box.controls["prefix"].value = "do"
    before = box.image.value
    box.resample()
    assert box.controls["seed"].value == 1 and box.image.value != before
    assert box.image.value == names_png(models["trigram"], "trigram", n=8, prefix="do", seed=1)


def test_names_animation_frames(models):
    html = W.names_animation(models, temperatures=(0.5, 1.0), n=8).data
    assert html.count("data:image/png;base64") == (2 + 1) + (2 + 1 + 2)  # temperatures, top-p, conditions


def test_names_widget_marks_copies_against_each_models_own_training_words(models):
    own = {"trigram": set(WORDS), "gpt": {"zzz"}}
    box = W.names_widget(models, n=8, training_names=own)
    assert box.image.value == names_png(models["trigram"], "trigram", n=8, training_names=set(WORDS))
    box.controls["model"].value = "gpt"
    assert box.image.value == names_png(models["gpt"], "gpt", n=8, training_names={"zzz"})
    with pytest.raises(ValueError, match=r"^training_names has labels that are not in models: \['x'\]; models has"):
        W.names_widget(models, training_names={"x": set()})


def test_names_widget_bad_arguments(models):
    with pytest.raises(TypeError, match=r"^models must be a non-empty dict of label -> character model, got \{\}$"):
        W.names_widget({})
    with pytest.raises(TypeError, match=r"^models must be a non-empty dict"):
        W.names_animation(models["trigram"])
    with pytest.raises(TypeError, match=re.escape("models['x'] must be a character model (with sample and vocabulary")):
        W.names_widget({"x": 3})
    with pytest.raises(TypeError, match=r"^training_names must be a set of str or None, got str$"):
        W.names_widget(models, training_names="anna")


# --- digit completion ------------------------------------------------------------

def pixel(picture, tile, t):
    """The RGB of raster pixel ``t`` in tile ``tile`` of a completion picture (8 screen pixels per pixel, pad 1)."""
    row, column = divmod(t, 8)
    return tuple(picture[1 + 8 * row + 4, 1 + 65 * tile + 8 * column + 4])


def grey(level):
    value = int(255 - np.clip(float(level) / 16, 0, 1) * 255)
    return (value, value, value)


def test_observed_mask_regions():
    index = np.arange(64)
    expected = {"bottom half": index < 32, "bottom quarter": index < 48, "right half": index % 8 < 4,
                "top half": index >= 32}
    assert tuple(expected) == W.COMPLETION_REGIONS
    for region, mask in expected.items():
        np.testing.assert_array_equal(W.observed_mask(region).numpy(), mask)
    with pytest.raises(ValueError, match=re.escape("region must be one of ['bottom half', 'bottom quarter', "
                                                   "'right half', 'top half'], got 'left'")):
        W.observed_mask("left")


def test_render_completion_is_the_seeded_completion(pixel_model, digits):
    mask = W.observed_mask("right half")
    x_hat = pixel_model.complete(digits[3:4], mask, generator=torch.Generator().manual_seed(5))
    picture = W.render_completion(pixel_model, digits, index=3, region="right half", seed=5)
    assert picture.shape == (66, 196, 3) and picture.dtype == np.uint8
    np.testing.assert_array_equal(picture[:, 65:, 0], digit_tiles(torch.cat([x_hat, digits[3:4]])))  # tiles 2, 3
    np.testing.assert_array_equal(picture, W.render_completion(pixel_model, digits, 3, "right half", seed=5))
    assert not np.array_equal(picture, W.render_completion(pixel_model, digits, 3, "right half", seed=6))
    for t in range(64):  # tile 1: observed pixels as given, missing ones light blue; tile 3: the digit
        assert pixel(picture, 0, t) == (grey(digits[3, t]) if mask[t] else C.MISSING_RGB)
        assert pixel(picture, 2, t) == grey(digits[3, t])


def test_every_step_keeps_the_observed_pixels_and_reveals_in_raster_order(pixel_model, digits):
    region = "right half"
    mask = W.observed_mask(region)
    missing = [t for t in range(64) if not mask[t]]
    x_hat = pixel_model.complete(digits[1:2], mask, generator=torch.Generator().manual_seed(0))[0]
    cache = {}
    for step in range(65):
        picture = W.render_completion(pixel_model, digits, index=1, region=region, step=step, _cache=cache)
        waiting = [t for t in missing if t >= step]
        for t in range(64):
            colour = pixel(picture, 1, t)
            if mask[t]:
                assert colour == grey(digits[1, t]), (step, t)
            elif t < step:
                assert colour == grey(x_hat[t]), (step, t)
            else:
                assert colour == (C.CURSOR_RGB if t == waiting[0] else C.MISSING_RGB), (step, t)


def test_scrubbing_the_steps_completes_once(pixel_model, digits, monkeypatch):
    calls = []
    complete = pixel_model.complete
    monkeypatch.setattr(pixel_model, "complete", lambda *a, **k: calls.append(1) or complete(*a, **k))
    cache = {}
    for step in (0, 40, 64):
        W.render_completion(pixel_model, digits, step=step, _cache=cache)
    assert len(calls) == 1
    W.render_completion(pixel_model, digits, seed=1, _cache=cache)
    assert len(calls) == 2


def test_completion_widget_steps_play_and_resample(pixel_model, digits):
    box = W.completion_widget(pixel_model, digits, index=2)
    controls = box.controls
    assert (controls["step"].value, controls["step"].max) == (64, 64) and box.play in box.children
    np.testing.assert_array_equal(png_pixels(box.image.value), W.render_completion(pixel_model, digits, 2))
    box.play.value = 40  # the play control drives the step slider
    assert controls["step"].value == 40
    np.testing.assert_array_equal(box.pixels, W.render_completion(pixel_model, digits, 2, step=40))
    controls["region"].value = "bottom quarter"
    np.testing.assert_array_equal(box.pixels, W.render_completion(pixel_model, digits, 2, "bottom quarter", step=40))
    box.resample()
    assert controls["seed"].value == 1
    np.testing.assert_array_equal(box.pixels, W.render_completion(pixel_model, digits, 2, "bottom quarter", 1, 40))


def test_completion_animation_frames_keep_the_observed_pixels(pixel_model, digits, monkeypatch):
    recorded = {}

    def record(render, states, titles, **kwargs):
        recorded.update(render=render, states=states, titles=titles)
        return "html"

    monkeypatch.setattr(C, "image_animation", record)
    assert W.completion_animation(pixel_model, digits, index=4, region="bottom half", seed=2) == "html"
    steps = [state["step"] for state in recorded["states"]]
    assert steps == list(range(32, 65))  # nothing drawn, then one missing pixel more per frame
    assert recorded["titles"][0] == "bottom half erased: 0 of 32 pixels drawn"
    assert recorded["titles"][-1] == "bottom half erased: 32 of 32 pixels drawn"
    final = W.render_completion(pixel_model, digits, 4, "bottom half", 2)
    for state in recorded["states"]:
        frame = recorded["render"](**state)
        np.testing.assert_array_equal(frame[:33], final[:33])  # the observed top rows in every frame
    W.completion_animation(pixel_model, digits, region="right half", pixels_per_frame=8)
    assert [state["step"] for state in recorded["states"]] == [4, 16, 32, 48, 64]


def test_completion_animation_html(pixel_model, digits):
    pixel_model.train()
    html = W.completion_animation(pixel_model, digits, region="bottom quarter", pixels_per_frame=4).data
    assert html.count("data:image/png;base64") == 1 + 4 and pixel_model.training  # mode kept
    pixel_model.eval()


def test_completion_bad_arguments(pixel_model, digits, models):
    with pytest.raises(ValueError, match=r"^index must be an int <= 9, got 10$"):
        W.render_completion(pixel_model, digits, index=10)
    with pytest.raises(ValueError, match=r"^step must be an int <= 64, got 65$"):
        W.render_completion(pixel_model, digits, step=65)
    with pytest.raises(TypeError, match=r"^seed must be an int, got float 1.5$"):
        W.render_completion(pixel_model, digits, seed=1.5)
    with pytest.raises(ValueError, match=r"^temperature must be a finite number > 0, got 0$"):
        W.render_completion(pixel_model, digits, temperature=0)
    with pytest.raises(TypeError, match=r"^model must be a pixel model with complete\(x, mask\)"):
        W.completion_widget(models["gpt"], digits)
    with pytest.raises(ValueError, match=r"^images must have shape \(N, 64\)"):
        W.completion_widget(pixel_model, digits[:, :32])
    with pytest.raises(ValueError, match=r"^images must hold the integer levels 0\.\.16, got values in \[0, 17\]$"):
        W.completion_animation(pixel_model, torch.cat([digits, torch.full((1, 64), 17.0)]))
    with pytest.raises(ValueError, match=r"^region must be one of"):
        W.completion_widget(pixel_model, digits, region="left half")
    with pytest.raises(ValueError, match=r"^pixels_per_frame must be an int >= 1, got 0$"):
        W.completion_animation(pixel_model, digits, pixels_per_frame=0)
    with pytest.raises(ValueError, match=r"^index must be an int <= 9, got 12$"):
        W.completion_animation(pixel_model, digits, index=12)  # before any frame is drawn


# --- both modes --------------------------------------------------------------------

@pytest.mark.parametrize("static", ["1", "0"])
def test_widgets_build_in_static_and_live_mode(models, pixel_model, digits, monkeypatch, static):
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    monkeypatch.setenv(W.STATIC_ENV_VAR, static)
    W.show(lambda: W.names_widget(models, n=4), lambda: W.names_animation(models, temperatures=(1.0,), n=4))
    W.show(lambda: W.completion_widget(pixel_model, digits),
           lambda: W.completion_animation(pixel_model, digits, pixels_per_frame=16))
    kind = "HTML" if static == "1" else "VBox"
    assert [type(widget).__name__ for widget in shown] == [kind, kind]


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_models_render_cpu_data(digits):
    torch.manual_seed(0)
    gpt = TransformerCharLM(TransformerConfig(context=8, embed_dim=8, num_heads=2, num_layers=1)).cuda()
    assert len(W.render_names(gpt, prefix="a", n=4)) == 4
    pixel_model = PixelTransformer(PixelConfig(embed_dim=16, num_layers=1, num_heads=2)).cuda()
    picture = W.render_completion(pixel_model, digits, index=1, step=40)
    assert picture.shape == (66, 196, 3)
    box = W.completion_widget(pixel_model, digits)
    box.controls["step"].value = 10
    np.testing.assert_array_equal(box.pixels, W.render_completion(pixel_model, digits, step=10))
