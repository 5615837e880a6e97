"""The website's widgets compute in the page: served over HTTP every control changes the picture, with no request
leaving 127.0.0.1 and no console error; opened from disk, the animation and a one-line note stay."""
import re

import pytest

from .pages import visit

# pages -> the in-page widgets each must hold (course_lib.widgets.page kinds, in page order)
EXPECTED = {
    "notebooks/04_variational_autoencoders": ["vae-sampler", "vae-latent", "vae-interpolation"],
    "notebooks/05_generative_adversarial_networks": ["gan-sampler", "gan-walk", "gan-sampler"],
    "notebooks/06_autoregressive_models": ["completion", "names"],
    "notebooks/07_evaluating_generative_models": ["quiz"],
    "notebooks/08_training_challenges": ["ring-replay", "posterior-collapse"],
    "notebooks/09_ethics": ["membership", "watermark"],
}

# Runs in the page: change each control of one widget in turn, wait for the widget to render again, and report
# whether the picture changed and how long the render took (widgets.mjs writes data-renders and data-latency-ms).
EXERCISE_CONTROLS = """async (element) => {
  const picture = () => {
    const canvas = element.querySelector('.course-live canvas');
    const text = element.querySelector('.course-names, .course-watermark');
    return (canvas && canvas.isConnected && canvas.width ? canvas.toDataURL() : '') + (text ? text.textContent : '');
  };
  const rendered = async (before) => {
    for (let i = 0; i < 1000; i += 1) {
      if (Number(element.dataset.renders) > before) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('no render within 10 s');
  };
  const results = [];
  for (const control of element.querySelectorAll('.course-live [data-control]')) {
    if (control.tagName === 'SELECT' && control.options.length < 2) continue;
    const before = Number(element.dataset.renders);
    const shown = picture();
    if (control.tagName === 'BUTTON') control.click();
    else {
      if (control.tagName === 'SELECT') {
        control.value = [...control.options].find((option) => option.value !== control.value).value;
      } else if (control.type === 'range') {  // a quarter or three quarters along: an end can hide a later change
        const [low, high] = [Number(control.min), Number(control.max)];
        control.value = String(low + (high - low) * (Number(control.value) === high ? 0.25 : 0.75));
      } else if (control.type === 'checkbox') {
        control.checked = !control.checked;
      } else if (control.type === 'number') {
        control.value = String(Number(control.value) + 1);
      } else {
        control.value = 'ma';
      }
      control.dispatchEvent(new Event('input'));
    }
    await rendered(before);
    await new Promise((resolve) => setTimeout(resolve, 50));  // a render queued behind this one
    results.push({control: control.dataset.control, changed: picture() !== shown,
                  latency: Number(element.dataset.latencyMs)});
  }
  return results;
}"""


@pytest.mark.parametrize("path", EXPECTED)
def test_every_control_of_every_in_page_widget_changes_its_picture(browser, site_url, path):
    page, external, failed, errors, console = visit(browser, f"{site_url}/{path}.html")
    try:
        widgets = page.locator(".course-page-widget")
        assert widgets.evaluate_all("els => els.map(e => e.dataset.kind)") == EXPECTED[path]
        page.wait_for_function(f"document.querySelectorAll('.course-page-widget[data-ready]').length == "
                               f"{len(EXPECTED[path])}", timeout=60000)
        for i in range(widgets.count()):
            widget = widgets.nth(i)
            assert widget.locator(".course-fallback").is_hidden() and widget.locator(".course-live").is_visible()
            results = widget.evaluate(EXERCISE_CONTROLS)
            assert len(results) >= (1 if EXPECTED[path][i] == "watermark" else 2), (path, i, results)
            unchanged = [r["control"] for r in results if not r["changed"]]
            assert not unchanged, f"{path}, widget {i}: no new picture after changing {unchanged}"
            assert all(r["latency"] > 0 for r in results), results
        assert not external, f"{path}: requests left 127.0.0.1: {external}"
        assert not failed, f"{path}: local requests failed: {failed}"
        assert not errors and not console, f"{path}: page errors {errors}, console errors {console}"
    finally:
        page.close()


def test_a_page_opened_from_disk_keeps_the_animations_and_says_why(browser, site_dir):
    page = browser.new_page()
    try:
        page.goto((site_dir / "notebooks" / "04_variational_autoencoders.html").as_uri(), wait_until="load")
        page.wait_for_timeout(1500)  # time for a module that would load to mount the widgets
        widgets = page.locator(".course-page-widget")
        assert widgets.count() == len(EXPECTED["notebooks/04_variational_autoencoders"])
        for i in range(widgets.count()):
            widget = widgets.nth(i)
            assert widget.get_attribute("data-ready") is None
            assert widget.locator(".course-live").is_hidden() and widget.locator(".course-fallback").is_visible()
            assert widget.locator(".course-fallback-note").is_visible()
            assert "make serve" in widget.locator(".course-fallback-note").inner_text()
    finally:
        page.close()


def test_the_site_ships_the_wasm_runtime_only_and_within_20_mb(site_dir):
    runtime = sorted(p.name for p in (site_dir / "_static" / "ort").iterdir())
    assert runtime == ["ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm", "ort.wasm.min.mjs"]
    added = [*(site_dir / "_static" / "ort").iterdir(), *(site_dir / "_static" / "course").rglob("*")]
    files = sum(p.stat().st_size for p in added if p.is_file())
    specs = sum(len(spec.encode()) for page in site_dir.rglob("*.html")  # the data the pages carry
                for spec in re.findall(r'data-spec="([^"]*)"', page.read_text()))
    assert specs > 0 and files + specs <= 20e6, (f"the in-page widgets add {files / 1e6:.2f} MB of files and "
                                                 f"{specs / 1e6:.2f} MB of page data")  # issue 15: at most 20 MB
