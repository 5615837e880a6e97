"""The student website holds no solution and no hidden test, anywhere.

Searches every file of the built site (pages, `_sources`, downloadable
notebooks, `searchindex.js`, ...) for each non-trivial line of every reference
solution, hidden test and solution-only cell in `exercises/source`. HTML is
also searched with its tags stripped (syntax highlighting splits code into
spans) and notebooks by their cell sources (JSON escapes newlines and quotes).
"""
import html
import json
import re

import nbformat
import pytest

from course_lib.exercises.authoring import SOLUTION_ONLY_TAG
from course_lib.exercises.markers import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, region_lines

from ..book import ROOT
from .conftest import require_site

MIN_LENGTH = 12  # shorter lines ("return x", "else:") are too common to mean a leak
SKIPPED_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".woff", ".woff2", ".ttf", ".eot", ".ico",
                    ".pickle", ".doctree", ".inv"}


def _squash(text):
    return re.sub(r"\s+", " ", text).strip()


def _public_texts(public_dirs):
    """The squashed cell sources of every notebook, and the text of every page and module, in ``public_dirs``.

    The library's modules are public too: chapters display them with ``course_lib.show_source``.
    """
    texts = []
    for folder in public_dirs:
        for path in sorted(folder.glob("*.ipynb")):
            texts += [_squash(cell.source) for cell in nbformat.read(path, as_version=4).cells]
        texts += [_squash(path.read_text(encoding="utf-8")) for pattern in ("*.md", "*.py")
                  for path in sorted(folder.rglob(pattern))]
    return texts


def secret_lines(source_dir, public_dirs):
    """Lines only the instructor should see: solutions, hidden tests, solution-only cells.

    A line that also occurs in a public text (a student copy, a chapter, a book
    page, the library) is left out: finding it on the site proves nothing ("torch.manual_seed(0)").
    """
    public = _public_texts(public_dirs)
    secrets = {}
    for path in sorted(source_dir.glob("*.ipynb")):
        for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if SOLUTION_ONLY_TAG in cell.get("metadata", {}).get("tags", []):
                lines = cell.source.splitlines()
            else:
                lines = (region_lines(cell.source, BEGIN_SOLUTION, END_SOLUTION)
                         + region_lines(cell.source, BEGIN_HIDDEN, END_HIDDEN))
            for line in lines:
                text = _squash(line)
                if len(text) >= MIN_LENGTH and not any(text in public_text for public_text in public):
                    secrets.setdefault(text, f"{path.name}, cell {index}")
    return secrets


def _views(path):
    """The texts in which a leaked line could appear."""
    raw = path.read_bytes().decode("utf-8", errors="ignore")
    views = [raw]
    if path.suffix in (".html", ".htm", ".js", ".txt"):
        views.append(html.unescape(re.sub(r"<[^>]+>", "", raw)))
    if path.suffix in (".ipynb", ".json"):
        try:
            data = json.loads(raw)
        except ValueError:
            data = None
        if isinstance(data, dict):
            views += ["".join(c.get("source", "")) if isinstance(c.get("source"), list) else str(c.get("source", ""))
                      for c in data.get("cells", []) if isinstance(c, dict)]
    return [_squash(view) for view in views]


def find_leaks(site_dir, secrets):
    """``[(file, secret line, where it comes from)]`` for every secret found in the site."""
    leaks = []
    for path in sorted(p for p in site_dir.rglob("*") if p.is_file()):
        if path.suffix.lower() in SKIPPED_SUFFIXES:
            continue
        views = _views(path)
        for line, origin in secrets.items():
            if any(line in view for view in views):
                leaks.append((str(path.relative_to(site_dir)), line, origin))
    return leaks


SOURCE = ROOT / "exercises" / "source"
PUBLIC = (ROOT / "exercises" / "student", ROOT / "notebooks", ROOT / "book", ROOT / "course_lib")


def test_leak_finder_sees_through_highlighting_and_json(tmp_path):
    secrets = {"return torch.exp(log_joints - torch.logsumexp(log_joints, dim=1, keepdim=True))": "x"}
    page = ('<span class="k">return</span> <span class="n">torch</span><span class="o">.</span>'
            '<span class="n">exp</span><span class="p">(</span>log_joints &#8722; - torch.logsumexp'
            '(log_joints, dim=1, keepdim=True))')
    (tmp_path / "page.html").write_text(page.replace(" &#8722;", ""))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def f():\n    " + next(iter(secrets)))])
    (tmp_path / "nb.ipynb").write_text(nbformat.writes(notebook))
    (tmp_path / "clean.html").write_text("<p>nothing to see</p>")
    assert sorted(leak[0] for leak in find_leaks(tmp_path, secrets)) == ["nb.ipynb", "page.html"]


def test_there_are_secrets_to_look_for():
    secrets = secret_lines(SOURCE, PUBLIC)
    assert len(secrets) >= 30, f"only {len(secrets)} secret lines: is the search too lenient?"


def test_student_site_contains_no_solution_or_hidden_test():
    site = require_site()
    pages = sorted((site / "exercises" / "student").glob("*.html"))  # the student copies' pages
    sources = sorted(SOURCE.glob("*.ipynb"))
    if len(pages) < len(sources):
        pytest.fail(f"the site has {len(pages)} student exercise pages for {len(sources)} exercises; "
                    f"is it built from the main _toc.yml?")
    assert not (site / "exercises" / "source").exists(), "the student site must not contain exercises/source"
    leaks = find_leaks(site, secret_lines(SOURCE, PUBLIC))
    assert not leaks, "solution text in the student site:\n" + "\n".join(
        f"  {file}: {line!r} (from {origin})" for file, line, origin in leaks[:20])
