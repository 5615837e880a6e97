"""The model protocol (CONTRIBUTING.md, "The model protocol"), run over every family's tiny model.

A new public class in ``course_lib`` with a ``sample`` method fails
``test_every_model_class_has_a_tiny_model`` until it is registered in
``TINY_MODELS`` below, so every family to come is run through the same checks.
A mixin (no constructor of its own, such as ``CharLanguageModel``) is run
through them by a registered subclass.
"""
import dataclasses
import importlib
import inspect
import pkgutil
from typing import Callable, NamedTuple

import numpy as np
import pytest
import torch

import course_lib
from course_lib import checkpoints
from course_lib.autoregressive import (BigramCounts, MLPCharLM, MLPConfig, NGramCounts, PixelConfig,
                                       PixelTransformer, TransformerCharLM, TransformerConfig)
from course_lib.classifiers import GaussianClassifier
from course_lib.data import load_digits, load_names, toy2d
from course_lib.gan import GAN, GANConfig
from course_lib.densities import Histogram2d
from course_lib.mixture import CategoricalMixture, GaussianMixture
from course_lib.vae import VAE, VAEConfig


def _toy(as_numpy):
    x, labels = toy2d("ring", n=200, seed=0)
    x = x.double()
    return (x.numpy(), labels.numpy()) if as_numpy else (x, labels)


def tiny_mixture(dtype, as_numpy):
    x, _ = _toy(as_numpy)
    model = GaussianMixture(3, random_state=0, dtype=dtype).fit(x)
    return model, x[:7]


def tiny_categorical(dtype, as_numpy):
    x = load_digits("train")[0][:100]
    return CategoricalMixture(3, random_state=0).fit(x), load_digits("test")[0][:7]  # float64 whatever the input


def tiny_classifier(dtype, as_numpy):
    x, labels = _toy(as_numpy)
    return GaussianClassifier("full").fit(x, labels % 3), x[:7]  # computes in float64 whatever the input


def tiny_histogram(dtype, as_numpy):
    x, _ = _toy(as_numpy)
    return Histogram2d(8).fit(x), x[:7]  # computes in float64 whatever the input


def tiny_vae(dtype, as_numpy):
    torch.manual_seed(0)
    model = VAE(VAEConfig(latent_dim=2, hidden_dim=8, num_hidden=1, dropout=0.1)).to(dtype)
    return model, load_digits("test")[0][:7]


def tiny_gan(dtype, as_numpy):
    torch.manual_seed(0)
    return GAN(GANConfig(data_dim=2, noise_dim=3, hidden_dim=8, num_hidden=1)).to(dtype), _toy(False)[0][:7]


def tiny_ngram(dtype, as_numpy):
    return NGramCounts(3, alpha=0.1).fit(load_names("train")[:200]), load_names("val")[:7]  # counts in float64


def tiny_bigram(dtype, as_numpy):
    return BigramCounts(alpha=0.3).fit(load_names("train")[:200]), load_names("val")[:7]


def tiny_mlp_lm(dtype, as_numpy):
    torch.manual_seed(0)
    model = MLPCharLM(MLPConfig(context=3, embed_dim=4, hidden_dim=8, dropout=0.1)).to(dtype)
    return model, load_names("val")[:7]


def tiny_transformer_lm(dtype, as_numpy):
    torch.manual_seed(0)
    model = TransformerCharLM(TransformerConfig(embed_dim=8, num_heads=2, num_layers=1, dropout=0.1)).to(dtype)
    return model, load_names("val")[:7]


def tiny_pixels(dtype, as_numpy):
    torch.manual_seed(0)
    model = PixelTransformer(PixelConfig(embed_dim=8, num_heads=2, num_layers=1, dropout=0.1)).to(dtype)
    return model, load_digits("test")[0][:7]


class TinyModel(NamedTuple):
    cls: type
    factory: Callable  # factory(dtype, as_numpy) -> (model, a few held-out inputs)
    dtypes: tuple  # the dtypes it supports
    kind: str  # what sample returns: "labelled" (samples, labels), "tensor" (samples) or "text" (a list of str)


FLOATS = (torch.float32, torch.float64)
TINY_MODELS = {tiny.cls.__name__: tiny for tiny in [
    TinyModel(GaussianMixture, tiny_mixture, FLOATS, "labelled"),
    TinyModel(GaussianClassifier, tiny_classifier, (torch.float64,), "labelled"),
    TinyModel(CategoricalMixture, tiny_categorical, (torch.float64,), "tensor"),
    TinyModel(GAN, tiny_gan, FLOATS, "tensor"),
    TinyModel(Histogram2d, tiny_histogram, (torch.float64,), "tensor"),
    TinyModel(VAE, tiny_vae, FLOATS, "tensor"),
    TinyModel(PixelTransformer, tiny_pixels, FLOATS, "tensor"),
    TinyModel(NGramCounts, tiny_ngram, (torch.float64,), "text"),
    TinyModel(BigramCounts, tiny_bigram, (torch.float64,), "text"),
    TinyModel(MLPCharLM, tiny_mlp_lm, FLOATS, "text"),
    TinyModel(TransformerCharLM, tiny_transformer_lm, FLOATS, "text"),
]}
CASES = [(name, dtype) for name, tiny in TINY_MODELS.items() for dtype in tiny.dtypes]


