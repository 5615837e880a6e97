"""Read and validate exercise notebooks written with nbgrader's markers.

An exercise notebook (``exercises/source/NN_name.ipynb``) holds:

- solution regions, between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
  lines, which the student copy replaces by a stub;
- check cells, whose first line names the task and its points, for example
  ``# Task 2: the E-step (3 points)``; they call the helpers in
  :mod:`course_lib.exercises` and may hold hidden tests between
  ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``;
- written answers graded by hand: markdown cells tagged ``written-answer``
  whose first line is ``**Written answer 1: title (2 points, graded by hand)**``,
  followed by the model answer between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION`` lines (the student copy keeps the first line and puts
  ``YOUR ANSWER HERE`` in place of the model answer);
- optionally cells tagged ``solution-only``, dropped from the student copy.

Every error names the file and the cell (number and id), so an author can find it.
"""
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from .markers import BEGIN_HIDDEN, BEGIN_SOLUTION, END_HIDDEN, END_SOLUTION, ExerciseFormatError, marker_regions

SOLUTION_ONLY_TAG = "solution-only"
# "# Task 2: the E-step (3 points)"; the id is a word such as 2, 2b or e-step.
TASK_LINE = re.compile(r"^#\s*Task\s+([A-Za-z0-9][\w.-]*)\s*:\s*(.*?)\s*\(\s*(\d+(?:\.\d+)?)\s+points?\s*\)\s*$")
CHECK_CELL_START = re.compile(r"^#\s*Task\b", re.IGNORECASE)
WRITTEN_ANSWER_TAG = "written-answer"
WRITTEN_ANSWER_STUB = "YOUR ANSWER HERE"  # what the student copy holds in place of the model answer
# "**Written answer 1: why EM never lowers the likelihood (2 points, graded by hand)**"
WRITTEN_ANSWER_LINE = re.compile(r"^\*\*Written answer\s+(\d+)\s*:\s*(\S.*?)\s*\(\s*(\d+(?:\.\d+)?)\s+points?\s*,"
                                 r"\s*graded by hand\s*\)\s*\*\*$")
WRITTEN_ANSWER_START = re.compile(r"^\*\*\s*Written answer\b", re.IGNORECASE)
WRITTEN_ANSWER_EXAMPLE = "**Written answer 1: title (2 points, graded by hand)**"


def task_label(task_id):
    """``"Task 2"``: how the CSV notes, the stubs and the messages name a task."""
    return f"Task {task_id}"


@dataclass(frozen=True)
class Task:
    """One graded task: its check cell in the source notebook."""

    id: str
    title: str
    points: float
    cell_index: int  # position of the check cell in the source notebook
    cell_id: str
    source: str  # the check cell's full source, hidden tests included

    @property
    def label(self):
        """``"Task 2"``: how the CSV, the stubs and the notes name the task."""
        return task_label(self.id)


def written_answer_label(number):
    """``"Written answer 1"``: how the notes and the messages name a written answer."""
    return f"Written answer {number}"


@dataclass(frozen=True)
class WrittenAnswer:
    """One answer in words, graded by hand: its markdown cell in the source notebook."""

    number: int
    title: str
    points: float
    cell_index: int  # position of the cell in the source notebook
    cell_id: str
    header: str  # the cell's first line, kept in the student copy
    model_answer: str  # the text between the solution markers: what an instructor accepts

    @property
    def label(self):
        """``"Written answer 1"``."""
        return written_answer_label(self.number)


@dataclass
class Exercise:
    """A parsed, validated exercise notebook."""

    path: Path
    notebook: nbformat.NotebookNode
    tasks: list = field(default_factory=list)
    written_answers: list = field(default_factory=list)

    @property
    def name(self):
        """The file name without ``.ipynb``, e.g. ``03_gaussian_mixtures``."""
        return self.path.stem

    @property
    def max_points(self):
        """Points of the auto-graded tasks (written answers not included)."""
        return sum(task.points for task in self.tasks)

    @property
    def manual_points(self):
        """Points of the written answers, which an instructor awards by hand."""
        return float(sum(answer.points for answer in self.written_answers))

    def task(self, task_id):
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise KeyError(task_id)


