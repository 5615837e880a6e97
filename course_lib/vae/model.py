"""A variational autoencoder for the 8x8 digits (Kingma and Welling, 2014).

Read from the smallest part up: the closed-form KL (eq. 4.6), the config, the
model (encoder, decoder, ELBO, importance-weighted likelihood), save/load.

- encoder: x -> q(z|x) = N(mu(x), diag sigma^2(x)), an MLP giving mu and log sigma^2;
- prior: p(z) = N(0, I);
- decoder: z -> p(x|z), a categorical over the 17 grey levels of each of the
  64 pixels, independent given z.
"""
import functools
import math
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.distributions import Categorical, Independent, Normal

from ._checks import check_choice, check_int, check_number
from .data import NUM_LEVELS

INTERPOLATION_METHODS = ("linear", "slerp")


def kl_diagonal_gaussians(mu_q, logvar_q, mu_p=None, logvar_p=None):
    r"""KL(q || p) between diagonal Gaussians, summed over the last dimension (eq. 4.6).

    .. math::

        \mathrm{KL} = \tfrac12 \sum_j \Big( \log\frac{\sigma_{p,j}^2}{\sigma_{q,j}^2}
        + \frac{\sigma_{q,j}^2 + (\mu_{q,j} - \mu_{p,j})^2}{\sigma_{p,j}^2} - 1 \Big)

    With the standard normal prior (the default) this is
    :math:`\tfrac12 \sum_j (\mu_j^2 + \sigma_j^2 - \log \sigma_j^2 - 1)`.

    Parameters
    ----------
    mu_q, logvar_q, mu_p, logvar_p : torch.Tensor, shape (..., D)
        Means and log-variances of q and p (``mu_p``, ``logvar_p`` default to 0).

    Returns
    -------
    torch.Tensor, shape (...), nats
    """
    mu_p = torch.zeros_like(mu_q) if mu_p is None else mu_p
    logvar_p = torch.zeros_like(logvar_q) if logvar_p is None else logvar_p
    ratio = (logvar_q - logvar_p).exp()  # sigma_q^2 / sigma_p^2
    return 0.5 * (ratio + (mu_q - mu_p).pow(2) / logvar_p.exp() - 1 - (logvar_q - logvar_p)).sum(-1)


def slerp(z_a, z_b, t):
    r"""Spherical interpolation :math:`\frac{\sin((1-t)\Omega)}{\sin\Omega} z_a + \frac{\sin(t\Omega)}{\sin\Omega} z_b`.

    ``z_a``, ``z_b``: shape (D,); ``t``: positions in [0, 1], shape (S,). Returns
    shape (S, D); falls back to a straight line when the vectors are (nearly) parallel.
    """
    cos = torch.dot(z_a, z_b) / (z_a.norm() * z_b.norm()).clamp_min(1e-12)
    omega = torch.arccos(cos.clamp(-1.0, 1.0))
    t = t[:, None]  # (S, 1)
    if omega.abs() < 1e-4:
        return (1 - t) * z_a + t * z_b
    return (torch.sin((1 - t) * omega) * z_a + torch.sin(t * omega) * z_b) / torch.sin(omega)


def latent_path(z_a, z_b, t, method="linear"):
    """Points at positions ``t`` (shape (S,)) between latent vectors ``z_a`` and ``z_b`` (shape (D,)).

    ``method="linear"`` gives :math:`(1-t) z_a + t z_b`; ``"slerp"`` follows the
    great circle (:func:`slerp`), which keeps the norm typical of prior draws.
    Returns shape (S, D).
    """
    check_choice("method", method, INTERPOLATION_METHODS)
    if method == "slerp":
        return slerp(z_a, z_b, t)
    return (1 - t[:, None]) * z_a + t[:, None] * z_b


