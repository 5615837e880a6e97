"""Fixtures for the browser tests: the built website on a local HTTP server, headless Chromium.

Missing pieces skip these tests when run by hand, and fail them under
``COURSE_REQUIRE_SITE=1`` (``make test``), so CI cannot pass by skipping.
"""
import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

from ..book import ROOT

SITE = Path(os.environ.get("COURSE_SITE_DIR", ROOT / "_build" / "html"))
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def missing(message):
    """Skip, or fail under COURSE_REQUIRE_SITE=1."""
    if os.environ.get("COURSE_REQUIRE_SITE") == "1":
        pytest.fail(message)
    pytest.skip(message)


def require_site():
    """The built site's folder; see :func:`missing` when there is none."""
    if not (SITE / "index.html").is_file():
        missing(f"no built site at {SITE}: run 'make book' first")
    return SITE


@pytest.fixture(scope="session")
def site_dir():
    return require_site()


@pytest.fixture(scope="session")
def site_url(site_dir):
    handler = functools.partial(QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed (requirements.txt has it)")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        missing("Debian's chromium is not installed (make browser installs it)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
