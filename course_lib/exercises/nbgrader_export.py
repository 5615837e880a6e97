"""Export the exercises as an nbgrader course directory, for grading a large class on a JupyterHub.

:func:`export_nbgrader` writes, for each exercise, ``OUT/source/<name>/<name>.ipynb``
(the assignment and its one notebook are both named after the exercise) with
nbgrader's cell metadata (schema version 3), and a minimal
``OUT/nbgrader_config.py``. nbgrader's markers are the course's, so the cells
keep their text:

- a code cell with a solution region is an *autograded answer* (``solution``);
- a check cell is an *autograder test* (``grade``, ``locked``, its task's
  points); its hidden tests stay between their markers, which nbgrader's
  ``generate_assignment`` removes from the release and ``autograde`` restores;
- a written answer is a *manually graded answer* (markdown, ``solution`` and
  ``grade``, its points); a markdown solution region outside a written answer
  becomes one worth 0 points;
- every other cell is read-only (``locked``); cells tagged ``solution-only``
  are left out, as in the student copies.

nbgrader scores a test cell by its output: an error or anything written to
stderr gives 0 points, and a last expression whose value is a number is taken
as partial credit. A check cell whose last statement is an expression (such as
``check_function(...)``, which returns the number of cases passed) therefore
gets a ``;`` after it, which keeps IPython from displaying the value.

The output folder is marked with :data:`EXPORT_MARKER`; an export writes only
into a new or empty folder or an earlier export's, where it replaces the
exported notebooks and leaves everything else (nbgrader's own folders and
database, an edited ``nbgrader_config.py``) as it is.
"""
import ast
import re
from pathlib import Path

import nbformat

from .authoring import (BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, SOLUTION_ONLY_TAG,
                        ExerciseFormatError, cell_tags, cell_where, find_exercises, is_check_cell,
                        is_written_answer, marker_regions)
from .student import KEPT_NOTEBOOK_METADATA, METADATA_KEY, notebook_text

EXPORT_MARKER = ".course_nbgrader_export"  # written into the output folder: later exports may write there again
SCHEMA_VERSION = 3  # nbgrader's cell metadata schema (nbgrader 0.6 and later)
GRADE_ID = re.compile(r"[^A-Za-z0-9_-]")  # characters nbgrader does not allow in a grade_id
# Lines nbgrader reads as markers wherever they hold these words (the course reads only whole
# marker lines): every such line must be one of the course's markers.
NBGRADER_DELIMITERS = {"BEGIN SOLUTION": BEGIN_SOLUTION, "END SOLUTION": END_SOLUTION,
                       "BEGIN HIDDEN TESTS": BEGIN_HIDDEN, "END HIDDEN TESTS": END_HIDDEN,
                       "BEGIN MARK SCHEME": None, "END MARK SCHEME": None}
CONFIG_TEXT = '''\
# nbgrader configuration for the course's exercises, written by
# `python -m course_lib.exercises nbgrader`. Later exports keep this file: edit it freely.
c = get_config()  # noqa: F821 (nbgrader defines get_config)

# Set your course's id to release and collect through nbgrader's exchange on a JupyterHub.
# c.CourseDirectory.course_id = "generative-models"

# The checks run for up to a minute per cell (the VAE exercise trains briefly), as with
# `python -m course_lib.exercises grade`; nbgrader's default is 30 seconds.
c.Execute.timeout = 60
'''


def _metadata(grade_id, *, solution=False, grade=False, locked=False, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": SCHEMA_VERSION,
            "solution": solution}
    if grade:
        meta["points"] = points
    return meta


def _check_delimiters(source, where, check_cell):
    """Raise if nbgrader would read a line as a marker that the course does not (or the reverse)."""
    for number, line in enumerate(source.splitlines(), 1):
        text = line.strip()
        for words, marker in NBGRADER_DELIMITERS.items():
            if words in line and (marker is None or not text.startswith(marker)):
                expected = f"on a line of its own as {marker!r}" if marker else "(the course has no mark schemes)"
                raise ExerciseFormatError(
                    f"{where}: line {number} ({text[:60]!r}) holds {words!r}, which nbgrader reads as a marker; "
                    f"write it {expected} or reword the line")
        if check_cell and "AUTOTEST" in line and text.startswith("#"):
            raise ExerciseFormatError(
                f"{where}: line {number} ({text[:60]!r}) is a comment holding 'AUTOTEST', which nbgrader "
                f"expands into tests; reword it")


