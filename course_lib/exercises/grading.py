"""Grade a folder of submitted notebooks into a CSV, surviving whatever students hand in.

For each submission the grader reads the file (never writes it), works out
which exercise it is, rebuilds the notebook with the *reference* check cells
(hidden tests included) in place of the submitted ones, and runs it in its own
kernel process with a per-cell and a per-submission time limit. A task scores
its points when its check cell runs without error. The CSV gets one row per
submission and is rewritten atomically after each one, so an interrupted run
loses nothing and a re-run skips submissions already graded with the same
file hash (see :func:`.gradebook.needs_grading` for the rows it grades again).

Written answers (markdown cells tagged ``written-answer``) are not graded here:
``total`` and ``max_points`` count the auto-graded tasks only, and
``manual_points`` and the note give the points an instructor still awards by hand.
"""
import hashlib
import threading
import time
from pathlib import Path

import nbformat

from .._checks import check_int, check_number
from .authoring import find_exercises, first_line, is_check_cell, parse_task_line, task_label
from .gradebook import (check_grade_paths, gradebook_columns, needs_grading, read_gradebook,
                        write_csv_atomically)
from .runner import CELL_TIMEOUT, JOBS, SUBMISSION_TIMEOUT, map_runs, run_graded_notebook
from .student import METADATA_KEY, student_check_source

# Put before every reference check cell: undoes a student's monkeypatching of the helpers. The
# module defining them is reloaded first, then the package, so the names checks import are fresh.
CHECK_PRELUDE = ("import importlib as _grader_importlib, course_lib.exercises as _grader_helpers\n"
                 "import course_lib.exercises.feedback as _grader_feedback\n"
                 "_grader_importlib.reload(_grader_feedback), _grader_importlib.reload(_grader_helpers)\n")
SETUP_CELL = "import course_lib.exercises  # run by the grader before the submission"


class SubmissionError(Exception):
    """A submission that cannot be run at all (empty, corrupt, unknown exercise)."""


def _normalise(source):
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _task_id_of(cell, exercise):
    """The task of ``exercise`` whose check a submitted code cell is, or None (student code).

    Only a cell whose first line is a complete task line (``# Task 2: title (3 points)``)
    naming one of the exercise's tasks counts; a student's ``# Task 1 - my answer`` does not.
    """
    if not is_check_cell(cell):
        return None
    line = first_line(cell.get("source", ""))
    for task in exercise.tasks:
        if line == first_line(task.source):
            return task.id
    parsed = parse_task_line(line)
    if parsed and any(task.id == parsed[0] for task in exercise.tasks):
        return parsed[0]
    return None


def parse_submission(data):
    """Parse a submitted notebook's bytes; raise :class:`SubmissionError` saying what is wrong."""
    if not data.strip():
        raise SubmissionError("empty file")
    try:
        return nbformat.reads(data.decode("utf-8", errors="replace"), as_version=4)
    except Exception as error:  # bad JSON, a missing key, an unknown nbformat version
        message = str(error).splitlines()[0] if str(error) else ""
        raise SubmissionError(f"not a readable notebook ({type(error).__name__}: {message[:120]})") from None


def read_submission(path):
    """Read and parse a submitted notebook file; see :func:`parse_submission`."""
    return parse_submission(Path(path).read_bytes())


def identify_exercise(notebook, path, exercises):
    """The exercise a submission answers: by metadata, then file name, then its task lines."""
    by_name = {exercise.name: exercise for exercise in exercises}
    named = notebook.metadata.get(METADATA_KEY, {})
    if isinstance(named, dict) and named.get("name") in by_name:
        return by_name[named["name"]]
    stem = Path(path).name
    for name in sorted(by_name, key=len, reverse=True):
        if name in stem:
            return by_name[name]
    lines = {first_line(cell.get("source", "")) for cell in notebook.cells}
    best, best_count = None, 0
    for exercise in exercises:
        count = sum(first_line(task.source) in lines for task in exercise.tasks)
        if count > best_count:
            best, best_count = exercise, count
    if best is None:
        raise SubmissionError("cannot tell which exercise this is (no exercise metadata, file name "
                              "or task line matches); pass --exercise")
    return best