def _is_mixin(cls):
    """Behaviour shared by models, not a model: no constructor but object's, so nothing to configure or fit."""
    return cls.__init__ is object.__init__ or inspect.isabstract(cls)


def _model_classes():
    """Public classes defined in course_lib that have a ``sample`` method (mixins included)."""
    found = {}
    for info in pkgutil.walk_packages(course_lib.__path__, "course_lib."):
        if ".exercises" in info.name or info.name.rsplit(".", 1)[-1].startswith("_") or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and obj.__module__.startswith("course_lib") and not name.startswith("_")
                    and callable(getattr(obj, "sample", None))):
                found[name] = obj
    return found


def test_every_model_class_has_a_tiny_model():
    classes = _model_classes()
    assert {"GaussianMixture", "GaussianClassifier", "VAE", "CharLanguageModel"} <= set(classes)
    models = {name: cls for name, cls in classes.items() if not _is_mixin(cls)}
    missing = sorted(set(models) - set(TINY_MODELS))
    assert not missing, f"register a tiny model for {missing} in tests/test_protocol.py TINY_MODELS"
    assert all(TINY_MODELS[name].cls is cls for name, cls in models.items())
    for name, mixin in classes.items():  # a mixin is run through the protocol by its subclasses
        assert name in models or any(issubclass(tiny.cls, mixin) for tiny in TINY_MODELS.values()), \
            f"register a tiny model of a subclass of {name} in tests/test_protocol.py TINY_MODELS"


def _samples(name, output):
    kind = TINY_MODELS[name].kind
    if kind == "labelled":
        assert isinstance(output, tuple) and len(output) == 2, "labelled estimators return (X, labels)"
        return output[0]
    if kind == "text":
        assert isinstance(output, list) and all(isinstance(word, str) for word in output), \
            "text models return a list of str"
        return output
    assert isinstance(output, torch.Tensor), "torch models return a tensor of samples, no labels"
    return output


def _same(a, b):
    return a == b if isinstance(a, list) else torch.equal(a, b)


def _dtype_of(model, default):
    if isinstance(model, torch.nn.Module):
        return next(model.parameters()).dtype
    return getattr(model, "dtype", default)


@pytest.mark.parametrize("name, dtype", CASES)
def test_sample_repeats_with_equal_generators_and_lands_on_the_model(name, dtype):
    model, _ = TINY_MODELS[name].factory(dtype, as_numpy=False)
    x = _samples(name, model.sample(5, generator=torch.Generator().manual_seed(1)))
    assert len(x) == 5
    if TINY_MODELS[name].kind != "text":
        assert x.dtype == _dtype_of(model, dtype) and x.device.type == "cpu"
    same = _samples(name, model.sample(5, generator=torch.Generator().manual_seed(1)))
    other = _samples(name, model.sample(5, generator=torch.Generator().manual_seed(2)))
    assert _same(x, same) and not _same(x, other)
    assert len(_samples(name, model.sample(np.int64(3)))) == 3  # NumPy ints count too


@pytest.mark.parametrize("name, dtype", CASES)
def test_without_a_generator_draws_come_from_torchs_global_generator(name, dtype):
    model, _ = TINY_MODELS[name].factory(dtype, as_numpy=False)
    torch.manual_seed(3)
    first = _samples(name, model.sample(4))
    second = _samples(name, model.sample(4))
    torch.manual_seed(3)
    assert _same(first, _samples(name, model.sample(4))) and not _same(first, second)


@pytest.mark.parametrize("name, dtype", CASES)
def test_bad_generators_and_counts_are_named(name, dtype):
    model, _ = TINY_MODELS[name].factory(dtype, as_numpy=False)
    with pytest.raises(TypeError, match=r"^generator must be a torch.Generator or None, got int$"):
        model.sample(2, generator=0)
    with pytest.raises(TypeError, match=r"^generator must be a torch.Generator or None, got RandomState$"):
        model.sample(2, generator=np.random.RandomState(0))
    with pytest.raises(ValueError, match=r"^n must be an int >= 1, got 0$"):
        model.sample(0)
    with pytest.raises(TypeError, match=r"^n must be an int, got str '3'$"):
        model.sample("3")
    with pytest.raises(ValueError, match=r"^n=\d+ would need about .* GiB, more than the 2 GiB one call may use"):
        model.sample(10**12)


