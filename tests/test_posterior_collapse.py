"""Posterior collapse (chapter 8): active units, KL per dimension, and the remedies free bits and KL annealing."""
import math

import numpy as np
import pytest
import torch
from torch.distributions import Normal, kl_divergence

from course_lib import vae as V
from course_lib.data import load_digits
from course_lib.metrics import active_units
from course_lib.train import fit


@pytest.fixture(scope="module")
def digits():
    return load_digits("train")[0][:32]


def tiny(beta=1.0, seed=0):
    torch.manual_seed(seed)
    return V.VAE(V.VAEConfig(latent_dim=3, hidden_dim=16, num_hidden=1, dropout=0.0, beta=beta))


def seeded(fn, *args, seed=7):
    """``fn(*args)`` with torch's global generator seeded: the losses draw their noise (and dropout) from it."""
    torch.manual_seed(seed)
    return fn(*args)


# --- active units (Burda et al., 2016) ------------------------------------------

def test_active_units_counts_columns_whose_variance_exceeds_the_threshold():
    variances = torch.tensor([0.0, 0.005, 0.02, 1.0], dtype=torch.float64)
    signs = torch.tensor([1.0, -1.0, 1.0, -1.0], dtype=torch.float64)[:, None]
    means = 0.3 + signs * variances.sqrt()  # (4, 4): each column +-a around 0.3, variance a^2 with divisor N
    count, activity = active_units(means)
    assert count == 2 and isinstance(count, int)
    assert activity.dtype == torch.float64 and activity.shape == (4,)
    torch.testing.assert_close(activity, variances, rtol=1e-12, atol=1e-15)
    assert active_units(means, threshold=0.001)[0] == 3
    assert active_units(means.float().numpy())[0] == 2  # NumPy and float32 in, float64 out


def test_activity_is_numpys_biased_variance_over_the_examples():
    means = np.random.default_rng(0).standard_normal((50, 6)) * np.linspace(0.01, 1, 6)
    _, activity = active_units(means)
    np.testing.assert_allclose(activity.numpy(), means.var(axis=0), rtol=1e-12)  # Burda et al.'s np.var, ddof=0
    _, pair = active_units([[-0.5], [0.5]])
    assert pair.item() == 0.25  # the unbiased estimate would be 0.5


def test_a_unit_at_the_threshold_is_not_active():
    means = torch.tensor([[-0.5, 0.0], [0.5, 0.0]])  # activities 0.25 and 0, exactly
    assert active_units(means, threshold=0.25)[0] == 0  # A_u > threshold, strictly
    assert active_units(means, threshold=0.2499)[0] == 1
    assert active_units(means, threshold=0)[0] == 1  # a constant column is never active


def test_active_units_of_an_encoder_ignore_gradients_and_the_device(digits):
    means = tiny().encode(digits).mean  # with gradients
    count, activity = active_units(means)
    assert not activity.requires_grad and activity.device.type == "cpu" and 0 <= count <= 3


@pytest.mark.parametrize("means, threshold, error, match", [
    (torch.zeros(5), 0.01, ValueError, r"^posterior_means must have shape \(N, latent_dim\), got \(5,\)$"),
    (torch.zeros(1, 3), 0.01, ValueError,
     r"^posterior_means must have at least 2 examples \(rows\) to vary over, got 1$"),
    (torch.tensor([[0.0], [math.nan]]), 0.01, ValueError,
     r"^posterior_means must hold finite numbers, got 1 NaN or infinite values$"),
    ("means", 0.01, TypeError,
     r"^posterior_means must be a torch.Tensor, a NumPy array or a list of numbers, got str$"),
    (torch.zeros(2, 3), -0.01, ValueError, r"^threshold must be a finite number >= 0, got -0\.01$"),
    (torch.zeros(2, 3), "0.01", TypeError, r"^threshold must be a number, got str '0\.01'$"),
])
def test_bad_active_units_arguments_name_themselves(means, threshold, error, match):
    with pytest.raises(error, match=match):
        active_units(means, threshold)


# --- KL per latent dimension ----------------------------------------------------

def test_kl_per_dimension_sums_to_the_mean_kl_of_the_elbo(digits):
    model = V.VAE(V.VAEConfig(latent_dim=3, hidden_dim=16, num_hidden=1, dropout=0.5)).train()
    per_dimension = model.kl_per_dimension(digits)
    assert per_dimension.shape == (3,) and (per_dimension >= 0).all() and not per_dimension.requires_grad
    assert model.training  # the caller's mode is kept
    model.eval()
    torch.testing.assert_close(per_dimension.sum(), model.elbo_terms(digits)[1].mean().detach())


def test_kl_per_dimension_matches_a_hand_computation(digits, monkeypatch):
    model = tiny()
    mu = torch.tensor([[0.0, 1.0, -2.0], [0.0, -1.0, 0.0]])
    logvar = torch.tensor([[0.0, 0.0, math.log(0.25)], [0.0, math.log(4.0), 0.0]])
    monkeypatch.setattr(model, "_encode_params", lambda x: (mu, logvar))
    # KL(N(mu, s^2) || N(0, 1)) = (mu^2 + s^2 - log s^2 - 1) / 2 per dimension, then the mean over the two rows
    by_hand = torch.tensor([0.0, (0.5 + (4 - math.log(4)) / 2) / 2, ((4 + 0.25 + math.log(4) - 1) / 2) / 2])
    torch.testing.assert_close(model.kl_per_dimension(digits[:2]), by_hand)
    reference = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).mean(0)
    torch.testing.assert_close(model.kl_per_dimension(digits[:2]), reference)