def build_graded_notebook(submission, exercise):
    """The notebook the grader runs, and notes on replaced or restored check cells.

    The student's code cells are kept in order; each submitted check cell is
    replaced by the reference one for its task; reference check cells for
    tasks whose cell was deleted go before the next task's check (or at the end).
    A code cell counts as a check cell only when its first line is a full task
    line naming one of the exercise's tasks; when several cells name the same
    task, the one matching the student check cell is taken (else the last one:
    the check follows the solution) and the others run as student code.
    Student code is never dropped, except cells after the last check cell,
    which are left out: they cannot change a score.
    """
    order = [task.id for task in exercise.tasks]
    code_cells = [(position, cell) for position, cell in enumerate(submission.cells)
                  if cell.get("cell_type") == "code"]
    claims = {}
    for position, cell in code_cells:
        task_id = _task_id_of(cell, exercise)
        if task_id is not None:
            claims.setdefault(task_id, []).append(position)
    chosen, modified = {}, set()
    for task_id, positions in claims.items():
        expected = _normalise(student_check_source(exercise.task(task_id).source))
        exact = [p for p in positions if _normalise(submission.cells[p].get("source", "")) == expected]
        chosen[exact[0] if exact else positions[-1]] = task_id
        if not exact:
            modified.add(task_id)
    entries, seen, notes = [], set(), []
    for position, cell in code_cells:
        task_id = chosen.get(position)
        if task_id is None:
            entries.append(("code", (position, cell.get("source", ""))))
        else:
            seen.add(task_id)
            entries.append(("task", task_id))
            if task_id in modified:
                notes.append(f"{exercise.task(task_id).label}: check cell was modified, the reference check was used")
    missing = [task_id for task_id in order if task_id not in seen]
    for task_id in missing:
        later = [i for i, (kind, value) in enumerate(entries)
                 if kind == "task" and order.index(value) > order.index(task_id)]
        entries.insert(later[0] if later else len(entries), ("task", task_id))
    if missing:
        notes.append("restored deleted check cells: " + ", ".join(exercise.task(t).label for t in missing))
    last_check = max(i for i, (kind, _) in enumerate(entries) if kind == "task")
    entries = entries[:last_check + 1]  # later cells cannot change a score: not run
    # Import the helpers (and torch) first, under the start-up time limit, not a cell's.
    cells = [nbformat.v4.new_code_cell(SETUP_CELL, metadata={"course_setup": True})]
    for kind, value in entries:
        if kind == "code":
            cells.append(nbformat.v4.new_code_cell(value[1], metadata={"course_origin": value[0] + 1}))
        else:
            source = exercise.task(value).source
            lines = source.splitlines()
            cells.append(nbformat.v4.new_code_cell("\n".join(lines[:1]) + "\n" + CHECK_PRELUDE
                                                   + "\n".join(lines[1:]), metadata={"course_task": value}))
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    return notebook, notes


def manual_note(exercise):
    """``"2 written answers (4 points) to grade by hand"``, or ``""`` when the exercise has none."""
    count, points = len(exercise.written_answers), exercise.manual_points
    if not count:
        return ""
    return (f"{count} written answer{'s' if count != 1 else ''} ({points:g} point{'s' if points != 1 else ''}) "
            f"to grade by hand")


def score(exercise, events, notes, seconds):
    """Turn runner events into a CSV row (without the submission/sha256 columns)."""
    passed, failures, timeouts = {}, [], []
    status = "ok"
    for event in events:
        kind, task = event.get("event"), event.get("task")
        if kind == "cell":
            if event["status"] == "timeout":
                timeouts.append(f"{task_label(task)}'s check" if task else f"cell {event.get('origin')}")
            if task is not None:
                passed[task] = event["status"] == "ok"
                if event["status"] != "ok":
                    evalue = (event.get("evalue") or "").strip().splitlines()
                    failures.append(f"{task_label(task)} failed: {event.get('ename')}"
                                    + (f": {evalue[0][:150]}" if evalue else ""))
        elif kind == "kernel_died":
            status = "kernel_died"
            notes.append("kernel died" + (f" in {task_label(task)}'s check" if task else
                                          f" in cell {event.get('origin')}" if event.get("origin") else ""))
        elif kind == "submission_timeout":
            status = "timeout" if status == "ok" else status
            notes.append("submission time limit reached")
        elif kind == "runner_error":
            status = "error"
            notes.append(f"grader could not run the notebook: {event.get('error')}")
    if timeouts:
        status = "timeout" if status == "ok" else status
        notes.append("time limit reached in " + ", ".join(timeouts))
    not_run = [task.id for task in exercise.tasks if task.id not in passed]
    if not_run and status != "ok":
        notes.append("not run: " + ", ".join(exercise.task(t).label for t in not_run))
    row = {f"task_{task.id}": (task.points if passed.get(task.id) else 0.0) for task in exercise.tasks}
    if exercise.written_answers:
        notes.append(manual_note(exercise))
    row.update(exercise=exercise.name, total=sum(row.values()), max_points=exercise.max_points,
               manual_points=exercise.manual_points, status=status, seconds=round(seconds, 1),
               note="; ".join(failures + notes))
    return row


