"""The GAN module: a generator and a discriminator, conditional on a label when configured."""
import math
import numbers

import torch
from torch import nn

from .. import _tensors
from .._module import ConfiguredModule
from .._checks import check_choice, check_count, check_int, check_number
from .._tensors import inference
from ..latent import INTERPOLATION_METHODS, latent_path
from .config import GANConfig, mlp


class Generator(ConfiguredModule):
    """G: noise z (and a label) -> a sample x, in data units."""

    config_class = GANConfig

    def __init__(self, config=None):
        super().__init__(config)
        config = self.config
        extra = config.embed_dim if config.num_classes else 0
        self.embed = nn.Embedding(config.num_classes, config.embed_dim) if config.num_classes else None
        self.net = mlp([config.noise_dim + extra, *[config.hidden_dim] * config.num_hidden, config.data_dim])

    def forward(self, z, labels=None):
        h = z if self.embed is None else torch.cat([z, self.embed(labels)], dim=1)  # (N, noise_dim + embed_dim)
        out = self.net(h)  # (N, data_dim)
        if self.config.output == "tanh":  # (-1, 1) -> (low, high)
            low, high = self.config.low, self.config.high
            out = low + (torch.tanh(out) + 1) * (0.5 * (high - low))
        return out


class Discriminator(ConfiguredModule):
    """D: a sample x (and a label) -> the logit a(x) of "x is real", shape (N,)."""

    config_class = GANConfig

    def __init__(self, config=None):
        super().__init__(config)
        config = self.config
        extra = config.embed_dim if config.num_classes else 0
        self.embed = nn.Embedding(config.num_classes, config.embed_dim) if config.num_classes else None
        self.net = mlp([config.data_dim + extra, *[config.hidden_dim] * config.num_hidden, 1], config.spectral_norm)

    def forward(self, x, labels=None):
        if self.config.output == "tanh":  # the generator's range, back to (-1, 1)
            low, high = self.config.low, self.config.high
            x = (x - low) * (2 / (high - low)) - 1
        h = x if self.embed is None else torch.cat([x, self.embed(labels)], dim=1)
        return self.net(h).squeeze(1)