@dataclass(frozen=True)
class VAEConfig:
    """Sizes and loss weight of :class:`VAE`; defaults train on a laptop CPU in under a minute."""

    data_dim: int = 64  # 8x8 digits, flattened
    num_levels: int = NUM_LEVELS  # categorical over the grey levels 0..16 of each pixel
    latent_dim: int = 8  # 8 and 16 (the published digits VAE) score alike here; 8 is cheaper
    hidden_dim: int = 384  # wide enough to fit 1000 digits, small enough for 1 CPU core
    num_hidden: int = 2  # hidden layers in encoder and decoder each
    dropout: float = 0.2  # after each hidden layer: 1000 training digits overfit in ~40 epochs
    beta: float = 1.0  # weight of the KL term in the training loss (1 = the true ELBO)

    def __post_init__(self):
        for name in ("data_dim", "num_levels", "latent_dim", "hidden_dim", "num_hidden"):
            check_int(name, getattr(self, name), 1)
            object.__setattr__(self, name, int(getattr(self, name)))  # numpy ints too: checkpoints load weights_only
        check_number("dropout", self.dropout)
        if not self.dropout < 1:
            raise ValueError(f"dropout must be a number in [0, 1), got {self.dropout!r}")
        check_number("beta", self.beta)


LATENT_2D = VAEConfig(latent_dim=2, hidden_dim=128, dropout=0.0)  # plottable; with dropout one dimension collapsed

# How chapter 4 and benchmarks/vae_digits.py train on the digits: keyword
# arguments of course_lib.train.fit. Early stopping on the validation ELBO
# restores the best epoch (about the 40th); patience 20 ends the run ~20 later.
DIGITS_RECIPE = {"epochs": 200, "batch_size": 64, "lr": 1e-3, "patience": 20}


def _mlp(sizes, dropout):
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


