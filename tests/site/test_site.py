"""The built website works offline: every page loads, math renders, figures show,
and no request leaves 127.0.0.1."""
import pytest

from ..book import toc_files
from .pages import visit

PAGES = toc_files()
CHAPTERS = [p for p in PAGES if p.startswith("notebooks/")]


def _visit(browser, url):
    """Load a page and let its requests settle; return (page, external requests, failed local requests, errors)."""
    page, external, failed, errors, _ = visit(browser, url)
    page.wait_for_load_state("networkidle")
    return page, external, failed, errors


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_offline(browser, site_url, path):
    page, external, failed, errors = _visit(browser, f"{site_url}/{path}.html")
    try:
        assert page.locator("main h1").count() >= 1, f"{path}: no title rendered"
        assert not external, f"{path}: requests left 127.0.0.1: {external}"
        assert not failed, f"{path}: local requests failed: {failed}"
        assert not errors, f"{path}: JavaScript errors: {errors}"
        if page.locator("main span.math, main div.math").count():
            page.wait_for_selector("mjx-container", state="attached", timeout=15000)
            raw = page.locator("main span.math:not(:has(mjx-container)), main div.math:not(:has(mjx-container))")
            assert raw.count() == 0, f"{path}: {raw.count()} math blocks left unrendered"
    finally:
        page.close()


@pytest.mark.parametrize("path", CHAPTERS)
def test_chapter_shows_figures_math_and_colab_button(browser, site_url, path):
    page, *_ = _visit(browser, f"{site_url}/{path}.html")
    try:
        page.wait_for_selector("mjx-container", state="attached", timeout=15000)
        figures = page.locator("main .cell_output img")
        assert figures.count() >= 2, f"{path}: expected figures in the executed outputs"
        widths = figures.evaluate_all("imgs => imgs.map(i => i.naturalWidth)")
        assert all(w > 0 for w in widths), f"{path}: some figures did not load: {widths}"
        colab = page.locator("a[href*='colab.research.google.com']")
        assert colab.count() >= 1 and "/blob/main/" in colab.first.get_attribute("href")
    finally:
        page.close()


def test_math_and_widget_runtime_are_served_locally(site_dir):
    assert (site_dir / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert (site_dir / "_static" / "widgets" / "embed-amd.js").is_file()
    assert (site_dir / "_static" / "widgets" / "require.js").is_file()
