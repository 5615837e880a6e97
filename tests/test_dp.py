"""DP-SGD through Opacus: the epsilon is the accountant's, the caller's model comes back clean and trained."""
import math

import pytest
import torch
from opacus.accountants import RDPAccountant

from course_lib import checkpoints, data, dp, vae

pytestmark = pytest.mark.filterwarnings("error::UserWarning")  # the wrapper silences only Opacus's two notices


@pytest.fixture
def digits():
    return data.load_digits("train")[0][:200]


def small_vae():
    torch.manual_seed(0)
    return vae.VAE(vae.VAEConfig(hidden_dim=16, latent_dim=2, dropout=0.0))


def test_epsilon_is_the_rdp_accountants_for_the_steps_taken(digits):
    _, epsilon = dp.fit_private(small_vae(), vae.negative_elbo_loss, digits, epochs=3, batch_size=20,
                                noise_multiplier=1.1, max_grad_norm=1.0, delta=1e-4)
    accountant = RDPAccountant()
    accountant.history = [(1.1, 20 / 200, 3 * 200 // 20)]  # (sigma, sampling rate q, steps)
    assert math.isclose(epsilon, accountant.get_epsilon(1e-4), rel_tol=1e-9)
    assert math.isclose(dp.epsilon(1.1, 0.1, 30, 1e-4), epsilon, rel_tol=1e-9)  # restated without training


def test_epsilon_grows_as_delta_shrinks_and_is_infinite_without_noise():
    assert dp.epsilon(1.0, 0.1, 600, 1e-5) > dp.epsilon(1.0, 0.1, 600, 1e-3) > dp.epsilon(4.0, 0.1, 600, 1e-3)
    assert dp.epsilon(0.0, 0.1, 600, 1e-3) == float("inf")
    with pytest.raises(ValueError, match="sample_rate"):
        dp.epsilon(1.0, 0.0, 600, 1e-3)
    with pytest.raises(TypeError, match="steps must be an int"):
        dp.epsilon(1.0, 0.1, 600.0, 1e-3)
    with pytest.raises(ValueError, match="delta"):
        dp.epsilon(1.0, 0.1, 600, 0.0)


def test_more_noise_spends_less_privacy_and_no_noise_spends_all(digits):
    spent = [dp.fit_private(small_vae(), vae.negative_elbo_loss, digits, epochs=2, batch_size=20,
                            noise_multiplier=sigma)[1] for sigma in (0.7, 1.5, 0.0)]
    assert spent[1] < spent[0] < math.inf and spent[2] == math.inf


def test_the_model_is_trained_in_place_and_comes_back_without_opacus(digits, tmp_path):
    model = small_vae()
    before = -model.elbo(digits).mean().item()
    history, _ = dp.fit_private(model, vae.negative_elbo_loss, digits, epochs=8, batch_size=20, lr=1e-2,
                                noise_multiplier=0.5)
    assert -model.elbo(digits).mean().item() < before - 5 and len(history["train_loss"]) == 8
    assert not model.training and all(not hasattr(p, "grad_sample") for p in model.parameters())
    assert not any(module._forward_hooks or module._backward_hooks for module in model.modules())
    checkpoints.save(model, tmp_path / "dp.pt")
    assert type(checkpoints.load(tmp_path / "dp.pt", vae.VAE)) is vae.VAE


def test_a_seeded_run_repeats(digits):
    runs = [dp.fit_private(small_vae(), vae.negative_elbo_loss, digits, epochs=2, batch_size=20, seed=3)[0]
            for _ in range(2)]
    assert runs[0]["train_loss"] == runs[1]["train_loss"]


def test_bad_arguments_are_named(digits):
    model = small_vae()
    for keywords, match in [({"noise_multiplier": -1}, "noise_multiplier"), ({"max_grad_norm": 0}, "max_grad_norm"),
                            ({"delta": 1.5}, "delta"), ({"batch_size": 500}, "batch_size"), ({"epochs": 0}, "epochs")]:
        with pytest.raises(ValueError, match=match):
            dp.fit_private(model, vae.negative_elbo_loss, digits, **keywords)
    with pytest.raises(TypeError, match="loss_fn"):
        dp.fit_private(model, "elbo", digits)
