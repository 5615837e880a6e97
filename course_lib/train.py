"""One readable training loop, and the parts other loops reuse: batching and a History.

:func:`fit` trains any model whose loss is ``loss_fn(model, batch)``: mini-batches,
validation, early stopping, a time budget, and a stop with a clear message when
the loss stops being a finite number. A loop of another shape (a GAN's
alternating updates, say) builds on :func:`batches` and :class:`History`.
"""
import copy
import time
from dataclasses import dataclass, field

import torch
from tqdm.auto import tqdm

from ._checks import check_int, check_number, check_seed
from ._tensors import as_tensor, evaluating

STOP_REASONS = ("epochs", "early_stopping", "time_budget")
EVAL_BATCH_SIZE = 512  # evaluation keeps no gradients: larger batches than training fit in memory


@dataclass
class History:
    """Named series recorded during training, e.g. ``history["train_loss"]``.

    :func:`fit` records ``train_loss``, ``val_loss`` (with validation data) and
    ``seconds`` (wall time) once per epoch; another loop records what it needs
    (a GAN: both players' losses and the discriminator's outputs) with :meth:`record`.
    """

    series: dict = field(default_factory=dict)  # name -> list of floats
    snapshots: dict = field(default_factory=dict)  # step -> tensor, e.g. samples of a fixed noise batch
    best_epoch: int = -1  # epoch whose weights the model holds at the end (-1: the initial weights)
    stop_reason: str = "epochs"  # one of STOP_REASONS

    def record(self, **values):
        """Append one value (a number or a one-element tensor) to each named series."""
        for name, value in values.items():
            self.series.setdefault(name, []).append(float(value))

    def __getitem__(self, name):
        if name not in self.series:
            raise KeyError(f"no series {name!r} in this History; it has {sorted(self.series)}")
        return self.series[name]

    def __contains__(self, name):
        return name in self.series

    @property
    def train_loss(self):
        return self.series.get("train_loss", [])

    @property
    def val_loss(self):
        return self.series.get("val_loss", [])

    @property
    def seconds(self):
        return self.series.get("seconds", [])

    @property
    def epochs(self):
        """Finished epochs."""
        return len(self.train_loss)


def check_data(argument, data):
    """Check a tensor or tuple of tensors of examples; return the tuple. Finite values are checked once here."""
    tensors = (data,) if isinstance(data, torch.Tensor) else data
    if not isinstance(tensors, (tuple, list)) or not tensors or not all(isinstance(t, torch.Tensor) for t in tensors):
        raise TypeError(f"{argument} must be a tensor or a tuple of tensors, got {type(data).__name__}")
    names = [argument] if len(tensors) == 1 else [f"{argument}[{i}]" for i in range(len(tensors))]
    tensors = tuple(as_tensor(name, t) for name, t in zip(names, tensors))
    if len({len(t) for t in tensors}) != 1:
        raise ValueError(f"{argument}: all tensors need the same first dimension, got {[len(t) for t in tensors]}")
    return tensors


def _batches(tensors, batch_size, device, generator):
    n = len(tensors[0])
    order = torch.randperm(n, generator=generator) if generator is not None else torch.arange(n)
    for start in range(0, n, batch_size):
        rows = order[start:start + batch_size]
        batch = tuple(t[rows].to(device) for t in tensors)
        yield batch[0] if len(batch) == 1 else batch


def batches(data, batch_size, device=None, generator=None):
    """Yield mini-batches of ``data`` on ``device``, shuffled by ``generator`` (in order without one).

    Parameters
    ----------
    data : tensor or tuple of tensors
        Examples along the first dimension.
    batch_size : int
    device : torch.device, optional
        Where batches go (default: where the data are).
    generator : torch.Generator, optional
        A CPU generator; it decides the order (a new one each epoch when reused).

    Yields
    ------
    tensor, or tuple of tensors when ``data`` is a tuple; the last batch may be smaller.
    """
    tensors = check_data("data", data)
    check_int("batch_size", batch_size, 1)
    if generator is not None and (not isinstance(generator, torch.Generator) or generator.device.type != "cpu"):
        raise TypeError(f"generator must be a CPU torch.Generator or None, got {generator!r}")
    return _batches(tensors, batch_size, device, generator)


def _size(batch):
    return len(batch[0]) if isinstance(batch, tuple) else len(batch)


def evaluate(model, loss_fn, data, batch_size=EVAL_BATCH_SIZE, device=None):
    """Mean of ``loss_fn`` over ``data`` (weighted by batch size), in eval mode without gradients."""
    tensors = check_data("data", data)
    check_int("batch_size", batch_size, 1)
    return _evaluate(model, loss_fn, tensors, batch_size, device or next(model.parameters()).device)


