"""The alternating training loop of a GAN (chapters 5 and 8), every step written out.

One round: ``d_steps`` discriminator updates, each ascending the value function
V(D, G) on a batch of data and a batch of samples, then one generator update
descending its loss. :func:`discriminator_step` and :func:`generator_step` are
public so that chapter 8 can take the loop apart; :func:`fit_gan` runs rounds,
records a :class:`~course_lib.train.History` and stops with a clear message
when a loss stops being a finite, reasonable number.
"""
import torch
from tqdm.auto import tqdm

from . import _tensors
from ._checks import check_choice, check_int, check_number, check_seed
from .gan import GAN, GENERATOR_LOSSES, discriminator_loss, r1_penalty
from .train import History

LR_SCHEDULES = ("constant", "linear")


def discriminator_step(model, optimizer, real, real_labels, noise, fake_labels, r1_weight=0.0):
    r"""One update of D: descend -V(D, G) (+ gamma/2 times the R1 penalty); G is held fixed.

    Returns
    -------
    loss, d_real, d_fake : Tensor scalars (detached)
        -V on this batch, and D's mean probability of "real" on data and on samples.
    """
    fake = model.generator(noise, fake_labels).detach()  # no gradient reaches G
    real = real.detach().requires_grad_(r1_weight > 0)  # a fresh leaf: the caller's tensor is left alone
    real_logits = model.discriminator(real, real_labels)  # (B,)
    fake_logits = model.discriminator(fake, fake_labels)  # (B,)
    loss = discriminator_loss(real_logits, fake_logits)
    if r1_weight > 0:
        loss = loss + 0.5 * r1_weight * r1_penalty(real_logits, real)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.detach(), real_logits.detach().sigmoid().mean(), fake_logits.detach().sigmoid().mean()


def _generator_loss(model, noise, fake_labels, generator_loss):
    """G's loss against the current D, with D's weights left out of the graph (a fixed opponent)."""
    opponent = [p for p in model.discriminator.parameters() if p.requires_grad]
    for parameter in opponent:  # backward then computes no gradient for D's weights
        parameter.requires_grad_(False)
    try:
        fake_logits = model.discriminator(model.generator(noise, fake_labels), fake_labels)
    finally:
        for parameter in opponent:
            parameter.requires_grad_(True)
    return GENERATOR_LOSSES[generator_loss](fake_logits)


def generator_step(model, optimizer, noise, fake_labels, generator_loss="non_saturating"):
    """One update of G: descend its loss against the current D; only G's parameters change.

    Returns the loss (a detached scalar).
    """
    loss = _generator_loss(model, noise, fake_labels, generator_loss)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.detach()


def generator_gradient_norm(model, noise, fake_labels=None, generator_loss="non_saturating"):
    r"""How much training signal reaches G: the L2 norm of the gradient of its loss over all of G's parameters.

    Nothing is updated and no ``.grad`` is touched. For one sample with
    discriminator logit :math:`a`, the saturating loss's gradient is the
    non-saturating one's times :math:`D/(1 - D) = e^{a}`: against a
    discriminator that rejects the samples (:math:`a \ll 0`) it vanishes (chapter 8).

    Parameters
    ----------
    model : GAN
    noise : Tensor, shape (N, noise_dim)
    fake_labels : Tensor, shape (N,), optional
        Classes of the samples (conditional GAN only).
    generator_loss : {"non_saturating", "saturating"}
    """
    if not isinstance(model, GAN):
        raise TypeError(f"model must be a course_lib.gan.GAN, got {type(model).__name__}")
    check_choice("generator_loss", generator_loss, GENERATOR_LOSSES)
    noise = model.check_noise(noise, "noise")
    fake_labels = model.check_labels(fake_labels, len(noise), "fake_labels")
    parameters = [p for p in model.generator.parameters() if p.requires_grad]
    was_training = model.training
    model.eval()  # a measurement: spectral normalisation's power iteration must not advance
    try:
        gradients = torch.autograd.grad(_generator_loss(model, noise, fake_labels, generator_loss), parameters)
    finally:
        model.train(was_training)
    return float(torch.sqrt(sum(g.square().sum() for g in gradients)))


