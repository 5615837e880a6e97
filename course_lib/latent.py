"""Paths through a latent space, shared by every model that decodes latent points (VAE, GAN, ...)."""
import torch

from ._checks import check_choice

INTERPOLATION_METHODS = ("linear", "slerp")


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
