"""Tests for course_lib.vae: references from torch.distributions, properties, errors."""
import math

import numpy as np
import pytest
import torch
from torch.distributions import Categorical, Independent, Normal, kl_divergence

from course_lib import vae as V
from course_lib.data import load_digits
from course_lib.train import fit

TINY = V.VAEConfig(latent_dim=3, hidden_dim=16, num_hidden=1, dropout=0.0)


@pytest.fixture(scope="module")
def digits():
    images, labels = load_digits("train")
    return images[:32], labels[:32]


@pytest.fixture()
def model():
    torch.manual_seed(0)
    return V.VAE(TINY)


# --- closed-form KL (eq. 4.6) -------------------------------------------------

def test_kl_matches_torch_distributions_and_monte_carlo():
    g = torch.Generator().manual_seed(1)
    mu_q, logvar_q = torch.randn(5, 4, generator=g), torch.randn(5, 4, generator=g)
    mu_p, logvar_p = torch.randn(5, 4, generator=g), torch.randn(5, 4, generator=g)
    q = Independent(Normal(mu_q, (0.5 * logvar_q).exp()), 1)
    p = Independent(Normal(mu_p, (0.5 * logvar_p).exp()), 1)
    closed = V.kl_diagonal_gaussians(mu_q, logvar_q, mu_p, logvar_p)
    torch.testing.assert_close(closed, kl_divergence(q, p), rtol=1e-5, atol=1e-5)
    z = q.sample((50_000,))  # (S, 5, 4)
    monte_carlo = (q.log_prob(z) - p.log_prob(z)).mean(0)
    torch.testing.assert_close(monte_carlo, closed, rtol=0.03, atol=0.05)


def test_kl_to_standard_normal_is_zero_only_at_the_prior():
    zeros = torch.zeros(2, 3)
    torch.testing.assert_close(V.kl_diagonal_gaussians(zeros, zeros), torch.zeros(2))
    assert (V.kl_diagonal_gaussians(zeros + 0.1, zeros) > 0).all()
    assert (V.kl_diagonal_gaussians(zeros, zeros - 0.5) > 0).all()


# --- distributions, shapes and dtypes -----------------------------------------

def test_encode_decode_return_distributions_with_expected_shapes(model, digits):
    x = digits[0][:5]
    q = model.encode(x)
    assert isinstance(q, Independent) and isinstance(q.base_dist, Normal)
    assert q.batch_shape == (5,) and q.event_shape == (3,)
    p = model.decode(q.rsample())
    assert isinstance(p.base_dist, Categorical)
    assert p.batch_shape == (5,) and p.event_shape == (64,)
    assert p.base_dist.logits.shape == (5, 64, 17)
    log_px = p.log_prob(x.long())
    manual = p.base_dist.logits.log_softmax(-1).gather(-1, x.long()[..., None]).squeeze(-1).sum(-1)
    torch.testing.assert_close(log_px, manual)  # Independent sums over the 64 pixels
    assert model.elbo(x).shape == (5,) and model.elbo(x).dtype == torch.float32
    assert model.log_prob(x, k=4).shape == (5,)
    assert model.reconstruct(x).shape == (5, 64)
    samples = model.sample(7)
    assert samples.shape == (7, 64) and samples.dtype == torch.float32
    assert torch.equal(samples, samples.round()) and samples.min() >= 0 and samples.max() <= 16
    means = model.sample(7, mean=True)
    assert means.shape == (7, 64) and 0 <= means.min() and means.max() <= 16


