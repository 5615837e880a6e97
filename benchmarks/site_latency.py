"""Latency of the website's in-page widgets, beside the notebook widgets' kernel-side time.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/site_latency.py [--repeats 40] [--site _build/html]``

The built site (``make book``) is served on 127.0.0.1 and opened in headless Chromium. For every in-page widget
one control is moved ``--repeats`` times (a slider between its ends, or the seed) and the widget's own timing is
read after each render: from the control's input event to the new picture drawn on its canvas (the model run in
onnxruntime-web's wasm backend, one thread, plus the drawing; the browser's paint comes after). For the names
widget that is all 16 names, one model call per symbol. Beside it: the same widget in a kernel, from setting the
control's value to the new PNG in ``image.value`` (what ``benchmarks/widget_latency.py`` measures; a real round
trip adds the websocket). The kernel-side models have the chapters' architectures with seeded weights: latency
does not depend on what they learned. Targets (issue 15): median <= 16 ms (one frame at 60 Hz) for every image
widget and <= 50 ms for the names widget (its MLP, then its transformer), on 2 CPU cores.
"""
import functools
import http.server
import shutil
import statistics
import threading
import time
from pathlib import Path

import torch

from course_lib import data, gan, pretrained, vae, widgets
from course_lib._cli import OneLineParser
from course_lib.vae import VAEConfig
from widget_latency import time_changes  # benchmarks/ is on the path of a script run from it

TARGETS_MS = {"names": 50.0, "names (transformer)": 50.0}  # every other widget: one frame
FRAME_MS = 16.0
PAGES = {"notebooks/04_variational_autoencoders": {"vae-sampler": "temperature", "vae-latent": "z1",
                                                  "vae-interpolation": "A → B"},
         "notebooks/05_generative_adversarial_networks": {"gan-sampler": "seed"},
         "notebooks/06_autoregressive_models": {"names": "seed", "names (transformer)": "seed"}}

MOVE = """async (element, [name, repeats]) => {
  const control = element.querySelector(`.course-live [data-control="${name}"]`);
  const times = [];
  for (let i = 0; i < repeats; i += 1) {
    const before = Number(element.dataset.renders);
    if (control.type === 'range') control.value = i % 2 ? control.min : control.max;
    else control.value = String(Number(control.value) + 1);
    control.dispatchEvent(new Event('input'));
    while (Number(element.dataset.renders) === before) await new Promise((resolve) => setTimeout(resolve, 1));
    times.push(Number(element.dataset.latencyMs));
  }
  return times;
}"""


CHOOSE_TRANSFORMER = """(element) => {
  const select = element.querySelector('.course-live [data-control="model"]');
  select.value = [...select.options].find((option) => option.text === 'transformer').value;
  select.dispatchEvent(new Event('input'));
}"""


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def in_page(site, repeats):
    """kind -> milliseconds of each render, measured in the page (the first widget of each kind)."""
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    timings = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=shutil.which("chromium"),
                                                 args=["--no-sandbox", "--disable-gpu"])
            for path, controls in PAGES.items():
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{server.server_address[1]}/{path}.html")
                page.wait_for_function("[...document.querySelectorAll('.course-page-widget')].every(e => "
                                       "e.dataset.ready)", timeout=60000)
                for kind, control in controls.items():
                    element = page.locator(f'.course-page-widget[data-kind="{kind.split()[0]}"]').first
                    if kind == "names (transformer)":  # the names widget again, with the transformer chosen
                        element.evaluate(CHOOSE_TRANSFORMER)
                    element.evaluate(MOVE, [control, 3])  # warm up: the first calls compile the wasm kernels
                    timings[kind] = element.evaluate(MOVE, [control, repeats])
                page.close()
            browser.close()
    finally:
        server.shutdown()
    return timings


def in_kernel(repeats):
    """kind -> milliseconds of each change of the notebook widget, measured in this process."""
    torch.manual_seed(0)
    x_test, y_test = data.load_digits("test")
    model, model_2d = vae.VAE().eval(), vae.VAE(VAEConfig(latent_dim=2)).eval()
    mlp, transformer = pretrained.load("names-mlp"), pretrained.load("names-transformer")
    boxes = {"vae-sampler": (widgets.vae_sampler(model), "temperature", [2.5, 0.0]),
             "vae-latent": (widgets.vae_latent_explorer(model_2d, x_test, y_test), "z1", [3.0, -3.0]),
             "vae-interpolation": (widgets.vae_interpolation(model, x_test), "t", [1.0, 0.0]),
             "gan-sampler": (widgets.gan_sampler(gan.GAN(gan.DIGITS).eval()), "seed", None),
             "names": (widgets.names_widget({"MLP": mlp}), "seed", None),
             "names (transformer)": (widgets.names_widget({"transformer": transformer}), "seed", None)}
    return {kind: time_changes(box.controls[name], range(1, repeats + 1) if ends is None
                               else [ends[i % 2] for i in range(repeats)])
            for kind, (box, name, ends) in boxes.items()}


def main():
    parser = OneLineParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--site", type=Path, default=Path("_build/html"))
    args = parser.parse_args()
    if args.repeats < 2:
        parser.error(f"--repeats must be at least 2, got {args.repeats}")
    if not (args.site / "index.html").is_file():
        parser.error(f"--site: no built site in {args.site} (run 'make book')")
    if shutil.which("chromium") is None:
        parser.error("Debian's chromium is not installed (make browser)")
    page, kernel = in_page(args.site, args.repeats), in_kernel(args.repeats)
    print(f"{args.repeats} changes per widget; milliseconds from control change to new picture\n")
    print("| widget | in the page: median | 90th percentile | target | kernel-side: median | 90th percentile | "
          "kernel / page |")
    print("|---|---|---|---|---|---|---|")
    for kind, times in page.items():
        target = TARGETS_MS.get(kind, FRAME_MS)
        ours, theirs = statistics.median(times), statistics.median(kernel[kind])
        print(f"| {kind} | {ours:.1f} | {percentile(times, 0.9):.1f} | {target:g} "
              f"({'met' if ours <= target else 'missed'}) | {theirs:.1f} | {percentile(kernel[kind], 0.9):.1f} | "
              f"{theirs / ours:.1f}x |")


if __name__ == "__main__":
    main()
