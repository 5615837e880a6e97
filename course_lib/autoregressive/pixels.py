"""An autoregressive model of the 8x8 digits: the 64 pixels in raster order, a 17-way categorical each.

The image is read like a word: pixel ``t`` (row ``t // 8``, column ``t % 8``)
is predicted from pixels ``0..t-1`` by the causal transformer blocks of
:mod:`.transformer`, so ``log p(x) = sum_t log p(x_t | x_<t)`` is exact, in
nats per image on the discrete grey levels: the same unit as the VAE's bound.
With only 1,000 training digits, the inputs say what a pixel grid is: each
position adds a row and a column embedding (16 vectors shared along rows and
columns, not 64 learned apart), and the previous grey level enters both as a
symbol and as a number (levels are ordered). Together these took the test
loss from about 85.5 to about 83 nats (PIXEL_RECIPE, same seed).
"""
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .._checks import check_count, check_dropout, check_int
from .._module import ConfiguredModule
from .._tensors import as_tensor, categorical, check_generator, check_levels, inference
from ..data import DIGITS_SHAPE, NUM_LEVELS
from .sampling import check_sampling, filter_logits
from .transformer import Block, check_heads, extend_blocks

NUM_PIXELS = DIGITS_SHAPE[0] * DIGITS_SHAPE[1]


@dataclass(frozen=True)
class PixelConfig:
    """Sizes of :class:`PixelTransformer`; the shipped model trains with these in under ten minutes on a laptop CPU."""

    num_pixels: int = NUM_PIXELS
    num_levels: int = NUM_LEVELS  # grey levels 0..16
    image_width: int = DIGITS_SHAPE[1]  # positions are embedded as (row, column): 8 + 8 vectors, not 64
    embed_dim: int = 128
    num_heads: int = 4
    num_layers: int = 4
    dropout: float = 0.5  # 1000 training digits: at 0.3 the validation loss turns up two epochs earlier

    def __post_init__(self):
        for name in ("num_pixels", "num_levels", "image_width", "embed_dim", "num_heads", "num_layers"):
            check_int(name, getattr(self, name), 1)
            object.__setattr__(self, name, int(getattr(self, name)))
        check_dropout("dropout", self.dropout)
        check_heads(self.embed_dim, self.num_heads)
        if self.num_pixels % self.image_width:
            raise ValueError(f"num_pixels must be a multiple of image_width ({self.image_width}), "
                             f"got {self.num_pixels}")


# How the shipped pixel model trains: keyword arguments of course_lib.train.fit. Early stopping on the
# validation digits kept the 64th of 94 epochs; 456 s on 2 CPU cores.
PIXEL_RECIPE = {"epochs": 400, "batch_size": 32, "lr": 5e-4, "weight_decay": 0.1, "patience": 30}


def pixel_loss(model, x):
    """Mean negative log-likelihood in nats per image of a batch of grey levels: the training loss."""
    return -model.log_prob_train(x.long()).mean()