def quiet_last_expression(source, where="check cell"):
    """``source`` with a ``;`` after its last statement when that is an expression.

    IPython then displays no value, which nbgrader would read as partial credit.

    Raises
    ------
    ExerciseFormatError
        If ``source`` is not valid Python (nbgrader's partial credit could not be ruled out).
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        raise ExerciseFormatError(
            f"{where}: a check cell must be plain Python for the nbgrader export (line {error.lineno}: "
            f"{error.msg})") from None
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return source
    last = tree.body[-1]
    lines = source.split("\n")
    line = lines[last.end_lineno - 1]
    column = len(line.encode("utf-8")[:last.end_col_offset].decode("utf-8", errors="ignore"))
    if line[column:].lstrip().startswith(";"):
        return source  # already quiet
    lines[last.end_lineno - 1] = line[:column] + ";" + line[column:]
    return "\n".join(lines)


def _grade_ids(exercise, cells):
    """A unique, nbgrader-valid grade_id for every exported cell, by its index in the source."""
    named = {}
    for task in exercise.tasks:
        named[task.cell_index] = "task_" + GRADE_ID.sub("_", task.id)
    for answer in exercise.written_answers:
        named[answer.cell_index] = f"written_answer_{answer.number}"
    used, ids = set(named.values()), dict(named)
    for index, cell in cells:
        if index in ids:
            continue
        grade_id = GRADE_ID.sub("_", cell.get("id") or "") or f"cell_{index}"
        if grade_id in used:
            grade_id = f"{grade_id}_{index}"
        while grade_id in used:
            grade_id += "_"
        used.add(grade_id)
        ids[index] = grade_id
    return ids


def nbgrader_notebook(exercise):
    """The source notebook of an :class:`~course_lib.exercises.authoring.Exercise` in nbgrader's form.

    Returns
    -------
    nbformat.NotebookNode
        nbformat 4.5, no outputs, every cell with ``nbgrader`` metadata.

    Raises
    ------
    ExerciseFormatError
        If a line would be read differently by nbgrader (see :data:`NBGRADER_DELIMITERS`), or a
        check cell is not plain Python; the message names the file and cell.
    """
    cells = [(index, cell) for index, cell in enumerate(exercise.notebook.cells)
             if SOLUTION_ONLY_TAG not in cell_tags(cell)]
    grade_ids = _grade_ids(exercise, cells)
    points = {task.cell_index: task.points for task in exercise.tasks}
    points.update({answer.cell_index: answer.points for answer in exercise.written_answers})
    exported = []
    for index, cell in cells:
        where = cell_where(exercise.path, index, cell)
        source = cell.source
        _check_delimiters(source, where, is_check_cell(cell))
        has_solution = bool(marker_regions(source, BEGIN_SOLUTION, END_SOLUTION, where))
        grade_id = grade_ids[index]
        if is_check_cell(cell):  # an autograder test
            source = quiet_last_expression(source, where)
            meta = _metadata(grade_id, grade=True, locked=True, points=points[index])
        elif is_written_answer(cell) or (cell.cell_type == "markdown" and has_solution):
            meta = _metadata(grade_id, solution=True, grade=True, points=points.get(index, 0.0))
        elif cell.cell_type == "code" and has_solution:  # an autograded answer
            meta = _metadata(grade_id, solution=True)
        else:
            meta = _metadata(grade_id, locked=True)
        metadata = {"nbgrader": meta}
        if cell_tags(cell):
            metadata["tags"] = cell_tags(cell)
        make = {"code": nbformat.v4.new_code_cell, "markdown": nbformat.v4.new_markdown_cell}.get(
            cell.cell_type, nbformat.v4.new_raw_cell)
        exported.append(make(source, metadata=metadata, id=cell.get("id") or grade_id))
    metadata = {key: exercise.notebook.metadata[key] for key in KEPT_NOTEBOOK_METADATA
                if key in exercise.notebook.metadata}
    metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    metadata[METADATA_KEY] = {"name": exercise.name, "edition": "nbgrader"}
    notebook = nbformat.v4.new_notebook(cells=exported, metadata=metadata)
    notebook.nbformat, notebook.nbformat_minor = 4, 5
    return notebook


def export_nbgrader(out, source_dir="exercises/source"):
    """Write an nbgrader course directory holding every exercise; return the paths written.

    Parameters
    ----------
    out : str or Path
        The course directory (created). If it exists it must be empty or an earlier
        export (it holds :data:`EXPORT_MARKER`): there the notebooks under
        ``source/`` are replaced, ``nbgrader_config.py`` is written only if missing,
        and nothing else is touched.
    source_dir : str or Path
        The exercise notebooks with reference solutions and hidden tests.

    Returns
    -------
    list of Path
        The notebooks written, then ``nbgrader_config.py`` if it was written.

    Raises
    ------
    NotADirectoryError
        If ``out`` is a file.
    FileExistsError
        If ``out`` is a non-empty folder that is not an earlier export; nothing is written.
    ExerciseFormatError
        If an exercise cannot be exported (see :func:`nbgrader_notebook`); nothing is written.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"out must be a folder, got the file {str(out)!r}")
    if out.is_dir() and any(out.iterdir()) and not (out / EXPORT_MARKER).is_file():
        raise FileExistsError(f"out: {str(out)!r} is a folder that is neither empty nor an earlier nbgrader "
                              f"export (it has no {EXPORT_MARKER} file); nothing was written: give a new or "
                              f"empty folder")
    texts = {out / "source" / exercise.name / f"{exercise.name}.ipynb": notebook_text(nbgrader_notebook(exercise))
             for exercise in find_exercises(source_dir)}  # every export checked before anything is written
    out.mkdir(parents=True, exist_ok=True)
    (out / EXPORT_MARKER).write_text("Written by python -m course_lib.exercises nbgrader; later exports may "
                                     "replace the notebooks under source/ here.\n")
    written = []
    for path, text in texts.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    config = out / "nbgrader_config.py"
    if not config.exists():
        config.write_text(CONFIG_TEXT, encoding="utf-8")
        written.append(config)
    return written
