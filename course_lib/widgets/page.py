"""Widgets that compute in the reader's browser on the static website.

On the website no kernel runs. While the book is built (``COURSE_STATIC_WIDGETS=1``),
:func:`~course_lib.widgets.core.show` asks a chapter's widget for its *page*
version: the widget's model is exported to ONNX (:func:`onnx_model`), written
into the site's static folder under its SHA-256 (:func:`publish`), and the page
gets a placeholder that names the model and the controls (:func:`page_widget`).
``web/course/widgets.mjs`` finds the placeholders, draws the controls and runs
the model with onnxruntime-web's wasm build, single-threaded; the noise comes
from a seeded generator in the page. Inside each placeholder sits the widget's
animation, shown until the model runs and kept where it cannot (a page opened
from disk, where browsers refuse to load modules).

The model folder is ``$COURSE_WEB_MODELS`` (the Makefile sets it to
``web/static/course/models``, which Sphinx copies into the site); without it
the page version is not built and the animation is shown, as before.
"""
import hashlib
import html
import io
import json
import os
import warnings
from pathlib import Path

from .._checks import check_count, check_int
from .._tensors import as_tensor, to_numpy
from ..data import NUM_LEVELS
from .core import static_mode

MODELS_ENV_VAR = "COURSE_WEB_MODELS"
MODELS_URL = "models"  # the folder's name under the site's _static/course/, where widgets.mjs looks
VMAX = NUM_LEVELS - 1  # the grey level drawn black, as in course_lib.plotting.digit_tiles
KINDS = ("vae-sampler", "vae-interpolation", "vae-latent", "gan-sampler", "gan-walk", "names", "watermark",
         "membership")


def models_folder():
    """The folder the build publishes models into (``$COURSE_WEB_MODELS``), or None outside a page build."""
    folder = os.environ.get(MODELS_ENV_VAR, "")
    return Path(folder) if folder and static_mode() else None


def onnx_model(forward, example_inputs, input_names, output_names, dynamic_axes):
    """Export ``forward`` (a module whose submodules are the model's) to ONNX, as the bytes of one file.

    The module is exported in eval mode, and every submodule's training flag is
    restored afterwards: torch's exporter would otherwise leave the caller's model
    in the mode of the wrapper, dropout switched on.
    """
    import torch

    modes = {module: module.training for module in forward.modules()}
    buffer = io.BytesIO()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", torch.jit.TracerWarning)  # the Python-side checks, traced as constants
            warnings.simplefilter("ignore", DeprecationWarning)  # the TorchScript exporter, chosen for one file
            torch.onnx.export(forward.eval(), tuple(example_inputs), buffer, input_names=list(input_names),
                              output_names=list(output_names), dynamic_axes=dynamic_axes, dynamo=False)
    finally:
        for module, training in modes.items():
            module.train(training)
    return buffer.getvalue()


def _wrapper(function, model):
    import torch

    class Exported(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, *inputs):
            return function(self.model, *inputs)

    return Exported()


def vae_decoder_onnx(model):
    """The VAE's ``z -> expected grey levels`` (``decode_mean``) as ONNX: input ``z`` (N, latent_dim), output
    ``x`` (N, 64)."""
    import torch

    z = torch.zeros(2, model.config.latent_dim, dtype=model.dtype, device=model.device)
    return onnx_model(_wrapper(lambda m, z: m._decode_mean(z), model), [z], ["z"], ["x"],
                      {"z": {0: "n"}, "x": {0: "n"}})


def gan_generator_onnx(model):
    """The GAN's generator as ONNX: inputs ``z`` (N, noise_dim) and, if conditional, ``labels`` (N,) int64;
    output ``x`` (N, data_dim) in data units."""
    import torch

    z = torch.zeros(2, model.config.noise_dim, dtype=model.dtype, device=model.device)
    if model.conditional:
        labels = torch.zeros(2, dtype=torch.int64, device=model.device)
        return onnx_model(_wrapper(lambda m, z, y: m.generator(z, y), model), [z, labels], ["z", "labels"], ["x"],
                          {"z": {0: "n"}, "labels": {0: "n"}, "x": {0: "n"}})
    return onnx_model(_wrapper(lambda m, z: m.generator(z), model), [z], ["z"], ["x"],
                      {"z": {0: "n"}, "x": {0: "n"}})


