"""course_lib.corruptions: noise and blur with known effects, checked against scipy, and their refusals."""
import re

import numpy as np
import pytest
import torch
from scipy import ndimage

from course_lib import corruptions
from course_lib.data import load_digits


def test_blur_equals_scipys_gaussian_filter_with_a_zero_border():
    x, _ = load_digits("test")
    ours = corruptions.blur(x[:20], 0.8).numpy()
    for image, blurred in zip(x[:20].numpy().reshape(-1, 8, 8), ours.reshape(-1, 8, 8)):
        reference = ndimage.gaussian_filter(image.astype(np.float64), 0.8, mode="constant", cval=0.0, truncate=3.0)
        np.testing.assert_allclose(blurred, reference, atol=1e-4)


def test_blur_of_one_pixel_is_the_outer_product_of_the_kernel_and_keeps_its_ink():
    x = torch.zeros(1, 64, dtype=torch.float64)
    x[0, 3 * 8 + 4] = 16.0
    kernel = corruptions.gaussian_kernel(0.5)  # radius 2: the spot stays inside the frame
    blurred = corruptions.blur(x, 0.5).reshape(8, 8)
    expected = 16 * torch.outer(kernel, kernel)
    torch.testing.assert_close(blurred[1:6, 2:7], expected)
    assert abs(blurred.sum().item() - 16) < 1e-12 and blurred.dtype == torch.float64


def test_zero_sigma_changes_nothing_and_noise_stays_in_range():
    x, _ = load_digits("test")
    assert torch.equal(corruptions.blur(x, 0), x) and torch.equal(corruptions.add_noise(x, 0.0), x)
    noisy = corruptions.add_noise(x, 4.0, generator=torch.Generator().manual_seed(0))
    assert noisy.min() >= 0 and noisy.max() <= 16 and noisy.shape == x.shape
    inner = (x > 4) & (x < 12)  # far from the clipping edges the noise is close to N(0, 4^2)
    assert 3.4 < (noisy - x)[inner].std().item() < 4.2
    again = corruptions.add_noise(x, 4.0, generator=torch.Generator().manual_seed(0))
    assert torch.equal(noisy, again)


def test_integer_images_come_back_as_float32():
    x = torch.zeros(2, 64, dtype=torch.int64)
    assert corruptions.blur(x, 1.0).dtype == torch.float32 and corruptions.add_noise(x, 1.0).dtype == torch.float32


@pytest.mark.parametrize("call, error, message", [
    (lambda: corruptions.blur(torch.zeros(2, 63), 1.0), ValueError, "images must have shape (N, 64), got (2, 63)"),
    (lambda: corruptions.blur(torch.full((2, 64), 20.0), 1.0), ValueError,
     "images must hold grey levels in [0, 16], got values in [20, 20]"),
    (lambda: corruptions.blur(torch.zeros(2, 64), -1.0), ValueError, "sigma must be a finite number >= 0, got -1.0"),
    (lambda: corruptions.add_noise(torch.zeros(2, 64), "1"), TypeError, "sigma must be a number, got str '1'"),
    (lambda: corruptions.add_noise(torch.zeros(2, 64), 1.0, generator=3), TypeError,
     "generator must be a torch.Generator or None, got int"),
])
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match="^" + re.escape(message) + "$"):
        call()
