"""Prove every exercise works: solutions score full marks, student copies score zero.

``python -m course_lib.exercises check`` runs, for each exercise, the reference
notebook and its untouched student copy through the grader. The reference must
pass every task; the student copy must fail every task with
``NotImplementedError`` (any other error means the stub or the check is
broken). It also checks that the committed student copies are current.
"""
from .._checks import check_int, check_number
from .authoring import find_exercises
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
