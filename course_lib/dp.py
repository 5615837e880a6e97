"""Differentially private training (DP-SGD, Abadi et al., 2016) through Opacus, for chapter 9.

Each step draws a batch by Poisson sampling (every example independently with
probability q = batch_size / N), clips each example's gradient to norm at most
C = ``max_grad_norm``, sums them, adds Gaussian noise of standard deviation
sigma C (sigma = ``noise_multiplier``) and divides by the expected batch size.
The privacy accountant (Rényi DP, Mironov, 2017) turns (q, sigma, steps) into
the epsilon of an (epsilon, delta) guarantee: no single training example can
change the probability of any outcome of training by more than a factor
e^epsilon, except with probability delta.
"""
import time
import warnings

import torch

from . import _tensors
from ._checks import check_int, check_number, check_seed
from .train import History


def epsilon(noise_multiplier, sample_rate, steps, delta):
    """The epsilon that DP-SGD spends in ``steps`` steps at Poisson sampling rate q = ``sample_rate`` and noise
    multiplier sigma, for a given ``delta``: Opacus's Rényi accountant, as :func:`fit_private` reports it.

    No training is needed: epsilon depends on (q, sigma, steps, delta) only, so a run's guarantee can be
    restated at another delta. Infinite for sigma 0.
    """
    from opacus.accountants import RDPAccountant

    check_number("noise_multiplier", noise_multiplier)
    check_number("sample_rate", sample_rate, 0, strict=True, maximum=1)
    check_int("steps", steps, 1)
    check_number("delta", delta, strict=True, maximum=1)
    if noise_multiplier == 0:
        return float("inf")
    accountant = RDPAccountant()
    accountant.history = [(float(noise_multiplier), float(sample_rate), int(steps))]
    return accountant.get_epsilon(delta)


def fit_private(model, loss_fn, train_data, *, epochs=30, batch_size=100, lr=1e-3, noise_multiplier=1.0,
                max_grad_norm=1.0, delta=1e-5, seed=0):
    """Train ``model`` in place with DP-SGD (Adam on the noisy clipped gradients); return the history and epsilon.

    Parameters
    ----------
    model : torch.nn.Module
        Its layers must have per-example gradients in Opacus (Linear, Embedding,
        LayerNorm, convolutions: the course's VAE and character models do). The
        hooks Opacus adds are removed at the end, so the model saves and loads as before.
    loss_fn : callable
        ``loss_fn(model, batch) -> scalar``, the *mean* loss of the batch (as for :func:`course_lib.train.fit`).
    train_data : tensor, shape (N, ...)
        Training examples, finite.
    epochs, batch_size, lr
        Passes over the data, expected batch size (Poisson sampling), Adam's learning rate.
    noise_multiplier : float >= 0
        sigma: the noise's standard deviation relative to ``max_grad_norm`` (0: clipping only, no privacy).
    max_grad_norm : float > 0
        C: each example's gradient is scaled down to this norm if it is longer.
    delta : float in (0, 1)
        The delta of the reported (epsilon, delta); below 1/N by convention.
    seed : int
        Seeds the batches and the noise: a repeatable run for teaching, which is not
        the cryptographically secure noise a release should use (Opacus's ``secure_mode``).

    Returns
    -------
    history : History
        ``train_loss`` (mean over the epoch's batches) and ``epsilon`` after each epoch.
    epsilon : float
        The privacy spent by the whole training (infinite for ``noise_multiplier`` 0).
    """
    from opacus import PrivacyEngine
    from torch.utils.data import DataLoader, TensorDataset

    check_int("epochs", epochs, 1)
    check_int("batch_size", batch_size, 1)
    check_number("lr", lr, strict=True)
    check_number("noise_multiplier", noise_multiplier)
    check_number("max_grad_norm", max_grad_norm, strict=True)
    check_number("delta", delta, strict=True, maximum=1)
    seed = check_seed("seed", seed)
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable as loss_fn(model, batch), got {type(loss_fn).__name__}")
    data = _tensors.as_tensor("train_data", train_data, device="cpu")
    if batch_size > len(data):
        raise ValueError(f"batch_size must be at most the {len(data)} training examples, got {batch_size}")
    generator = torch.Generator().manual_seed(seed)
    loader = DataLoader(TensorDataset(data), batch_size=batch_size, generator=generator)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Secure RNG turned off")  # seeded on purpose: see ``seed``
        engine = PrivacyEngine(accountant="rdp")
        wrapped, optimizer, loader = engine.make_private(
            module=model, optimizer=optimizer, data_loader=loader, noise_multiplier=float(noise_multiplier),
            max_grad_norm=float(max_grad_norm), poisson_sampling=True, noise_generator=generator)
    history = History()
    device = next(model.parameters()).device
    model.train()
    try:
        for _ in range(epochs):
            start, losses = time.perf_counter(), []
            for (batch,) in loader:
                if len(batch) == 0:  # Poisson sampling can draw an empty batch: nothing to learn from
                    continue
                optimizer.zero_grad()
                loss = loss_fn(model, batch.to(device))
                with warnings.catch_warnings():  # the data need no gradient: Opacus's hooks say so, harmlessly
                    warnings.filterwarnings("ignore", message="Full backward hook is firing")
                    loss.backward()
                optimizer.step()
                losses.append(loss.detach())
            epsilon = engine.get_epsilon(delta) if noise_multiplier > 0 else float("inf")
            history.record(train_loss=torch.stack(losses).mean() if losses else float("nan"), epsilon=epsilon,
                           seconds=time.perf_counter() - start)
    finally:
        wrapped._close()  # removes Opacus's hooks and per-example gradients from the caller's model
    model.eval()
    history.best_epoch = epochs - 1
    return history, history["epsilon"][-1]