def test_elbo_is_reconstruction_minus_beta_kl(model, digits):
    x = digits[0][:6]
    recon, kl = model.elbo_terms(x, generator=torch.Generator().manual_seed(3))
    elbo = model.elbo(x, beta=0.25, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(elbo, recon - 0.25 * kl)
    assert (kl >= 0).all() and (recon <= 0).all()


def test_log_prob_with_one_sample_is_the_elbo_on_average(model, digits):
    # k = 1 estimates the KL by Monte Carlo, the ELBO in closed form: equal in expectation.
    x = digits[0][:4].repeat(2000, 1)  # (8000, 64)
    iw = model.log_prob(x, k=1, generator=torch.Generator().manual_seed(4)).view(2000, 4).mean(0)
    elbo = model.elbo(x, generator=torch.Generator().manual_seed(4)).detach().view(2000, 4).mean(0)
    torch.testing.assert_close(iw, elbo, rtol=0, atol=0.3)


def test_importance_weighted_bound_tightens_with_k(model, digits):
    x = digits[0]
    g = torch.Generator().manual_seed(5)
    elbo = torch.stack([model.elbo(x, generator=g).detach() for _ in range(20)]).mean(0)
    bounds = [model.log_prob(x, k=k, generator=g).mean() for k in (1, 10, 100)]
    assert elbo.mean() < bounds[1] < bounds[2]
    gaps = [bounds[2] - b for b in bounds[:2]]
    assert gaps[0] > gaps[1] > 0


def test_importance_weighted_estimate_matches_quadrature_in_one_dimension(digits):
    # With a 1-D latent space, log p(x) = log of the integral of p(x|z) p(z) dz can be computed on a grid.
    torch.manual_seed(2)
    model = V.VAE(V.VAEConfig(latent_dim=1, hidden_dim=16, num_hidden=1, dropout=0.0))
    x = digits[0][:3]
    z = torch.linspace(-10, 10, 4001)[:, None]  # (G, 1)
    with torch.no_grad():
        log_joint = model.decode(z[:, None, :]).log_prob(x.long()) + model.prior().log_prob(z)[:, None]  # (G, 3)
    exact = torch.logsumexp(log_joint, dim=0) + math.log(20 / 4000)
    estimate = model.log_prob(x, k=4000, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(estimate, exact, rtol=0, atol=0.05)
    elbo = model.elbo(x.repeat(1000, 1), generator=torch.Generator().manual_seed(1)).detach().view(1000, 3).mean(0)
    assert (elbo < exact - 0.1).all(), (elbo, exact)  # the ELBO is a bound; here it is visibly loose


def test_log_prob_chunks_agree(model, digits):
    x = digits[0][:10]
    whole = model.log_prob(x, k=8, generator=torch.Generator().manual_seed(6))
    torch.testing.assert_close(whole.shape, (10,))
    assert torch.isfinite(whole).all()
    one_row_at_a_time = model.log_prob(x, k=8, generator=torch.Generator().manual_seed(6), chunk_size=8)
    assert one_row_at_a_time.shape == (10,) and torch.isfinite(one_row_at_a_time).all()
    torch.testing.assert_close(whole.mean(), one_row_at_a_time.mean(), rtol=0.05, atol=5.0)


def test_float64_and_float32_inputs_give_the_same_results(model, digits):
    x32 = digits[0][:6]
    x64 = x32.double()
    assert model.check_x(x64).dtype == torch.float32 and model.check_x(x64).device == model.device
    torch.testing.assert_close(model.encode(x64).mean, model.encode(x32).mean, rtol=0, atol=0)
    g = [torch.Generator().manual_seed(7) for _ in range(4)]
    torch.testing.assert_close(model.log_prob(x64, k=4, generator=g[0]), model.log_prob(x32, k=4, generator=g[1]),
                               rtol=0, atol=0)
    torch.testing.assert_close(model.elbo(x64, generator=g[2]), model.elbo(x32, generator=g[3]), rtol=0, atol=0)
    torch.testing.assert_close(model.reconstruct(x64), model.reconstruct(x32), rtol=0, atol=0)
    torch.testing.assert_close(model.interpolate(x64[0], x64[1], steps=3), model.interpolate(x32[0], x32[1], steps=3),
                               rtol=0, atol=0)
    torch.testing.assert_close(model.decode_mean(torch.zeros(2, 3, dtype=torch.float64)),
                               model.decode_mean(torch.zeros(2, 3)), rtol=0, atol=0)
    assert V.VAE().log_prob(torch.zeros(2, 64, dtype=torch.float64), k=2).shape == (2,)


def test_eval_mode_helpers_ignore_dropout_and_keep_the_mode(digits):
    torch.manual_seed(0)
    model = V.VAE(V.VAEConfig(latent_dim=3, hidden_dim=16, dropout=0.5)).train()
    x = digits[0][:4]
    torch.testing.assert_close(model.encode_mean(x), model.encode_mean(x), rtol=0, atol=0)
    z = torch.randn(5, 3)
    torch.testing.assert_close(model.decode_mean(z), model.decode_mean(z), rtol=0, atol=0)
    assert model.training
    model.eval()
    torch.testing.assert_close(model.encode_mean(x), model.encode(x).mean.detach(), rtol=0, atol=0)
    assert not model.encode_mean(x).requires_grad and not model.decode_mean(z).requires_grad


def test_interpolation_at_explicit_positions_matches_the_even_path(model, digits):
    x = digits[0]
    for method in ("linear", "slerp"):
        path = model.interpolate(x[0], x[1], steps=5, method=method)
        torch.testing.assert_close(model.interpolate(x[0], x[1], method=method, t=[0.25, 1.0]), path[[1, 4]])
        torch.testing.assert_close(model.interpolate(x[0], x[1], method=method, t=0.5), path[[2]])
    with pytest.raises(ValueError, match=r"^t must not be empty, got shape \(0,\)$"):
        model.interpolate(x[0], x[1], t=[])
    with pytest.raises(ValueError, match=r"^t must hold finite numbers, got 1 NaN or infinite values$"):
        model.interpolate(x[0], x[1], t=[0.5, float("nan")])
    with pytest.raises(ValueError, match=r"x_b must hold the integer levels 0\.\.16, got values in \[0\.5, 0\.5\]"):
        model.interpolate(x[0], torch.full((64,), 0.5))


# --- the reparameterisation trick -----------------------------------------------

def test_gradients_reach_the_encoder_through_rsample(model, digits):
    loss = V.negative_elbo_loss(model, digits[0][:8])
    loss.backward()
    for name, parameter in model.encoder.named_parameters():
        assert parameter.grad is not None and parameter.grad.abs().sum() > 0, name


def test_sampling_without_reparameterisation_cuts_the_encoder_off(model, digits):
    x = digits[0][:8]
    z = model.encode(x).sample()  # no rsample: no path back to the encoder
    model.decode(z).log_prob(x.long()).sum().backward()
    assert all(p.grad is None for p in model.encoder.parameters())


# --- sampling, reconstruction, interpolation -----------------------------------

def test_inference_runs_without_dropout_and_keeps_the_mode(digits):
    model = V.VAE(V.VAEConfig(latent_dim=3, hidden_dim=16, dropout=0.5)).train()
    x = digits[0][:4]
    torch.testing.assert_close(model.reconstruct(x), model.reconstruct(x))
    assert model.training
    g = [torch.Generator().manual_seed(0) for _ in range(2)]
    torch.testing.assert_close(model.log_prob(x, k=3, generator=g[0]), model.log_prob(x, k=3, generator=g[1]))


def test_seeded_sampling_is_repeatable(model):
    a = model.sample(5, generator=torch.Generator().manual_seed(0))
    b = model.sample(5, generator=torch.Generator().manual_seed(0))
    c = model.sample(5, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a, b) and not torch.equal(a, c)
    zero_temperature = model.sample(3, temperature=0.0, mean=True)
    torch.testing.assert_close(zero_temperature, model.decode_mean(torch.zeros(3, 3)).detach())


def test_interpolation_ends_at_the_reconstructions(model, digits):
    x = digits[0]
    for method in ("linear", "slerp"):
        path = model.interpolate(x[0], x[1], steps=5, method=method)
        assert path.shape == (5, 64)
        torch.testing.assert_close(path[[0, -1]], model.reconstruct(x[:2]))


def test_slerp_keeps_the_norm_and_the_ends():
    z_a, z_b = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0])
    path = V.slerp(z_a, z_b, torch.linspace(0, 1, 7))
    torch.testing.assert_close(path.norm(dim=1), torch.ones(7))
    torch.testing.assert_close(path[[0, -1]], torch.stack([z_a, z_b]))
    torch.testing.assert_close(path[3], torch.tensor([1.0, 1.0, 0.0]) / math.sqrt(2))
    parallel = V.slerp(z_a, 2 * z_a, torch.tensor([0.5]))
    torch.testing.assert_close(parallel[0], 1.5 * z_a)


