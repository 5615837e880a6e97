import pytest
import torch

from course_lib import train


def _regression(n=256, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    y = x @ torch.tensor([1.0, -2.0, 0.5]) + 0.3 + 0.01 * torch.randn(n, generator=g)
    return x, y


def _mse(model, batch):
    x, y = batch
    return ((model(x).squeeze(-1) - y) ** 2).mean()


def test_fit_learns_a_linear_map_and_records_history():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    history = train.fit(model, _mse, _regression(), _regression(seed=1), epochs=60, lr=0.05, progress=False)
    assert history.epochs == 60 and len(history.val_loss) == 60 and len(history.seconds) == 60
    assert history.stop_reason == "epochs" and history.best_epoch == 59
    assert history.val_loss[-1] < 1e-3 < history.val_loss[0]
    torch.testing.assert_close(model.weight.detach().squeeze(), torch.tensor([1.0, -2.0, 0.5]), atol=0.02, rtol=0)
    assert all(a <= b for a, b in zip(history.seconds, history.seconds[1:]))


def test_weight_decay_shrinks_every_weight_by_lr_times_decay_each_step():
    model = torch.nn.Linear(3, 1)
    start = [p.detach().clone() for p in model.parameters()]
    zero_loss = lambda model, batch: 0.0 * sum(p.sum() for p in model.parameters())  # only the decay acts
    train.fit(model, zero_loss, _regression(n=64), epochs=2, batch_size=16, lr=0.1, weight_decay=0.5, progress=False)
    for before, after in zip(start, model.parameters()):  # AdamW: w <- (1 - lr * decay) w, 8 steps
        torch.testing.assert_close(after.detach(), before * (1 - 0.1 * 0.5) ** 8)


def test_fit_is_repeatable_with_a_seed():
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = torch.nn.Linear(3, 1)
        runs.append(train.fit(model, _mse, _regression(), epochs=3, seed=5, progress=False).train_loss)
    assert runs[0] == runs[1]


def test_evaluate_weights_batches_by_size():
    model = torch.nn.Linear(3, 1)
    x, y = _regression(n=100)
    with torch.no_grad():
        expected = _mse(model, (x, y)).item()
    assert train.evaluate(model, _mse, (x, y), batch_size=33) == pytest.approx(expected, rel=1e-5)


def test_early_stopping_restores_the_best_weights():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    # Validation targets the model cannot fit: its loss stops improving quickly.
    x_val, _ = _regression(seed=2)
    val = (x_val, torch.randn(len(x_val)) * 10)
    history = train.fit(model, _mse, _regression(), val, epochs=200, lr=0.05, patience=3, progress=False)
    assert history.stop_reason == "early_stopping"
    assert history.epochs == history.best_epoch + 4
    assert train.evaluate(model, _mse, val) == pytest.approx(min(history.val_loss), rel=1e-5)


def test_time_budget_stops_training():
    model = torch.nn.Linear(3, 1)
    history = train.fit(model, _mse, _regression(), epochs=10_000, time_budget=0.05, progress=False)
    assert history.stop_reason == "time_budget" and history.epochs < 10_000
    assert history.seconds[-1] >= 0.05


def test_single_tensor_data_gives_a_tensor_batch():
    model = torch.nn.Linear(2, 2)
    seen = []

    def loss_fn(m, batch):
        seen.append(type(batch))
        return m(batch).pow(2).mean()

    train.fit(model, loss_fn, torch.randn(10, 2), epochs=1, batch_size=4, progress=False)
    assert seen == [torch.Tensor] * 3


@pytest.mark.parametrize("kwargs, error, message", [
    ({"epochs": 0}, ValueError, "epochs must be an int >= 1, got 0"),
    ({"epochs": 2.5}, TypeError, r"epochs must be an int, got float 2\.5"),
    ({"batch_size": -1}, ValueError, "batch_size must be an int >= 1, got -1"),
    ({"time_budget": 0}, ValueError, "time_budget must be a finite number > 0, got 0"),
    ({"time_budget": -5.0}, ValueError, r"time_budget must be a finite number > 0, got -5\.0"),
    ({"patience": 3}, ValueError, "patience needs val_data"),
    ({"lr": 0}, ValueError, "lr must be a finite number > 0, got 0"),
    ({"weight_decay": -0.1}, ValueError, "weight_decay must be a finite number >= 0, got -0.1"),
    ({"seed": -1}, ValueError, "seed must be an int >= 0, got -1"),
    ({"optimizer": "adam"}, TypeError, "optimizer must be a torch.optim.Optimizer or None, got str"),
])
def test_fit_rejects_bad_settings(kwargs, error, message):
    with pytest.raises(error, match=message):
        train.fit(torch.nn.Linear(3, 1), _mse, _regression(), **kwargs)


def test_fit_rejects_bad_data_and_callables():
    model = torch.nn.Linear(3, 1)
    with pytest.raises(TypeError, match="train_data must be a tensor or a tuple of tensors, got list"):
        train.fit(model, _mse, [[1.0, 2.0]])
    with pytest.raises(ValueError, match=r"train_data: all tensors need the same first dimension, got \[4, 5\]"):
        train.fit(model, _mse, (torch.zeros(4, 3), torch.zeros(5)))
    with pytest.raises(ValueError, match=r"^val_data\[0\] must not be empty, got shape \(0, 3\)$"):
        train.fit(model, _mse, _regression(), (torch.zeros(0, 3), torch.zeros(0)))
    x, y = _regression()
    x[2, 1] = float("nan")
    with pytest.raises(ValueError, match=r"^train_data\[0\] must hold finite numbers, got 1 NaN or infinite values$"):
        train.fit(model, _mse, (x, y))
    with pytest.raises(TypeError, match="loss_fn must be callable"):
        train.fit(model, "mse", _regression())
    with pytest.raises(TypeError, match="model must be a torch.nn.Module, got str"):
        train.fit("model", _mse, _regression())


def test_evaluate_restores_the_mode_when_the_loss_fails():
    model = torch.nn.Linear(3, 1).train()

    def broken(m, batch):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        train.evaluate(model, broken, _regression())
    assert model.training


def test_early_stopping_keeps_the_initial_weights_if_nothing_improves():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    def nan_when_evaluated(m, batch):  # trains normally; the validation loss never improves on +inf
        return _mse(m, batch) * (1.0 if m.training else float("nan"))

    history = train.fit(model, nan_when_evaluated, _regression(), _regression(seed=1), epochs=10, patience=2,
                        progress=False)
    assert history.stop_reason == "early_stopping" and history.best_epoch == -1 and history.epochs == 2
    for name, value in model.state_dict().items():
        torch.testing.assert_close(value, initial[name])


def test_a_diverging_learning_rate_stops_with_the_epoch_batch_and_advice():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 16), torch.nn.Tanh(), torch.nn.Linear(16, 1))
    optimizer = torch.optim.SGD(model.parameters(), lr=1e30)
    with pytest.raises(FloatingPointError, match=r"^the training loss became NaN or infinite at epoch 0, batch "
                                                 r"\d+: training diverged\. Try a smaller learning rate \(lr=1e\+30 now\)"):
        train.fit(model, _mse, _regression(), optimizer=optimizer, epochs=3, batch_size=8, progress=False)


