"""Write the Node tests' fixtures into a folder: small seeded models exported as the website exports them
(course_lib.widgets.page), fixed inputs and torch's outputs, and references for the pure functions of
web/course/sampling.mjs (filtering, the latent path, the digit tiles).

Usage: python web/test/make_fixtures.py FOLDER    (make web-test runs it, then node --test web/test/)
"""
import json
import sys
from pathlib import Path

import torch

from course_lib import gan, latent, plotting, vae
from course_lib._cli import OneLineParser
from course_lib.autoregressive import (MLPCharLM, PixelConfig, PixelTransformer, TransformerCharLM, TransformerConfig,
                                      filter_logits)
from course_lib.watermark import GreenList
from course_lib.widgets import page


def models():
    """name -> (ONNX bytes, inputs as name -> (type, values, dims), torch's outputs as name -> values)."""
    torch.manual_seed(0)
    cases = {}
    decoder = vae.VAE().eval()  # chapter 4's size: stored in half precision, and so is the reference
    z = torch.randn(5, decoder.config.latent_dim)
    onnx = page.vae_decoder_onnx(decoder)
    cases["vae-decoder"] = (onnx, {"z": ("float32", z)}, {"x": page.reference_model(decoder, onnx).decode_mean(z)})
    for name, config in (("gan", gan.DIGITS), ("conditional-gan", gan.DIGITS_CONDITIONAL)):
        model = gan.GAN(config).eval()
        z = torch.randn(4, config.noise_dim)
        inputs = {"z": ("float32", z)}
        labels = torch.tensor([0, 3, 7, 9]) if model.conditional else None
        if labels is not None:
            inputs["labels"] = ("int64", labels)
        with torch.no_grad():
            cases[name] = (page.gan_generator_onnx(model), inputs, {"x": model.generator(z, labels)})
    for name, model in (("names-mlp", MLPCharLM()), ("names-transformer", TransformerCharLM()),
                        ("conditional-transformer", TransformerCharLM(TransformerConfig(conditions=("f", "m"))))):
        model.eval()
        start = model.vocabulary.start_token("m" if model.vocabulary.conditions else None)
        tokens = torch.randint(1, model.vocabulary.num_symbols, (3, 7))
        tokens[:, 0] = start
        with torch.no_grad():
            cases[name] = (page.next_symbol_onnx(model), {"tokens": ("int64", tokens)},
                           {"logits": model.next_logits(tokens)})
    pixels = PixelTransformer(PixelConfig(embed_dim=32, num_heads=2, num_layers=2)).eval()
    onnx = page.pixel_step_onnx(pixels)
    x = torch.randint(0, pixels.config.num_levels, (3, 20))
    with torch.no_grad():
        for name, cached in (("pixels-start", 0), ("pixels-cached", 12)):  # the page's first call, and a later one
            keys, values = pixels.extend(x[:, :cached])[1] if cached else [torch.zeros(2, 3, 2, 0, 16)] * 2
            logits, (next_keys, next_values) = pixels.extend(x, (keys, values))
            cases[name] = (onnx, {"x": ("int64", x), "keys": ("float32", keys), "values": ("float32", values)},
                           {"logits": logits[:, -1], "next_keys": next_keys, "next_values": next_values})
    return cases


def functions():
    """References for sampling.mjs, computed by the Python functions it mirrors."""
    torch.manual_seed(1)
    logits = torch.randn(4, 27, dtype=torch.float64) * 2
    filtered = [{"logits": logits[i].tolist(), "temperature": t, "top_p": p,
                 "probs": filter_logits(logits[i:i + 1], t, top_p=None if p >= 1 else p)[0].tolist()}
                for i, (t, p) in enumerate(((1.0, 1.0), (0.5, 1.0), (1.0, 0.6), (1.7, 0.3)))]
    a, b = torch.randn(8, dtype=torch.float64), torch.randn(8, dtype=torch.float64)
    paths = [{"a": a.tolist(), "b": b.tolist(), "t": t, "method": method,
              "z": latent.latent_path(a, b, torch.tensor([t], dtype=torch.float64), method)[0].tolist()}
             for t in (0.0, 0.3, 1.0) for method in ("linear", "slerp")]
    images = torch.rand(5, 64, dtype=torch.float64) * 17 - 0.5  # a little outside [0, 16]: clipped
    tiles = plotting.digit_tiles(images, ncols=3)
    names = MLPCharLM()
    lists = GreenList.for_vocabulary("fixture key", names.vocabulary)
    words = ["smith", "jones", "garcia", "a"]
    z, green, total = lists.detect(words, names.vocabulary)
    watermark = {"green": lists.green.int().tolist(), "share": lists.share, "symbols": names.vocabulary.symbols,
                 "words": words, "z": z, "greens": green, "total": total}
    return {"filter": filtered, "paths": paths, "watermark": watermark,
            "tiles": {"images": images.flatten().tolist(), "n": 5, "ncols": 3, "vmax": 16,
                      "height": tiles.shape[0], "width": tiles.shape[1], "pixels": tiles.flatten().tolist()}}


def main(argv=None):
    parser = OneLineParser(description=__doc__.split("\n")[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args(argv)
    args.folder.mkdir(parents=True, exist_ok=True)
    index = {}
    for name, (onnx, inputs, outputs) in models().items():
        (args.folder / f"{name}.onnx").write_bytes(onnx)
        index[name] = {"model": f"{name}.onnx",
                       "outputs": {key: {"values": value.flatten().tolist(), "dims": list(value.shape)}
                                   for key, value in outputs.items()},
                       "inputs": {key: {"type": kind, "values": value.flatten().tolist(), "dims": list(value.shape)}
                                  for key, (kind, value) in inputs.items()}}
    (args.folder / "models.json").write_text(json.dumps(index))
    (args.folder / "functions.json").write_text(json.dumps(functions()))
    print(f"wrote {len(index)} models and the function references to {args.folder}")


if __name__ == "__main__":
    sys.exit(main())
