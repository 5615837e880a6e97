"""The website's in-page widgets: exported models equal torch (onnxruntime), published once under their digest,
placeholders that carry the spec and the fallback, and show() choosing the right version."""
import re

import numpy as np
import pytest
import torch

from course_lib import gan, vae, widgets
from course_lib.autoregressive import (MLPCharLM, NGramCounts, PixelConfig, PixelTransformer, TransformerCharLM,
                                      TransformerConfig)
from course_lib.vae import VAEConfig
from course_lib.watermark import GreenList
from course_lib.widgets import page

from .placeholders import spec_of

ort = pytest.importorskip("onnxruntime")


def run(onnx, **inputs):
    session = ort.InferenceSession(onnx)
    return session.run(None, {name: value.numpy() for name, value in inputs.items()})[0]


@pytest.fixture(scope="module")
def small_vae():
    torch.manual_seed(0)
    return vae.VAE().eval()


def test_chapter_4s_decoder_is_stored_in_half_precision_and_computes_its_rounded_weights(small_vae):
    onnx = page.vae_decoder_onnx(small_vae)
    reference = page.reference_model(small_vae, onnx)
    assert page.stored_in_half(onnx) and reference is not small_vae
    for n in (1, 7):
        z = torch.randn(n, small_vae.config.latent_dim)
        got = run(onnx, z=z)
        np.testing.assert_allclose(got, reference.decode_mean(z).numpy(), rtol=0, atol=1e-5)
        assert 0 < np.abs(got - small_vae.decode_mean(z).numpy()).max() < 0.05  # grey levels 0..16


def test_a_small_decoder_keeps_full_precision():
    torch.manual_seed(4)
    model = vae.VAE(VAEConfig(latent_dim=2, hidden_dim=64)).eval()
    onnx = page.vae_decoder_onnx(model)
    assert len(onnx) <= page.HALF_ABOVE_BYTES and not page.stored_in_half(onnx)
    assert page.reference_model(model, onnx) is model
    z = torch.randn(5, 2)
    np.testing.assert_allclose(run(onnx, z=z), model.decode_mean(z).numpy(), rtol=0, atol=1e-5)


@pytest.mark.parametrize("config", [gan.DIGITS, gan.DIGITS_CONDITIONAL], ids=["unconditional", "conditional"])
def test_the_gan_generator_equals_torch(config):
    torch.manual_seed(1)
    model = gan.GAN(config).eval()
    z = torch.randn(5, config.noise_dim)
    labels = torch.tensor([0, 2, 4, 6, 9]) if model.conditional else None
    inputs = {"z": z} if labels is None else {"z": z, "labels": labels}
    with torch.no_grad():
        expected = model.generator(z, labels).numpy()
    np.testing.assert_allclose(run(page.gan_generator_onnx(model), **inputs), expected, rtol=0, atol=1e-5)


@pytest.mark.parametrize("make", [MLPCharLM, TransformerCharLM, lambda: TransformerCharLM(TransformerConfig(
    conditions=("female", "male")))], ids=["mlp", "transformer", "conditional transformer"])
def test_next_symbol_logits_equal_torch_at_every_length(make):
    torch.manual_seed(2)
    model = make().eval()
    onnx = page.next_symbol_onnx(model)
    start = model.vocabulary.start_token("male" if model.vocabulary.conditions else None)
    for length in (1, 4, 12):
        tokens = torch.randint(1, model.vocabulary.num_symbols, (3, length))
        tokens[:, 0] = start
        with torch.no_grad():
            expected = model.next_logits(tokens).numpy()
        np.testing.assert_allclose(run(onnx, tokens=tokens), expected, rtol=0, atol=1e-5)


@pytest.fixture(scope="module")
def small_pixels():
    torch.manual_seed(3)
    return PixelTransformer(PixelConfig(embed_dim=32, num_heads=2, num_layers=2)).eval()


