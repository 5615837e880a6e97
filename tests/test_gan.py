"""course_lib.gan and course_lib.adversarial: losses against their formulas, the players' updates, errors."""
import math
import re

import numpy as np
import pytest
import torch

from course_lib import gan as G
from course_lib.adversarial import discriminator_step, fit_gan, generator_step
from course_lib.data import toy2d

TINY = G.GANConfig(data_dim=2, noise_dim=3, hidden_dim=16, num_hidden=1)


def _exactly(message):
    return "^" + re.escape(message) + "$"


def _sigmoid(a):
    return 1 / (1 + math.exp(-a))


def test_losses_equal_their_formulas_on_hand_computed_inputs():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, -3.0])
    value = np.mean([math.log(_sigmoid(a)) for a in real]) + np.mean([math.log(1 - _sigmoid(a)) for a in fake])
    assert G.minimax_value(real, fake).item() == pytest.approx(value, rel=1e-6)
    assert G.discriminator_loss(real, fake).item() == pytest.approx(-value, rel=1e-6)
    assert G.saturating_generator_loss(fake).item() == pytest.approx(np.mean([math.log(1 - _sigmoid(a)) for a in fake]))
    assert G.non_saturating_generator_loss(fake).item() == pytest.approx(-np.mean([math.log(_sigmoid(a)) for a in fake]))
    confident = torch.tensor([-40.0])  # D(G(z)) = 4e-18: log(sigmoid) would round to log(0)
    assert G.non_saturating_generator_loss(confident).item() == pytest.approx(40.0)


def test_the_saturating_loss_vanishes_where_d_rejects_samples_and_the_non_saturating_does_not():
    logits = torch.tensor([-8.0], requires_grad=True)  # D(G(z)) = 3e-4
    (saturating,) = torch.autograd.grad(G.saturating_generator_loss(logits), logits)
    (non_saturating,) = torch.autograd.grad(G.non_saturating_generator_loss(logits), logits)
    assert abs(saturating.item()) == pytest.approx(_sigmoid(-8.0), rel=1e-5)  # -D
    assert abs(non_saturating.item()) == pytest.approx(1 - _sigmoid(-8.0), rel=1e-5)  # -(1 - D)


def test_r1_penalty_is_the_squared_input_gradient():
    x = torch.tensor([[1.0, 2.0], [0.0, -1.0]], requires_grad=True)
    weights = torch.tensor([3.0, -4.0])
    logits = (x * weights).sum(1) + 0.5 * (x ** 2).sum(1)  # gradient w + x
    expected = ((weights + x.detach()) ** 2).sum(1).mean()
    torch.testing.assert_close(G.r1_penalty(logits, x), expected)


