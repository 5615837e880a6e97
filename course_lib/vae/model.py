"""The VAE model: encoder, decoder, ELBO, importance-weighted likelihood, sampling, interpolation."""
import math
import numbers

import torch
from torch.distributions import Categorical, Independent, Normal

from .. import _tensors
from .._module import ConfiguredModule
from .._checks import check_choice, check_count, check_int, check_number
from .._gaussian import kl_diagonal_gaussians
from .._tensors import inference
from ..latent import INTERPOLATION_METHODS, latent_path
from .config import VAEConfig, mlp


def reparameterise(mu, std, eps):
    r"""The reparameterisation trick (eq. 4.7): :math:`z = \mu + \sigma \odot \epsilon`, differentiable in mu and sigma.

    ``eps`` is standard normal noise of the shape of the draws, e.g. (k, N, latent_dim) for k draws
    per example; ``mu`` and ``std`` (N, latent_dim) broadcast against it.
    """
    return mu + std * eps


def _kl_per_dimension(mu, logvar):
    """KL(q(z_u|x) || N(0, 1)) of each example and latent dimension, (N, latent_dim): eq. 4.6 term by term."""
    return kl_diagonal_gaussians(mu[..., None], logvar[..., None])  # a one-wide last dimension: one term per u


class VAE(ConfiguredModule):
    """Variational autoencoder with a Gaussian encoder and a categorical pixel decoder.

    ``encode``, ``decode``, ``elbo`` and ``elbo_terms`` follow the module's mode
    (dropout on while training); ``log_prob``, ``sample``, ``encode_mean``,
    ``decode_mean``, ``kl_per_dimension``, ``reconstruct`` and ``interpolate``
    always run in eval mode without gradients and leave the mode as they found
    it. Inputs on another device or in another float dtype are moved to the model's.

    ``model(x)`` is ``model.elbo(x)``. Save and load with :mod:`course_lib.checkpoints`.

    Parameters
    ----------
    config : VAEConfig, optional
    """

    config_class = VAEConfig

    def __init__(self, config=None):
        super().__init__(config)
        c = self.config
        hidden = [c.hidden_dim] * c.num_hidden
        self.encoder = mlp([c.data_dim, *hidden, 2 * c.latent_dim], c.dropout)
        self.decoder = mlp([c.latent_dim, *hidden, c.data_dim * c.num_levels], c.dropout)

    def check_x(self, x, argument="x", validate=True):
        """Validate images and return them on the model's device and dtype.

        Parameters
        ----------
        x : tensor or array, shape (N, data_dim)
            Integer grey levels 0..num_levels-1, on any device.
        validate : bool
            False only converts: no check, no host sync (for training batches of checked data).

        Returns
        -------
        torch.Tensor, shape (N, data_dim), on ``self.device`` with ``self.dtype``

        Raises
        ------
        TypeError
            If ``x`` is not numeric data.
        ValueError
            If its shape is wrong or it holds values other than the integer levels.
        """
        x = _tensors.as_tensor(argument, x, dtype=self.dtype, device=self.device, shape=(None, self.config.data_dim),
                               finite="none", validate=validate)
        if validate:
            _tensors.check_levels(argument, x, self.config.num_levels)
        return x

    def _check_z(self, z):
        """Validate latent points (..., latent_dim) and return them on the model's device and dtype."""
        d = self.config.latent_dim
        z = _tensors.as_tensor("z", z, dtype=self.dtype, device=self.device)
        if z.shape[-1:] != (d,):
            raise ValueError(f"z must have shape (..., {d}), got {tuple(z.shape)}")
        return z

    # Unchecked internals: the public methods validate once, then call these.

    def _encode_params(self, x):
        h = self.encoder(x / (self.config.num_levels - 1))  # levels scaled to [0, 1]
        mu, logvar = h.chunk(2, dim=-1)  # (N, latent_dim) each
        return mu, logvar

    def encode(self, x):
        """q(z|x) for ``x`` of shape (N, data_dim): a diagonal Gaussian (eq. 4.2).

        Returns an ``Independent(Normal)`` with batch_shape (N,), event_shape (latent_dim,).
        """
        return self._encode(self.check_x(x))

    def _encode(self, x):
        mu, logvar = self._encode_params(x)
        # the network's own outputs: no argument validation, which would sync with the GPU on every batch
        return Independent(Normal(mu, (0.5 * logvar).exp(), validate_args=False), 1, validate_args=False)

    @inference
    def encode_mean(self, x):
        """The mean of q(z|x) in eval mode, shape (N, latent_dim): the point a digit is drawn at."""
        return self._encode_params(self.check_x(x))[0]

    def _logits(self, z):
        return self.decoder(z).unflatten(-1, (self.config.data_dim, self.config.num_levels))  # (..., 64, 17)

    def _decode(self, z):
        return Independent(Categorical(logits=self._logits(z), validate_args=False), 1, validate_args=False)

    def decode(self, z):
        """p(x|z) for ``z`` of shape (..., latent_dim): a categorical per pixel (eq. 4.1).

        Returns an ``Independent(Categorical)`` with batch_shape (...) and
        event_shape (data_dim,), so ``log_prob`` sums over the pixels.

        Raises
        ------
        TypeError
            If ``z`` is not a tensor.
        ValueError
            If its last dimension is not ``latent_dim``.
        """
        return self._decode(self._check_z(z))

    def prior(self):
        """p(z) = N(0, I) on the model's device."""
        zeros = torch.zeros(self.config.latent_dim, device=self.device, dtype=self.dtype)
        return Independent(Normal(zeros, torch.ones_like(zeros)), 1)

    def _decode_mean(self, z):
        levels = torch.arange(self.config.num_levels, device=z.device, dtype=z.dtype)
        return self._logits(z).softmax(-1) @ levels  # (..., 64, 17) @ (17,) -> (..., 64)

    @inference
    def decode_mean(self, z):
        """Expected grey level of each pixel under p(x|z) in eval mode, shape (..., data_dim)."""
        return self._decode_mean(self._check_z(z))

    def forward(self, x):
        """The ELBO per example, ``self.elbo(x)``: shape (N,), nats."""
        return self.elbo(x)

    def elbo_terms(self, x, generator=None, validate=True):
        r"""One-sample reconstruction term and closed-form KL, per example (eq. 4.4).

        reconstruction :math:`= \log p(x|z)` with :math:`z = \mu + \sigma \odot \epsilon`,
        :math:`\epsilon \sim N(0, I)` (the reparameterisation trick, so gradients
        reach the encoder); KL :math:`= \mathrm{KL}(q(z|x) \| p(z))` (eq. 4.6).

        Returns
        -------
        reconstruction, kl : torch.Tensor, shape (N,) each, nats
        """
        reconstruction, kl = self._terms(x, generator, validate)
        return reconstruction, kl.sum(-1)

    def _terms(self, x, generator, validate):
        """:meth:`elbo_terms` with the KL kept per latent dimension: (N,) and (N, latent_dim), nats."""
        x = self.check_x(x, validate=validate)  # once per batch; the internals below do not check again
        _tensors.check_generator(generator)
        mu, logvar = self._encode_params(x)
        eps = _tensors.normal(mu.shape, generator, mu.device, mu.dtype)
        z = reparameterise(mu, (0.5 * logvar).exp(), eps)  # (N, latent_dim)
        return self._decode(z).log_prob(x.long()), _kl_per_dimension(mu, logvar)

    @inference
    def kl_per_dimension(self, x):
        r"""Mean over the examples of :math:`\mathrm{KL}(q(z_u|x) \| N(0, 1))` for each latent dimension u, eval mode.

        A dimension whose KL is near 0 carries no information about x: the
        posterior collapsed there. The values sum to the mean KL of :meth:`elbo_terms` in eval mode.

        Parameters
        ----------
        x : tensor or array, shape (N, data_dim)

        Returns
        -------
        torch.Tensor, shape (latent_dim,), nats
        """
        return _kl_per_dimension(*self._encode_params(self.check_x(x))).mean(0)  # (latent_dim,)

    def elbo(self, x, beta=1.0, generator=None, validate=True):
        r"""Evidence lower bound per example, :math:`E_q[\log p(x|z)] - \beta\,\mathrm{KL}(q\|p)`, nats.

        Parameters
        ----------
        x : tensor, shape (N, data_dim)
        beta : float
            KL weight; 1 gives the ELBO. Any beta >= 1 still bounds :math:`\log p(x)` (more loosely).
        generator : torch.Generator, optional
            On any device; draws the noise of the one-sample estimate. In eval
            mode equal generators give equal values. In train mode dropout also
            draws, from torch's global generator: seed that too (``torch.manual_seed``) to repeat a value.
        validate : bool
            False skips the check of ``x`` (no host sync), for training on checked data.

        Returns
        -------
        torch.Tensor, shape (N,)
        """
        check_number("beta", beta)
        reconstruction, kl = self.elbo_terms(x, generator, validate)
        return reconstruction - beta * kl

    @inference
    def log_prob(self, x, k=512, generator=None, chunk_size=16384):
        r"""Importance-weighted estimate of :math:`\log p(x)` per example (Burda et al., 2016).

        .. math::

            \log p(x) \approx \log \frac1k \sum_{i=1}^k \frac{p(x|z_i)\,p(z_i)}{q(z_i|x)},
            \quad z_i \sim q(z|x)

        A lower bound in expectation that tightens as ``k`` grows; ``k = 1`` is the ELBO.

        Parameters
        ----------
        x : torch.Tensor, shape (N, data_dim)
        k : int
            Importance samples per example, >= 1.
        generator : torch.Generator, optional
        chunk_size : int
            Most decoder evaluations held in memory at once.

        Returns
        -------
        torch.Tensor, shape (N,), nats (eq. 4.8)
        """
        check_int("k", k, 1)
        check_int("chunk_size", chunk_size, 1)
        k = int(k)  # a numpy int would reach Tensor.split, which takes only Python ints
        _tensors.check_generator(generator)
        x = self.check_x(x)
        rows_per_chunk = max(1, chunk_size // k)
        prior = self.prior()
        out = []
        for x_chunk in x.split(rows_per_chunk):
            q = self._encode(x_chunk)
            eps = _tensors.normal((k, *q.mean.shape), generator, x.device, x.dtype)
            z = reparameterise(q.mean, q.stddev, eps)  # (k, n, latent_dim)
            log_w = self._decode(z).log_prob(x_chunk.long()) + prior.log_prob(z) - q.log_prob(z)  # (k, n)
            out.append(torch.logsumexp(log_w, dim=0) - math.log(k))
        return torch.cat(out)

    def _sample_levels(self, z, generator):
        logits = self._logits(z)  # (n, 64, 17)
        u = _tensors.uniform(logits.shape, generator, z.device, z.dtype).clamp_(1e-20, 1.0)
        return (logits - torch.log(-torch.log(u))).argmax(-1).to(z.dtype)  # Gumbel-max draw

    @inference
    def sample(self, n, generator=None, temperature=1.0, mean=False):
        """Draw ``n`` digits: z ~ N(0, temperature^2 I), then x ~ p(x|z).

        Parameters
        ----------
        n : int
        generator : torch.Generator, optional
            On any device; the same seed gives the same digits. Default: torch's global CPU generator.
        temperature : float
            Scale of the prior draw (1 = the model's prior).
        mean : bool
            Return the expected grey level of each pixel instead of a draw.

        Returns
        -------
        torch.Tensor, shape (n, data_dim), in the model's dtype, on its device
            Levels 0..16 (or their expectation when ``mean``).
        """
        per_digit = 3 * self.config.data_dim * self.config.num_levels * self.dtype.itemsize  # logits, noise, scores
        n = check_count("n", n, bytes_each=per_digit)
        check_number("temperature", temperature)
        _tensors.check_generator(generator)
        z = temperature * _tensors.normal((n, self.config.latent_dim), generator, self.device, self.dtype)
        return self._decode_mean(z) if mean else self._sample_levels(z, generator)

    @inference
    def reconstruct(self, x):
        """Decode the encoder's mean: the expected grey levels, shape (N, data_dim)."""
        return self._decode_mean(self._encode_params(self.check_x(x))[0])

    @inference
    def interpolate(self, x_a, x_b, steps=8, method="linear", t=None):
        """Decode points on the path between the latent means of two digits.

        Parameters
        ----------
        x_a, x_b : torch.Tensor, shape (data_dim,) or (1, data_dim)
        steps : int
            Points on the path, ends included, >= 2 (evenly spaced; ignored when ``t`` is given).
        method : {"linear", "slerp"}
        t : float or sequence of float, optional
            Explicit positions on the path (0 = ``x_a``, 1 = ``x_b``) instead of ``steps``.

        Returns
        -------
        torch.Tensor, shape (steps, data_dim) or (len(t), data_dim)
            Expected grey levels along the path.
        """
        check_choice("method", method, INTERPOLATION_METHODS)
        if t is None:
            check_int("steps", steps, 2)
            t = torch.linspace(0, 1, steps, device=self.device, dtype=self.dtype)
        else:
            t = [t] if isinstance(t, numbers.Real) and not isinstance(t, bool) else t
            t = _tensors.as_tensor("t", t, dtype=self.dtype, device=self.device).reshape(-1)
        ends = [self.check_x(x.reshape(1, -1) if isinstance(x, torch.Tensor) and x.ndim == 1 else x, name)
                for x, name in ((x_a, "x_a"), (x_b, "x_b"))]
        if len(ends[0]) != 1 or len(ends[1]) != 1:
            raise ValueError(f"x_a and x_b must be single digits, got {len(ends[0])} and {len(ends[1])} rows")
        z = self._encode_params(torch.cat(ends))[0]  # (2, latent_dim)
        return self._decode_mean(latent_path(z[0], z[1], t, method))  # (len(t), data_dim)