class PixelTransformer(ConfiguredModule):
    """p(x) = prod_t p(x_t | x_<t) over the pixels in raster order, each a categorical over the grey levels."""

    config_class = PixelConfig

    def __init__(self, config=None):
        super().__init__(config)
        config = self.config
        self.start = config.num_levels  # the input id before pixel 0
        self.token_embedding = nn.Embedding(config.num_levels + 1, config.embed_dim)
        self.level_embedding = nn.Linear(1, config.embed_dim)  # grey levels are ordered: 15 is close to 16
        self.row_embedding = nn.Embedding(config.num_pixels // config.image_width, config.embed_dim)
        self.column_embedding = nn.Embedding(config.image_width, config.embed_dim)
        self.blocks = nn.Sequential(*(Block(config.embed_dim, config.num_heads, config.num_pixels, config.dropout)
                                      for _ in range(config.num_layers)))
        self.norm = nn.LayerNorm(config.embed_dim)
        self.head = nn.Linear(config.embed_dim, config.num_levels)

    def check_x(self, x, argument="x"):
        """Images (N, num_pixels) of integer grey levels (any dtype), as long ids on the model's device."""
        x = as_tensor(argument, x, device=self.device, shape=(None, self.config.num_pixels))
        check_levels(argument, x, self.config.num_levels)
        return x.long()

    def forward(self, x):
        """Logits (N, T, L) of pixels 0..T-1, each given the pixels before it, for long ids ``x`` (N, T <= P)."""
        return self.head(self.norm(self.blocks(self._embed(x, 0))))  # (N, T, L)

    def extend(self, x, cache=None):
        """Logits (N, T - K, L) of pixels K..T-1 when ``cache`` holds what the blocks computed for pixels 0..K-1.

        ``x`` holds pixels 0..T-1 (long ids, N, T <= P; pixel T-1 is not read);
        ``cache`` is (keys, values), each (num_layers, N, heads, K, head_dim), or
        None (K = 0). Returns the logits and the cache of pixels 0..T-1: a sampler
        that passes it back computes each new pixel's distribution from that
        pixel's position alone (:meth:`CausalSelfAttention.extend`), as the
        website's completion widget does.
        """
        h, cache = extend_blocks(self.blocks, self._embed(x, 0 if cache is None else cache[0].shape[3]), cache)
        return self.head(self.norm(h)), cache  # (N, T - K, L)

    def _embed(self, x, start):
        """The inputs (N, T - start, C) of the positions that predict pixels start..T-1 of ``x`` (N, T)."""
        if x.shape[1] > self.config.num_pixels:
            raise ValueError(f"x has {x.shape[1]} pixels, more than the model's {self.config.num_pixels}")
        if start >= x.shape[1]:
            raise ValueError(f"x must hold more pixels than the cache ({start}), got {x.shape[1]}")
        inputs = torch.cat([torch.full_like(x[:, :1], self.start), x[:, :-1]], dim=1)[:, start:]  # shifted right
        previous = torch.cat([torch.zeros_like(x[:, :1]), x[:, :-1]], dim=1)[:, start:, None]  # 0 before pixel 0
        t = torch.arange(start, x.shape[1], device=x.device)  # the pixel each position predicts
        return (self.token_embedding(inputs)
                + self.level_embedding(previous.to(self.dtype) / (self.config.num_levels - 1))
                + self.row_embedding(t // self.config.image_width) + self.column_embedding(t % self.config.image_width))

    def log_prob_train(self, x):
        """log p(x) per image (N,) with gradients, for long ids: the training path (no checks)."""
        logits = self(x)  # (N, P, L)
        return -F.cross_entropy(logits.transpose(1, 2), x, reduction="none").sum(dim=1)

    @inference
    def log_prob(self, x):
        """log p(x) in nats per image, shape (N,), exact (eq. 6.1)."""
        return self.log_prob_train(self.check_x(x)).to(self.dtype)

    @inference
    def _fill(self, x, observed, temperature, generator):
        """Draw every pixel where ``observed`` is False, in raster order, given the pixels before it."""
        for t in range(self.config.num_pixels):
            if observed[:, t].all():
                continue
            logits = self(x[:, :t + 1])[:, t]  # (N, L): pixel t's distribution given pixels 0..t-1
            drawn = categorical(filter_logits(logits.double(), temperature), 1, generator).squeeze(1)
            x[:, t] = torch.where(observed[:, t], x[:, t], drawn)
        return x

    def sample(self, n, generator=None, temperature=1.0):
        """``n`` images (n, P) of grey levels as the model's dtype, one pixel at a time (P forward passes)."""
        check_generator(generator)
        check_sampling(temperature, None, None)
        n = check_count("n", n, 8 * self.config.num_pixels * self.config.num_levels)
        x = torch.zeros(n, self.config.num_pixels, dtype=torch.long, device=self.device)
        observed = torch.zeros_like(x, dtype=torch.bool)
        return self._fill(x, observed, temperature, generator).to(self.dtype)

    def complete(self, x, mask, generator=None, temperature=1.0):
        """Fill the pixels where ``mask`` is False, keep the others.

        Each missing pixel is drawn from ``p(x_t | x_<t)`` with the observed
        pixels in place: exact conditional sampling when every missing pixel
        comes after every observed one in raster order (such as an erased
        bottom half). Otherwise a missing pixel ignores the observed pixels after it.

        Parameters
        ----------
        x : tensor or array, shape (N, P)
            Grey levels; values at missing pixels are ignored.
        mask : bool tensor or array, shape (N, P) or (P,)
            True where a pixel is observed.

        Returns
        -------
        torch.Tensor, shape (N, P), the model's dtype
        """
        check_generator(generator)
        check_sampling(temperature, None, None)
        observed = _check_mask(mask, self.config.num_pixels, self.device)
        x = as_tensor("x", x, device=self.device, shape=(None, self.config.num_pixels), finite="none")
        if observed.ndim == 2 and len(observed) != len(x):
            raise ValueError(f"mask must have shape ({self.config.num_pixels},) or ({len(x)}, "
                             f"{self.config.num_pixels}) to match x, got {tuple(observed.shape)}")
        observed = observed.expand(len(x), -1)
        x = self.check_x(torch.where(observed, x, torch.zeros_like(x)))
        return self._fill(x, observed, temperature, generator).to(self.dtype)


def _check_mask(mask, num_pixels, device):
    """A bool tensor (P,) or (N, P) on ``device`` from a bool tensor, array or list (True: observed)."""
    if isinstance(mask, (list, tuple, np.ndarray)):
        mask = torch.from_numpy(np.array(mask))  # a copy: the caller's mask is never changed
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"mask must be a bool tensor, array or list (True where a pixel is observed), "
                        f"got {type(mask).__name__}")
    if mask.dtype != torch.bool:
        raise TypeError(f"mask must be a bool tensor or array (True where a pixel is observed), got dtype {mask.dtype}")
    if mask.ndim not in (1, 2) or mask.shape[-1] != num_pixels:
        raise ValueError(f"mask must have shape ({num_pixels},) or (N, {num_pixels}), got {tuple(mask.shape)}")
    return mask.to(device)
