"""A variational autoencoder for the 8x8 digits (Kingma and Welling, 2014).

Read from the smallest part up: the closed-form KL (eq. 4.6, in
:mod:`course_lib._gaussian`), :mod:`.config` (sizes and recipes), :mod:`.model`
(encoder, decoder, ELBO, importance-weighted likelihood), :mod:`.objectives`
(the training loss, and free bits and KL annealing against posterior collapse).
Save and load with
:mod:`course_lib.checkpoints`.

- encoder: x -> q(z|x) = N(mu(x), diag sigma^2(x)), an MLP giving mu and log sigma^2;
- prior: p(z) = N(0, I);
- decoder: z -> p(x|z), a categorical over the 17 grey levels of each of the
  64 pixels, independent given z.
"""
from .._gaussian import kl_diagonal_gaussians
from ..latent import INTERPOLATION_METHODS, latent_path, slerp
from .config import DIGITS_RECIPE, LATENT_2D, SMALL, VAEConfig
from .model import VAE, reparameterise
from .objectives import AnnealedELBOLoss, annealed_elbo_loss, free_bits_loss, negative_elbo_loss

__all__ = ["AnnealedELBOLoss", "DIGITS_RECIPE", "INTERPOLATION_METHODS", "LATENT_2D", "SMALL", "VAE", "VAEConfig",
           "annealed_elbo_loss", "free_bits_loss", "kl_diagonal_gaussians", "latent_path", "negative_elbo_loss",
           "reparameterise", "slerp"]