def _evaluate(model, loss_fn, tensors, batch_size, device):
    """:func:`evaluate` on checked tensors (``fit`` checks its validation data once, not every epoch)."""
    total, count = 0.0, 0
    with evaluating(model):
        for batch in _batches(tensors, batch_size, device, None):
            total += loss_fn(model, batch) * _size(batch)  # stays on the device: one sync at the end
            count += _size(batch)
    return float(total) / count


def _check_model_and_optimizer(model, optimizer):
    """The model's trainable parameters, checked to exist and to be the optimizer's."""
    trainable = [p for p in model.parameters() if p.requires_grad]
    if not trainable:
        raise ValueError(f"model has no trainable parameters (a {type(model).__name__} with "
                         f"{sum(1 for _ in model.parameters())} parameter tensors, none with requires_grad)")
    if optimizer is not None:
        optimized = {id(p) for group in optimizer.param_groups for p in group["params"]}
        if not any(id(p) in optimized for p in trainable):
            raise ValueError("optimizer updates none of model's trainable parameters; "
                             "build it from them, e.g. torch.optim.Adam(model.parameters())")
    return trainable


def _check_loss(loss, epoch, batch_index):
    if not isinstance(loss, torch.Tensor) or loss.ndim != 0:
        got = f"a tensor of shape {tuple(loss.shape)}" if isinstance(loss, torch.Tensor) else type(loss).__name__
        raise TypeError(f"loss_fn must return a scalar tensor (the batch's mean loss), got {got} "
                        f"at epoch {epoch}, batch {batch_index}")
    if not loss.requires_grad:
        raise ValueError("loss_fn returned a loss that does not depend on the model's trainable parameters "
                         f"(no gradient) at epoch {epoch}, batch {batch_index}")


def fit(model, loss_fn, train_data, val_data=None, *, epochs=100, batch_size=64, lr=1e-3, weight_decay=0.0,
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
        Examples along the first dimension, finite (checked once, before training).
    epochs : int
        Most passes over the training data.
    batch_size : int
    lr : float
        Learning rate of the default Adam optimiser (ignored if ``optimizer`` is given).
    weight_decay : float
        Decoupled weight decay of the default optimiser, which is then AdamW
        (Loshchilov and Hutter, 2019); 0 keeps plain Adam. Ignored if ``optimizer`` is given.
    optimizer : torch.optim.Optimizer, optional
        Must update the model's parameters.
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
        With the series ``train_loss``, ``val_loss`` (given ``val_data``) and ``seconds``.

    Raises
    ------
    FloatingPointError
        If the training loss becomes NaN or infinite, naming the epoch and the
        first such batch. The model's weights are then not usable.
    """
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable as loss_fn(model, batch), got {type(loss_fn).__name__}")
    check_int("epochs", epochs, 1)
    check_int("batch_size", batch_size, 1)
    check_number("lr", lr, strict=True)
    check_number("weight_decay", weight_decay)
    seed = check_seed("seed", seed)
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"optimizer must be a torch.optim.Optimizer or None, got {type(optimizer).__name__}")
    if time_budget is not None:
        check_number("time_budget", time_budget, strict=True)
    if patience is not None:
        check_int("patience", patience, 1)
        if val_data is None:
            raise ValueError("patience needs val_data: early stopping watches the validation loss")
    trainable = _check_model_and_optimizer(model, optimizer)
    train_tensors = check_data("train_data", train_data)
    val_tensors = None if val_data is None else check_data("val_data", val_data)
    device = trainable[0].device
    if optimizer is None:
        optimizer = (torch.optim.AdamW(trainable, lr=lr, weight_decay=weight_decay) if weight_decay > 0
                     else torch.optim.Adam(trainable, lr=lr))
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
        first_bad = torch.tensor(-1, device=device)  # first batch with a non-finite loss, found without a sync
        for index, batch in enumerate(_batches(train_tensors, batch_size, device, generator)):
            loss = loss_fn(model, batch)
            _check_loss(loss, epoch, index)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss = loss.detach()
            first_bad = torch.where((first_bad < 0) & ~torch.isfinite(loss), index, first_bad)
            total += loss * _size(batch)  # stays on the device: no GPU sync per batch
            count += _size(batch)
        if int(first_bad) >= 0:  # one sync per epoch
            rate = optimizer.param_groups[0].get("lr", lr)
            raise FloatingPointError(f"the training loss became NaN or infinite at epoch {epoch}, batch "
                                     f"{int(first_bad)}: training diverged. Try a smaller learning rate "
                                     f"(lr={rate:g} now), and check the data and the loss for values that overflow")
        history.record(train_loss=float(total) / count)
        postfix = {"loss": f"{history.train_loss[-1]:.3f}"}
        if val_tensors is not None:
            history.record(val_loss=_evaluate(model, loss_fn, val_tensors, EVAL_BATCH_SIZE, device))
            postfix["val"] = f"{history.val_loss[-1]:.3f}"
        history.record(seconds=time.perf_counter() - start)
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
