"""Chapter 8's measurements of GAN training: the gradient that reaches the generator."""
import math
import re

import pytest
import torch

from course_lib import gan
from course_lib.adversarial import generator_gradient_norm


@pytest.fixture
def model():
    torch.manual_seed(0)
    return gan.GAN(gan.GANConfig(data_dim=2, noise_dim=3, hidden_dim=8, num_hidden=1))


def test_for_one_sample_the_saturating_gradient_is_the_other_times_exp_logit(model):
    z = torch.randn(1, 3, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        logit = model.discriminator(model.generator(z)).item()  # a(G(z))
    saturating = generator_gradient_norm(model, z, generator_loss="saturating")
    non_saturating = generator_gradient_norm(model, z)
    assert math.isclose(saturating / non_saturating, math.exp(logit), rel_tol=1e-5)


def test_the_norm_is_that_of_the_gradient_backward_computes_and_nothing_is_touched(model):
    z = torch.randn(16, 3, generator=torch.Generator().manual_seed(2))
    norm = generator_gradient_norm(model, z)
    assert all(p.grad is None for p in model.parameters())  # nothing stored, D not differentiated
    fake_logits = model.discriminator(model.generator(z))
    gan.non_saturating_generator_loss(fake_logits).backward()
    expected = torch.sqrt(sum(p.grad.square().sum() for p in model.generator.parameters())).item()
    assert math.isclose(norm, expected, rel_tol=1e-6)


def test_a_confident_discriminator_starves_the_saturating_loss(model):
    with torch.no_grad():
        model.discriminator.net[-1].bias.fill_(-12.0)  # D(G(z)) = sigmoid(a) with a around -12: samples rejected
    z = torch.randn(64, 3, generator=torch.Generator().manual_seed(3))
    assert generator_gradient_norm(model, z, generator_loss="saturating") < 1e-4 * generator_gradient_norm(model, z)


def test_bad_arguments_are_named(model):
    with pytest.raises(TypeError, match="^model must be a course_lib.gan.GAN, got Linear$"):
        generator_gradient_norm(torch.nn.Linear(2, 2), torch.zeros(2, 3))
    with pytest.raises(ValueError, match=re.escape("noise must have shape (N, 3), got (2, 4)")):
        generator_gradient_norm(model, torch.zeros(2, 4))
    with pytest.raises(ValueError, match="^generator_loss must be one of"):
        generator_gradient_norm(model, torch.zeros(2, 3), generator_loss="hinge")
