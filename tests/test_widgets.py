"""Tests for course_lib.widgets: the generic mechanism and the VAE widgets, driven programmatically."""
import io

import numpy as np
import pytest
import torch

from course_lib import widgets as W
from course_lib import vae as V
from course_lib.data import load_digits
from course_lib.plotting import digit_tiles

ipywidgets = pytest.importorskip("ipywidgets")


def png_pixels(data):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)))


@pytest.fixture(scope="module")
def test_digits():
    images, labels = load_digits("test")
    return images[:40], labels[:40]


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return V.VAE(V.VAEConfig(latent_dim=4, hidden_dim=16, num_hidden=1)).eval()


@pytest.fixture(scope="module")
def model_2d():
    torch.manual_seed(1)
    return V.VAE(V.VAEConfig(latent_dim=2, hidden_dim=16, num_hidden=1)).eval()


# --- generic mechanism ------------------------------------------------------------

def test_live_redraws_when_a_control_changes():
    calls = []

    def draw(fig, height):
        calls.append(height)
        ax = fig.add_subplot()
        ax.bar([0], [height])
        ax.set_ylim(0, 10)

    slider = ipywidgets.IntSlider(value=2, min=0, max=10)
    box = W.live(draw, {"height": slider})
    first = box.image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and calls == [2]
    slider.value = 9
    assert calls == [2, 9] and box.image.value != first
    slider.value = 2
    assert box.image.value == first  # the same state draws the same picture


def test_live_rejects_bad_arguments():
    with pytest.raises(TypeError, match=r"draw must be callable as draw\(fig, \*\*values\), got int"):
        W.live(3, {"a": ipywidgets.IntSlider()})
    with pytest.raises(TypeError, match=r"controls must be a non-empty dict of name -> widget, got \{\}"):
        W.live(lambda fig: None, {})
    with pytest.raises(TypeError, match=r"render must be callable as render\(\*\*values\), got str"):
        W.live_image("x", {"a": ipywidgets.IntSlider()})


def test_animation_has_one_frame_per_state():
    def draw(fig, level):
        fig.add_subplot().plot([0, 1], [0, level])

    html = W.animation(draw, [{"level": i} for i in range(4)]).data
    assert "<script" in html and html.count("data:image/png;base64") == 4
    with pytest.raises(ValueError, match="states must hold at least one frame"):
        W.animation(draw, [])


def test_animation_needs_no_network():
    html = W.animation(lambda fig: fig.add_subplot(), [{}]).data
    assert "http://" not in html and "https://" not in html  # matplotlib links Font Awesome from a CDN
    assert '<i class="fa' not in html
    assert "&#x25B6;" in html and "&#x275A;&#x275A;" in html  # play and pause buttons still labelled