def test_optimal_discriminator_against_a_fixed_generator_matches_the_formula():
    torch.manual_seed(0)
    real = torch.randn(4000, 1) * 0.5 + 1.0  # p_data = N(1, 0.5^2)
    fake = torch.randn(4000, 1)  # p_g = N(0, 1), held fixed
    discriminator = torch.nn.Sequential(torch.nn.Linear(1, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
    optimizer = torch.optim.Adam(discriminator.parameters(), lr=1e-2)
    for _ in range(600):
        loss = G.discriminator_loss(discriminator(real).squeeze(1), discriminator(fake).squeeze(1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    grid = torch.linspace(-0.5, 2.0, 11)[:, None]
    p_data = torch.distributions.Normal(1.0, 0.5).log_prob(grid).exp()
    p_g = torch.distributions.Normal(0.0, 1.0).log_prob(grid).exp()
    optimal = p_data / (p_data + p_g)  # D*(x)
    with torch.no_grad():
        learned = discriminator(grid).sigmoid()
    assert (learned - optimal).abs().max() < 0.06


def test_each_step_changes_only_its_players_parameters():
    torch.manual_seed(0)
    model = G.GAN(TINY)
    d_opt = torch.optim.Adam(model.discriminator.parameters(), lr=1e-2)
    g_opt = torch.optim.Adam(model.generator.parameters(), lr=1e-2)
    real, noise = toy2d("ring", n=32)[0], torch.randn(32, 3)

    def snapshot(module):
        return [p.detach().clone() for p in module.parameters()]

    before_g, before_d = snapshot(model.generator), snapshot(model.discriminator)
    discriminator_step(model, d_opt, real, None, noise, None, r1_weight=1.0)
    assert all(torch.equal(a, b) for a, b in zip(before_g, snapshot(model.generator)))
    assert not all(torch.equal(a, b) for a, b in zip(before_d, snapshot(model.discriminator)))
    before_d = snapshot(model.discriminator)
    generator_step(model, g_opt, noise, None)
    assert all(torch.equal(a, b) for a, b in zip(before_d, snapshot(model.discriminator)))
    assert not all(torch.equal(a, b) for a, b in zip(before_g, snapshot(model.generator)))


def test_seeded_runs_repeat_exactly_and_record_the_history():
    data = toy2d("ring", n=256)[0]
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model = G.GAN(TINY)
        history = fit_gan(model, data, steps=30, batch_size=32, seed=3, log_every=10, snapshot_every=15,
                          num_fixed=8, progress=False)
        runs.append((history, [p.detach().clone() for p in model.parameters()]))
    (first, weights_a), (second, weights_b) = runs
    assert first.series == second.series and all(torch.equal(a, b) for a, b in zip(weights_a, weights_b))
    assert first["step"] == [10.0, 20.0, 30.0] and sorted(first.series) == ["d_fake", "d_loss", "d_real", "g_loss",
                                                                            "step"]
    assert all(0 < v < 1 for v in first["d_real"] + first["d_fake"])
    assert sorted(first.snapshots) == [15, 30] and first.snapshots[30].shape == (8, 2)
    assert not model.training  # fit_gan leaves the model in eval mode


def test_a_conditional_gan_generates_the_asked_class_shapes_and_checks_labels():
    torch.manual_seed(0)
    model = G.GAN(G.GANConfig(data_dim=64, noise_dim=4, hidden_dim=16, num_hidden=1, num_classes=10, output="tanh"))
    x = model.sample(5, labels=7, generator=torch.Generator().manual_seed(0))
    assert x.shape == (5, 64) and float(x.min()) >= 0 and float(x.max()) <= 16
    levels = model.sample(5, labels=[0, 1, 2, 3, 4], levels=True)
    assert torch.equal(levels, levels.round())
    with pytest.raises(ValueError, match=_exactly("labels must be classes 0..9, got values in [3, 12]")):
        model.sample(2, labels=[3, 12])
    with pytest.raises(ValueError, match=_exactly("labels must have shape (3,), got (2,)")):
        model.sample(3, labels=[1, 2])
    with pytest.raises(TypeError, match=_exactly("labels must hold integers, got dtype torch.float32")):
        model.sample(2, labels=torch.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match=_exactly("labels is required: this GAN is conditional on 10 classes")):
        model.generate(torch.zeros(2, 4))
    with pytest.raises(ValueError, match=_exactly("labels needs a conditional GAN (num_classes > 0); this one has none")):
        fit_gan(G.GAN(TINY), toy2d("ring", n=8)[0], labels=torch.zeros(8, dtype=torch.long), progress=False)


def test_truncated_noise_stays_within_the_bound_and_a_latent_walk_has_its_ends():
    torch.manual_seed(0)
    model = G.GAN(TINY)
    z = model.noise(2000, generator=torch.Generator().manual_seed(0), truncation=0.5)
    assert float(z.abs().max()) <= 0.5 and 0.2 < float(z.std()) < 0.35  # std of N(0,1) truncated at 0.5: 0.28
    z_a, z_b = torch.randn(3), torch.randn(3)
    walk = model.interpolate(z_a, z_b, steps=5)
    with torch.no_grad():
        torch.testing.assert_close(walk[[0, -1]], model.generator(torch.stack([z_a, z_b])))


def test_a_linear_schedule_decays_both_learning_rates_to_zero():
    torch.manual_seed(0)
    model = G.GAN(TINY)
    data = toy2d("ring", n=64)[0]
    fit_gan(model, data, steps=20, batch_size=16, lr_schedule="linear", progress=False)
    before = [p.detach().clone() for p in model.parameters()]
    torch.manual_seed(0)
    again = G.GAN(TINY)
    fit_gan(again, data, steps=20, batch_size=16, progress=False)
    assert not all(torch.equal(a, b.detach()) for a, b in zip(before, again.parameters()))  # the schedule mattered


def test_divergence_is_detected_with_the_step_and_advice():
    torch.manual_seed(0)
    with pytest.raises(FloatingPointError, match=r"^GAN training diverged at step 10: .* Try smaller learning rates "
                                                 r"\(lr_d=1e\+06, lr_g=1e\+06 now\)"):
        fit_gan(G.GAN(TINY), toy2d("ring", n=256)[0] * 1e4, steps=50, batch_size=32, lr_d=1e6, lr_g=1e6,
                max_loss=100, progress=False)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"steps": 0}, ValueError, "steps must be an int >= 1, got 0"),
    ({"batch_size": -1}, ValueError, "batch_size must be an int >= 1, got -1"),
    ({"lr_d": 0.0}, ValueError, "lr_d must be a finite number > 0, got 0.0"),
    ({"lr_g": -1e-3}, ValueError, "lr_g must be a finite number > 0, got -0.001"),
    ({"generator_loss": "wasserstein"}, ValueError,
     "generator_loss must be one of ['saturating', 'non_saturating'], got 'wasserstein'"),
    ({"betas": [0.5, 0.9]}, TypeError, "betas must be a tuple (beta1, beta2), got [0.5, 0.9]"),
    ({"d_steps": 0}, ValueError, "d_steps must be an int >= 1, got 0"),
    ({"lr_schedule": "cosine"}, ValueError, "lr_schedule must be one of ['constant', 'linear'], got 'cosine'"),
    ({"ema": 1.0}, ValueError, "ema must be a number <= 0.99999, got 1.0"),
])
def test_bad_settings_are_named(kwargs, error, message):
    with pytest.raises(error, match=_exactly(message)):
        fit_gan(G.GAN(TINY), toy2d("ring", n=16)[0], progress=False, **kwargs)