# --- training ---------------------------------------------------------------------

def test_a_tiny_vae_overfits_a_handful_of_digits(digits):
    torch.manual_seed(0)
    model = V.VAE(V.VAEConfig(latent_dim=4, hidden_dim=64, num_hidden=1))
    history = fit(model, V.negative_elbo_loss, digits[0][:8], epochs=80, batch_size=8, lr=3e-3, progress=False)
    assert history.train_loss[-1] < 0.6 * history.train_loss[0], (history.train_loss[0], history.train_loss[-1])


# --- bad input ----------------------------------------------------------------

@pytest.mark.parametrize("bad, error, match", [
    (torch.full((2, 64), 17.0), ValueError, r"x must hold the integer levels 0\.\.16, got values in \[17, 17\]"),
    (torch.full((2, 64), -1.0), ValueError, r"x must hold the integer levels 0\.\.16"),
    (torch.full((2, 64), 0.5), ValueError, r"x must hold the integer levels 0\.\.16"),
    (torch.zeros(2, 63), ValueError, r"x must have shape \(N, 64\), got \(2, 63\)"),
    (torch.zeros(64), ValueError, r"x must have shape \(N, 64\), got \(64,\)"),
    (torch.zeros(2, 64, dtype=torch.bool), TypeError, r"^x must hold real numbers, got dtype torch.bool$"),
    ("digits", TypeError, r"^x must be a torch.Tensor, a NumPy array or a list of numbers, got str$"),
    (torch.zeros(2, 64, device="meta"), ValueError, r"^x is on the 'meta' device"),
])
def test_bad_images_are_rejected(model, bad, error, match):
    with pytest.raises(error, match=match):
        model.elbo(bad)


