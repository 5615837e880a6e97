"""Training objectives of the VAE for :func:`course_lib.train.fit`: the ELBO, and two remedies for posterior collapse.

Posterior collapse (chapter 8): with a heavy KL weight or a strong decoder, the
KL term of every latent dimension falls to zero and the decoder ignores ``z``.
Free bits let each dimension keep a few nats for free; KL annealing starts
with no KL weight and raises it, so the code is useful before it is taxed.
"""
from .._checks import check_int, check_number


def negative_elbo_loss(model, batch):
    """``loss_fn`` for :func:`course_lib.train.fit`: mean of -ELBO with the config's beta.

    The batch is not checked again (``fit`` checked the data once), so training never waits on a host sync.
    """
    return -model.elbo(batch, beta=model.config.beta, validate=False).mean()


def free_bits_loss(free_bits):
    r"""``loss_fn`` for :func:`course_lib.train.fit`: the free-bits objective of Kingma et al. (2016).

    .. math::

        \mathcal{L}_\lambda = -\frac1B \sum_{n} \log p(x_n|z_n)
        + \beta \sum_{u=1}^{D} \max\Big(\lambda, \frac1B \sum_{n} \mathrm{KL}(q(z_u|x_n) \| N(0,1))\Big)

    over a batch of B digits and the D = latent_dim dimensions (the paper's
    groups of dimensions are single dimensions here). Each dimension's KL,
    averaged over the batch, is free up to ``free_bits`` nats: below that floor
    it exerts no pull towards the prior (its gradient is zero), so the encoder
    may use the dimension. The clamped KL is weighted by the config's beta, so
    a large-beta run and its remedy differ only in the floor. The loss is the
    negative beta-ELBO plus a slack >= 0; ``fit``'s validation loss is this objective too.

    Parameters
    ----------
    free_bits : float
        lambda, nats per latent dimension, >= 0; 0 gives :func:`negative_elbo_loss`.

    Returns
    -------
    callable ``loss_fn(model, batch) -> scalar tensor``
    """
    check_number("free_bits", free_bits)
    free_bits = float(free_bits)

    def loss_fn(model, batch):
        reconstruction, kl = model._terms(batch, None, False)  # (B,), (B, latent_dim)
        return -reconstruction.mean() + model.config.beta * kl.mean(0).clamp(min=free_bits).sum()

    return loss_fn


class AnnealedELBOLoss:
    r"""``loss_fn`` whose KL weight rises linearly from 0 to the config's beta (KL annealing, Bowman et al., 2016).

    The t-th call in training mode (counting from 0) minimises
    :math:`-\frac1B \sum_n [\log p(x_n|z_n) - w_t\,\mathrm{KL}_n]` with
    :math:`w_t = \beta \min(1, t / T)`, T = ``warmup_steps``: the decoder first
    learns to use z, then the prior's pull grows. Calls in eval mode (``fit``'s
    validation) use the full beta and do not advance the schedule. The schedule
    lives in the object: make a new one for each training run.

    Attributes
    ----------
    warmup_steps : int
    steps : int
        Training-mode calls made so far.
    """

    def __init__(self, warmup_steps):
        check_int("warmup_steps", warmup_steps, 0)
        self.warmup_steps, self.steps = int(warmup_steps), 0

    def weight(self, beta=1.0):
        """The KL weight the next training call uses: ``beta * min(1, steps / warmup_steps)`` (beta if T = 0)."""
        check_number("beta", beta)
        return beta * (min(1.0, self.steps / self.warmup_steps) if self.warmup_steps else 1.0)

    def __call__(self, model, batch):
        weight = self.weight(model.config.beta) if model.training else model.config.beta
        self.steps += int(model.training)
        return -model.elbo(batch, beta=weight, validate=False).mean()

    def __repr__(self):
        return f"AnnealedELBOLoss(warmup_steps={self.warmup_steps}, steps={self.steps})"


def annealed_elbo_loss(warmup_steps):
    """An :class:`AnnealedELBOLoss`: a ``loss_fn`` for :func:`course_lib.train.fit` whose KL weight
    rises from 0 to the config's beta over ``warmup_steps`` training batches (an int >= 0; 0: no warm-up)."""
    return AnnealedELBOLoss(warmup_steps)