def test_fit_checks_the_loss_the_model_and_the_optimizer():
    model = torch.nn.Linear(3, 1)
    with pytest.raises(TypeError, match=r"^loss_fn must return a scalar tensor \(the batch's mean loss\), got a "
                                        r"tensor of shape \(64,\) at epoch 0, batch 0$"):
        train.fit(model, lambda m, b: (m(b[0]).squeeze(1) - b[1]).square(), _regression(), progress=False)
    with pytest.raises(TypeError, match=r"^loss_fn must return a scalar tensor \(the batch's mean loss\), got float"):
        train.fit(model, lambda m, b: 1.0, _regression(), progress=False)
    with pytest.raises(ValueError, match=r"^loss_fn returned a loss that does not depend on the model's trainable"):
        train.fit(model, lambda m, b: b[1].mean(), _regression(), progress=False)
    frozen = torch.nn.Linear(3, 1).requires_grad_(False)
    with pytest.raises(ValueError, match=r"^model has no trainable parameters \(a Linear with 2 parameter tensors"):
        train.fit(frozen, _mse, _regression(), progress=False)
    with pytest.raises(ValueError, match=r"^model has no trainable parameters \(a ReLU with 0 parameter tensors"):
        train.fit(torch.nn.ReLU(), _mse, _regression(), progress=False)
    other = torch.optim.Adam(torch.nn.Linear(3, 1).parameters())
    with pytest.raises(ValueError, match=r"^optimizer updates none of model's trainable parameters; build it from"):
        train.fit(model, _mse, _regression(), optimizer=other, progress=False)


def test_history_holds_named_series():
    history = train.History()
    history.record(d_loss=torch.tensor(0.5), g_loss=2)
    history.record(d_loss=0.25, g_loss=1.5)
    assert history["d_loss"] == [0.5, 0.25] and history["g_loss"] == [2.0, 1.5]
    assert "d_loss" in history and "train_loss" not in history and history.epochs == 0
    with pytest.raises(KeyError, match=r"no series 'd_real' in this History; it has \['d_loss', 'g_loss'\]"):
        history["d_real"]
    fitted = train.fit(torch.nn.Linear(3, 1), _mse, _regression(), _regression(seed=1), epochs=2, progress=False)
    assert sorted(fitted.series) == ["seconds", "train_loss", "val_loss"] and fitted.epochs == 2


def test_batches_are_public_shuffled_by_a_generator_and_complete():
    x, y = _regression()
    ordered = list(train.batches((x, y), 50))
    assert [len(b[0]) for b in ordered] == [50] * (len(x) // 50) + ([len(x) % 50] if len(x) % 50 else [])
    torch.testing.assert_close(torch.cat([b[0] for b in ordered]), x)
    shuffled = torch.cat(list(train.batches(x, 7, generator=torch.Generator().manual_seed(0))))
    assert not torch.equal(shuffled, x)
    torch.testing.assert_close(shuffled.sort(0).values, x.sort(0).values)
    with pytest.raises(ValueError, match=r"^batch_size must be an int >= 1, got 0$"):
        train.batches(x, 0)
    with pytest.raises(TypeError, match=r"^data must be a tensor or a tuple of tensors, got str$"):
        train.batches("x", 4)