def test_bad_arguments_name_themselves(model, digits):
    x = digits[0][:2]
    with pytest.raises(ValueError, match=r"k must be an int >= 1, got 0"):
        model.log_prob(x, k=0)
    with pytest.raises(TypeError, match=r"k must be an int, got float 2\.0"):
        model.log_prob(x, k=2.0)
    with pytest.raises(ValueError, match=r"steps must be an int >= 2, got 1"):
        model.interpolate(x[0], x[1], steps=1)
    with pytest.raises(ValueError, match=r"method must be one of \['linear', 'slerp'\], got 'cubic'"):
        model.interpolate(x[0], x[1], method="cubic")
    with pytest.raises(ValueError, match=r"beta must be a finite number >= 0, got -1"):
        model.elbo(x, beta=-1)
    with pytest.raises(ValueError, match=r"beta must be a finite number >= 0, got -0\.5"):
        V.VAEConfig(beta=-0.5)
    with pytest.raises(ValueError, match=r"latent_dim must be an int >= 1, got 0"):
        V.VAEConfig(latent_dim=0)
    with pytest.raises(ValueError, match=r"^z must have shape \(\.\.\., 3\), got \(2, 5\)$"):
        model.decode(torch.zeros(2, 5))
    with pytest.raises(ValueError, match=r"n must be an int >= 1, got 0"):
        model.sample(0)
    with pytest.raises(TypeError, match=r"config must be a VAEConfig, got dict"):
        V.VAE({"latent_dim": 2})


@pytest.mark.parametrize("dropout, error, match", [
    ("0.2", TypeError, r"dropout must be a number, got str '0\.2'"),
    (True, TypeError, r"dropout must be a number, got bool True"),
    (-0.1, ValueError, r"dropout must be a finite number >= 0, got -0\.1"),
    (float("nan"), ValueError, r"dropout must be a finite number >= 0, got nan"),
    (1.0, ValueError, r"dropout must be a number in \[0, 1\), got 1\.0"),
])
def test_bad_dropout_names_itself(dropout, error, match):
    with pytest.raises(error, match=match):
        V.VAEConfig(dropout=dropout)