def _in_eval_mode(method):
    """Run ``method`` with dropout off (eval mode), then restore the module's mode."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad():
                return method(self, *args, **kwargs)
        finally:
            self.train(was_training)

    return wrapper


class VAE(nn.Module):
    """Variational autoencoder with a Gaussian encoder and a categorical pixel decoder.

    ``encode``, ``decode``, ``elbo`` and ``elbo_terms`` follow the module's mode
    (dropout on while training); ``log_prob``, ``sample``, ``encode_mean``,
    ``decode_mean``, ``reconstruct`` and ``interpolate`` always run in eval mode
    without gradients and leave the mode as they found it. Inputs on another
    device or in another float dtype are moved to the model's.

    Parameters
    ----------
    config : VAEConfig, optional
    """

    def __init__(self, config=None):
        super().__init__()
        config = VAEConfig() if config is None else config
        if not isinstance(config, VAEConfig):
            raise TypeError(f"config must be a VAEConfig, got {type(config).__name__}")
        self.config = config
        hidden = [config.hidden_dim] * config.num_hidden
        self.encoder = _mlp([config.data_dim, *hidden, 2 * config.latent_dim], config.dropout)
        self.decoder = _mlp([config.latent_dim, *hidden, config.data_dim * config.num_levels], config.dropout)

    @property
    def device(self):
        return next(self.parameters()).device

    @property
    def dtype(self):
        """The parameters' floating-point dtype (inputs are cast to it)."""
        return next(self.parameters()).dtype

    def check_x(self, x, argument="x"):
        """Validate images and return them on the model's device and dtype.

        Parameters
        ----------
        x : torch.Tensor, shape (N, data_dim), floating point
            Integer grey levels 0..num_levels-1, on any device.

        Returns
        -------
        torch.Tensor, shape (N, data_dim), on ``self.device`` with ``self.dtype``

        Raises
        ------
        TypeError
            If ``x`` is not a floating-point tensor.
        ValueError
            If its shape is wrong or it holds values other than the integer levels.
        """
        d, top = self.config.data_dim, self.config.num_levels - 1
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{argument} must be a torch.Tensor of shape (N, {d}), got {type(x).__name__}")
        if x.ndim != 2 or x.shape[1] != d:
            raise ValueError(f"{argument} must have shape (N, {d}), got {tuple(x.shape)}")
        if not x.is_floating_point():
            raise TypeError(f"{argument} must be a floating-point tensor, got {x.dtype}")
        if (x != x.round().clamp(0, top)).any():  # outside 0..top, fractional or NaN: one comparison
            raise ValueError(f"{argument} must hold the integer levels 0..{top}, "
                             f"got values in [{x.min().item():g}, {x.max().item():g}]")
        return x.to(device=self.device, dtype=self.dtype)

    def _check_z(self, z):
        """Validate latent points (..., latent_dim) and return them on the model's device and dtype."""
        d = self.config.latent_dim
        if not isinstance(z, torch.Tensor):
            raise TypeError(f"z must be a torch.Tensor of shape (..., {d}), got {type(z).__name__}")
        if z.shape[-1:] != (d,):
            raise ValueError(f"z must be a tensor of shape (..., {d}), got {tuple(z.shape)}")
        return z.to(device=self.device, dtype=self.dtype)

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
        return Independent(Normal(mu, (0.5 * logvar).exp()), 1)

    @_in_eval_mode
    def encode_mean(self, x):
        """The mean of q(z|x) in eval mode, shape (N, latent_dim): the point a digit is drawn at."""
        return self._encode_params(self.check_x(x))[0]

    def _logits(self, z):
        return self.decoder(z).unflatten(-1, (self.config.data_dim, self.config.num_levels))  # (..., 64, 17)

    def _decode(self, z):
        return Independent(Categorical(logits=self._logits(z)), 1)

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

    @_in_eval_mode
    def decode_mean(self, z):
        """Expected grey level of each pixel under p(x|z) in eval mode, shape (..., data_dim)."""
        return self._decode_mean(self._check_z(z))

    def elbo_terms(self, x, generator=None):
        r"""One-sample reconstruction term and closed-form KL, per example (eq. 4.4).

        reconstruction :math:`= \log p(x|z)` with :math:`z = \mu + \sigma \odot \epsilon`,
        :math:`\epsilon \sim N(0, I)` (the reparameterisation trick, so gradients
        reach the encoder); KL :math:`= \mathrm{KL}(q(z|x) \| p(z))` (eq. 4.6).

        Returns
        -------
        reconstruction, kl : torch.Tensor, shape (N,) each, nats
        """
        x = self.check_x(x)  # once per batch; the internals below do not check again
        mu, logvar = self._encode_params(x)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        z = mu + (0.5 * logvar).exp() * eps  # (N, latent_dim)
        reconstruction = self._decode(z).log_prob(x.long())
        return reconstruction, kl_diagonal_gaussians(mu, logvar)

    def elbo(self, x, beta=1.0, generator=None):
        r"""Evidence lower bound per example, :math:`E_q[\log p(x|z)] - \beta\,\mathrm{KL}(q\|p)`, nats.

        Parameters
        ----------
        x : torch.Tensor, shape (N, data_dim)
        beta : float
            KL weight; 1 gives the ELBO, a bound on :math:`\log p(x)`.
        generator : torch.Generator, optional
            On the model's device; makes the one-sample estimate repeatable.

        Returns
        -------
        torch.Tensor, shape (N,)
        """
        check_number("beta", beta)
        reconstruction, kl = self.elbo_terms(x, generator)
        return reconstruction - beta * kl

    @_in_eval_mode
    def log_prob(self, x, k=512, generator=None, chunk_size=16384):
        r"""Importance-weighted estimate of :math:`\log p(x)` per example (Burda et al., 2016).

        .. math::

            \log p(x) \approx \log \frac1k \sum_{i=1}^k \frac{p(x|z_i)\,p(z)}{q(z_i|x)},
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
        k = int(k)  # a numpy int would reach Tensor.split, which takes only Python ints
        x = self.check_x(x)
        rows_per_chunk = max(1, chunk_size // k)
        prior = self.prior()
        out = []
        for x_chunk in x.split(rows_per_chunk):
            q = self._encode(x_chunk)
            eps = torch.randn((k, *q.mean.shape), generator=generator, device=x.device, dtype=x.dtype)
            z = q.mean + q.stddev * eps  # (k, n, latent_dim)
            log_w = self._decode(z).log_prob(x_chunk.long()) + prior.log_prob(z) - q.log_prob(z)  # (k, n)
            out.append(torch.logsumexp(log_w, dim=0) - math.log(k))
        return torch.cat(out)

    def _sample_levels(self, z, generator):
        logits = self._logits(z)  # (n, 64, 17)
        u = torch.rand(logits.shape, generator=generator, device=z.device).clamp_(1e-20, 1.0)
        return (logits - torch.log(-torch.log(u))).argmax(-1).to(z.dtype)  # Gumbel-max draw

    @_in_eval_mode
    def sample(self, n, generator=None, temperature=1.0, mean=False):
        """Draw ``n`` digits: z ~ N(0, temperature^2 I), then x ~ p(x|z).

        Parameters
        ----------
        n : int
        generator : torch.Generator, optional
            On the model's device; the same seed gives the same digits.
        temperature : float
            Scale of the prior draw (1 = the model's prior).
        mean : bool
            Return the expected grey level of each pixel instead of a draw.

        Returns
        -------
        torch.Tensor, shape (n, data_dim), float32
            Levels 0..16 (or their expectation when ``mean``).
        """
        check_int("n", n, 1)
        check_number("temperature", temperature)
        z = temperature * torch.randn((n, self.config.latent_dim), generator=generator, device=self.device)
        return self._decode_mean(z) if mean else self._sample_levels(z, generator)

    @_in_eval_mode
    def reconstruct(self, x):
        """Decode the encoder's mean: the expected grey levels, shape (N, data_dim)."""
        return self._decode_mean(self._encode_params(self.check_x(x))[0])

    @_in_eval_mode
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
            given = t
            t = torch.as_tensor(t, dtype=self.dtype).to(self.device).reshape(-1)
            if len(t) == 0 or not torch.isfinite(t).all():
                raise ValueError(f"t must be one or more finite positions, got {given!r}")
        ends = [self.check_x(x.reshape(1, -1) if isinstance(x, torch.Tensor) and x.ndim == 1 else x, name)
                for x, name in ((x_a, "x_a"), (x_b, "x_b"))]
        if len(ends[0]) != 1 or len(ends[1]) != 1:
            raise ValueError(f"x_a and x_b must be single digits, got {len(ends[0])} and {len(ends[1])} rows")
        z = self._encode_params(torch.cat(ends))[0]  # (2, latent_dim)
        return self._decode_mean(latent_path(z[0], z[1], t, method))  # (len(t), data_dim)


def negative_elbo_loss(model, batch):
    """``loss_fn`` for :func:`course_lib.train.fit`: mean of -ELBO with the config's beta."""
    return -model.elbo(batch, beta=model.config.beta).mean()


def save(model, path):
    """Save a :class:`VAE`'s config and weights with ``torch.save``."""
    if not isinstance(model, VAE):
        raise TypeError(f"model must be a VAE, got {type(model).__name__}")
    state = {name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}
    torch.save({"config": asdict(model.config), "state_dict": state}, path)


def load(path, map_location="cpu"):
    """Load a :func:`save`-d VAE with ``weights_only=True`` (no code runs from the file).

    Raises
    ------
    ValueError
        If the checkpoint's weights do not match the config it holds, naming the
        missing and unexpected keys and the shape mismatches.
    """
    checkpoint = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(checkpoint, dict) or set(checkpoint) != {"config", "state_dict"}:
        found = sorted(checkpoint) if isinstance(checkpoint, dict) else type(checkpoint).__name__
        raise ValueError(f"{path}: expected a checkpoint with keys ['config', 'state_dict'], got {found}")
    known = set(VAEConfig.__dataclass_fields__)
    if not isinstance(checkpoint["config"], dict) or not set(checkpoint["config"]) <= known:
        unknown = sorted(set(checkpoint["config"]) - known) if isinstance(checkpoint["config"], dict) else "not a dict"
        raise ValueError(f"{path}: checkpoint config has unknown keys {unknown}; expected some of {sorted(known)}")
    model = VAE(VAEConfig(**checkpoint["config"]))
    expected, given = model.state_dict(), checkpoint["state_dict"]
    missing = sorted(set(expected) - set(given))
    unexpected = sorted(set(given) - set(expected))
    shapes = [f"{key}: expected {tuple(expected[key].shape)}, got {tuple(given[key].shape)}"
              for key in sorted(set(expected) & set(given)) if expected[key].shape != given[key].shape]
    if missing or unexpected or shapes:
        raise ValueError(f"{path}: checkpoint does not match the VAE: missing keys {missing}, "
                         f"unexpected keys {unexpected}, shape mismatches {shapes}")
    model.load_state_dict(given)
    return model.to(map_location)
