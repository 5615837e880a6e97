"""Fixtures for tests of the built website: a local HTTP server and headless Chromium."""
import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get("COURSE_SITE_DIR", ROOT / "_build" / "html"))
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def require_site():
    """Skip when no site was built, unless COURSE_REQUIRE_SITE=1 (make test) makes that a failure."""
    if not (SITE / "index.html").is_file():
        message = f"no built site at {SITE}: run 'make book' first"
        if os.environ.get("COURSE_REQUIRE_SITE") == "1":
            pytest.fail(message)
        pytest.skip(message)
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
    playwright_api = pytest.importorskip("playwright.sync_api")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        message = "Debian's chromium is not installed (make browser installs it)"
        if os.environ.get("COURSE_REQUIRE_SITE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()
