"""The VAE's sizes and training recipes, and the MLP both of its halves are made of."""
from dataclasses import dataclass

from torch import nn

from .._checks import check_dropout, check_int, check_number
from ..data import NUM_LEVELS


@dataclass(frozen=True)
class VAEConfig:
    """Sizes and loss weight of :class:`VAE`; defaults train on a laptop CPU in under a minute."""

    data_dim: int = 64  # 8x8 digits, flattened
    num_levels: int = NUM_LEVELS  # categorical over the grey levels 0..16 of each pixel
    latent_dim: int = 8  # 8 and 16 (the published digits VAE) score alike here; 8 is cheaper
    hidden_dim: int = 384  # wide enough to fit 1000 digits, small enough for 1 CPU core
    num_hidden: int = 2  # hidden layers in encoder and decoder each
    dropout: float = 0.2  # after each hidden layer: 1000 training digits overfit in ~40 epochs
    beta: float = 1.0  # weight of the KL term in the training loss (1 = the true ELBO)

    def __post_init__(self):
        for name in ("data_dim", "num_levels", "latent_dim", "hidden_dim", "num_hidden"):
            check_int(name, getattr(self, name), 1)
            object.__setattr__(self, name, int(getattr(self, name)))  # numpy ints too: checkpoints load weights_only
        check_dropout("dropout", self.dropout)
        check_number("beta", self.beta)


LATENT_2D = VAEConfig(latent_dim=2, hidden_dim=128, dropout=0.0)  # plottable; dropout 0.2 halved one dimension's spread
# chapter 4's VAE narrower and without dropout: about 2 s for 60 epochs, for the sweeps of chapters 8 and 9
SMALL = VAEConfig(hidden_dim=128, dropout=0.0)

# How chapter 4 and benchmarks/vae_digits.py train on the digits: keyword
# arguments of course_lib.train.fit. Early stopping on the validation ELBO
# restores the best epoch (about the 40th); patience 20 ends the run ~20 later.
DIGITS_RECIPE = {"epochs": 200, "batch_size": 64, "lr": 1e-3, "patience": 20}


def mlp(sizes, dropout):
    """Linear layers of ``sizes``, LeakyReLU (and dropout, if > 0) between them."""
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU())
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)
