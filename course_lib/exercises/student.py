"""Make student copies of exercise notebooks, byte for byte reproducibly.

In a student copy every solution region in code becomes a stub that raises
``NotImplementedError`` naming the task, every one in markdown (the model
answer of a written answer) becomes ``YOUR ANSWER HERE`` under the cell's
first line, hidden tests and cells tagged ``solution-only`` are gone, and
outputs are cleared. Cell ids are kept from the
source, so regenerating an unchanged source gives an identical file.
"""
import hashlib
from pathlib import Path

import nbformat

from .authoring import (BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, SOLUTION_ONLY_TAG,
                        WRITTEN_ANSWER_STUB, find_exercises, is_check_cell, parse_task_line, first_line,
                        task_label)
from .markers import remove_regions

METADATA_KEY = "course_exercise"  # notebook metadata naming the exercise (survives renaming)
KEPT_NOTEBOOK_METADATA = ("kernelspec", "language_info")


def _stub(label, title, cell_type):
    if cell_type == "markdown":
        return lambda indent: [indent + WRITTEN_ANSWER_STUB]
    message = f"{label}: {title}" if title else label
    return lambda indent: [indent + "# YOUR CODE HERE",
                           indent + f"raise NotImplementedError({message!r})"]


def _next_task(notebook, index):
    """(label, title) of the first check cell at or after ``index``."""
    for cell in notebook.cells[index:]:
        if is_check_cell(cell):
            parsed = parse_task_line(first_line(cell.source))
            if parsed:
                return task_label(parsed[0]), parsed[1]
    return "This exercise", ""


def _cell_id(cell, index, source_name):
    if cell.get("id"):
        return cell["id"]
    return hashlib.sha1(f"{source_name}:{index}".encode()).hexdigest()[:8]


def student_check_source(source):
    """A check cell's source as students see it: hidden tests removed."""
    return remove_regions(source, BEGIN_HIDDEN, END_HIDDEN)


def make_student_notebook(exercise):
    """Return the student copy of an :class:`~course_lib.exercises.authoring.Exercise`.

    Returns
    -------
    nbformat.NotebookNode
        nbformat 4.5, no outputs, no execution counts, no solutions or hidden tests.
    """
    cells = []
    for index, cell in enumerate(exercise.notebook.cells):
        tags = list(cell.get("metadata", {}).get("tags", []))
        if SOLUTION_ONLY_TAG in tags:
            continue
        source = cell.source
        if is_check_cell(cell):
            source = student_check_source(source)
        label, title = _next_task(exercise.notebook, index)
        source = remove_regions(source, BEGIN_SOLUTION, END_SOLUTION, _stub(label, title, cell.cell_type))
        metadata = {"tags": tags} if tags else {}
        cell_id = _cell_id(cell, index, exercise.name)
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(source, metadata=metadata, id=cell_id)
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(source, metadata=metadata, id=cell_id)
        else:
            new = nbformat.v4.new_raw_cell(source, metadata=metadata, id=cell_id)
        cells.append(new)
    metadata = {key: exercise.notebook.metadata[key] for key in KEPT_NOTEBOOK_METADATA
                if key in exercise.notebook.metadata}
    metadata[METADATA_KEY] = {"name": exercise.name, "edition": "student"}
    notebook = nbformat.v4.new_notebook(cells=cells, metadata=metadata)
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    return notebook


def notebook_text(notebook):
    """The exact text written to disk (stable key order, trailing newline)."""
    text = nbformat.writes(notebook, version=4)
    return text if text.endswith("\n") else text + "\n"


def student_copies(source_dir):
    """``{file name: text}`` of the student copy of every exercise in ``source_dir``."""
    return {f"{exercise.name}.ipynb": notebook_text(make_student_notebook(exercise))
            for exercise in find_exercises(source_dir)}


def _is_student_copy(path):
    """Whether ``path`` holds a student copy this module wrote (its metadata says so)."""
    try:
        notebook = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
    except Exception:  # a folder, unreadable, not UTF-8, not a notebook
        return False
    named = notebook.get("metadata", {}).get(METADATA_KEY)
    return isinstance(named, dict) and named.get("edition") == "student"


def write_student_copies(source_dir, student_dir):
    """Write (or rewrite) every student copy; return the paths written.

    Parameters
    ----------
    source_dir : str or Path
        The exercise notebooks with solutions.
    student_dir : str or Path
        Folder for the student copies (created). A file there that a copy would
        replace must be an earlier student copy (notebook metadata
        ``course_exercise`` with ``edition: "student"``).

    Raises
    ------
    ValueError
        If ``student_dir`` is ``source_dir``.
    NotADirectoryError
        If ``student_dir`` is a file.
    FileExistsError
        If a file a copy would replace is not a student copy; nothing is written.
    """
    source_dir, student_dir = Path(source_dir), Path(student_dir)
    if student_dir.resolve() == source_dir.resolve():
        raise ValueError(f"student_dir (--out) must be a folder apart from the source folder, "
                         f"got {str(student_dir)!r}, the source folder itself")
    if student_dir.exists() and not student_dir.is_dir():
        raise NotADirectoryError(f"student_dir (--out) must be a folder, got the file {str(student_dir)!r}")
    copies = student_copies(source_dir)
    for name in copies:
        path = student_dir / name
        if (path.exists() or path.is_symlink()) and not _is_student_copy(path):
            raise FileExistsError(f"student_dir (--out): {str(path)!r} exists and is not a student copy "
                                  f"(no {METADATA_KEY} metadata with edition 'student'); nothing was written: "
                                  f"move it away or choose another --out")
    student_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in copies.items():
        path = student_dir / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def stale_student_copies(source_dir, student_dir):
    """Problems with the committed student copies; an empty list means current.

    Returns
    -------
    list of str
        One line per missing, differing or orphaned student notebook.
    """
    student_dir = Path(student_dir)
    copies = student_copies(source_dir)
    problems = []
    for name, text in copies.items():
        path = student_dir / name
        if not path.is_file():
            problems.append(f"{path}: missing; run 'python -m course_lib.exercises student'")
        elif path.read_text(encoding="utf-8") != text:
            problems.append(f"{path}: differs from the copy generated from {Path(source_dir) / name}; "
                            f"run 'python -m course_lib.exercises student'")
    if student_dir.is_dir():
        for path in sorted(student_dir.glob("*.ipynb")):
            if path.name not in copies:
                problems.append(f"{path}: has no source notebook in {source_dir}; delete it or add the source")
    return problems
