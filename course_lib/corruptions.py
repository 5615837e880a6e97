"""Digits damaged on purpose: controlled defects that a sample measure must notice (chapter 7).

A measure of sample quality earns trust by reacting, steadily and in the right
direction, to defects whose size we set: pixel noise and blur here, missing
classes by selecting labels. Both functions take images (N, 64) of grey
levels in [0, 16] and return a new float tensor of the same shape, device and
floating dtype (float32 for integer input), still in [0, 16].
"""
import torch
from torch.nn import functional as F

from ._checks import check_number
from ._tensors import check_generator, normal
from .data import DIGITS_SHAPE, NUM_LEVELS, as_digit_images


def _images(images):
    images = as_digit_images("images", images)
    return images if images.is_floating_point() else images.float()


def add_noise(images, sigma, generator=None):
    """``images`` plus independent Gaussian noise of standard deviation ``sigma`` grey levels, clipped to [0, 16]."""
    images = _images(images)
    check_number("sigma", sigma)
    check_generator(generator)
    noise = normal(images.shape, generator, images.device, images.dtype)
    return (images + sigma * noise).clamp(0, NUM_LEVELS - 1)


def gaussian_kernel(sigma):
    """The normalised 1-D Gaussian of ``sigma`` pixels, cut at 3 sigma as ``scipy.ndimage.gaussian_filter`` cuts
    it (but with at least one tap on each side)."""
    check_number("sigma", sigma, strict=True)
    radius = max(1, int(3 * sigma + 0.5))
    offsets = torch.arange(-radius, radius + 1, dtype=torch.float64)
    kernel = torch.exp(-offsets.square() / (2 * sigma**2))
    return kernel / kernel.sum()  # (2 radius + 1,)


def blur(images, sigma):
    """``images`` convolved with a Gaussian of ``sigma`` pixels (rows, then columns); 0 leaves them unchanged.

    Beyond the border the image counts as background (0), as the digits' own
    margins are, so blur spreads ink outwards and a little of it leaves the frame.
    """
    images = _images(images)
    check_number("sigma", sigma)
    if sigma == 0:
        return images.clone()
    kernel = gaussian_kernel(sigma).to(images)
    radius = len(kernel) // 2
    x = images.reshape(-1, 1, *DIGITS_SHAPE)
    x = F.conv2d(F.pad(x, (radius, radius, 0, 0)), kernel.view(1, 1, 1, -1))  # along each row
    x = F.conv2d(F.pad(x, (0, 0, radius, radius)), kernel.view(1, 1, -1, 1))  # along each column
    return x.reshape(images.shape)
