"""One readable training loop: mini-batches, validation, early stopping, a time budget."""
import copy
import time
from dataclasses import dataclass, field

import torch
from tqdm.auto import tqdm

from ._checks import check_int, check_number

STOP_REASONS = ("epochs", "early_stopping", "time_budget")


@dataclass
class History:
    """What happened during :func:`fit`, one entry per finished epoch."""

    train_loss: list = field(default_factory=list)  # mean training loss per epoch
    val_loss: list = field(default_factory=list)  # mean validation loss per epoch (empty without val_data)
    seconds: list = field(default_factory=list)  # wall time at the end of each epoch
    best_epoch: int = -1  # epoch whose weights the model holds at the end (-1: the initial weights)
    stop_reason: str = "epochs"  # one of STOP_REASONS

    @property
    def epochs(self):
        return len(self.train_loss)


def _as_tensors(argument, data):
    tensors = (data,) if isinstance(data, torch.Tensor) else tuple(data)
    if not tensors or not all(isinstance(t, torch.Tensor) for t in tensors):
        raise TypeError(f"{argument} must be a tensor or a tuple of tensors, got {type(data).__name__}")
    if len({len(t) for t in tensors}) != 1:
        raise ValueError(f"{argument}: all tensors need the same first dimension, got {[len(t) for t in tensors]}")
    if len(tensors[0]) == 0:
        raise ValueError(f"{argument} is empty")
    return tensors


def _batches(tensors, batch_size, device, generator=None):
    n = len(tensors[0])
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    for start in range(0, n, batch_size):
        rows = order[start:start + batch_size]
        batch = tuple(t[rows].to(device) for t in tensors)
        yield batch[0] if len(batch) == 1 else batch


@torch.no_grad()
def evaluate(model, loss_fn, data, batch_size=512, device=None):
    """Mean of ``loss_fn`` over ``data`` (weighted by batch size), in eval mode."""
    tensors = _as_tensors("data", data)
    device = device or next(model.parameters()).device
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        for batch in _batches(tensors, batch_size, device):
            size = len(batch[0]) if isinstance(batch, tuple) else len(batch)
            total += loss_fn(model, batch) * size  # stays on the device: one sync at the end
            count += size
    finally:
        model.train(was_training)
    return float(total) / count


def fit(model, loss_fn, train_data, val_data=None, *, epochs=100, batch_size=64, lr=1e-3,
        optimizer=None, patience=None, time_budget=None, seed=0, progress=True):
    """Train ``model`` by minimising ``loss_fn`` with mini-batch gradient descent.

    Parameters
    ----------
    model : torch.nn.Module
        Trained in place on the device its parameters live on.
    loss_fn : callable
        ``loss_fn(model, batch) -> scalar tensor``, the mean loss of a batch.
        ``batch`` is a tensor, or a tuple when the data is a tuple of tensors.
    train_data, val_data : tensor or tuple of tensors
        Examples along the first dimension.
    epochs : int
        Most passes over the training data.
    batch_size : int
    lr : float
        Learning rate of the default Adam optimiser (ignored if ``optimizer`` is given).
    optimizer : torch.optim.Optimizer, optional
    patience : int, optional
        Stop after this many epochs without a better validation loss, and
        restore the best weights. Needs ``val_data``.
    time_budget : float, optional
        Stop after the epoch that exceeds this many seconds of wall time.
    seed : int
        Seeds the shuffling of the training data.
    progress : bool
        Show a ``tqdm`` progress bar.

    Returns
    -------
    History
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable as loss_fn(model, batch), got {type(loss_fn).__name__}")
    train_tensors = _as_tensors("train_data", train_data)
    val_tensors = None if val_data is None else _as_tensors("val_data", val_data)
    check_int("epochs", epochs, 1)
    check_int("batch_size", batch_size, 1)
    check_number("lr", lr, strict=True)
    check_int("seed", seed, 0)
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer or None, got {type(optimizer).__name__}")
    if time_budget is not None:
        check_number("time_budget", time_budget, strict=True)
    if patience is not None:
        check_int("patience", patience, 1)
        if val_tensors is None:
            raise ValueError("patience needs val_data: early stopping watches the validation loss")
    device = next(model.parameters()).device
    optimizer = optimizer or torch.optim.Adam(model.parameters(), lr=lr)
    generator = torch.Generator().manual_seed(seed)
    history = History()
    best_loss, best_state = float("inf"), None
    if patience is not None:
        best_state = copy.deepcopy(model.state_dict())  # kept if the validation loss never improves
    start = time.perf_counter()
    bar = tqdm(range(epochs), desc="training", disable=not progress, leave=False)
    for epoch in bar:
        model.train()
        total, count = 0.0, 0
        for batch in _batches(train_tensors, batch_size, device, generator):
            loss = loss_fn(model, batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            size = len(batch[0]) if isinstance(batch, tuple) else len(batch)
            total += loss.detach() * size  # stays on the device: no GPU sync per batch
            count += size
        history.train_loss.append(float(total) / count)
        postfix = {"loss": f"{history.train_loss[-1]:.3f}"}
        if val_tensors is not None:
            history.val_loss.append(evaluate(model, loss_fn, val_tensors, device=device))
            postfix["val"] = f"{history.val_loss[-1]:.3f}"
        history.seconds.append(time.perf_counter() - start)
        bar.set_postfix(postfix)
        if patience is not None:
            if history.val_loss[-1] < best_loss:
                best_loss, history.best_epoch = history.val_loss[-1], epoch
                best_state = copy.deepcopy(model.state_dict())
            if epoch - history.best_epoch >= patience:
                history.stop_reason = "early_stopping"
                break
        if time_budget is not None and history.seconds[-1] >= time_budget:
            history.stop_reason = "time_budget"
            break
    bar.close()
    if patience is None:
        history.best_epoch = history.epochs - 1
    else:
        model.load_state_dict(best_state)
    return history
