"""Sizes and knobs of :class:`~course_lib.gan.GAN`, ready-made configs, and the MLP both players use."""
from dataclasses import dataclass

from torch import nn

from .._checks import check_choice, check_int, check_number

OUTPUTS = ("linear", "tanh")


@dataclass(frozen=True)
class GANConfig:
    """A generator G: z -> x and a discriminator D: x -> logit, both MLPs (chapter 5).

    With ``num_classes > 0`` both players also see a label through a learned
    embedding, so the generator can be asked for a class (a conditional GAN).
    """

    data_dim: int = 2  # dimension of x: 2 for the toy sets, 64 for the 8x8 digits
    noise_dim: int = 8  # dimension of z ~ N(0, I); 8 is plenty for 2-D data
    hidden_dim: int = 128  # width of every hidden layer of both players
    num_hidden: int = 2  # hidden layers per player
    num_classes: int = 0  # > 0: class-conditional, labels 0..num_classes-1 embedded into both players
    embed_dim: int = 16  # size of the label embedding (conditional only)
    output: str = "linear"  # "linear" for unbounded data, "tanh" for pixels in [low, high]
    low: float = 0.0  # data range mapped to tanh's (-1, 1) when output == "tanh"
    high: float = 16.0  # the digits' top grey level
    spectral_norm: bool = False  # spectral normalisation of D's layers (Miyato et al. 2018), a stabiliser

    def __post_init__(self):
        for name, minimum in (("data_dim", 1), ("noise_dim", 1), ("hidden_dim", 1), ("num_hidden", 1),
                              ("num_classes", 0), ("embed_dim", 1)):
            check_int(name, getattr(self, name), minimum)
            object.__setattr__(self, name, int(getattr(self, name)))  # NumPy ints too: checkpoints load weights_only
        check_choice("output", self.output, OUTPUTS)
        check_number("low", self.low, minimum=-1e6)
        check_number("high", self.high, minimum=-1e6)
        if not self.low < self.high:
            raise ValueError(f"low must be below high, got low={self.low}, high={self.high}")
        if not isinstance(self.spectral_norm, bool):
            raise TypeError(f"spectral_norm must be True or False, got {self.spectral_norm!r}")


# The ring of 8 Gaussians (data.toy2d("ring")): small players, seconds on a CPU.
RING = GANConfig(data_dim=2, noise_dim=8, hidden_dim=64, num_hidden=2)
# The 8x8 digits: continuous grey levels in [0, 16] from a tanh output.
DIGITS = GANConfig(data_dim=64, noise_dim=32, hidden_dim=256, num_hidden=2, output="tanh")
# The same, conditioned on the digit's class.
DIGITS_CONDITIONAL = GANConfig(data_dim=64, noise_dim=32, hidden_dim=256, num_hidden=2, output="tanh",
                               num_classes=10)


# How chapter 5 and benchmarks/gan_quality.py train them: keyword arguments of
# course_lib.adversarial.fit_gan. On the ring (std 0.02), the R1 penalty kept all
# 8 modes and the linear decay of both learning rates took the share of samples
# within 3 std of a mode from about 0.3 to above 0.8 (benchmarks/gan_quality.py).
RING_RECIPE = {"steps": 15000, "batch_size": 128, "lr_d": 2e-3, "lr_g": 2e-3, "r1_weight": 0.5,
               "lr_schedule": "linear"}
DIGITS_RECIPE = {"steps": 3000, "batch_size": 128, "lr_d": 2e-3, "lr_g": 2e-3, "r1_weight": 1.0,
                 "lr_schedule": "linear"}


def mlp(sizes, spectral_norm=False):
    """Linear layers of ``sizes`` with LeakyReLU(0.2) between them (the DCGAN slope), optionally spectrally normalised."""
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        linear = nn.Linear(fan_in, fan_out)
        layers.append(nn.utils.parametrizations.spectral_norm(linear) if spectral_norm else linear)
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU(0.2))
    return nn.Sequential(*layers)