def test_bad_shapes_and_configs_are_named():
    model = G.GAN(TINY)
    with pytest.raises(ValueError, match=_exactly("z must have shape (N, 3), got (4, 5)")):
        model.generate(torch.zeros(4, 5))
    with pytest.raises(ValueError, match=_exactly("data must have shape (N, 2), got (16, 3)")):
        fit_gan(model, torch.zeros(16, 3), progress=False)
    with pytest.raises(ValueError, match=_exactly("n must be an int >= 1, got 0")):
        model.sample(0)
    with pytest.raises(ValueError, match=_exactly("output must be one of ['linear', 'tanh'], got 'sigmoid'")):
        G.GANConfig(output="sigmoid")
    with pytest.raises(ValueError, match=_exactly("hidden_dim must be an int >= 1, got 0")):
        G.GANConfig(hidden_dim=0)
    with pytest.raises(TypeError, match=_exactly("spectral_norm must be True or False, got 'yes'")):
        G.GANConfig(spectral_norm="yes")
    with pytest.raises(TypeError, match=_exactly("config must be a GANConfig, got dict")):
        G.GAN({"data_dim": 2})


def test_spectral_norm_bounds_each_layer_of_the_discriminator():
    torch.manual_seed(0)
    model = G.GAN(G.GANConfig(data_dim=2, noise_dim=3, hidden_dim=16, num_hidden=2, spectral_norm=True))
    model.discriminate(torch.randn(8, 2))  # one power iteration per call, in train mode
    for layer in model.discriminator.net:
        if isinstance(layer, torch.nn.Linear):
            assert torch.linalg.matrix_norm(layer.weight, ord=2) < 1.05


def test_discriminator_step_leaves_the_callers_data_alone_and_sizes_count_the_widest_layer():
    torch.manual_seed(0)
    model = G.GAN(TINY)
    optimizer = torch.optim.Adam(model.discriminator.parameters())
    real = toy2d("ring", n=16)[0]
    discriminator_step(model, optimizer, real, None, torch.randn(16, 3), None, r1_weight=1.0)
    assert not real.requires_grad
    wide = G.GAN(G.GANConfig(data_dim=2, noise_dim=2, hidden_dim=4096, num_hidden=1))
    with pytest.raises(ValueError, match=r"^n=200000 would need about 12\.2 GiB"):
        wide.sample(200_000)
    with pytest.raises(ValueError, match=r"^n=4611686018427387904 would need"):
        model.sample(np.int64(2**62))  # a NumPy int must not wrap around in the size check
