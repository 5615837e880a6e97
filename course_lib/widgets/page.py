"""Widgets that compute in the reader's browser on the static website.

On the website no kernel runs. While the book is built (``COURSE_STATIC_WIDGETS=1``),
:func:`~course_lib.widgets.core.show` asks a chapter's widget for its *page*
version, built in that chapter's widget module beside the live widget and the
animation (``vae_sampler_page`` in :mod:`.vae`, for instance). A widget whose
model must run exports it to ONNX (:func:`vae_decoder_onnx` and the others
here, through :func:`onnx_model`) and writes it into the site's static folder
under its SHA-256 (:func:`publish`); a widget that needs only data (the quiz,
chapter 8's replays, chapter 9's explorers) puts the data into its spec. Either
way the page gets a placeholder that holds the spec (:func:`page_widget`).
``web/course/widgets.mjs`` finds the placeholders, draws the controls and runs
the model with onnxruntime-web's wasm build, single-threaded; the noise comes
from a seeded generator in the page. Inside each placeholder sits the widget's
animation, shown until the widget has rendered and kept where it cannot (a page
opened from disk, where browsers refuse to load modules).

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

from .._tensors import as_tensor, to_numpy
from ..data import NUM_LEVELS
from .core import static_mode

MODELS_ENV_VAR = "COURSE_WEB_MODELS"
MODELS_URL = "models"  # the folder's name under the site's _static/course/, where widgets.mjs looks
VMAX = NUM_LEVELS - 1  # the grey level drawn black, as in course_lib.plotting.digit_tiles
# The site's budget for the in-page widgets is 20 MB, 14 of them onnxruntime-web: a model whose file would pass
# HALF_ABOVE_BYTES is stored with its weights in half precision (half_weights_onnx), halving its file.
HALF_ABOVE_BYTES = 2**19
HALF_MIN_SIZE = 1024  # weights of fewer numbers stay float32 even then: halving them gains nothing
KINDS = ("vae-sampler", "vae-interpolation", "vae-latent", "gan-sampler", "gan-walk", "names", "completion", "quiz",
         "ring-replay", "posterior-collapse", "watermark", "membership")


def models_folder():
    """The folder the build publishes models into (``$COURSE_WEB_MODELS``), or None outside a page build."""
    folder = os.environ.get(MODELS_ENV_VAR, "")
    return Path(folder) if folder and static_mode() else None


def onnx_model(forward, example_inputs, input_names, output_names, dynamic_axes):
    """Export ``forward`` (a module whose submodules are the model's) to ONNX, as the bytes of one file.

    The module is exported in eval mode, and every submodule's training flag is
    restored afterwards: torch's exporter would otherwise leave the caller's model
    in the mode of the wrapper, dropout switched on. A file over
    :data:`HALF_ABOVE_BYTES` is returned with its weights in half precision
    (:func:`half_weights_onnx`; :func:`stored_in_half` tells).
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
    data = buffer.getvalue()
    return half_weights_onnx(data) if len(data) > HALF_ABOVE_BYTES else data


def half_weights_onnx(data):
    """An ONNX model (bytes) with its float32 weights stored as float16, each cast back to float32 where used.

    The file halves; the page still computes in float32, on weights rounded to
    11 significant bits (a relative error of at most 2**-11, for weights of
    size above float16's smallest normal number, 6e-5), as
    :func:`reference_model` rounds a torch model. Only weights of at least
    :data:`HALF_MIN_SIZE` numbers, all within float16's range, are stored so.
    """
    import numpy as np
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load_from_string(data)
    casts = []
    for weight in model.graph.initializer:
        values = numpy_helper.to_array(weight)
        if weight.data_type == onnx.TensorProto.FLOAT and _halved(values):
            stored = f"{weight.name}.float16"
            weight.CopyFrom(numpy_helper.from_array(values.astype(np.float16), stored))
            casts.append(helper.make_node("Cast", [stored], [stored[:-len(".float16")]], to=onnx.TensorProto.FLOAT))
    nodes = [*casts, *model.graph.node]  # the casts first: the graph's nodes must come in topological order
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    onnx.checker.check_model(model)
    return model.SerializeToString()


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


def stored_in_half(data):
    """Whether the ONNX model ``data`` (bytes) holds weights in half precision (:func:`half_weights_onnx`)."""
    import onnx

    return any(w.data_type == onnx.TensorProto.FLOAT16 for w in onnx.load_from_string(data).graph.initializer)


def _halved(weight):
    """Whether :func:`half_weights_onnx` stores ``weight`` (an array) in half precision."""
    import numpy as np

    return weight.size >= HALF_MIN_SIZE and bool(np.all(np.abs(weight) <= np.finfo(np.float16).max))


def reference_model(model, data):
    """The torch model whose outputs the export ``data`` (bytes, of ``model``) must equal: ``model`` itself or, for
    a file stored in half precision (:func:`stored_in_half`), a copy with the same weights rounded to float16."""
    import copy

    import torch

    if not stored_in_half(data):
        return model
    rounded = copy.deepcopy(model)
    with torch.no_grad():
        for weight in rounded.parameters():
            if _halved(to_numpy(weight)):
                weight.copy_(weight.half().to(weight.dtype))
    return rounded


def pixel_step_onnx(model):
    """One step of a pixel model with its KV cache (:meth:`~course_lib.autoregressive.PixelTransformer.extend`) as
    ONNX.

    Inputs: ``x`` (N, T) int64 grey levels (pixel ``T - 1`` is not read), and ``keys`` and ``values``, float32
    (num_layers, N, num_heads, K, head_dim), the cache of pixels ``0..K-1`` (K = 0 to start). Outputs: ``logits``
    (N, num_levels) of pixel ``T - 1``, and ``next_keys`` and ``next_values``, the cache of pixels ``0..T-1``.
    """
    import torch

    config = model.config
    x = torch.zeros(2, 3, dtype=torch.int64, device=model.device)
    cache = torch.zeros(config.num_layers, 2, config.num_heads, 1, config.embed_dim // config.num_heads,
                        dtype=model.dtype, device=model.device)  # pixel 0 cached; 1 and 2 to compute

    def step(m, x, keys, values):
        logits, (keys, values) = m.extend(x, (keys, values))
        return logits[:, -1], keys, values

    return onnx_model(_wrapper(step, model), [x, cache, cache.clone()], ["x", "keys", "values"],
                      ["logits", "next_keys", "next_values"],
                      {"x": {0: "n", 1: "t"}, "keys": {1: "n", 3: "k"}, "values": {1: "n", 3: "k"},
                       "logits": {0: "n"}, "next_keys": {1: "n", 3: "t"}, "next_values": {1: "n", 3: "t"}})


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


def rounded(array, digits=6):
    """An array as nested lists of floats to ``digits`` significant digits: compact JSON for the page."""
    def rounded(value):
        return [rounded(v) for v in value] if isinstance(value, list) else float(f"{value:.{digits}g}")

    return rounded(to_numpy(array).tolist())


def levels(images):
    """Digits, shape (N, 64), as nested lists of integer grey levels."""
    images = as_tensor("images", images, shape=(None, 64))
    return [[int(round(v)) for v in row] for row in to_numpy(images).tolist()]
