"""Generative adversarial networks (Goodfellow et al. 2014), chapter 5.

Read from the smallest part up: :mod:`.losses` (the value function and the
generator's losses as named functions of the discriminator's logits),
:mod:`.config` (sizes, ready-made configs, the MLP), :mod:`.model` (the
generator, the discriminator and the :class:`GAN` that holds both). The
alternating training loop is :func:`course_lib.adversarial.fit_gan`.
"""
from .config import DIGITS, DIGITS_CONDITIONAL, DIGITS_RECIPE, OUTPUTS, RING, RING_RECIPE, GANConfig
from .losses import (GENERATOR_LOSSES, discriminator_loss, minimax_value, non_saturating_generator_loss, r1_penalty,
                     saturating_generator_loss)
from .model import GAN, Discriminator, Generator

__all__ = ["DIGITS", "DIGITS_CONDITIONAL", "DIGITS_RECIPE", "RING_RECIPE", "GAN", "GANConfig", "GENERATOR_LOSSES", "OUTPUTS", "RING", "Discriminator",
           "Generator", "discriminator_loss", "minimax_value", "non_saturating_generator_loss", "r1_penalty",
           "saturating_generator_loss"]