def next_symbol_onnx(model):
    """A character model's next-symbol logits as ONNX: input ``tokens`` (N, T) int64, output ``logits`` (N, S)
    at the last position."""
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a neural character model (a torch.nn.Module), got {type(model).__name__}")
    tokens = torch.zeros(2, 3, dtype=torch.int64, device=model.device)
    return onnx_model(_wrapper(lambda m, t: m.next_logits(t), model), [tokens], ["tokens"], ["logits"],
                      {"tokens": {0: "n", 1: "t"}, "logits": {0: "n"}})


def publish(data, folder=None):
    """Write ``data`` (bytes) into the models folder as ``<sha256>.onnx``; return its URL relative to
    ``_static/course/``. A file of that name already holds these bytes, so it is never rewritten."""
    folder = models_folder() if folder is None else Path(folder)
    if folder is None:
        raise ValueError(f"no models folder: set {MODELS_ENV_VAR} (and COURSE_STATIC_WIDGETS=1) or pass folder")
    name = f"{hashlib.sha256(data).hexdigest()[:32]}.onnx"
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / name).exists():
        partial = folder / f".{name}.partial"
        partial.write_bytes(data)
        partial.replace(folder / name)
    return f"{MODELS_URL}/{name}"


NOTE = ("Live widgets need the website served over HTTP (make serve); opened from disk, this page shows the "
        "animation instead.")


def page_widget(kind, spec, fallback):
    """The placeholder ``widgets.mjs`` turns into a live widget, holding the ``fallback`` animation.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    spec : dict
        JSON-serialisable: the model's URL and everything the page needs.
    fallback : IPython.display.HTML
        The animation shown until (or unless) the model runs.
    """
    from IPython.display import HTML

    if kind not in KINDS:
        raise ValueError(f"kind must be one of {list(KINDS)}, got {kind!r}")
    data = html.escape(json.dumps(spec, separators=(",", ":")), quote=True)
    return HTML(f'<div class="course-page-widget" data-kind="{kind}" data-spec="{data}">'
                f'<div class="course-live" hidden></div>'
                f'<div class="course-fallback">{fallback.data}'
                f'<p class="course-fallback-note" hidden>{html.escape(NOTE)}</p></div></div>')


def vae_sampler_page(model, animation, n=16, ncols=8, seed=0):
    """The page version of :func:`~course_lib.widgets.vae_sampler`: resample, seed and temperature."""
    n = check_count("n", n, bytes_each=64, minimum=1)
    check_int("ncols", ncols, 1)
    spec = {"model": publish(vae_decoder_onnx(model)), "latent_dim": model.config.latent_dim, "n": n,
            "ncols": ncols, "seed": seed, "vmax": VMAX}
    return page_widget("vae-sampler", spec, animation)


def _rounded(array, digits=6):
    """An array as nested lists of floats to ``digits`` significant digits: compact JSON for the page."""
    def rounded(value):
        return [rounded(v) for v in value] if isinstance(value, list) else float(f"{value:.{digits}g}")

    return rounded(to_numpy(array).tolist())


def _levels(images):
    """Digits, shape (N, 64), as nested lists of integer grey levels."""
    images = as_tensor("images", images, shape=(None, 64))
    return [[int(round(v)) for v in row] for row in to_numpy(images).tolist()]


def vae_interpolation_page(model, images, animation, index_a=0, index_b=1):
    """The page version of :func:`~course_lib.widgets.vae_interpolation`: two digits chosen by index, the path's
    position and its method; the digits' latent means are computed here, the decoding in the page."""
    images = as_tensor("images", images, shape=(None, 64))
    latents = model.encode_mean(images)  # (N, latent_dim), eval mode
    spec = {"model": publish(vae_decoder_onnx(model)), "latents": _rounded(latents),
            "images": _levels(images),
            "index_a": index_a, "index_b": index_b, "vmax": VMAX}
    return page_widget("vae-interpolation", spec, animation)