def test_latents_and_images_may_be_lists_arrays_or_integer_tensors(model, digits):
    z = torch.zeros(1, 3)
    torch.testing.assert_close(model.decode_mean([[0.0, 0.0, 0.0]]), model.decode_mean(z))
    torch.testing.assert_close(model.decode_mean(np.zeros((1, 3))), model.decode_mean(z))
    x = digits[0][:3]
    torch.testing.assert_close(model.reconstruct(x.long()), model.reconstruct(x))
    torch.testing.assert_close(model.reconstruct(x.numpy()), model.reconstruct(x))
    with pytest.raises(TypeError, match=r"^z must be a torch.Tensor, a NumPy array or a list of numbers, got str$"):
        model.decode("origin")
    with pytest.raises(ValueError, match=r"^z must have shape \(\.\.\., 3\), got \(4,\)$"):
        model.decode_mean(torch.zeros(4))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_model_samples_and_scores_on_its_device(digits):
    model = V.VAE(TINY).cuda()
    x = digits[0][:4].cuda()
    g = torch.Generator(device="cuda").manual_seed(0)
    assert model.sample(3, generator=g).device.type == "cuda"
    assert model.log_prob(x, k=4, generator=g).device.type == "cuda"
    assert model.interpolate(x[0], x[1], steps=3, method="slerp").device.type == "cuda"
    V.negative_elbo_loss(model, x).backward()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_model_takes_cpu_data(digits):
    model = V.VAE(TINY).cuda()
    x = digits[0][:4]  # on the CPU, as load_digits returns it
    assert model.log_prob(x, k=4).device.type == "cuda"
    assert model.elbo(x.double()).device.type == "cuda"
    assert model.reconstruct(x).device.type == "cuda"
    assert model.interpolate(x[0], x[1], t=[0.5]).device.type == "cuda"
    assert model.decode_mean(torch.zeros(2, 3)).device.type == "cuda"


def test_equal_generators_give_equal_elbos_in_eval_mode_and_with_a_seeded_dropout(digits):
    torch.manual_seed(0)
    model = V.VAE(V.VAEConfig(latent_dim=3, hidden_dim=16, num_hidden=1, dropout=0.3))
    x = digits[0][:8]
    model.eval()
    first = model.elbo(x, generator=torch.Generator().manual_seed(4))
    torch.testing.assert_close(model.elbo(x, generator=torch.Generator().manual_seed(4)), first, rtol=0, atol=0)
    model.train()  # dropout draws from the global generator, as the docstring says
    torch.manual_seed(1)
    train_a = model.elbo(x, generator=torch.Generator().manual_seed(4))
    torch.manual_seed(1)
    train_b = model.elbo(x, generator=torch.Generator().manual_seed(4))
    torch.testing.assert_close(train_a, train_b, rtol=0, atol=0)
    assert not torch.equal(train_a, first)


def test_validate_false_skips_the_level_check_for_training_batches(digits):
    model = V.VAE(V.VAEConfig(latent_dim=3, hidden_dim=16, num_hidden=1, dropout=0.0))
    fractional = digits[0][:4] + 0.5
    with pytest.raises(ValueError, match=r"^x must hold the integer levels 0\.\.16"):
        model.elbo(fractional)
    assert model.elbo(fractional, validate=False).shape == (4,)


def test_float64_models_sample_and_score_in_float64(digits):
    model = V.VAE(V.VAEConfig(latent_dim=3, hidden_dim=16, num_hidden=1, dropout=0.0)).double()
    assert model.sample(2).dtype == torch.float64 and model.sample(2, mean=True).dtype == torch.float64
    assert model.log_prob(digits[0][:3], k=4).dtype == torch.float64
    assert model(digits[0][:3]).dtype == torch.float64


def test_reparameterise_is_differentiable_in_mean_and_scale():
    mu, std = torch.zeros(2, 3, requires_grad=True), torch.ones(2, 3, requires_grad=True)
    eps = torch.full((5, 2, 3), 2.0)
    z = V.reparameterise(mu, std, eps)
    assert z.shape == (5, 2, 3) and torch.equal(z, eps)
    z.sum().backward()
    assert torch.equal(mu.grad, torch.full((2, 3), 5.0)) and torch.equal(std.grad, torch.full((2, 3), 10.0))
