"""The digits feature network: a small convolutional classifier of the 8x8 digits.

Chapter 7's sample measures (FID, KID, precision and recall, the Inception
Score) compare sets of images through the features of a classifier trained on
the same kind of data. ImageNet's Inception network would see an 8x8 digit as
a 299x299 blur of nothing it was trained on; this network was trained on the
digits themselves, so its features separate what matters here: which digit,
and how it is written.
"""
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from .._checks import check_dropout, check_int
from .._module import ConfiguredModule
from ..data import DIGITS_SHAPE, NUM_LEVELS
MAX_SHIFT = 1  # training images are shifted by up to this many pixels, a fresh shift each time


@dataclass(frozen=True)
class FeatureConfig:
    """Sizes of :class:`DigitsFeatureNet`."""

    channels: int = 32  # of the first convolution; the second has twice as many
    feature_dim: int = 64  # the penultimate layer: the features FID, KID and precision/recall compare
    dropout: float = 0.3
    num_classes: int = 10

    def __post_init__(self):
        for name in ("channels", "feature_dim", "num_classes"):
            check_int(name, getattr(self, name), 1)
        check_dropout("dropout", self.dropout)


# How the shipped weights were trained: keyword arguments of course_lib.train.fit.
FEATURE_RECIPE = {"epochs": 150, "batch_size": 64, "lr": 1e-3, "patience": 30}


class DigitsFeatureNet(ConfiguredModule):
    """Two 3x3 convolutions, a 2x2 max-pool, a ReLU layer of ``feature_dim`` features, then class logits."""

    config_class = FeatureConfig

    def __init__(self, config=None):
        super().__init__(config)
        c = self.config.channels
        self.convolutions = nn.Sequential(
            nn.Conv2d(1, c, 3, padding=1), nn.ReLU(), nn.Conv2d(c, 2 * c, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.penultimate = nn.Sequential(nn.Flatten(), nn.Linear(2 * c * (DIGITS_SHAPE[0] // 2) * (DIGITS_SHAPE[1] // 2), self.config.feature_dim),
                                         nn.ReLU())
        self.head = nn.Sequential(nn.Dropout(self.config.dropout), nn.Linear(self.config.feature_dim,
                                                                             self.config.num_classes))

    def features(self, x):
        """Penultimate-layer features (N, feature_dim) of images (N, 64) with grey levels in [0, 16]."""
        scaled = x.to(self.dtype).reshape(-1, 1, *DIGITS_SHAPE) / (NUM_LEVELS - 1)
        return self.penultimate(self.convolutions(scaled))

    def forward(self, x):
        """Class logits (N, num_classes) of images (N, 64)."""
        return self.head(self.features(x))


def random_shift(x, max_shift=MAX_SHIFT):
    """Each image (N, 64) moved by its own random whole-pixel offset in [-max_shift, max_shift]^2, zeros shifted in."""
    images = F.pad(x.reshape(-1, *DIGITS_SHAPE), (max_shift,) * 4)
    offsets = torch.randint(0, 2 * max_shift + 1, (len(x), 2), device=x.device)
    rows = offsets[:, :1, None] + torch.arange(DIGITS_SHAPE[0], device=x.device)[None, :, None]  # (N, 8, 1)
    cols = offsets[:, 1:, None] + torch.arange(DIGITS_SHAPE[1], device=x.device)[None, None, :]  # (N, 1, 8)
    return images[torch.arange(len(x), device=x.device)[:, None, None], rows, cols].reshape(len(x), -1)


def classifier_loss(model, batch):
    """Mean cross-entropy of a labelled batch ``(x, y)``; in training mode each image is shifted first."""
    x, y = batch
    if model.training:
        x = random_shift(x)
    return F.cross_entropy(model(x), y)
