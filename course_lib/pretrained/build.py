"""Recipes that rebuild the shipped models: the data, the seed and the training call of each.

Training runs with torch's default CPU kernels; on another machine or thread
count the weights (and so the digest) can differ in the last bits while the
quality is the same. ``benchmarks/autoregressive_quality.py`` measures it.
"""
from .. import setup, train
from ..autoregressive import (MLP_RECIPE, PIXEL_RECIPE, TRANSFORMER_RECIPE, MLPCharLM, PixelTransformer,
                              TransformerCharLM, next_token_loss, pixel_loss)
from ..data import load_digits, load_names
from ..features import FEATURE_RECIPE, DigitsFeatureNet, classifier_loss


def _last_names(model):
    return [model.vocabulary.encode(load_names(split, "last")) for split in ("train", "val")]


def names_mlp():
    model = MLPCharLM()
    return model, train.fit(model, next_token_loss, *_last_names(model), seed=0, progress=False, **MLP_RECIPE)


def names_transformer():
    model = TransformerCharLM()
    return model, train.fit(model, next_token_loss, *_last_names(model), seed=0, progress=False,
                            **TRANSFORMER_RECIPE)


def digits_pixels():
    model = PixelTransformer()
    (x_train, _), (x_val, _) = load_digits("train"), load_digits("val")
    return model, train.fit(model, pixel_loss, x_train, x_val, seed=0, progress=False, **PIXEL_RECIPE)


def digits_features():
    model = DigitsFeatureNet()
    return model, train.fit(model, classifier_loss, load_digits("train"), load_digits("val"), seed=0, progress=False,
                            **FEATURE_RECIPE)


RECIPES = {"names-mlp": names_mlp, "names-transformer": names_transformer, "digits-pixels": digits_pixels,
           "digits-features": digits_features}


def build(name, seed=0):
    """Train the shipped model ``name`` from scratch (global seed ``seed``); return it and its ``History``."""
    setup(seed, quiet=True)
    model, history = RECIPES[name]()
    return model.eval(), history