@pytest.mark.parametrize("name, dtype", CASES)
def test_log_prob_is_one_value_in_nats_per_example(name, dtype):
    model, x = TINY_MODELS[name].factory(dtype, as_numpy=False)
    if not hasattr(model, "log_prob"):
        pytest.skip(f"{name} has no likelihood (the protocol asks log_prob of density models only)")
    log_p = model.log_prob(x)
    assert isinstance(log_p, torch.Tensor) and log_p.shape == (len(x),)
    assert log_p.dtype == _dtype_of(model, dtype) and torch.isfinite(log_p).all()


@pytest.mark.parametrize("name", [n for n, tiny in TINY_MODELS.items() if tiny.kind == "text"])
def test_text_models_score_lists_of_str_their_own_samples_included(name):
    model, words = TINY_MODELS[name].factory(torch.float64, as_numpy=False)
    assert isinstance(words, list) and all(isinstance(word, str) for word in words)
    samples = model.sample(50, generator=torch.Generator().manual_seed(0))  # the empty word among them, say
    log_p = model.log_prob(samples)
    assert log_p.shape == (50,) and log_p.dtype == _dtype_of(model, torch.float64) and torch.isfinite(log_p).all()
    with pytest.raises(TypeError, match=r"^words must be a list of str, got Tensor$"):
        model.log_prob(torch.zeros(3, 4))


@pytest.mark.parametrize("name", [n for n, tiny in TINY_MODELS.items() if tiny.kind == "labelled"])
def test_scikit_learn_style_estimators_follow_the_input_type(name):
    model, x = TINY_MODELS[name].factory(torch.float64, as_numpy=True)  # fitted on NumPy arrays
    samples, labels = model.sample(3)
    assert isinstance(samples, np.ndarray) and isinstance(labels, np.ndarray) and samples.dtype == np.float64
    assert isinstance(model.log_prob(x), np.ndarray) and model.log_prob(x).shape == (len(x),)
    assert isinstance(model.log_prob(torch.as_tensor(x)), torch.Tensor)  # a tensor in, a tensor out


MODULE_CASES = [(n, d) for n, d in CASES if issubclass(TINY_MODELS[n].cls, torch.nn.Module)]


def _forward_input(model, x):
    """What ``model.forward`` reads, made from the tiny model's held-out inputs."""
    if isinstance(model, GAN):
        return model.noise(len(x))
    if isinstance(model, PixelTransformer):
        return x.long()  # grey levels as ids
    if TINY_MODELS[type(model).__name__].kind == "text":
        return model.vocabulary.encode(x)  # token ids (N, T)
    return x


@pytest.mark.parametrize("name, dtype", MODULE_CASES)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_inference_keeps_the_callers_mode(name, dtype, mode):
    model, x = TINY_MODELS[name].factory(dtype, as_numpy=False)
    model.train(mode == "train")
    model.sample(3)
    if hasattr(model, "log_prob"):
        model.log_prob(x)
    assert model.training == (mode == "train") and all(m.training == (mode == "train") for m in model.modules())


@pytest.mark.parametrize("name, dtype", MODULE_CASES)
def test_modules_have_forward_a_frozen_config_and_checkpoints(name, dtype, tmp_path):
    model, x = TINY_MODELS[name].factory(dtype, as_numpy=False)
    assert type(model).forward is not torch.nn.Module.forward
    model.eval()
    assert len(model(_forward_input(model, x))) == len(x)
    assert dataclasses.is_dataclass(model.config) and model.config.__dataclass_params__.frozen
    assert type(model).config_class is type(model.config)
    path = tmp_path / "model.pt"
    checkpoints.save(model, path)
    loaded = checkpoints.load(path, type(model))
    assert loaded.dtype == model.dtype
    g = torch.Generator().manual_seed(0)
    assert _same(loaded.sample(4, generator=g), model.sample(4, generator=g.manual_seed(0)))
    if hasattr(model, "log_prob"):
        estimated = "generator" in inspect.signature(model.log_prob).parameters  # the VAE's: seed both estimates
        log_p = [m.log_prob(x, **({"generator": g.manual_seed(0)} if estimated else {})) for m in (loaded, model)]
        torch.testing.assert_close(*log_p, rtol=0, atol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name, dtype", CASES)
def test_generators_on_either_device_work_with_a_cuda_model(name, dtype):
    model, x = TINY_MODELS[name].factory(dtype, as_numpy=False)
    kind = TINY_MODELS[name].kind
    if isinstance(model, torch.nn.Module):
        model = model.cuda()
    elif kind != "text":  # count models stay on the CPU; their draws still happen on the generator's device
        model.fit(_toy(False)[0].cuda(), *([_toy(False)[1].cuda() % 3] if isinstance(model, GaussianClassifier)
                                           else []))
    for generator in (torch.Generator().manual_seed(0), torch.Generator(device="cuda").manual_seed(0)):
        samples = _samples(name, model.sample(4, generator=generator))
        assert len(samples) == 4 and (kind == "text" or samples.device.type == "cuda")
