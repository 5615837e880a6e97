"""How long does grading a class take? 30 generated submissions of one exercise.

The mix: 12 correct, 6 partly wrong (a bug in the last task), 6 untouched
stubs, 3 with an infinite loop after the second task's function (interrupted,
then grading goes on: full marks, status ``timeout``) and 3 that crash their
kernel there (only the first task counts). Grades them with the
course's command (two at a time, 10-second cell limit) and checks every row
against what each kind should score. Target: under 5 minutes on 2 cores.

Run from the repository root: ``python benchmarks/grading_speed.py [--exercise 03_gaussian_mixtures]``.
"""
import argparse
import collections
import os
import sys
import tempfile
import time
from pathlib import Path

from course_lib.exercises.authoring import BEGIN_SOLUTION, END_SOLUTION, load_exercise
from course_lib.exercises.grading import grade
from course_lib.exercises.student import make_student_notebook, notebook_text

ROOT = Path(__file__).resolve().parents[1]

TARGET_SECONDS = 300
MIX = {"correct": 12, "partly_wrong": 6, "stub": 6, "loop": 3, "crash": 3}


def solved(exercise):
    """The student copy with every stub replaced by the reference solution."""
    notebook = make_student_notebook(exercise)
    sources = {cell.id: cell.source for cell in exercise.notebook.cells}
    for cell in notebook.cells:
        if "raise NotImplementedError" in cell.source and cell.id in sources:
            cell.source = "\n".join(line for line in sources[cell.id].splitlines()
                                    if line.strip() not in (BEGIN_SOLUTION, END_SOLUTION))
    return notebook


def solution_cells(notebook):
    """Indices of the cells that hold a solution (the cell before each check cell that defines a function)."""
    return [i for i, cell in enumerate(notebook.cells)
            if cell.cell_type == "code" and cell.source.startswith("def ")
            and i + 1 < len(notebook.cells) and notebook.cells[i + 1].source.startswith("# Task")]


def make_submissions(exercise, folder):
    """Write the mix of submissions; return {file name: kind}."""
    kinds = {}
    for kind, count in MIX.items():
        for number in range(count):
            notebook = make_student_notebook(exercise) if kind == "stub" else solved(exercise)
            cells = solution_cells(notebook)
            if kind == "partly_wrong":  # the last task's function is redefined to return nothing
                target = notebook.cells[cells[-1]]
                name = target.source.split("(")[0][len("def "):]
                target.source += f"\n\n\ndef {name}(*args, **kwargs):\n    return None  # a bug"
            elif kind == "loop":
                notebook.cells[cells[1]].source += "\n\nwhile True:\n    pass"
            elif kind == "crash":
                notebook.cells[cells[1]].source += "\n\nimport os\nos._exit(1)"
            name = f"student_{kind}_{number:02d}.ipynb"
            (folder / name).write_text(notebook_text(notebook))
            kinds[name] = kind
    return kinds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--exercise", default="03_gaussian_mixtures")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--cell-timeout", type=float, default=10)
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    exercise = load_exercise(ROOT / "exercises" / "source" / f"{args.exercise}.ipynb")
    with tempfile.TemporaryDirectory() as temp:
        submissions = Path(temp) / "submissions"
        submissions.mkdir()
        kinds = make_submissions(exercise, submissions)
        started = time.perf_counter()
        rows = grade(submissions, Path(temp) / "grades.csv", source_dir=ROOT / "exercises" / "source",
                     cell_timeout=args.cell_timeout, submission_timeout=120, jobs=args.jobs, log=lambda m: None)
        seconds = time.perf_counter() - started
    statuses = collections.Counter((kinds[row["submission"]], row["status"]) for row in rows)
    full, points = exercise.max_points, {task.id: task.points for task in exercise.tasks}
    expected_status = {"correct": "ok", "partly_wrong": "ok", "stub": "ok", "loop": "timeout", "crash": "kernel_died"}
    wrong = []
    for row in rows:
        kind = kinds[row["submission"]]
        total = float(row["total"])
        right_total = {"correct": full, "stub": 0.0, "partly_wrong": full - points[exercise.tasks[-1].id],
                       "loop": full, "crash": points[exercise.tasks[0].id]}[kind]
        if row["status"] != expected_status[kind] or total != right_total:
            wrong.append(f"{row['submission']}: {row['status']} {total:g} (expected {expected_status[kind]} "
                         f"{right_total:g}): {row['note'][:200]}")
    print(f"graded {len(rows)} submissions of {exercise.name} in {seconds:.1f} s with {args.jobs} jobs "
          f"on {os.cpu_count()} CPU cores (target < {TARGET_SECONDS} s)")
    for (kind, status), count in sorted(statuses.items()):
        print(f"  {kind:13s} -> {status:12s} x{count}")
    for line in wrong:
        print("  UNEXPECTED " + line)
    ok = seconds < TARGET_SECONDS and not wrong
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