def cell_where(path, index, cell):
    """``"exercises/source/x.ipynb, cell 5 (id 'task2-check')"``: for messages."""
    cell_id = cell.get("id") if hasattr(cell, "get") else None
    where = f"{path}, cell {index}"
    return f"{where} (id {cell_id!r})" if cell_id else where


def first_line(source):
    """The first non-blank line of a cell's source, stripped."""
    for line in source.splitlines():
        if line.strip():
            return line.strip()
    return ""


def parse_task_line(line):
    """Return ``(task_id, title, points)`` for a task line, else None."""
    match = TASK_LINE.match(line.strip())
    if match is None:
        return None
    return match.group(1), match.group(2), float(match.group(3))


def is_check_cell(cell):
    """A code cell whose first line starts with ``# Task``."""
    return cell.get("cell_type") == "code" and bool(CHECK_CELL_START.match(first_line(cell.get("source", ""))))


def cell_tags(cell):
    """The cell's metadata tags, as a list."""
    tags = cell.get("metadata", {}).get("tags", [])
    return list(tags) if isinstance(tags, (list, tuple)) else []


def is_written_answer(cell):
    """A cell tagged ``written-answer``."""
    return WRITTEN_ANSWER_TAG in cell_tags(cell)


def parse_written_answer_line(line):
    """Return ``(number, title, points)`` for a written answer's first line, else None."""
    match = WRITTEN_ANSWER_LINE.match(line.strip())
    if match is None:
        return None
    return int(match.group(1)), match.group(2), float(match.group(3))


