"""Prove every exercise works: solutions score full marks, student copies score zero.

``python -m course_lib.exercises check`` runs, for each exercise, the reference
notebook and its untouched student copy through the grader. The reference must
pass every task; the student copy must fail every task with
``NotImplementedError`` (any other error means the stub or the check is
broken). It also checks that the committed student copies are current, and
that every written answer has a model answer in the source and still reads
``YOUR ANSWER HERE`` in the student copy.
"""
from pathlib import Path

import nbformat

from .._checks import check_int, check_number
from .authoring import (BEGIN_SOLUTION, END_SOLUTION, WRITTEN_ANSWER_STUB, find_exercises, first_line,
                        is_written_answer)
from .markers import remove_regions
from .grading import build_graded_notebook, score
from .runner import CELL_TIMEOUT, JOBS, SUBMISSION_TIMEOUT, map_runs, run_graded_notebook
from .student import make_student_notebook, stale_student_copies


def _run(exercise, notebook, cell_timeout, submission_timeout):
    graded, notes = build_graded_notebook(notebook, exercise)
    events = run_graded_notebook(graded, cell_timeout, submission_timeout)
    return events, score(exercise, events, notes, 0.0)


def _problems_for(exercise, edition, events, row):
    problems = []
    if row["status"] != "ok":
        problems.append(f"{exercise.path} ({edition}): status {row['status']}: {row['note']}")
    task_events = {e["task"]: e for e in events if e.get("event") == "cell" and e.get("task")}
    for task in exercise.tasks:
        event = task_events.get(task.id)
        if event is None:
            problems.append(f"{exercise.path} ({edition}): {task.label}'s check cell did not run")
        elif edition == "reference" and event["status"] != "ok":
            problems.append(f"{exercise.path} (reference): {task.label} fails with the reference "
                            f"solution: {event.get('ename')}: {(event.get('evalue') or '')[:300]}")
        elif edition == "student" and event.get("ename") != "NotImplementedError":
            problems.append(f"{exercise.path} (student copy): {task.label} should fail with "
                            f"NotImplementedError, got {event.get('ename') or 'no error'}: "
                            f"{(event.get('evalue') or '')[:300]}")
    return problems


def written_answer_problems(exercise, student_notebook, student_name):
    """Problems with the written answers of ``exercise``: an empty model answer in the source, or a
    student copy (``student_notebook``, named ``student_name`` in messages) whose cell for it is
    missing, lacks ``YOUR ANSWER HERE`` or shows the model answer."""
    problems = []
    student_cells = [cell for cell in student_notebook.cells if is_written_answer(cell)]
    for answer in exercise.written_answers:
        if not answer.model_answer.strip():
            problems.append(f"{exercise.path}, cell {answer.cell_index}: {answer.label} has no model answer "
                            f"between the solution markers; write the answer an instructor accepts")
        matches = [cell for cell in student_cells if first_line(cell.source) == answer.header]
        if not matches:
            problems.append(f"{student_name}: {answer.label} is missing (no cell tagged 'written-answer' "
                            f"starting {answer.header!r}); run 'python -m course_lib.exercises student'")
            continue
        lines = [line.strip() for line in matches[0].source.splitlines()]
        if WRITTEN_ANSWER_STUB not in lines:
            problems.append(f"{student_name}: {answer.label} should hold {WRITTEN_ANSWER_STUB!r} for the "
                            f"student to replace; run 'python -m course_lib.exercises student'")
        source = exercise.notebook.cells[answer.cell_index].source
        public = {line.strip() for line in remove_regions(source, BEGIN_SOLUTION, END_SOLUTION).splitlines()}
        secret = {line.strip() for line in answer.model_answer.splitlines()} - public - {"", WRITTEN_ANSWER_STUB}
        if secret & set(lines):
            problems.append(f"{student_name}: {answer.label} shows its model answer to students; "
                            f"run 'python -m course_lib.exercises student'")
    return problems


def check_exercises(source_dir="exercises/source", student_dir="exercises/student", *,
                    cell_timeout=CELL_TIMEOUT, submission_timeout=SUBMISSION_TIMEOUT, jobs=JOBS,
                    log=print):
    """Return a list of problems (empty when every exercise is sound).

    Parameters
    ----------
    source_dir, student_dir : str or Path
        Exercise sources and the committed student copies.
    cell_timeout, submission_timeout : float
        Limits for each run, in seconds (``check --cell-timeout`` and ``--timeout``).
    jobs : int
        Notebooks run at once.
    """
    check_number("cell_timeout", cell_timeout, strict=True)
    check_number("submission_timeout", submission_timeout, strict=True)
    check_int("jobs", jobs, 1)
    problems = list(stale_student_copies(source_dir, student_dir))
    exercises = find_exercises(source_dir)
    runs = []
    for exercise in exercises:
        committed = Path(student_dir) / exercise.path.name
        try:  # the committed copy when there is one (stale_student_copies reports a missing one)
            student, name = nbformat.read(committed, as_version=4), str(committed)
        except Exception:  # missing or unreadable: check the copy that would be written
            student, name = make_student_notebook(exercise), f"{committed} (as generated)"
        problems.extend(written_answer_problems(exercise, student, name))
        runs.append((exercise, "reference", exercise.notebook))
        runs.append((exercise, "student", make_student_notebook(exercise)))

    def work(item):
        exercise, edition, notebook = item
        events, row = _run(exercise, notebook, cell_timeout, submission_timeout)
        found = _problems_for(exercise, edition, events, row)
        log(f"{exercise.name} ({edition}): {row['total']:g}/{exercise.max_points:g} points, "
            f"{'OK' if not found else 'PROBLEM'}")
        return found

    for found in map_runs(work, runs, jobs):  # Ctrl-C kills the runs in progress at once
        problems.extend(found)
    return problems