def test_show_picks_the_animation_on_the_website(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", shown.append)
    monkeypatch.setenv(W.STATIC_ENV_VAR, "1")
    W.show(lambda: "live", lambda: "animation")
    monkeypatch.setenv(W.STATIC_ENV_VAR, "0")
    W.show(lambda: "live", lambda: "animation")
    assert shown == ["animation", "live"]


def test_array_png_round_trips_grey_and_rgb():
    grey = np.arange(48, dtype=np.uint8).reshape(6, 8)
    rgb = np.stack([grey, 255 - grey, grey // 2], axis=-1)
    np.testing.assert_array_equal(png_pixels(W.array_png(grey)), grey)
    np.testing.assert_array_equal(png_pixels(W.array_png(rgb)), rgb)
    with pytest.raises(ValueError, match=r"pixels must be a uint8 array of shape \(H, W\) or \(H, W, 3\), "
                                         r"got float64 with shape \(2, 2\)"):
        W.array_png(np.zeros((2, 2)))


def test_digit_tiles_layout_and_ink():
    images = torch.zeros(3, 64)
    images[1] = 16.0  # all ink
    tiles = digit_tiles(images, ncols=2, scale=2)
    assert tiles.shape == (2 * 17 + 1, 2 * 17 + 1) and tiles.dtype == np.uint8
    assert (tiles[1:17, 1:17] == 255).all()  # blank digit: white paper
    assert (tiles[1:17, 18:34] == 0).all()  # full ink: black
    with pytest.raises(ValueError, match=r"images must have shape \(N, 64\), got \(2, 8, 8\)"):
        digit_tiles(np.zeros((2, 8, 8)))


# --- VAE widgets ----------------------------------------------------------------

def test_sampler_shows_the_seeded_decode_and_resamples(model):
    box = W.vae_sampler(model, n=6)
    box.controls["temperature"].value = 0.5
    box.controls["seed"].value = 3
    expected = model.sample(6, generator=torch.Generator().manual_seed(3), temperature=0.5, mean=True)
    np.testing.assert_array_equal(png_pixels(box.image.value), digit_tiles(expected, ncols=8))
    before = box.image.value
    box.button.click()
    assert box.controls["seed"].value == 4 and box.image.value != before


def test_sampler_device_choice(model):
    with pytest.raises(ValueError, match=r"device must be one of \['cpu'.*\], got 'tpu'"):
        W.render_vae_samples(model, device="tpu")
    box = W.vae_sampler(model)
    assert box.controls["device"].options[0] == "cpu"
    assert next(model.parameters()).device.type == "cpu"  # choosing a device never moves the caller's model


def test_interpolation_slides_from_a_to_b(model, test_digits):
    images = test_digits[0]
    box = W.vae_interpolation(model, images, index_a=2, index_b=5)
    for t, row in ((0.0, 0), (1.0, -1)):
        box.controls["t"].value = t
        expected = digit_tiles(torch.stack([images[2], model.interpolate(images[2], images[5], 2)[row], images[5]]))
        np.testing.assert_array_equal(png_pixels(box.image.value), expected)
    box.controls["method"].value = "slerp"
    box.controls["t"].value = 0.5
    middle = model.interpolate(images[2], images[5], steps=3, method="slerp")[1]
    side = 8 * 8
    np.testing.assert_array_equal(box.pixels[1:1 + side, 2 + side:2 + 2 * side], digit_tiles(middle[None], pad=0))


def test_latent_explorer_decodes_the_chosen_point(model_2d, test_digits):
    images, labels = test_digits
    box = W.vae_latent_explorer(model_2d, images, labels)
    box.controls["z1"].value = 1.5
    box.controls["z2"].value = -0.5
    size = box.background.shape[0]
    digit = model_2d.decode_mean(torch.tensor([[1.5, -0.5]]))
    expected = digit_tiles(digit, scale=size // 8, pad=0)
    shown = png_pixels(box.image.value)
    np.testing.assert_array_equal(shown[:expected.shape[0], size + 8:, 0], expected)
    assert (shown[:, :size] != box.background).any()  # the cross marks the point


def test_latent_explorer_needs_two_latent_dimensions(model, test_digits):
    with pytest.raises(ValueError, match=r"model must have a 2-D latent space, got latent_dim=4"):
        W.vae_latent_explorer(model, *test_digits)


def test_vae_animations_have_the_expected_frames(model, model_2d, test_digits):
    images, labels = test_digits
    assert W.vae_sampler_animation(model, n=4, frames=2).data.count("data:image/png;base64") == 10
    assert W.vae_interpolation_animation(model, images, frames=3).data.count("data:image/png;base64") == 3
    assert W.vae_latent_explorer_animation(model_2d, images, labels, frames=4).data.count(
        "data:image/png;base64") == 4


def test_vae_widgets_render_in_eval_mode_and_keep_the_training_mode(test_digits):
    images, labels = test_digits
    torch.manual_seed(2)
    model = V.VAE(V.VAEConfig(latent_dim=2, hidden_dim=16, num_hidden=1, dropout=0.2)).train()
    for render in (lambda: W.render_vae_samples(model, n=4),
                   lambda: W.render_vae_interpolation(model, images[0], images[1], t=0.3, method="slerp"),
                   lambda: W.latent_background(model, images, labels),
                   lambda: W.render_latent_point(model, np.full((64, 64, 3), 255, np.uint8), 0.5, -1.0)):
        np.testing.assert_array_equal(render(), render())
        assert model.training
    W.vae_sampler(model, n=4)
    W.vae_interpolation(model, images)
    W.vae_latent_explorer(model, images, labels)
    W.vae_interpolation_animation(model, images, frames=2)
    W.vae_latent_explorer_animation(model, images, labels, frames=2)
    assert model.training


def test_latent_background_takes_tensor_or_list_labels(model_2d, test_digits):
    images, labels = test_digits
    from_tensor = W.latent_background(model_2d, images, labels)
    np.testing.assert_array_equal(from_tensor, W.latent_background(model_2d, images, labels.tolist()))
    assert from_tensor.dtype == np.uint8 and from_tensor.shape == (240, 240, 3)


def test_digit_tiles_takes_float64_arrays_and_a_custom_vmax():
    images = np.full((1, 64), 8.0)
    assert (digit_tiles(images, scale=1, pad=0) == 127).all()  # half of the top level 16
    assert (digit_tiles(images, scale=1, pad=0, vmax=8.0) == 0).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_model_renders_cpu_data_and_a_fresh_cpu_copy(test_digits):
    images, labels = test_digits
    torch.manual_seed(0)
    model = V.VAE(V.VAEConfig(latent_dim=2, hidden_dim=16, num_hidden=1)).cuda()
    W.render_vae_interpolation(model, images[0], images[1])
    W.latent_background(model, images, labels.cuda())
    W.render_latent_point(model, np.full((64, 64, 3), 255, np.uint8), 0.0, 0.0)
    box = W.vae_sampler(model, n=4)
    box.controls["device"].value = "cpu"
    before = box.pixels
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.5)  # "training" after the widget was built
    box.controls["seed"].value += 1
    box.controls["seed"].value -= 1
    expected = W.render_vae_samples(model, seed=box.controls["seed"].value, device="cpu", n=4)
    np.testing.assert_array_equal(box.pixels, expected)
    assert not np.array_equal(box.pixels, before)
    assert W.vae_sampler_animation(model, n=4, frames=2).data.count("data:image/png;base64") == 10


def test_widget_renderers_refuse_bad_inputs_before_drawing(test_digits):
    torch.manual_seed(0)
    model = V.VAE(V.VAEConfig(latent_dim=2, hidden_dim=8, num_hidden=1, dropout=0.0))
    images, labels = test_digits
    with pytest.raises(ValueError, match=r"^temperature must be a finite number >= 0, got nan$"):
        W.render_vae_samples(model, temperature=float("nan"))
    with pytest.raises(TypeError, match=r"^seed must be an int, got float 1.5$"):
        W.render_vae_samples(model, seed=1.5)
    with pytest.raises(ValueError, match=r"^t must be a number <= 1.0, got 1.5$"):
        W.render_vae_interpolation(model, images[0], images[1], t=1.5)
    background = W.latent_background(model, images[:50], labels[:50])
    with pytest.raises(ValueError, match=r"^z1 must be a finite number >= -3.0, got inf$"):
        W.render_latent_point(model, background, float("inf"), 0.0)
    holey = images[:3].clone()
    holey[0, 0] = float("nan")
    with pytest.raises(ValueError, match=r"^images must hold finite numbers, got 1 NaN or infinite values$"):
        W.vae_interpolation(model, holey)