def vae_latent_page(model, background, animation, limit=3.0):
    """The page version of :func:`~course_lib.widgets.vae_latent_explorer`: the scatter (``background``, from
    :func:`~course_lib.widgets.vae.latent_background`) as a PNG, the decoder run in the page."""
    import base64

    from .core import array_png

    if model.config.latent_dim != 2:
        raise ValueError(f"model must have a 2-D latent space, got latent_dim={model.config.latent_dim}")
    spec = {"model": publish(vae_decoder_onnx(model)), "limit": limit, "size": int(background.shape[0]),
            "background": "data:image/png;base64," + base64.b64encode(array_png(background)).decode(),
            "vmax": VMAX}
    return page_widget("vae-latent", spec, animation)


def gan_sampler_page(model, animation, n=16, ncols=8, seed=0):
    """The page version of :func:`~course_lib.widgets.gan_sampler`: resample, seed, truncation and, for a
    conditional GAN, the class."""
    from .gan import NO_TRUNCATION

    n = check_count("n", n, bytes_each=64, minimum=1)
    spec = {"model": publish(gan_generator_onnx(model)), "noise_dim": model.config.noise_dim,
            "num_classes": model.config.num_classes, "n": n, "ncols": ncols, "seed": seed,
            "max_truncation": NO_TRUNCATION, "vmax": VMAX}
    return page_widget("gan-sampler", spec, animation)


def gan_walk_page(model, animation, seed_a=0, seed_b=1):
    """The page version of :func:`~course_lib.widgets.gan_latent_walk`: two noise seeds, the position on the path
    and its method, and for a conditional GAN the class."""
    spec = {"model": publish(gan_generator_onnx(model)), "noise_dim": model.config.noise_dim,
            "num_classes": model.config.num_classes, "seed_a": seed_a, "seed_b": seed_b, "vmax": VMAX}
    return page_widget("gan-walk", spec, animation)


def watermark_page(lists, vocabulary, examples, text=""):
    """The page version of :func:`~course_lib.widgets.watermark_detector`: the key's green lists go into the page
    (no model is needed to test a text), which colours each typed symbol and computes z as
    :meth:`course_lib.watermark.GreenList.detect` does; ``examples`` (the static HTML) is the fallback."""
    spec = {"green": lists.green.int().tolist(), "share": lists.share, "symbols": vocabulary.symbols,
            "alphabet": vocabulary.alphabet, "text": text}
    return page_widget("watermark", spec, examples)


def membership_page(member_images, member_scores, other_images, other_scores, animation):
    """The page version of :func:`~course_lib.widgets.membership_explorer`: the digits and their scores go into
    the page (no model is needed), which draws the chosen digit, both sets' score histograms and the share of
    held-out digits the chosen one outscores; the AUC over all of them is computed here."""
    from .. import metrics
    from .ethics import _check_scores

    _check_scores(member_images, member_scores, other_images, other_scores)
    spec = {"members": _levels(member_images), "member_scores": _rounded(member_scores),
            "others": _levels(other_images), "other_scores": _rounded(other_scores), "vmax": VMAX,
            "auc": metrics.membership_auc(as_tensor("member_scores", member_scores),
                                          as_tensor("other_scores", other_scores))}
    return page_widget("membership", spec, animation)


def names_page(models, animation, n=16, seed=0):
    """The page version of :func:`~course_lib.widgets.names_widget` for its neural models (count models need
    their tables and stay in the notebook): model, temperature, top-p, prefix, condition, seed and resample; the
    sampling loop runs in the page, one model call per symbol."""
    import torch

    from ..autoregressive.sampling import UNBOUNDED_MAX_LENGTH

    neural = {label: model for label, model in models.items() if isinstance(model, torch.nn.Module)}
    if not neural:
        raise ValueError(f"models must hold at least one neural character model, got {list(models)}")
    entries = []
    for label, model in neural.items():
        vocabulary = model.vocabulary
        entries.append({"label": label, "model": publish(next_symbol_onnx(model)),
                        "symbols": vocabulary.symbols, "conditions": list(vocabulary.conditions),
                        "max_length": model.max_length or UNBOUNDED_MAX_LENGTH})
    return page_widget("names", {"models": entries, "n": n, "seed": seed}, animation)