def grade_file(path, exercises, *, exercise=None, cell_timeout=60, submission_timeout=300, display_name=None,
               data=None, digest=None):
    """Grade one notebook file; always returns a row, whatever the file holds.

    ``data`` (the file's bytes) and ``digest`` (their SHA-256, hex) may be passed when
    already read, so the file is read and hashed only once.
    """
    started = time.monotonic()
    path = Path(path)
    row = {"submission": display_name or str(path), "exercise": "", "total": 0.0, "max_points": "",
           "manual_points": "", "status": "error", "seconds": 0.0, "note": ""}
    try:
        if data is None:
            data, digest = path.read_bytes(), None
        row["sha256"] = digest or hashlib.sha256(data).hexdigest()
        notebook = parse_submission(data)
        chosen = exercise or identify_exercise(notebook, path, exercises)
        row.update(exercise=chosen.name, max_points=chosen.max_points, manual_points=chosen.manual_points)
        graded, notes = build_graded_notebook(notebook, chosen)
        events = run_graded_notebook(graded, cell_timeout, submission_timeout)
        row.update(score(chosen, events, notes, time.monotonic() - started))
    except (SubmissionError, OSError) as error:
        row["note"] = str(error)
    except Exception as error:  # never let one submission stop the run
        row["note"] = f"grader error: {type(error).__name__}: {error}"
    row["seconds"] = round(time.monotonic() - started, 1)
    return row


def grade(submissions_dir, out, *, source_dir="exercises/source", exercise=None, cell_timeout=CELL_TIMEOUT,
          submission_timeout=SUBMISSION_TIMEOUT, jobs=JOBS, log=print):
    """Grade every ``.ipynb`` under ``submissions_dir`` into the CSV file ``out``.

    Parameters
    ----------
    submissions_dir : str or Path
        Folder of submissions (searched recursively); only read, never written.
    out : str or Path
        The CSV to write; its folder must exist. If it exists it must be the
        grader's own CSV for these submissions (see :func:`.gradebook.read_gradebook`):
        its rows for the same file and hash are kept and not graded again, except
        those :func:`.gradebook.needs_grading` names (another exercise than
        ``exercise``, a grader failure, an unknown status).
    source_dir : str or Path
        The exercise notebooks with reference solutions and hidden tests.
    exercise : str, optional
        Grade every submission as this exercise (e.g. ``"03_gaussian_mixtures"``);
        by default each submission's exercise is recognised from its metadata,
        file name or task lines.
    cell_timeout, submission_timeout : float
        Seconds allowed per cell and per submission.
    jobs : int
        Submissions graded at once, each in its own kernel.

    Returns
    -------
    list of dict
        The rows, as written.

    Raises
    ------
    FileNotFoundError
        If the submissions folder is missing or holds no notebooks, or the
        output's folder is missing.
    FileExistsError
        If ``out`` exists and is not the grader's CSV for these submissions
        (another file, or grades of other submissions); it is left unchanged.
    IsADirectoryError
        If ``out`` is a folder.
    ValueError
        If ``out`` lies inside the submissions folder, a limit is not positive,
        or ``exercise`` names no exercise.
    """
    submissions_dir, out, paths = check_grade_paths(submissions_dir, out)
    rows = read_gradebook(out, submissions_dir, [path.relative_to(submissions_dir).as_posix() for path in paths])
    check_number("cell_timeout", cell_timeout, strict=True)
    check_number("submission_timeout", submission_timeout, strict=True)
    check_int("jobs", jobs, 1)
    exercises = find_exercises(source_dir)
    forced = None
    if exercise is not None:
        names = [e.name for e in exercises]
        matches = [e for e in exercises if e.name == exercise or e.name.split("_")[0] == exercise]
        if len(matches) != 1:
            raise ValueError(f"exercise must be one of {names}, got {exercise!r}")
        forced = matches[0]
    columns = gradebook_columns(exercises)
    by_name = {e.name: e for e in exercises}
    for row in rows.values():  # a row from a CSV written before the manual_points column
        if "manual_points" not in row and row.get("exercise") in by_name:
            row["manual_points"] = by_name[row["exercise"]].manual_points
    lock = threading.Lock()
    write_csv_atomically(out, sorted(rows.values(), key=lambda r: r["submission"]), columns)

    def work(path):
        name = path.relative_to(submissions_dir).as_posix()
        try:  # read and hash once; the bytes are graded as read
            data = path.read_bytes()
            digest = hashlib.sha256(data).hexdigest()
        except OSError:
            data = digest = None
        if needs_grading(rows.get(name), digest, forced) is None:
            with lock:
                log(f"skipped {name}: already graded (same sha256)")
            return
        row = grade_file(path, exercises, exercise=forced, cell_timeout=cell_timeout,
                         submission_timeout=submission_timeout, display_name=name, data=data, digest=digest)
        with lock:
            rows[name] = row
            write_csv_atomically(out, sorted(rows.values(), key=lambda r: r["submission"]), columns)
            maximum = f"{row['max_points']:g}" if isinstance(row["max_points"], (int, float)) else "?"
            log(f"graded {name}: {row['status']}, {row['total']:g}/{maximum}"
                + (f" ({row['note']})" if row["note"] else ""))

    map_runs(work, paths, jobs)  # Ctrl-C: queued submissions cancelled, running kernels killed
    return sorted(rows.values(), key=lambda r: r["submission"])
