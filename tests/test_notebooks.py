"""Static checks on the committed notebooks (nbval executes them separately)."""
import json
import re
import sys

import pytest
import yaml

from .book import ROOT, toc_files

CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXERCISES = sorted((ROOT / "exercises").glob("*/*.ipynb"))
ALL_NOTEBOOKS = CHAPTERS + EXERCISES
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def _cells(path):
    return json.loads(path.read_text())["cells"]


def _source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def install_cell():
    """The Colab install cell every notebook starts with, built from _config.yml."""
    repo = CONFIG["repository"]
    return (
        "# On Colab, install the course library from the course repository; elsewhere this does nothing.\n"
        "# pip leaves Colab's preinstalled packages (torch, numpy, ipywidgets...) as they are.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        "    import subprocess\n"
        "    from importlib.metadata import version\n"
        "\n"
        '    subprocess.run([sys.executable, "-m", "pip", "install", "-q",\n'
        f'                    "course-lib @ git+{repo["url"]}@{repo["branch"]}"], check=True)\n'
        '    if int(version("ipywidgets").split(".")[0]) >= 8:  # Colab shows ipywidgets 8 widgets only with this\n'
        "        from google.colab import output\n"
        "        output.enable_custom_widget_manager()"
    )


def test_install_cell_is_python_that_upgrades_nothing():
    cell = install_cell()
    compile(cell, "install cell", "exec")
    # pip's default strategy (only-if-needed) keeps Colab's packages; -U would replace them.
    assert not re.search(r'"(-U|--upgrade)"', cell)


@pytest.mark.parametrize("ipywidgets_version, manager_enabled", [("7.7.1", False), ("8.1.5", True)])
def test_install_cell_enables_colabs_widget_manager_for_ipywidgets_8(monkeypatch, ipywidgets_version,
                                                                      manager_enabled):
    import importlib.metadata
    import subprocess
    import types

    calls = []
    colab = types.ModuleType("google.colab")
    colab.output = types.SimpleNamespace(enable_custom_widget_manager=lambda: calls.append("widget manager"))
    monkeypatch.setitem(sys.modules, "google", types.ModuleType("google"))
    monkeypatch.setitem(sys.modules, "google.colab", colab)
    monkeypatch.setattr(subprocess, "run", lambda args, check: calls.append(args[-1]))
    monkeypatch.setattr(importlib.metadata, "version",
                        lambda name: ipywidgets_version if name == "ipywidgets" else pytest.fail(name))
    exec(install_cell(), {})
    repo = CONFIG["repository"]
    assert calls == [f"course-lib @ git+{repo['url']}@{repo['branch']}"] + ["widget manager"] * manager_enabled


def _rel(path):
    return str(path.relative_to(ROOT))


def test_there_are_chapters():
    assert len(CHAPTERS) >= 2


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=_rel)
def test_committed_without_outputs(path):
    dirty = [i for i, c in enumerate(_cells(path))
             if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count") is not None)]
    assert not dirty, f"{_rel(path)}: cells {dirty} hold outputs; clear them before committing"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=_rel)
def test_title_then_hidden_colab_install_then_setup(path):
    cells = _cells(path)
    title = _source(cells[0])
    assert cells[0]["cell_type"] == "markdown" and title.startswith("# "), f"{_rel(path)}: cell 1 must be the title"
    assert not re.match(r"# \d", title), f"{_rel(path)}: no number in the title; the table of contents numbers chapters"
    install, setup = cells[1], cells[2]
    assert install["cell_type"] == "code" and _source(install).strip() == install_cell(), \
        f"{_rel(path)}: cell 2 must be the Colab install cell"
    assert "remove-cell" in install.get("metadata", {}).get("tags", []), f"{_rel(path)}: tag the install cell remove-cell"
    assert "course_lib.setup(" in _source(setup), f"{_rel(path)}: cell 3 must call course_lib.setup()"


@pytest.mark.parametrize("path", CHAPTERS, ids=_rel)
def test_chapter_has_hidden_checks_and_textbook_parts(path):
    cells = _cells(path)
    hidden = [c for c in cells[2:] if "remove-cell" in c.get("metadata", {}).get("tags", [])]
    assert hidden and all("assert" in _source(c) for c in hidden), f"{_rel(path)}: needs remove-cell checks that assert"
    text = "\n".join(_source(c) for c in cells if c["cell_type"] == "markdown").lower()
    for part in ("learning goals", "summary", "references", "check your understanding", ":class: dropdown"):
        assert part in text, f"{_rel(path)}: missing '{part}'"
    titles = [line for line in text.splitlines() if re.match(r"# \S", line)]
    assert len(titles) == 1, f"{_rel(path)}: exactly one '# ' title expected, got {titles}"


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=_rel)
def test_display_math_has_a_blank_line_before(path):
    # Without it, $$ blocks in notebook markdown render as raw text (FIELD_NOTES).
    for i, cell in enumerate(_cells(path)):
        if cell["cell_type"] != "markdown":
            continue
        lines = _source(cell).splitlines()
        opening = False
        for j, line in enumerate(lines):
            if line.strip().startswith("$$"):
                opening = not opening
                if opening and j > 0 and lines[j - 1].strip():
                    pytest.fail(f"{_rel(path)} cell {i}: '$$' on line {j + 1} needs a blank line before it")
                if line.strip() != "$$" and line.strip().endswith("$$") and len(line.strip()) > 2:
                    opening = False  # one-line $$ ... $$


def test_table_of_contents_matches_the_files():
    listed = set(toc_files())
    for entry in listed:
        assert list(ROOT.glob(entry + ".*")), f"_toc.yml lists {entry}, which does not exist"
    for path in CHAPTERS + sorted((ROOT / "exercises" / "student").glob("*.ipynb")):
        assert _rel(path)[:-len(".ipynb")] in listed, f"{_rel(path)} is not in _toc.yml"