def test_kl_per_dimension_works_in_float64_and_checks_its_input(digits):
    model = tiny().double()
    assert model.kl_per_dimension(digits).dtype == torch.float64
    with pytest.raises(ValueError, match=r"^x must have shape \(N, 64\), got \(2, 63\)$"):
        model.kl_per_dimension(torch.zeros(2, 63))


# --- free bits (Kingma et al., 2016) ----------------------------------------------

@pytest.mark.parametrize("beta", [1.0, 2.5])
def test_free_bits_zero_is_the_negative_elbo_loss(digits, beta):
    model = tiny(beta)
    free = seeded(V.free_bits_loss(0.0), model, digits)
    torch.testing.assert_close(free, seeded(V.negative_elbo_loss, model, digits))


def test_free_bits_value_is_reconstruction_plus_beta_times_the_clamped_kl(digits):
    model = tiny(beta=2.0)
    reconstruction, kl = seeded(model.elbo_terms, digits)
    per_dimension = model.kl_per_dimension(digits)  # dropout 0: the batch means of train mode
    floor = float(per_dimension.median())
    expected = -reconstruction.mean() + 2.0 * per_dimension.clamp(min=floor).sum()
    torch.testing.assert_close(seeded(V.free_bits_loss(floor), model, digits), expected)


def test_free_bits_stop_the_kl_gradient_of_dimensions_below_the_floor(digits):
    model = tiny(beta=2.0)
    head = model.encoder[-1]  # rows u and latent_dim + u give mu_u and log sigma_u^2
    with torch.no_grad():
        head.bias[:3] = torch.tensor([0.0, 2.0, 0.0])  # dimension 1 far from the prior: KL about 2 nats
    kl = model.kl_per_dimension(digits)
    assert kl[1] > 1.0 > kl[0] and 1.0 > kl[2], kl

    def gradients(loss_fn):
        return torch.autograd.grad(seeded(loss_fn, model, digits), [head.weight, head.bias])

    def reconstruction_only(model, batch):
        return -model.elbo_terms(batch)[0].mean()

    def with_dimension_1(model, batch):
        reconstruction, kl = model._terms(batch, None, True)
        return -reconstruction.mean() + 2.0 * kl[:, 1].mean()

    free = gradients(V.free_bits_loss(1.0))
    below, above = [0, 3, 2, 5], [1, 4]  # the rows of dimensions 0 and 2, and of dimension 1
    for got, want in zip(free, gradients(reconstruction_only)):
        torch.testing.assert_close(got[below], want[below], rtol=0, atol=0)  # no pull towards the prior
        assert not torch.allclose(got[above], want[above])
    for got, want in zip(free, gradients(with_dimension_1)):
        torch.testing.assert_close(got, want)  # above the floor: the beta-weighted KL's gradient


@pytest.mark.parametrize("free_bits, error, match", [
    (-0.5, ValueError, r"^free_bits must be a finite number >= 0, got -0\.5$"),
    (math.inf, ValueError, r"^free_bits must be a finite number >= 0, got inf$"),
    ("0.5", TypeError, r"^free_bits must be a number, got str '0\.5'$"),
])
def test_bad_free_bits_name_themselves(free_bits, error, match):
    with pytest.raises(error, match=match):
        V.free_bits_loss(free_bits)


# --- KL annealing (Bowman et al., 2016) --------------------------------------------

def test_annealing_weight_rises_linearly_to_beta_in_training_calls_only(digits):
    model = tiny(beta=2.0).train()
    annealed = V.annealed_elbo_loss(4)
    assert isinstance(annealed, V.AnnealedELBOLoss) and annealed.steps == 0
    weights = []
    for _ in range(6):
        weights.append(annealed.weight(model.config.beta))
        expected = seeded(lambda: -model.elbo(digits, beta=weights[-1]).mean())
        torch.testing.assert_close(seeded(annealed, model, digits), expected)
    assert weights == [0.0, 0.5, 1.0, 1.5, 2.0, 2.0] and annealed.steps == 6
    annealed = V.annealed_elbo_loss(4)
    seeded(annealed, model, digits)
    model.eval()
    torch.testing.assert_close(seeded(annealed, model, digits), seeded(V.negative_elbo_loss, model, digits))
    assert annealed.steps == 1 and annealed.weight(2.0) == 0.5  # the eval call used the full beta, counted nothing
    assert repr(annealed) == "AnnealedELBOLoss(warmup_steps=4, steps=1)"


def test_annealing_counts_the_training_batches_of_fit_not_its_validation(digits):
    annealed = V.annealed_elbo_loss(10)
    fit(tiny(), annealed, digits[:16], digits[16:], epochs=2, batch_size=8, progress=False)
    assert annealed.steps == 4 and annealed.weight() == pytest.approx(0.4)


def test_no_warm_up_is_the_negative_elbo_loss(digits):
    model = tiny(beta=3.0).train()
    annealed = V.annealed_elbo_loss(0)
    assert annealed.weight(3.0) == 3.0
    torch.testing.assert_close(seeded(annealed, model, digits), seeded(V.negative_elbo_loss, model, digits))


@pytest.mark.parametrize("warmup_steps, error, match", [
    (-1, ValueError, r"^warmup_steps must be an int >= 0, got -1$"),
    (2.5, TypeError, r"^warmup_steps must be an int, got float 2\.5$"),
    (True, TypeError, r"^warmup_steps must be an int, got bool True$"),
])
def test_bad_warmup_steps_name_themselves(warmup_steps, error, match):
    with pytest.raises(error, match=match):
        V.annealed_elbo_loss(warmup_steps)


# --- a short real run --------------------------------------------------------------
