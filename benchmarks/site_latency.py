"""Latency of the website's in-page widgets, beside the notebook widgets' kernel-side time.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/site_latency.py [--repeats 40] [--site _build/html]``

The built site (``make book``) is served on 127.0.0.1 and opened in headless Chromium. For every in-page widget
one control is moved ``--repeats`` times (a slider between its ends, the seed, a button or a typed text) and the
widget's own timing is read after each render: from the control's input event to the new picture drawn on its
canvas (the model run in onnxruntime-web's wasm backend, one thread, plus the drawing; the browser's paint comes
after). For the names widget that is all 16 names, one model call per symbol; for the completion's digit, every
missing pixel, one model call each on the keys and values cached by the last (the kernel-side sampler recomputes
the prefix), each pixel drawn as it comes (the first pixel's time is a row of its own; the pixels slider only
redraws); the quiz, the replays and the explorers run no model. Beside it: the same widget in a kernel, from
setting the control's value (or pressing the button) to the new PNG in ``image.value`` (what
``benchmarks/widget_latency.py`` measures; a real round trip adds the websocket). The kernel-side VAEs and GAN
have the chapters' architectures with seeded weights, the other models are the shipped ones: latency does not
depend on what they learned. Targets (issue 15): median <= 16 ms (one frame at 60 Hz) for every image widget and
<= 50 ms for the names widget (its MLP, then its transformer) and, as a whole sample too, the completion of a
digit, on 2 CPU cores.
"""
import functools
import http.server
import shutil
import statistics
import threading
import time
from pathlib import Path

import torch

from course_lib import challenges, data, gan, pretrained, vae, widgets
from course_lib._cli import OneLineParser
from course_lib.vae import VAEConfig
from course_lib.watermark import GreenList
from widget_latency import time_changes  # benchmarks/ is on the path of a script run from it

# Every image widget: one frame. A name and a completed digit are whole samples drawn one model call per symbol
# or pixel: 50 ms, the target for a name.
TARGETS_MS = {"names": 50.0, "names (transformer)": 50.0, "completion": 50.0}
FRAME_MS = 16.0
PAGES = {"notebooks/04_variational_autoencoders": {"vae-sampler": "temperature", "vae-latent": "z1",
                                                  "vae-interpolation": "A → B"},
         "notebooks/05_generative_adversarial_networks": {"gan-sampler": "seed"},
         "notebooks/06_autoregressive_models": {"completion": "digit", "completion (first pixel drawn)": "digit",
                                                "completion (pixels slider)": "pixels",
                                                "names": "seed", "names (transformer)": "seed"},
         "notebooks/07_evaluating_generative_models": {"quiz": "new quiz"},
         "notebooks/08_training_challenges": {"ring-replay": "round", "posterior-collapse": "beta"},
         "notebooks/09_ethics": {"membership": "number", "watermark": "names"}}

MOVE = """async (element, [name, repeats, timing]) => {
  const control = element.querySelector(`.course-live [data-control="${name}"]`);
  const times = [];
  for (let i = 0; i < repeats; i += 1) {
    const before = Number(element.dataset.renders);
    if (control.tagName === 'BUTTON') control.click();
    else {
      if (control.type === 'range') control.value = i % 2 ? control.min : control.max;
      else if (control.type === 'text') control.value = i % 2 ? 'smith jones' : 'garcia';
      else control.value = String(Number(control.value) + 1);
      control.dispatchEvent(new Event('input'));
    }
    while (Number(element.dataset.renders) === before) await new Promise((resolve) => setTimeout(resolve, 1));
    times.push(Number(element.dataset[timing]));
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
                    timing = "firstPixelMs" if "first pixel" in kind else "latencyMs"  # both set by widgets.mjs
                    element.evaluate(MOVE, [control, 3, timing])  # warm up: the first calls compile the wasm kernels
                    timings[kind] = element.evaluate(MOVE, [control, repeats, timing])
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
    generator = gan.GAN(gan.DIGITS).eval()
    completion = widgets.completion_widget(pretrained.load("digits-pixels"), x_test)
    results = challenges.load()
    betas = sorted({run["beta"] for run in results["posterior_collapse"]})
    scores = torch.linspace(-90, -70, len(x_test))
    lists = GreenList.for_vocabulary("benchmark key", mlp.vocabulary)
    quiz = widgets.real_or_fake_quiz(x_test, generator.sample(100).clamp(0, 16))
    timings = {"quiz": time_clicks(quiz.new_quiz, repeats)}
    sampler, latent = widgets.vae_sampler(model), widgets.vae_latent_explorer(model_2d, x_test, y_test)
    names = {label: widgets.names_widget({label: m}) for label, m in (("MLP", mlp), ("transformer", transformer))}
    controls = {  # kind -> (the control, its values in turn: None for 1, 2, 3, ...)
        "vae-sampler": (sampler.controls["temperature"], [2.5, 0.0]),
        "vae-latent": (latent.controls["z1"], [3.0, -3.0]),
        "vae-interpolation": (widgets.vae_interpolation(model, x_test).controls["t"], [1.0, 0.0]),
        "gan-sampler": (widgets.gan_sampler(generator).controls["seed"], None),
        "completion": (completion.controls["index"], None),
        "completion (first pixel drawn)": (completion.controls["index"], None),  # the kernel shows all at once
        "completion (pixels slider)": (completion.controls["step"], [0, 64]),
        "names": (names["MLP"].controls["seed"], None),
        "names (transformer)": (names["transformer"].controls["seed"], None),
        "ring-replay": (widgets.ring_replay(results["replay"]).controls["frame"], [19, 0]),
        "posterior-collapse": (widgets.posterior_collapse_explorer(results["posterior_collapse"]).controls["beta"],
                               [betas[-1], betas[0]]),
        "membership": (widgets.membership_explorer(x_test[:100], scores[:100], x_test[100:200],
                                                   scores[100:200]).controls["index"], [99, 0]),
        "watermark": (widgets.watermark_detector(lists, mlp.vocabulary).text, ["garcia", "smith jones"]),
    }
    for kind, (control, values) in controls.items():
        timings[kind] = time_changes(control, range(1, repeats + 1) if values is None
                                     else [values[i % 2] for i in range(repeats)])
    return timings


def time_clicks(button, repeats):
    """Milliseconds per ``button.click()`` (its handlers run inside the call)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        button.click()
        times.append(1000 * (time.perf_counter() - start))
    return times


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
