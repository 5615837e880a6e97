"""The live widgets work in a real JupyterLab: a slider change and the resample
button redraw the sampler's image in the browser (tests/test_widgets.py checks
the pixels; this checks the front end is wired up)."""
import os
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

SAMPLER_CELL = """\
import torch
from course_lib import vae, widgets
torch.manual_seed(0)
widgets.vae_sampler(vae.VAE(vae.VAEConfig()))"""


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lab")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SAMPLER_CELL)])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, folder / "sampler.ipynb")
    port = _free_port()
    # Settings and workspaces in a scratch folder: the user's own JupyterLab set-up must not matter.
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(folder / "config"),
               JUPYTERLAB_SETTINGS_DIR=str(folder / "settings"), JUPYTERLAB_WORKSPACES_DIR=str(folder / "workspaces"))
    log = open(folder / "lab.log", "w+")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         "--IdentityProvider.token=", "--ServerApp.password=", "--LabApp.news_url=",
         f"--ServerApp.root_dir={folder}"],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"JupyterLab did not start (exit code {server.poll()}); its log:\n{log.read()[-3000:]}")
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_sampler_redraws_live_in_jupyterlab(browser, lab_url):
    from playwright.sync_api import expect  # the browser fixture has checked that playwright is there

    page = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        page.goto(f"{lab_url}/lab/tree/sampler.ipynb")
        page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60000)
        page.get_by_text("| Idle").wait_for(timeout=60000)  # the kernel is connected and ready
        page.locator(".jp-CodeCell").first.click()
        page.keyboard.press("Shift+Enter")
        image = page.locator(".jp-OutputArea-output img").first
        image.wait_for(timeout=60000)
        first = image.get_attribute("src")
        page.locator(".widget-slider .noUi-handle").first.click()
        for _ in range(5):
            page.keyboard.press("ArrowRight")
        page.wait_for_function("src => document.querySelector('.jp-OutputArea-output img').src !== src", arg=first,
                               timeout=30000)
        expect(page.locator(".widget-readout").first).to_have_text("1.50")
        moved = image.get_attribute("src")
        page.locator("button:has-text('resample')").click()
        page.wait_for_function("src => document.querySelector('.jp-OutputArea-output img').src !== src", arg=moved,
                               timeout=30000)
        expect(page.locator(".widget-text input[type='number']").first).to_have_value("1")  # the seed moved on
    finally:
        page.close()
