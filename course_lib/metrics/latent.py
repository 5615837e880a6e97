"""Measures of a latent code: how many of its dimensions the encoder uses (posterior collapse, chapter 8)."""
import torch

from .._checks import check_number
from .._tensors import as_tensor


def active_units(posterior_means, threshold=0.01):
    r"""Count the latent dimensions whose posterior mean varies over the data (Burda et al., 2016, section 5.2).

    .. math::

        A_u = \mathrm{Cov}_x\big(E_{q(z|x)}[z_u]\big), \qquad u \text{ is active if } A_u > \text{threshold}

    A collapsed dimension has :math:`q(z_u|x) \approx N(0, 1)` for every x: its
    mean no longer depends on x, so :math:`A_u \approx 0`. :math:`A_u` is the
    variance over the N examples with divisor N (the biased estimate, as in
    Burda et al.'s code, ``np.var``); the unbiased one is N / (N - 1) times larger.

    Parameters
    ----------
    posterior_means : array or tensor, shape (N, latent_dim)
        :math:`E_{q(z|x_n)}[z]` for N >= 2 examples, e.g. ``VAE.encode_mean(x)``.
    threshold : float
        Activity above which a unit counts as active, >= 0 (0.01, Burda et al.'s 10^-2, by default).

    Returns
    -------
    count : int
        Number of active units.
    activity : torch.Tensor, shape (latent_dim,), float64, on the CPU
        :math:`A_u` of each dimension.

    Raises
    ------
    TypeError
        If ``posterior_means`` is not numeric data or ``threshold`` not a number.
    ValueError
        If ``posterior_means`` is not 2-D with at least 2 rows, or holds NaN or
        infinity; if ``threshold`` is negative.
    """
    check_number("threshold", threshold)
    means = as_tensor("posterior_means", posterior_means, dtype=torch.float64, shape=(None, "latent_dim"))
    if len(means) < 2:
        raise ValueError(f"posterior_means must have at least 2 examples (rows) to vary over, got {len(means)}")
    activity = means.detach().var(0, correction=0).cpu()  # (latent_dim,), divisor N
    return int((activity > threshold).sum()), activity
