"""Build the instructor edition of the website: the exercises with their solutions.

The main site shows the student copies (``exercises/student/...``), so no
solution reaches it, not even through a page's source download. The instructor
edition is built from a staged copy of the book in a temporary folder, in which
each student copy is replaced by its source notebook (solutions and hidden
tests included; in markdown cells, such as written answers, each model answer
is shown in a "Model answer" box instead of between the raw markers). Page
names, links and the table of contents stay the same, and the repository
itself is never modified. The output folder is marked with
:data:`BUILD_MARKER`; a build writes only into a new or empty folder or an
earlier build's.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import yaml

from .authoring import BEGIN_SOLUTION, END_SOLUTION, find_exercises, is_written_answer, marker_regions
from .student import notebook_text

BUILD_MARKER = ".course_instructor_build"  # written into the output folder: later builds may write there again
# Not needed to build the book, and large or private.
STAGE_IGNORE = (".git", ".venv", "venv", "node_modules", "_build", "_build_*", ".pytest_cache",
                "__pycache__", ".ipynb_checkpoints", "*.egg-info")


def instructor_config(config_text):
    """The book configuration with the title marked as the instructor edition."""
    config = yaml.safe_load(config_text) or {}
    config["title"] = f"{config.get('title', 'Course')} (instructor edition)"
    return yaml.safe_dump(config, sort_keys=False)


def model_answer_markdown(source, title="Model answer"):
    """A markdown cell's source with each solution region shown as a MyST admonition titled ``title``."""
    lines = source.splitlines()
    out, previous = [], 0
    for start, stop in marker_regions(source, BEGIN_SOLUTION, END_SOLUTION, "source"):
        inside = lines[start + 1:stop]
        longest = max([len(run) for line in inside for run in re.findall(r"`+", line)] + [2])
        fence = "`" * (longest + 1)  # longer than any code fence in the answer
        indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
        out.extend(lines[previous:start])
        out.extend([f"{indent}{fence}{{admonition}} {title}", f"{indent}:class: tip", *inside, f"{indent}{fence}"])
        previous = stop + 1
    out.extend(lines[previous:])
    return "\n".join(out)


def instructor_notebook_text(exercise):
    """The source notebook as the instructor edition shows it: model answers in markdown set off."""
    notebook = nbformat.from_dict(exercise.notebook)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            title = "Model answer (graded by hand)" if is_written_answer(cell) else "Model answer"
            cell.source = model_answer_markdown(cell.source, title)
    return notebook_text(notebook)


def stage_instructor_book(root, stage, source_dir="exercises/source", student_dir="exercises/student"):
    """Copy the book to ``stage`` with every student copy replaced by its source notebook.

    Returns
    -------
    list of Path
        The staged exercise pages that now hold solutions.

    Raises
    ------
    FileNotFoundError
        If ``_toc.yml`` or ``_config.yml`` is missing under ``root``.
    """
    root, stage = Path(root).resolve(), Path(stage)
    for name in ("_toc.yml", "_config.yml"):
        if not (root / name).is_file():
            raise FileNotFoundError(f"root: {name} not found in {str(root)!r}")
    exercises = find_exercises(root / source_dir)
    shutil.copytree(root, stage, ignore=shutil.ignore_patterns(*STAGE_IGNORE), symlinks=True)
    (stage / "_config.yml").write_text(instructor_config((root / "_config.yml").read_text()))
    replaced = []
    for exercise in exercises:
        target = stage / student_dir / exercise.path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(instructor_notebook_text(exercise), encoding="utf-8")
        replaced.append(target)
    shutil.rmtree(stage / source_dir)  # the pages above are the only copies the build needs
    return replaced


def build_instructor_book(out, root=".", builder_args=("-W", "-n", "--keep-going"), run=subprocess.run):
    """Build the instructor edition into ``out/_build/html``.

    Parameters
    ----------
    out : str or Path
        Output folder (created). Keep it apart from the main ``_build``. If it
        exists it must be empty or an earlier instructor build (it holds
        :data:`BUILD_MARKER`).
    root : str or Path
        The book root holding ``_toc.yml``, ``_config.yml`` and ``exercises/``.
    builder_args : tuple of str
        Extra ``jupyter-book build`` flags.
    run : callable
        Runs the command (``subprocess.run``; replaced in tests).

    Returns
    -------
    Path
        The folder with the HTML.

    Raises
    ------
    FileNotFoundError
        If ``_toc.yml`` or ``_config.yml`` is missing under ``root``.
    ValueError
        If ``out`` is the book root or contains it.
    NotADirectoryError
        If ``out`` is a file.
    FileExistsError
        If ``out`` is a non-empty folder that is not an earlier instructor build.
    RuntimeError
        If the build fails.
    """
    root, out = Path(root).resolve(), Path(out).resolve()
    if out == root or root.is_relative_to(out):
        raise ValueError(f"out must be a folder apart from the book root, got {str(out)!r}")
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"out must be a folder, got the file {str(out)!r}")
    if out.is_dir() and any(out.iterdir()) and not (out / BUILD_MARKER).is_file():
        raise FileExistsError(f"out: {str(out)!r} is a folder that is neither empty nor an earlier instructor "
                              f"build (it has no {BUILD_MARKER} file); nothing was written: give a new or empty "
                              f"folder")
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    env = dict(os.environ, COURSE_STATIC_WIDGETS="1", TQDM_DISABLE="1")
    with tempfile.TemporaryDirectory(prefix="instructor_book_") as temp:
        stage = Path(temp) / "book"
        stage_instructor_book(root, stage)
        out.mkdir(parents=True, exist_ok=True)
        (out / BUILD_MARKER).write_text("Built by python -m course_lib.exercises instructor-book; "
                                        "later builds may overwrite this folder.\n")
        command = [str(jupyter_book) if jupyter_book.exists() else "jupyter-book", "build", str(stage),
                   "--path-output", str(out), *builder_args]
        result = run(command, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"jupyter-book build failed with exit code {result.returncode}: {' '.join(command)}")
    return out / "_build" / "html"