@pytest.mark.parametrize("config", [PixelConfig(), PixelConfig(embed_dim=32, num_heads=2, num_layers=2)],
                         ids=["shipped size, in half precision", "small, in full precision"])
def test_the_pixel_step_with_its_cache_fed_back_equals_the_torch_model_without_one(config):
    torch.manual_seed(3)
    model = PixelTransformer(config).eval()
    onnx = page.pixel_step_onnx(model)
    reference = page.reference_model(model, onnx)
    assert page.stored_in_half(onnx) == (config == PixelConfig())
    session = ort.InferenceSession(onnx)
    x = torch.randint(0, 17, (3, 64))
    shape = (config.num_layers, 3, config.num_heads, 0, config.embed_dim // config.num_heads)
    keys = values = np.zeros(shape, dtype=np.float32)  # nothing cached yet, as the page starts
    for length in (1, 9, 10, 64):  # one pixel, a run of observed ones, one more, the rest
        logits, keys, values = session.run(None, {"x": x[:, :length].numpy(), "keys": keys, "values": values})
        with torch.no_grad():
            expected, (expected_keys, _) = reference.extend(x[:, :length])
            exact = model(x[:, :length])[:, -1]
        np.testing.assert_allclose(logits, expected[:, -1].numpy(), rtol=0, atol=1e-5)
        np.testing.assert_allclose(keys, expected_keys.numpy(), rtol=0, atol=1e-5)
        assert keys.shape[3] == values.shape[3] == length
        assert np.abs(logits - exact.numpy()).max() < 1e-2  # half precision: the rounding stays small


def test_half_weights_halves_the_file_and_keeps_small_weights_exact(small_pixels):
    full = page.onnx_model(page._wrapper(lambda m, x: m(x)[:, -1], small_pixels),
                           [torch.zeros(2, 3, dtype=torch.int64)], ["x"], ["logits"], {"x": {0: "n", 1: "t"}})
    half = page.half_weights_onnx(full)
    import onnx

    large = [w for w in onnx.load_from_string(full).graph.initializer if np.prod(w.dims) >= page.HALF_MIN_SIZE]
    halved = 2 * sum(np.prod(w.dims) for w in large)  # bytes: 4 per number before, 2 after
    assert large and 0 < halved - (len(full) - len(half)) < 100 * len(large)  # less a few bytes per Cast node
    stored = {w.name: w.data_type for w in onnx.load_from_string(half).graph.initializer}
    assert {stored[f"{w.name}.float16"] for w in large} == {onnx.TensorProto.FLOAT16}
    small = [w.name for w in onnx.load_from_string(full).graph.initializer if np.prod(w.dims) < page.HALF_MIN_SIZE]
    assert small and {stored[name] for name in small} <= {onnx.TensorProto.FLOAT, onnx.TensorProto.INT64}


def test_a_weight_beyond_float16s_range_stays_float32():
    torch.manual_seed(5)
    linear = torch.nn.Linear(64, 32)
    with torch.no_grad():
        linear.weight[0, 0] = 1e5  # float16 ends at 65504
    export = page.onnx_model(page._wrapper(lambda m, x: m(x), linear), [torch.zeros(2, 64)], ["x"], ["y"],
                             {"x": {0: "n"}})
    half = page.half_weights_onnx(export)
    assert not page.stored_in_half(half)
    x = torch.randn(3, 64)
    with torch.no_grad():
        np.testing.assert_allclose(run(half, x=x), linear(x).numpy(), rtol=1e-5, atol=1e-3)


def test_exporting_leaves_every_modules_training_flag_as_it_was(small_vae):
    small_vae.train()
    small_vae.decoder[2].eval()  # one dropout layer off, to see that each flag, not only the top one, is restored
    page.vae_decoder_onnx(small_vae)
    assert small_vae.training and small_vae.encoder.training and not small_vae.decoder[2].training
    small_vae.eval()


def test_count_models_are_refused_by_name():
    with pytest.raises(TypeError, match="model must be a neural character model"):
        page.next_symbol_onnx(NGramCounts(2).fit(["anna", "bob"]))


def test_a_model_is_published_once_under_its_digest(tmp_path):
    url = page.publish(b"onnx bytes", tmp_path)
    name = url.split("/")[-1]
    assert url == f"{page.MODELS_URL}/{name}" and re.fullmatch(r"[0-9a-f]{32}\.onnx", name)
    written = tmp_path / name
    before = written.stat().st_mtime_ns
    assert page.publish(b"onnx bytes", tmp_path) == url and written.stat().st_mtime_ns == before
    other = page.publish(b"other bytes", tmp_path)
    assert other != url and sorted(p.name for p in tmp_path.iterdir()) == sorted([name, other.split("/")[-1]])


def test_publishing_without_a_models_folder_names_the_variable(monkeypatch):
    monkeypatch.delenv(page.MODELS_ENV_VAR, raising=False)
    with pytest.raises(ValueError, match=page.MODELS_ENV_VAR):
        page.publish(b"x")


def test_the_placeholder_carries_kind_spec_fallback_and_a_hidden_note():
    from IPython.display import HTML

    placeholder = page.page_widget("vae-sampler", {"model": "models/x.onnx", "quote": "a \"b\" <c>"},
                                   HTML("<p>the animation</p>"))
    assert spec_of(placeholder) == ("vae-sampler", {"model": "models/x.onnx", "quote": "a \"b\" <c>"})
    assert '<div class="course-live" hidden></div>' in placeholder.data
    assert "<p>the animation</p>" in placeholder.data and '<p class="course-fallback-note" hidden>' in placeholder.data
    with pytest.raises(ValueError, match="kind must be one of"):
        page.page_widget("flow-sampler", {}, HTML(""))


@pytest.fixture
def models_folder(tmp_path, monkeypatch):
    monkeypatch.setenv(widgets.STATIC_ENV_VAR, "1")
    monkeypatch.setenv(page.MODELS_ENV_VAR, str(tmp_path))
    return tmp_path


def test_page_specs_hold_what_the_page_needs(small_vae, models_folder):
    from IPython.display import HTML

    fallback = HTML("<p>animation</p>")
    kind, spec = spec_of(widgets.vae_sampler_page(small_vae, fallback, n=4, ncols=2))
    assert kind == "vae-sampler" and (spec["n"], spec["ncols"], spec["latent_dim"], spec["vmax"]) == (4, 2, 8, 16)
    assert (models_folder / spec["model"].split("/")[1]).is_file()
    images = torch.randint(0, 17, (3, 64)).float()
    kind, spec = spec_of(widgets.vae_interpolation_page(small_vae, images, fallback, 0, 2))
    np.testing.assert_allclose(spec["latents"], small_vae.encode_mean(images).numpy(), rtol=1e-5, atol=1e-6)
    assert spec["images"] == images.int().tolist() and (spec["index_a"], spec["index_b"]) == (0, 2)
    with pytest.raises(ValueError, match="2-D latent space"):
        widgets.vae_latent_page(small_vae, np.zeros((240, 240, 3), np.uint8), fallback)
    kind, spec = spec_of(widgets.gan_walk_page(gan.GAN(gan.DIGITS_CONDITIONAL), fallback, 3, 4))
    assert kind == "gan-walk" and (spec["seed_a"], spec["seed_b"], spec["num_classes"]) == (3, 4, 10)
    names = {"counts": NGramCounts(2).fit(["anna"]), "mlp": MLPCharLM()}
    lists = GreenList.for_vocabulary("key", names["mlp"].vocabulary)
    kind, spec = spec_of(widgets.watermark_page(lists, names["mlp"].vocabulary, fallback, "smith"))
    assert kind == "watermark" and spec["green"] == lists.green.int().tolist() and spec["share"] == lists.share
    assert (spec["text"], spec["alphabet"]) == ("smith", names["mlp"].vocabulary.alphabet)
    members, others = torch.full((3, 64), 16.0), torch.zeros((2, 64))
    kind, spec = spec_of(widgets.membership_page(members, torch.tensor([-80.0, -90.0, -70.0]), others,
                                              torch.tensor([-85.0, -100.0]), fallback))
    assert kind == "membership" and spec["members"] == members.int().tolist() and spec["others"] == [[0] * 64] * 2
    assert spec["member_scores"] == [-80.0, -90.0, -70.0] and spec["auc"] == pytest.approx(5 / 6)
    with pytest.raises(ValueError, match="member_images and member_scores"):
        widgets.membership_page(members[:1], torch.tensor([-80.0, -90.0]), others, torch.zeros(2), fallback)
    kind, spec = spec_of(widgets.names_page(names, fallback))
    assert [entry["label"] for entry in spec["models"]] == ["mlp"]  # count models stay in the notebook
    assert spec["models"][0]["symbols"] == names["mlp"].vocabulary.symbols
    with pytest.raises(ValueError, match="at least one neural character model"):
        widgets.names_page({"counts": names["counts"]}, fallback)


def test_the_completion_and_quiz_specs_hold_what_the_page_needs(small_pixels, models_folder):
    from IPython.display import HTML

    fallback = HTML("<p>animation</p>")
    images = torch.randint(0, 17, (5, 64)).float()
    kind, spec = spec_of(widgets.completion_page(small_pixels, images, fallback, index=2, region="right half"))
    assert kind == "completion" and (spec["index"], spec["region"], spec["seed"]) == (2, "right half", 0)
    assert spec["images"] == images.int().tolist() and (models_folder / spec["model"].split("/")[1]).is_file()
    assert spec["regions"] == {r: widgets.observed_mask(r).int().tolist() for r in widgets.COMPLETION_REGIONS}
    assert spec["cache"] == [2, 2, 16]  # layers, heads, head size: the shape of the model's cache
    with pytest.raises(ValueError, match="region must be one of"):
        widgets.completion_page(small_pixels, images, fallback, region="left half")
    with pytest.raises(ValueError, match="images"):
        widgets.completion_page(small_pixels, images + 0.5, fallback)  # not whole grey levels
    real, fake = torch.randint(0, 17, (12, 64)).float(), torch.rand(30, 64) * 16
    kind, spec = spec_of(widgets.quiz_page(real, fake, fallback, rounds=4, pool=10))
    assert kind == "quiz" and spec["rounds"] == 4 and spec["real"] == real[:10].int().tolist()
    np.testing.assert_allclose(spec["fake"], fake[:10].numpy(), rtol=0, atol=0.05 + 1e-6)  # 3 significant digits
    with pytest.raises(ValueError, match="pool must be at least rounds=4, got 3"):
        widgets.quiz_page(real, fake, fallback, rounds=4, pool=3)
    with pytest.raises(ValueError, match="fake_images must hold at least rounds=8"):
        widgets.quiz_page(real, fake[:5], fallback)


def test_show_picks_the_live_widget_the_page_widget_or_the_animation(monkeypatch, tmp_path):
    from IPython import display

    shown = []
    monkeypatch.setattr(display, "display", shown.append)
    live, animation, in_page = (lambda: "live"), (lambda: "animation"), (lambda fallback: f"page around {fallback}")
    monkeypatch.delenv(widgets.STATIC_ENV_VAR, raising=False)
    widgets.show(live, animation, in_page)
    monkeypatch.setenv(widgets.STATIC_ENV_VAR, "1")
    monkeypatch.delenv(page.MODELS_ENV_VAR, raising=False)
    widgets.show(live, animation, in_page)  # a website build that publishes no models
    monkeypatch.setenv(page.MODELS_ENV_VAR, str(tmp_path))
    widgets.show(live, animation, in_page)
    widgets.show(live, animation)  # a widget without a page version
    assert shown == ["live", "animation", "page around animation", "animation"]
