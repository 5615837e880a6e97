"""The model protocol (CONTRIBUTING.md, "The model protocol"), run over every family's tiny model.

A new public class in ``course_lib`` with a ``sample`` method fails
``test_every_model_class_has_a_tiny_model`` until it is registered in
``TINY_MODELS`` below, so every family to come is run through the same checks.
"""
import dataclasses
import importlib
import inspect
import pkgutil

import numpy as np
import pytest
import torch

import course_lib
from course_lib import checkpoints
from course_lib.classifiers import GaussianClassifier
from course_lib.data import load_digits, toy2d
from course_lib.gan import GAN, GANConfig
from course_lib.densities import Histogram2d
from course_lib.mixture import GaussianMixture
from course_lib.vae import VAE, VAEConfig


def _toy(as_numpy):
    x, labels = toy2d("ring", n=200, seed=0)
    x = x.double()
    return (x.numpy(), labels.numpy()) if as_numpy else (x, labels)


def tiny_mixture(dtype, as_numpy):
    x, _ = _toy(as_numpy)
    model = GaussianMixture(3, random_state=0, dtype=dtype).fit(x)
    return model, x[:7]


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


# name -> (factory(dtype, as_numpy) -> (model, a few held-out inputs), dtypes it supports, labelled?)
TINY_MODELS = {
    "GaussianMixture": (tiny_mixture, (torch.float32, torch.float64), True),
    "GaussianClassifier": (tiny_classifier, (torch.float64,), True),
    "GAN": (tiny_gan, (torch.float32, torch.float64), False),
    "Histogram2d": (tiny_histogram, (torch.float64,), False),
    "VAE": (tiny_vae, (torch.float32, torch.float64), False),
}
CASES = [(name, dtype) for name, (_, dtypes, _) in TINY_MODELS.items() for dtype in dtypes]


def _model_classes():
    """Public classes defined in course_lib that have a ``sample`` method."""
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
    assert {"GaussianMixture", "GaussianClassifier", "VAE"} <= set(classes)
    missing = sorted(set(classes) - set(TINY_MODELS))
    assert not missing, f"register a tiny model for {missing} in tests/test_protocol.py TINY_MODELS"


def _samples(name, output):
    labelled = TINY_MODELS[name][2]
    if labelled:
        assert isinstance(output, tuple) and len(output) == 2, "labelled estimators return (X, labels)"
        return output[0]
    assert isinstance(output, torch.Tensor), "torch models return a tensor of samples, no labels"
    return output


def _dtype_of(model, default):
    if isinstance(model, torch.nn.Module):
        return next(model.parameters()).dtype
    return getattr(model, "dtype", default)


@pytest.mark.parametrize("name, dtype", CASES)
def test_sample_repeats_with_equal_generators_and_lands_on_the_model(name, dtype):
    model, _ = TINY_MODELS[name][0](dtype, as_numpy=False)
    x = _samples(name, model.sample(5, generator=torch.Generator().manual_seed(1)))
    assert x.shape[0] == 5 and x.dtype == _dtype_of(model, dtype) and x.device.type == "cpu"
    same = _samples(name, model.sample(5, generator=torch.Generator().manual_seed(1)))
    other = _samples(name, model.sample(5, generator=torch.Generator().manual_seed(2)))
    assert torch.equal(x, same) and not torch.equal(x, other)
    assert _samples(name, model.sample(np.int64(3))).shape[0] == 3  # NumPy ints count too


@pytest.mark.parametrize("name, dtype", CASES)
def test_without_a_generator_draws_come_from_torchs_global_generator(name, dtype):
    model, _ = TINY_MODELS[name][0](dtype, as_numpy=False)
    torch.manual_seed(3)
    first = _samples(name, model.sample(4))
    second = _samples(name, model.sample(4))
    torch.manual_seed(3)
    assert torch.equal(first, _samples(name, model.sample(4))) and not torch.equal(first, second)


@pytest.mark.parametrize("name, dtype", CASES)
def test_bad_generators_and_counts_are_named(name, dtype):
    model, _ = TINY_MODELS[name][0](dtype, as_numpy=False)
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
    model, x = TINY_MODELS[name][0](dtype, as_numpy=False)
    if not hasattr(model, "log_prob"):
        pytest.skip(f"{name} has no likelihood (the protocol asks log_prob of density models only)")
    log_p = model.log_prob(x)
    assert isinstance(log_p, torch.Tensor) and log_p.shape == (len(x),)
    assert log_p.dtype == _dtype_of(model, dtype) and torch.isfinite(log_p).all()


@pytest.mark.parametrize("name", [n for n, (_, _, labelled) in TINY_MODELS.items() if labelled])
def test_scikit_learn_style_estimators_follow_the_input_type(name):
    model, x = TINY_MODELS[name][0](torch.float64, as_numpy=True)  # fitted on NumPy arrays
    samples, labels = model.sample(3)
    assert isinstance(samples, np.ndarray) and isinstance(labels, np.ndarray) and samples.dtype == np.float64
    assert isinstance(model.log_prob(x), np.ndarray) and model.log_prob(x).shape == (len(x),)
    assert isinstance(model.log_prob(torch.as_tensor(x)), torch.Tensor)  # a tensor in, a tensor out


TORCH_CASES = [(n, d) for n, d in CASES if TINY_MODELS[n][0] in (tiny_vae, tiny_gan)]


@pytest.mark.parametrize("name, dtype", TORCH_CASES)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_inference_keeps_the_callers_mode(name, dtype, mode):
    model, x = TINY_MODELS[name][0](dtype, as_numpy=False)
    model.train(mode == "train")
    model.sample(3)
    if hasattr(model, "log_prob"):
        model.log_prob(x)
    assert model.training == (mode == "train") and all(m.training == (mode == "train") for m in model.modules())


@pytest.mark.parametrize("name, dtype", TORCH_CASES)
def test_modules_have_forward_a_frozen_config_and_checkpoints(name, dtype, tmp_path):
    model, x = TINY_MODELS[name][0](dtype, as_numpy=False)
    assert type(model).forward is not torch.nn.Module.forward
    model.eval()
    assert len(model(x if isinstance(model, VAE) else model.noise(len(x)))) == len(x)
    assert dataclasses.is_dataclass(model.config) and model.config.__dataclass_params__.frozen
    assert type(model).config_class is type(model.config)
    path = tmp_path / "model.pt"
    checkpoints.save(model, path)
    loaded = checkpoints.load(path, type(model))
    g = torch.Generator().manual_seed(0)
    torch.testing.assert_close(loaded.sample(4, generator=g), model.sample(4, generator=g.manual_seed(0)))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("name, dtype", CASES)
def test_generators_on_either_device_work_with_a_cuda_model(name, dtype):
    model, x = TINY_MODELS[name][0](dtype, as_numpy=False)
    if isinstance(model, torch.nn.Module):
        model = model.cuda()
    else:
        model.fit(_toy(False)[0].cuda(), *([_toy(False)[1].cuda() % 3] if TINY_MODELS[name][2] and
                                           isinstance(model, GaussianClassifier) else []))
    for generator in (torch.Generator().manual_seed(0), torch.Generator(device="cuda").manual_seed(0)):
        assert _samples(name, model.sample(4, generator=generator)).device.type == "cuda"
