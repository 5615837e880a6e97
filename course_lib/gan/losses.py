r"""The GAN objectives as named functions of the discriminator's logits (chapter 5).

D(x) = sigmoid(a(x)) is the discriminator's probability that x is real, a its
logit. Each loss is written with ``logsigmoid``, which is exact where
``log(sigmoid(a))`` would round to ``log(0)``: log D = logsigmoid(a) and
log(1 - D) = logsigmoid(-a).
"""
import torch
import torch.nn.functional as F


def minimax_value(real_logits, fake_logits):
    r"""The value function :math:`V(D, G) = E_x[\log D(x)] + E_z[\log(1 - D(G(z)))]` (eq. 5.1), a scalar.

    The discriminator ascends it; the original generator descends it.

    Parameters
    ----------
    real_logits : Tensor, shape (N,)
        a(x) on data.
    fake_logits : Tensor, shape (M,)
        a(G(z)) on generated samples.
    """
    return F.logsigmoid(real_logits).mean() + F.logsigmoid(-fake_logits).mean()


def discriminator_loss(real_logits, fake_logits):
    """-V(D, G): the binary cross-entropy of calling data real and samples fake; D minimises it."""
    return -minimax_value(real_logits, fake_logits)


def saturating_generator_loss(fake_logits):
    r""":math:`E_z[\log(1 - D(G(z)))]`, the generator's part of V (eq. 5.1), minimised by G.

    Its gradient vanishes where D confidently rejects the samples (D(G(z)) near 0), early in training.
    """
    return F.logsigmoid(-fake_logits).mean()


def non_saturating_generator_loss(fake_logits):
    r""":math:`-E_z[\log D(G(z))]` (Goodfellow et al. 2014, section 3): the same fixed point, strong gradients early."""
    return -F.logsigmoid(fake_logits).mean()


GENERATOR_LOSSES = {"saturating": saturating_generator_loss, "non_saturating": non_saturating_generator_loss}


def r1_penalty(real_logits, real):
    r"""R1 gradient penalty (Mescheder et al. 2018): :math:`E_x \|\nabla_x a(x)\|^2` on data, a scalar.

    Added to the discriminator's loss with a weight gamma / 2, it keeps D
    smooth where the data are, which damps the oscillations of the game.
    ``real`` must have ``requires_grad`` set before ``real_logits`` were computed.
    """
    (gradient,) = torch.autograd.grad(real_logits.sum(), real, create_graph=True)  # (N, data_dim)
    return gradient.square().sum(1).mean()
