"""Recipes that rebuild the shipped models: the data, the seed and the training call of each.

Each recipe starts from the global seed it is listed with (:func:`course_lib.setup`)
and trains with the same seed. Equal weights give byte-identical checkpoints,
so a rebuild on the machine and thread count that made the shipped file gives
its digest; elsewhere torch's CPU kernels can change the last bits of the
weights (and so the digest) while the quality stays the same, which
``benchmarks/autoregressive_quality.py`` and ``tests/test_pretrained.py`` measure.
"""
from .. import setup, train
from .._checks import check_choice
from ..adversarial import fit_gan
from ..autoregressive import (MLP_RECIPE, PIXEL_RECIPE, TRANSFORMER_RECIPE, MLPCharLM, PixelTransformer,
                              TransformerCharLM, next_token_loss, pixel_loss)
from ..data import load_digits, load_names
from ..features import FEATURE_RECIPE, DigitsFeatureNet, classifier_loss
from ..gan import DIGITS, DIGITS_RECIPE, GAN
from . import GAN_SEEDS


def _last_names(model):
    return [model.vocabulary.encode(load_names(split, "last")) for split in ("train", "val")]


def names_mlp(seed):
    model = MLPCharLM()
    return model, train.fit(model, next_token_loss, *_last_names(model), seed=seed, progress=False, **MLP_RECIPE)


def names_transformer(seed):
    model = TransformerCharLM()
    return model, train.fit(model, next_token_loss, *_last_names(model), seed=seed, progress=False,
                            **TRANSFORMER_RECIPE)


def digits_pixels(seed):
    model = PixelTransformer()
    (x_train, _), (x_val, _) = load_digits("train"), load_digits("val")
    return model, train.fit(model, pixel_loss, x_train, x_val, seed=seed, progress=False, **PIXEL_RECIPE)


def digits_features(seed):
    model = DigitsFeatureNet()
    return model, train.fit(model, classifier_loss, load_digits("train"), load_digits("val"), seed=seed,
                            progress=False, **FEATURE_RECIPE)


def digits_gan(seed):
    model = GAN(DIGITS)
    return model, fit_gan(model, load_digits("train")[0], seed=seed, progress=False, **DIGITS_RECIPE)


# name -> (recipe, seed); recipe(seed) -> (model, History)
RECIPES = {"names-mlp": (names_mlp, 0), "names-transformer": (names_transformer, 0),
           "digits-pixels": (digits_pixels, 0), "digits-features": (digits_features, 0),
           **{f"digits-gan-{seed}": (digits_gan, seed) for seed in GAN_SEEDS}}


def build(name):
    """Train the shipped model ``name`` from scratch with its recipe and seed; return it and its ``History``."""
    check_choice("name", name, list(RECIPES))
    recipe, seed = RECIPES[name]
    setup(seed, quiet=True)
    model, history = recipe(seed)
    return model.eval(), history
