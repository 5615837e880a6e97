"""course_lib.widgets.gan: the GAN sampler and latent walk, driven programmatically."""
import io
import re

import numpy as np
import pytest
import torch

from course_lib import gan as G
from course_lib import widgets as W
from course_lib.plotting import digit_tiles

ipywidgets = pytest.importorskip("ipywidgets")


def png_pixels(data):
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(data)))


@pytest.fixture(scope="module")
def models():
    torch.manual_seed(0)
    plain = G.GAN(G.GANConfig(data_dim=64, noise_dim=4, hidden_dim=16, num_hidden=1, output="tanh"))
    conditional = G.GAN(G.GANConfig(data_dim=64, noise_dim=4, hidden_dim=16, num_hidden=1, output="tanh",
                                    num_classes=10))
    return plain, conditional


def test_sampler_shows_the_seeded_samples_and_resamples(models):
    plain, _ = models
    box = W.gan_sampler(plain, n=6)
    expected = plain.sample(6, generator=torch.Generator().manual_seed(0))
    np.testing.assert_array_equal(png_pixels(box.image.value), digit_tiles(expected, ncols=8))
    before = box.image.value
    box.resample()
    assert box.controls["seed"].value == 1 and box.image.value != before
    box.controls["truncation"].value = 0.5
    truncated = plain.sample(6, generator=torch.Generator().manual_seed(1), truncation=0.5)
    np.testing.assert_array_equal(box.pixels, digit_tiles(truncated, ncols=8))


def test_conditional_sampler_asks_for_the_chosen_class(models):
    _, conditional = models
    box = W.gan_sampler(conditional, n=4)
    assert box.controls["label"].options[0] == "any"
    box.controls["label"].value = 7
    expected = conditional.sample(4, generator=torch.Generator().manual_seed(0), labels=7)
    np.testing.assert_array_equal(box.pixels, digit_tiles(expected, ncols=8))


def test_latent_walk_ends_at_the_two_seeds(models):
    plain, _ = models
    box = W.gan_latent_walk(plain, seed_a=2, seed_b=5)
    z = [plain.noise(1, generator=torch.Generator().manual_seed(s))[0] for s in (2, 5)]
    with torch.no_grad():
        ends = plain.generator(torch.stack(z))
    box.controls["t"].value = 0.0
    start = box.pixels
    np.testing.assert_array_equal(start, digit_tiles(torch.stack([ends[0], ends[0], ends[1]])))
    box.controls["t"].value = 1.0
    np.testing.assert_array_equal(box.pixels, digit_tiles(torch.stack([ends[0], ends[1], ends[1]])))


def test_animations_and_mode(models):
    plain, conditional = models
    plain.train()
    html = W.gan_sampler_animation(plain, n=4, frames=2).data
    assert html.count("data:image/png;base64") == 2 + 5 and plain.training
    assert W.gan_sampler_animation(conditional, n=4, frames=1).data.count("data:image/png;base64") == 1 + 5 + 10
    assert W.gan_latent_walk_animation(plain, frames=3).data.count("data:image/png;base64") == 3


def test_bad_inputs_are_named(models):
    plain, _ = models
    with pytest.raises(ValueError, match=re.escape("label needs a conditional GAN (num_classes > 0), got label=3")):
        W.render_gan_samples(plain, label=3)
    with pytest.raises(ValueError, match=r"^truncation must be a finite number > 0, got 0$"):
        W.render_gan_samples(plain, truncation=0)
    with pytest.raises(ValueError, match=r"^t must be a number <= 1.0, got 2$"):
        W.render_gan_walk(plain, t=2)
    ring = G.GAN(G.RING)
    with pytest.raises(ValueError, match=r"^model must generate 8x8 digits \(data_dim 64\), got data_dim=2$"):
        W.gan_sampler(ring)


def test_a_conditional_latent_walk_stays_in_the_chosen_class(models):
    _, conditional = models
    box = W.gan_latent_walk(conditional, seed_a=2, seed_b=5)
    assert box.controls["label"].value == 0
    box.controls["label"].value = 3
    z = [conditional.noise(1, generator=torch.Generator().manual_seed(s))[0] for s in (2, 5)]
    box.controls["t"].value = 0.0
    with torch.no_grad():
        ends = conditional.generator(torch.stack(z), torch.tensor([3, 3]))
    np.testing.assert_array_equal(box.pixels, digit_tiles(torch.stack([ends[0], ends[0], ends[1]])))
    assert W.gan_latent_walk_animation(conditional, frames=2, label=7).data.count("data:image/png;base64") == 2
