"""Models the course ships trained, so that chapters show them without minutes of training.

Each model is a checkpoint ``<name>.pt`` inside this package (so a git-URL
install has it too), loaded through :mod:`course_lib.checkpoints` with the
SHA-256 digest recorded in :data:`SHIPPED`: a file that was changed, cut short
or left as a Git LFS pointer is refused. ``python -m course_lib.pretrained
build NAME --out DIR`` retrains one from its recipe (:mod:`.build`) and prints
its digest.
"""
import importlib
from pathlib import Path

from .. import checkpoints
from .._checks import check_choice

GAN_SEEDS = (0, 1, 2)  # chapter 7 compares chapter 5's digits GAN over these training seeds
# name -> (module, class, what it is and how it was trained, SHA-256 of the shipped file)
SHIPPED = {
    "names-mlp": ("course_lib.autoregressive", "MLPCharLM",
                  "MLP character model of the census last names (autoregressive.MLP_RECIPE)",
                  "5585432badb1772f5691f1b87eaf58f49f1cf4b97ce72529c89b2870a58ca6db"),
    "names-transformer": ("course_lib.autoregressive", "TransformerCharLM",
                          "2-layer character transformer of the census last names (autoregressive.TRANSFORMER_RECIPE)",
                          "5beda0113c8e6fef76d5fb8295bb964737762f543564a0335985a8c9317596b0"),
    "digits-pixels": ("course_lib.autoregressive", "PixelTransformer",
                      "autoregressive model of the 8x8 digits' pixels (autoregressive.PIXEL_RECIPE)",
                      "03ea85e42e143a039bf3fb00b842f35f581f264e8cad0183ca24c461b87fdf93"),
    "digits-features": ("course_lib.features", "DigitsFeatureNet",
                        "classifier of the 8x8 digits whose features chapter 7 compares (features.FEATURE_RECIPE)",
                        "58159183a35c560f648c097685d9047c0ef53f86ebd535f001a952a66beb6fe6"),
    **{f"digits-gan-{seed}": ("course_lib.gan", "GAN", f"chapter 5's digits GAN, training seed {seed} "
                              "(gan.DIGITS_RECIPE); chapter 7 compares the three seeds", digest)
       for seed, digest in zip(GAN_SEEDS, [
           "c9c368b00e10e56fc9ce8735a52c863b49b5e90a46befa55cbba70a5c591ef6e",
           "ac725295ea6729faa02528ab38df81b45ad11142da4562d1cb8bf19bdd808204",
           "6e5a9698792b007cca0d0a32934352ddbb3a440d924c3770b0a6c80ddc84008e"])},
}
FOLDER = Path(__file__).parent


def model_class(name):
    """The class a shipped model is an instance of."""
    check_choice("name", name, list(SHIPPED))
    module, cls, _, _ = SHIPPED[name]
    return getattr(importlib.import_module(module), cls)


def path(name):
    """Where the shipped checkpoint of ``name`` lives."""
    check_choice("name", name, list(SHIPPED))
    return FOLDER / f"{name}.pt"


def load(name, map_location="cpu"):
    """The shipped model ``name`` (see :data:`SHIPPED`), checked against its SHA-256, in eval mode.

    Raises
    ------
    ValueError
        For an unknown name, or a file whose digest is not the recorded one.
    FileNotFoundError
        If the package was installed without its weights.
    """
    file, expected = path(name), SHIPPED[name][3]
    found = checkpoints.sha256(file) if file.is_file() else expected  # a missing file: load says so
    if found != expected:
        raise ValueError(f"{file}: SHA-256 is {found}, expected {expected}: the file is damaged "
                         f"or not the one shipped; reinstall the package, or rebuild it with `python -m "
                         f"course_lib.pretrained build {name} --out DIR` and record the new digest in SHIPPED")
    return checkpoints.load(file, model_class(name), map_location=map_location)  # in eval mode