def _check_settings(model, steps, batch_size, lr_d, lr_g, betas, d_steps, generator_loss, r1_weight, log_every):
    if not isinstance(model, GAN):
        raise TypeError(f"model must be a course_lib.gan.GAN, got {type(model).__name__}")
    check_int("steps", steps, 1)
    check_int("batch_size", batch_size, 1)
    check_number("lr_d", lr_d, strict=True)
    check_number("lr_g", lr_g, strict=True)
    if not (isinstance(betas, tuple) and len(betas) == 2):
        raise TypeError(f"betas must be a tuple (beta1, beta2), got {betas!r}")
    for name, beta in zip(("betas[0]", "betas[1]"), betas):
        check_number(name, beta, maximum=0.9999)
    check_int("d_steps", d_steps, 1)
    check_choice("generator_loss", generator_loss, GENERATOR_LOSSES)
    check_number("r1_weight", r1_weight)
    check_int("log_every", log_every, 1)


def fit_gan(model, data, labels=None, *, steps=2000, batch_size=128, lr_d=2e-4, lr_g=2e-4, betas=(0.5, 0.999),
            d_steps=1, generator_loss="non_saturating", r1_weight=0.0, lr_schedule="constant", ema=None, seed=0,
            log_every=10, snapshot_every=None, num_fixed=64, max_loss=1e4, progress=True):
    """Train ``model`` by the alternating updates of Goodfellow et al. (2014), Algorithm 1.

    Parameters
    ----------
    model : GAN
        Trained in place on the device of its parameters.
    data : tensor, shape (N, data_dim)
        Training examples, finite, in data units (grey levels 0..16 for the digits).
    labels : tensor, shape (N,), int, optional
        Classes of the examples; required for a conditional GAN, refused otherwise.
    steps : int
        Rounds of (``d_steps`` discriminator updates, one generator update).
    batch_size : int
        Examples per batch, drawn at random with replacement, and as many samples.
    lr_d, lr_g : float
        Adam learning rates of the discriminator and the generator.
    betas : (float, float)
        Adam's momentum settings for both players (0.5 as in Radford et al. 2016).
    d_steps : int
        Discriminator updates per round.
    generator_loss : {"non_saturating", "saturating"}
    r1_weight : float
        gamma of the R1 gradient penalty on data (0 = off).
    lr_schedule : {"constant", "linear"}
        Keep both learning rates, or decay them linearly to zero over the
        steps: the players then settle instead of circling the equilibrium,
        which sharpens the samples (measured on the ring in benchmarks/gan_quality.py).
    ema : float, optional
        Keep an exponential moving average of the generator's weights with this
        decay (e.g. 0.999) and leave it in the generator at the end: the
        average of the last few thousand generators, which jitter around the
        equilibrium, samples more precisely than the last one (Yazici et al. 2019).
    seed : int
        Seeds the batches and the noise: a seeded CPU run repeats exactly.
    log_every : int
        Record the History (and check the losses) every this many rounds.
    snapshot_every : int, optional
        Keep samples of a fixed noise batch every this many rounds, in ``history.snapshots``.
    num_fixed : int
        Size of that fixed batch (its labels cycle through the classes).
    max_loss : float
        A recorded loss above this counts as divergence.
    progress : bool
        Show a progress bar.

    Returns
    -------
    History
        Series ``step``, ``d_loss``, ``g_loss``, ``d_real`` and ``d_fake`` (D's
        mean probability of "real" on data and on samples); ``snapshots``
        maps a step to the samples of the fixed noise batch after it.

    Raises
    ------
    FloatingPointError
        If a loss becomes NaN, infinite or larger than ``max_loss``, naming the step.
    """
    _check_settings(model, steps, batch_size, lr_d, lr_g, betas, d_steps, generator_loss, r1_weight, log_every)
    seed = check_seed("seed", seed)
    check_number("max_loss", max_loss, strict=True)
    check_choice("lr_schedule", lr_schedule, LR_SCHEDULES)
    if ema is not None:
        check_number("ema", ema, maximum=0.99999)
    check_int("num_fixed", num_fixed, 1)
    if snapshot_every is not None:
        check_int("snapshot_every", snapshot_every, 1)
    device, dtype = model.device, model.dtype
    data = _tensors.as_tensor("data", data, dtype=dtype, shape=(None, model.config.data_dim))
    labels = model.check_labels(labels, len(data))
    labels = None if labels is None else labels.cpu()
    generator = torch.Generator().manual_seed(seed)
    classes = model.config.num_classes

    def batch_of_noise(size):  # noise and, for a conditional GAN, uniformly drawn classes
        noise = _tensors.normal((size, model.config.noise_dim), generator, device, dtype)
        drawn = torch.randint(classes, (size,), generator=generator).to(device) if classes else None
        return noise, drawn

    fixed_noise = _tensors.normal((num_fixed, model.config.noise_dim), generator, device, dtype)
    fixed_labels = (torch.arange(num_fixed) % classes).to(device) if classes else None
    d_optimizer = torch.optim.Adam(model.discriminator.parameters(), lr=lr_d, betas=betas)
    g_optimizer = torch.optim.Adam(model.generator.parameters(), lr=lr_g, betas=betas)
    schedulers = [torch.optim.lr_scheduler.LambdaLR(optimizer, lambda done: 1 - done / steps)
                  for optimizer in (d_optimizer, g_optimizer)] if lr_schedule == "linear" else []
    history = History()
    averaged = None if ema is None else [p.detach().clone() for p in model.generator.parameters()]
    model.train()
    for step in tqdm(range(1, steps + 1), desc="training GAN", disable=not progress, leave=False):
        for _ in range(d_steps):  # the discriminator: data against the current samples
            rows = torch.randint(len(data), (batch_size,), generator=generator)
            real = data[rows].to(device)
            real_labels = labels[rows].to(device) if classes else None
            d_loss, d_real, d_fake = discriminator_step(model, d_optimizer, real, real_labels,
                                                        *batch_of_noise(batch_size), r1_weight)
        g_loss = generator_step(model, g_optimizer, *batch_of_noise(batch_size), generator_loss)  # the generator
        for scheduler in schedulers:
            scheduler.step()
        if averaged is not None:
            with torch.no_grad():
                torch._foreach_lerp_(averaged, list(model.generator.parameters()), 1 - ema)
        if step % log_every == 0 or step == steps:
            values = {"d_loss": float(d_loss), "g_loss": float(g_loss)}  # one host sync per log_every rounds
            bad = {name: v for name, v in values.items() if not abs(v) <= max_loss}  # NaN fails <= too
            if bad:
                raise FloatingPointError(
                    f"GAN training diverged at step {step}: {', '.join(f'{k}={v:.3g}' for k, v in bad.items())}. "
                    f"Try smaller learning rates (lr_d={lr_d:g}, lr_g={lr_g:g} now), an R1 penalty (r1_weight=1) "
                    "or spectral normalisation (GANConfig(spectral_norm=True))")
            history.record(step=step, d_real=d_real, d_fake=d_fake, **values)
        if snapshot_every is not None and (step % snapshot_every == 0 or step == steps):
            with _tensors.evaluating(model):  # back in train mode afterwards
                history.snapshots[step] = model.generator(fixed_noise, fixed_labels).cpu()
    if averaged is not None:
        with torch.no_grad():
            for parameter, average in zip(model.generator.parameters(), averaged):
                parameter.copy_(average)
    model.eval()
    history.best_epoch = steps - 1  # the model holds the weights after the last round
    return history