def read_notebook(path):
    """Read a notebook file, turning every failure into a message naming the file.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ExerciseFormatError
        If the file is empty or not a valid notebook.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"exercise notebook {str(path)!r} does not exist")
    text = path.read_text(encoding="utf-8", errors="replace")
    if not text.strip():
        raise ExerciseFormatError(f"{path}: the file is empty, expected a Jupyter notebook")
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises several types for bad JSON or schema
        raise ExerciseFormatError(
            f"{path}: not a readable Jupyter notebook ({type(error).__name__}: {error})") from None


def _written_answer(where, index, cell, solutions, earlier):
    """The :class:`WrittenAnswer` of a cell tagged ``written-answer``; raise if it is malformed."""
    source = cell.get("source", "")
    if cell.get("cell_type") != "markdown":
        raise ExerciseFormatError(
            f"{where}: a cell tagged {WRITTEN_ANSWER_TAG!r} must be a markdown cell, got a "
            f"{cell.get('cell_type')} cell")
    if SOLUTION_ONLY_TAG in cell_tags(cell):
        raise ExerciseFormatError(
            f"{where}: a written answer cannot also be tagged {SOLUTION_ONLY_TAG!r} (students must see "
            f"its question); remove one of the two tags")
    header = first_line(source)
    parsed = parse_written_answer_line(header)
    if parsed is None:
        raise ExerciseFormatError(
            f"{where}: a written answer's first line must name it, its title and its points, like "
            f"{WRITTEN_ANSWER_EXAMPLE!r}; got {header!r}")
    number, title, points = parsed
    if points <= 0:
        raise ExerciseFormatError(f"{where}: points must be positive, got {points:g}")
    if len(solutions) != 1:
        found = "none" if not solutions else f"{len(solutions)} regions"
        raise ExerciseFormatError(
            f"{where}: a written answer must hold its model answer in one region between "
            f"{BEGIN_SOLUTION!r} and {END_SOLUTION!r} lines after its first line; found {found}")
    for answer in earlier:
        if answer.number == number:
            raise ExerciseFormatError(
                f"{where}: {written_answer_label(number)} already exists (cell {answer.cell_index}); "
                f"written answer numbers must be unique")
    (start, stop), = solutions
    model_answer = "\n".join(source.splitlines()[start + 1:stop]).strip("\n")
    return WrittenAnswer(number, title, points, index, cell.get("id", ""), header, model_answer)


def validate_all(path, notebook):
    """Check markers, check cells and written answers; return ``(tasks, written_answers)``.

    Raises
    ------
    ExerciseFormatError
        With the file and cell named, for unbalanced markers, a check cell
        whose first line lacks ``(N points)``, hidden tests or a solution in the
        wrong kind of cell, a duplicate task, a notebook without tasks, or a
        written answer that is malformed (its first line, its model answer
        region, its cell type), repeats a number or lacks its tag.
    """
    tasks, written = [], []
    for index, cell in enumerate(notebook.cells):
        where = cell_where(path, index, cell)
        source = cell.get("source", "")
        solutions = marker_regions(source, BEGIN_SOLUTION, END_SOLUTION, where)
        hidden = marker_regions(source, BEGIN_HIDDEN, END_HIDDEN, where)
        if hidden and not is_check_cell(cell):
            raise ExerciseFormatError(
                f"{where}: hidden tests are only allowed in a check cell (a code cell whose "
                f"first line is like '# Task 1: title (2 points)'), got a cell starting "
                f"{first_line(source)[:60]!r}")
        if is_written_answer(cell):
            written.append(_written_answer(where, index, cell, solutions, written))
            continue
        if cell.get("cell_type") == "markdown" and WRITTEN_ANSWER_START.match(first_line(source)):
            raise ExerciseFormatError(
                f"{where}: this cell starts like a written answer ({first_line(source)!r}) but is not "
                f"tagged {WRITTEN_ANSWER_TAG!r}; add the tag (cell metadata \"tags\": [\"{WRITTEN_ANSWER_TAG}\"]) "
                f"so that its points count")
        if not is_check_cell(cell):
            continue
        parsed = parse_task_line(first_line(source))
        if parsed is None:
            raise ExerciseFormatError(
                f"{where}: a check cell's first line must name the task and its points, like "
                f"'# Task 2: the E-step (3 points)'; got {first_line(source)!r}")
        if solutions:
            raise ExerciseFormatError(
                f"{where}: a check cell must not hold a solution region; move the "
                f"{BEGIN_SOLUTION!r} block into the cell above")
        task_id, title, points = parsed
        if any(task.id == task_id for task in tasks):
            raise ExerciseFormatError(f"{where}: {task_label(task_id)} already has a check cell; task ids must be unique")
        if points <= 0:
            raise ExerciseFormatError(f"{where}: points must be positive, got {points:g}")
        tasks.append(Task(task_id, title, points, index, cell.get("id", ""), source))
    if not tasks:
        raise ExerciseFormatError(
            f"{path}: no check cell found; expected at least one code cell starting "
            f"'# Task 1: title (N points)'")
    return tasks, written


def validate(path, notebook):
    """Check the notebook (see :func:`validate_all`); return the tasks in notebook order."""
    return validate_all(path, notebook)[0]


def load_exercise(path):
    """Read and validate one exercise notebook.

    Parameters
    ----------
    path : str or Path
        An ``.ipynb`` file with reference solutions.

    Returns
    -------
    Exercise
    """
    path = Path(path)
    notebook = read_notebook(path)
    tasks, written = validate_all(path, notebook)
    return Exercise(path, notebook, tasks, written)


def find_exercises(source_dir):
    """All exercise notebooks in ``source_dir``, sorted by name, validated.

    Raises
    ------
    FileNotFoundError
        If the folder does not exist or holds no notebooks.
    """
    source_dir = Path(source_dir)
    if not source_dir.is_dir():
        raise FileNotFoundError(f"source folder {str(source_dir)!r} does not exist")
    paths = sorted(source_dir.glob("*.ipynb"))
    if not paths:
        raise FileNotFoundError(f"source folder {str(source_dir)!r} holds no .ipynb exercise notebooks")
    return [load_exercise(path) for path in paths]