class GAN(ConfiguredModule):
    """A generative adversarial network (Goodfellow et al. 2014): the two players of chapter 5.

    ``generate``, ``discriminate`` and ``forward`` follow the module's mode and
    keep gradients (training uses them); ``sample`` and ``interpolate`` run in
    eval mode without gradients and leave the mode as they found it. A GAN has
    no encoder and no likelihood: it answers the protocol's ``sample`` but has
    no ``log_prob``. Save and load with :mod:`course_lib.checkpoints`.

    Parameters
    ----------
    config : GANConfig, optional
    """

    config_class = GANConfig

    def __init__(self, config=None):
        super().__init__(config)
        self.generator = Generator(self.config)
        self.discriminator = Discriminator(self.config)

    @property
    def conditional(self):
        return self.config.num_classes > 0

    def check_noise(self, z, argument="z"):
        """Validate noise of shape (N, noise_dim); return it on the model's device and dtype."""
        z = _tensors.as_tensor(argument, z, dtype=self.dtype, device=self.device, shape=(None, self.config.noise_dim))
        return z

    def check_labels(self, labels, n, argument="labels"):
        """Labels for ``n`` samples as int64 (n,) on the model's device: None for an unconditional GAN."""
        if not self.conditional:
            if labels is not None:
                raise ValueError(f"{argument} needs a conditional GAN (num_classes > 0); this one has none")
            return None
        if labels is None:
            raise ValueError(f"{argument} is required: this GAN is conditional on {self.config.num_classes} classes")
        if isinstance(labels, numbers.Integral) and not isinstance(labels, bool):
            labels = [int(labels)] * n
        labels = _tensors.as_tensor(argument, labels, dtype=torch.int64, device=self.device, shape=(n,), integer=True)
        top = self.config.num_classes - 1
        if bool(((labels < 0) | (labels > top)).any()):
            raise ValueError(f"{argument} must be classes 0..{top}, got values in "
                             f"[{int(labels.min())}, {int(labels.max())}]")
        return labels

    def generate(self, z, labels=None):
        """G(z): samples for noise ``z`` (N, noise_dim) and, if conditional, ``labels`` (N,) or one int."""
        z = self.check_noise(z)
        return self.generator(z, self.check_labels(labels, len(z)))

    forward = generate

    def discriminate(self, x, labels=None):
        """The discriminator's logits a(x), shape (N,); D(x) = sigmoid(a(x)) is its probability of "real"."""
        x = _tensors.as_tensor("x", x, dtype=self.dtype, device=self.device, shape=(None, self.config.data_dim))
        return self.discriminator(x, self.check_labels(labels, len(x)))

    def noise(self, n, generator=None, truncation=None):
        """``n`` draws of z ~ N(0, I), shape (n, noise_dim), optionally truncated to ``|z_j| <= truncation``.

        The truncation trick (Brock et al. 2019) draws each coordinate from the
        normal conditioned on ``|z_j| <= truncation``, by inverting the normal
        CDF on a uniform draw: smaller values trade variety for typical samples.
        """
        widest = max(self.config.noise_dim, self.config.hidden_dim, self.config.data_dim)
        n = check_count("n", n, bytes_each=4 * widest * self.dtype.itemsize)  # the largest activations, a few times
        _tensors.check_generator(generator)
        shape = (n, self.config.noise_dim)
        if truncation is None:
            return _tensors.normal(shape, generator, self.device, self.dtype)
        check_number("truncation", truncation, strict=True)
        edge = 0.5 * math.erfc(truncation / math.sqrt(2))  # P(z < -truncation)
        u = _tensors.uniform(shape, generator, self.device, torch.float64)
        return torch.special.ndtri(edge + u * (1 - 2 * edge)).to(self.dtype)  # (n, noise_dim)

    @inference
    def sample(self, n, generator=None, labels=None, truncation=None, levels=False):
        """Draw ``n`` samples x = G(z), z ~ N(0, I).

        Parameters
        ----------
        n : int
        generator : torch.Generator, optional
            On any device; default torch's global CPU generator.
        labels : int or sequence of int, shape (n,), optional
            Classes to generate (conditional GAN only); drawn uniformly when omitted.
        truncation : float, optional
            Truncate each noise coordinate to [-truncation, truncation] (see :meth:`noise`).
        levels : bool
            Round to the integer grey levels ``low..high`` (pixel models).

        Returns
        -------
        Tensor, shape (n, data_dim), on the model's device and dtype (no labels:
        pass ``labels`` to know them, as the protocol returns labels only for
        scikit-learn-style estimators)
        """
        z = self.noise(n, generator, truncation)
        if self.conditional and labels is None:
            probs = torch.full((self.config.num_classes,), 1.0 / self.config.num_classes, device=self.device)
            labels = _tensors.categorical(probs, len(z), generator)
        x = self.generator(z, self.check_labels(labels, len(z)))
        return x.round().clamp(self.config.low, self.config.high) if levels else x

    @inference
    def interpolate(self, z_a, z_b, steps=8, method="slerp", labels=None):
        """Samples along the path between noise vectors ``z_a`` and ``z_b`` (each (noise_dim,)): shape (steps, data_dim).

        ``method="slerp"`` (default) keeps the norm typical of N(0, I) draws in many dimensions.
        """
        check_int("steps", steps, 2)
        check_choice("method", method, INTERPOLATION_METHODS)
        z_a, z_b = (_tensors.as_tensor(name, z, dtype=self.dtype, device=self.device,
                                       shape=(self.config.noise_dim,)) for name, z in (("z_a", z_a), ("z_b", z_b)))
        t = torch.linspace(0, 1, steps, device=self.device, dtype=self.dtype)
        z = latent_path(z_a, z_b, t, method)  # (steps, noise_dim)
        return self.generator(z, self.check_labels(labels, steps))
