"""Exercises: check helpers, marker parsing, student copies, `check`, and robust grading."""
import csv
import hashlib
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest
import torch
import yaml

from course_lib.exercises import Case, assert_close, check_function, check_that
from course_lib.exercises.__main__ import main
from course_lib.exercises.authoring import ExerciseFormatError, load_exercise
from course_lib.exercises.markers import BEGIN_SOLUTION, END_SOLUTION, region_lines
from course_lib.exercises.instructor_edition import (build_instructor_book, instructor_notebook_text,
                                                     stage_instructor_book)
from course_lib.exercises.checking import check_exercises, written_answer_problems
from course_lib.exercises import grading, runner
from course_lib.exercises.gradebook import write_csv_atomically
from course_lib.exercises.grading import build_graded_notebook, grade, grade_file
from course_lib.exercises.student import (make_student_notebook, notebook_text, stale_student_copies,
                                          write_student_copies)

ROOT = Path(__file__).resolve().parents[1]

DOUBLE_SOLUTION = "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"
DOUBLE_CHECK = ('# Task 1: double a number (2 points)\n'
                'from course_lib.exercises import Case, check_function\n'
                'check_function(double, [Case("three", args=(3,), expected=6)], task="Task 1")\n'
                '### BEGIN HIDDEN TESTS\n'
                'assert double(-4) == -8, "hidden: double(-4)"\n'
                '### END HIDDEN TESTS')
SQUARE_SOLUTION = "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION"
SQUARE_CHECK = ('# Task 2: square a number (3 points)\n'
                'from course_lib.exercises import Case, check_function\n'
                'check_function(square, [Case("three", args=(3,), expected=9)], task="Task 2")')
WRITTEN_1 = ("**Written answer 1: why a mixture beats one Gaussian (2 points, graded by hand)**\n\n"
             "Explain in two sentences why the mixture fits the ring better.\n\n"
             "### BEGIN SOLUTION\n"
             "One Gaussian has a single mode and an elliptical contour; the ring has a hole in the middle.\n"
             "A mixture places components around the ring, so its density follows the ring.\n"
             "### END SOLUTION")
WRITTEN_2 = ("**Written answer 2: the cost of EM (1.5 points, graded by hand)**\n\n"
             "### BEGIN SOLUTION\n"
             "Each iteration costs O(N K D^2) for full covariances.\n"
             "### END SOLUTION")


def _written(source, tags=("written-answer",), kind="markdown"):
    make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
    return make(source, metadata={"tags": list(tags)})


# Student code that replaces the helpers, so that every check would pass: the grader must undo it.
PATCHING = ("import course_lib.exercises as helpers, course_lib.exercises.feedback as feedback\n"
            "helpers.check_function = feedback.check_function = lambda *args, **kwargs: 1\n"
            "feedback.assert_close = lambda *args, **kwargs: None\n")


def _notebook(*cells):
    built = []
    for index, cell in enumerate(cells):
        if isinstance(cell, dict):  # a cell made by the caller (e.g. with tags)
            built.append(nbformat.from_dict({**cell, "id": f"cell-{index}"}))
            continue
        kind, source = cell if isinstance(cell, tuple) else ("code", cell)
        make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        built.append(make(source, id=f"cell-{index}"))
    notebook = nbformat.v4.new_notebook(cells=built, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    notebook.nbformat_minor = 5
    return notebook


def _write(path, notebook):
    path.write_text(notebook_text(notebook))
    return path


@pytest.fixture
def tiny_source(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    notebook = _notebook(("markdown", "# Tiny exercise"), DOUBLE_SOLUTION, DOUBLE_CHECK, SQUARE_SOLUTION, SQUARE_CHECK)
    notebook.cells.insert(1, nbformat.v4.new_code_cell("print('solution-only demo')", id="demo",
                                                       metadata={"tags": ["solution-only"]}))
    notebook.cells[2].outputs = [nbformat.v4.new_output("stream", text="stale output")]
    notebook.cells[2].execution_count = 4
    return _write(source / "01_tiny.ipynb", notebook)


# ---------------------------------------------------------------- check helpers

def test_assert_close_names_case_expected_got_and_hint():
    with pytest.raises(AssertionError, match=r"case 'a': expected shape \(2,\), got shape \(3,\)\nHint: reshape"):
        assert_close("case 'a'", torch.zeros(3), torch.zeros(2), hint="reshape")
    with pytest.raises(AssertionError, match=r"(?s)wrong values \(1 of 2 entries differ.*expected: \[1\., 2\.\].*got:      \[1\., 5\.\]"):
        assert_close("x", np.array([1.0, 5.0]), torch.tensor([1.0, 2.0]))
    with pytest.raises(AssertionError, match="returned None; did you forget the `return`"):
        assert_close("x", None, 1.0)
    with pytest.raises(AssertionError, match="contains NaN"):
        assert_close("x", torch.tensor([float("nan")]), torch.tensor([0.0]))
    with pytest.raises(AssertionError, match=r"x\[1\]: wrong values"):
        assert_close("x", (1.0, 3.0), (1.0, 2.0))
    with pytest.raises(AssertionError, match="expected 2 values, got 1"):
        assert_close("x", [1.0], (1.0, 2.0))
    assert_close("x", torch.tensor([1.0, 2.0 + 1e-7]), np.array([1.0, 2.0]))  # within tolerance


def test_check_function_reports_the_failing_case(capsys):
    cases = [Case("small", args=(2,), expected=4), Case("negative", args=(-3,), expected=9, hint="square it")]
    with pytest.raises(AssertionError, match=r"Task 9, case 'negative': wrong values.*\n.*expected: 9.*\n.*got:      -6.*\nHint: square it"):
        check_function(lambda x: 2 * x, cases, task="Task 9")
    assert "Task 9: case 'small' passed" in capsys.readouterr().out
    assert check_function(lambda x: x * x, cases, task="T") == 2


def test_check_function_passes_stubs_through_and_wraps_other_errors(capsys):
    def stub(x):
        raise NotImplementedError("Task 1: write it")

    with pytest.raises(NotImplementedError, match="Task 1: write it"):
        check_function(stub, [Case("c", args=(1,), expected=1)], task="Task 1")
    assert "not done yet" in capsys.readouterr().out
    with pytest.raises(AssertionError, match=r"case 'c': your function raised ZeroDivisionError.*\nHint: h"):
        check_function(lambda x: x / 0, [Case("c", args=(1,), expected=1)], hint="h")


def test_check_function_protects_inputs_and_checks_arguments():
    data = torch.ones(3)

    def in_place(x):
        x.mul_(10)
        return x

    check_function(in_place, [Case("c", args=(data,))], reference=lambda x: x * 10)
    assert torch.equal(data, torch.ones(3))
    with pytest.raises(TypeError, match="func must be the function to check, got int"):
        check_function(3, [])
    with pytest.raises(TypeError, match="cases must hold Case objects, got dict"):
        check_function(abs, [{"args": (1,)}])
    with pytest.raises(TypeError, match="case 'c' has no expected value and no reference"):
        check_function(abs, [Case("c", args=(1,))])
    with pytest.raises(TypeError, match="args must be a tuple of positional arguments, got int"):
        Case("c", args=1)
    with pytest.raises(AssertionError, match="x: it is false\nHint: h"):
        check_that("x", False, "it is false", hint="h")


# ---------------------------------------------------------------- parsing and validation

@pytest.mark.parametrize("source, message", [
    (DOUBLE_SOLUTION.replace("    ### END SOLUTION", ""),
     r"bad\.ipynb, cell 0 \(id 'cell-0'\): '### BEGIN SOLUTION' on line 2 has no matching '### END SOLUTION'"),
    (DOUBLE_SOLUTION.replace("    ### BEGIN SOLUTION\n", ""),
     r"bad\.ipynb, cell 0 \(id 'cell-0'\): '### END SOLUTION' on line 3 has no matching '### BEGIN SOLUTION'"),
    (DOUBLE_SOLUTION.replace("return 2 * x", "### BEGIN SOLUTION"),
     r"cell 0 \(id 'cell-0'\): '### BEGIN SOLUTION' on line 3 opens a region while the one opened on line 2"),
])
def test_unbalanced_markers_name_file_and_cell(tmp_path, source, message):
    path = _write(tmp_path / "bad.ipynb", _notebook(source, DOUBLE_CHECK))
    with pytest.raises(ExerciseFormatError, match=message):
        load_exercise(path)


def test_check_cell_problems_name_file_and_cell(tmp_path):
    no_points = DOUBLE_CHECK.replace(" (2 points)", "")
    path = _write(tmp_path / "bad.ipynb", _notebook(DOUBLE_SOLUTION, no_points))
    with pytest.raises(ExerciseFormatError, match=r"bad\.ipynb, cell 1 \(id 'cell-1'\): a check cell's first line must "
                                                  r"name the task and its points.*got '# Task 1: double a number'"):
        load_exercise(path)
    path = _write(tmp_path / "dup.ipynb", _notebook(DOUBLE_SOLUTION, DOUBLE_CHECK, DOUBLE_CHECK))
    with pytest.raises(ExerciseFormatError, match=r"cell 2 \(id 'cell-2'\): Task 1 already has a check cell"):
        load_exercise(path)
    path = _write(tmp_path / "hidden.ipynb", _notebook(DOUBLE_SOLUTION + "\n### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS",
                                                      DOUBLE_CHECK))
    with pytest.raises(ExerciseFormatError, match=r"hidden\.ipynb, cell 0 .*hidden tests are only allowed in a check cell"):
        load_exercise(path)
    path = _write(tmp_path / "none.ipynb", _notebook(DOUBLE_SOLUTION))
    with pytest.raises(ExerciseFormatError, match=r"none\.ipynb: no check cell found"):
        load_exercise(path)


def test_missing_and_corrupt_source_files(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"exercise notebook '.*missing\.ipynb' does not exist"):
        load_exercise(tmp_path / "missing.ipynb")
    (tmp_path / "broken.ipynb").write_text('{"cells": [')
    with pytest.raises(ExerciseFormatError, match=r"broken\.ipynb: not a readable Jupyter notebook"):
        load_exercise(tmp_path / "broken.ipynb")
    with pytest.raises(FileNotFoundError, match=r"source folder '.*nowhere' does not exist"):
        write_student_copies(tmp_path / "nowhere", tmp_path / "out")
    (tmp_path / "nothing").mkdir()
    with pytest.raises(FileNotFoundError, match="source folder .* holds no .ipynb exercise notebooks"):
        write_student_copies(tmp_path / "nothing", tmp_path / "out")


# ---------------------------------------------------------------- written answers

@pytest.fixture
def written_source(tmp_path):
    """A source folder with ``01_words``: two tasks and two written answers."""
    source = tmp_path / "words_source"
    source.mkdir()
    notebook = _notebook(("markdown", "# Words exercise"), DOUBLE_SOLUTION, DOUBLE_CHECK, _written(WRITTEN_1),
                         SQUARE_SOLUTION, SQUARE_CHECK, _written(WRITTEN_2))
    return _write(source / "01_words.ipynb", notebook)


def test_written_answers_are_parsed_with_their_points_and_model_answers(written_source):
    exercise = load_exercise(written_source)
    assert [(a.number, a.title, a.points, a.cell_index, a.cell_id) for a in exercise.written_answers] == [
        (1, "why a mixture beats one Gaussian", 2.0, 3, "cell-3"), (2, "the cost of EM", 1.5, 6, "cell-6")]
    assert exercise.written_answers[0].label == "Written answer 1"
    assert exercise.written_answers[0].model_answer == (
        "One Gaussian has a single mode and an elliptical contour; the ring has a hole in the middle.\n"
        "A mixture places components around the ring, so its density follows the ring.")
    assert (exercise.max_points, exercise.manual_points) == (5.0, 3.5)  # max_points: auto-graded tasks only
    assert [t.id for t in exercise.tasks] == ["1", "2"]
    assert exercise.written_answers[1].header == "**Written answer 2: the cost of EM (1.5 points, graded by hand)**"


WHERE = r"bad\.ipynb, cell 1 \(id 'cell-1'\): "


@pytest.mark.parametrize("cell, message", [
    (_written(WRITTEN_1.replace(" (2 points, graded by hand)", " (2 points)")),
     WHERE + r"a written answer's first line must name it, its title and its points, like "
             r"'\*\*Written answer 1: title \(2 points, graded by hand\)\*\*'; got '\*\*Written answer 1: why a "
             r"mixture beats one Gaussian \(2 points\)\*\*'$"),
    (_written("Written answer 1: no bold (2 points, graded by hand)\n### BEGIN SOLUTION\nx\n### END SOLUTION"),
     WHERE + r"a written answer's first line must .*; got 'Written answer 1: no bold \(2 points, graded by hand\)'$"),
    (_written(WRITTEN_1.replace("answer 1:", "answer one:")),
     WHERE + r"a written answer's first line must .*; got '\*\*Written answer one: why"),
    (_written(WRITTEN_1.replace("(2 points", "(0 points")), WHERE + r"points must be positive, got 0$"),
    (_written(WRITTEN_1.split("### BEGIN SOLUTION")[0]),
     WHERE + r"a written answer must hold its model answer in one region between '### BEGIN SOLUTION' and "
             r"'### END SOLUTION' lines after its first line; found none$"),
    (_written(WRITTEN_1 + "\n### BEGIN SOLUTION\nmore\n### END SOLUTION"),
     WHERE + r"a written answer must hold its model answer in one region .*; found 2 regions$"),
    (_written(WRITTEN_1.replace("### END SOLUTION", "")),
     WHERE + r"'### BEGIN SOLUTION' on line 5 has no matching '### END SOLUTION'$"),
    (_written("### BEGIN SOLUTION\nan answer without its first line\n### END SOLUTION"),
     WHERE + r"a written answer's first line must .*; got '### BEGIN SOLUTION'$"),
    (_written(WRITTEN_1, kind="code"),
     WHERE + r"a cell tagged 'written-answer' must be a markdown cell, got a code cell$"),
    (_written(WRITTEN_1, tags=("written-answer", "solution-only")),
     WHERE + r"a written answer cannot also be tagged 'solution-only' \(students must see its question\); "
             r"remove one of the two tags$"),
    (_written(WRITTEN_1, tags=()),
     WHERE + r"this cell starts like a written answer \('\*\*Written answer 1: why a mixture beats one Gaussian "
             r"\(2 points, graded by hand\)\*\*'\) but is not tagged 'written-answer'; add the tag \(cell metadata "
             r'"tags": \["written-answer"\]\) so that its points count$'),
])
def test_malformed_written_answers_name_file_and_cell(tmp_path, cell, message):
    path = _write(tmp_path / "bad.ipynb", _notebook(DOUBLE_SOLUTION, cell, DOUBLE_CHECK))
    with pytest.raises(ExerciseFormatError, match=message):
        load_exercise(path)


def test_a_repeated_written_answer_number_is_refused(tmp_path):
    path = _write(tmp_path / "dup.ipynb", _notebook(DOUBLE_SOLUTION, DOUBLE_CHECK, _written(WRITTEN_1),
                                                   _written(WRITTEN_2.replace("answer 2:", "answer 1:"))))
    with pytest.raises(ExerciseFormatError, match=r"^.*dup\.ipynb, cell 3 \(id 'cell-3'\): Written answer 1 already "
                                                  r"exists \(cell 2\); written answer numbers must be unique$"):
        load_exercise(path)


def test_student_copy_of_a_written_answer_keeps_the_question_and_asks_for_the_answer(written_source):
    student = make_student_notebook(load_exercise(written_source))
    assert student.cells[3].source == ("**Written answer 1: why a mixture beats one Gaussian (2 points, graded by "
                                       "hand)**\n\nExplain in two sentences why the mixture fits the ring better."
                                       "\n\nYOUR ANSWER HERE")
    assert student.cells[6].source == ("**Written answer 2: the cost of EM (1.5 points, graded by hand)**\n\n"
                                       "YOUR ANSWER HERE")
    assert student.cells[3].metadata == {"tags": ["written-answer"]}
    text = notebook_text(student)
    assert "single mode" not in text and "O(N K D^2)" not in text and "SOLUTION" not in text


def test_check_requires_model_answers_and_stubs_in_student_copies(written_source, tmp_path):
    exercise = load_exercise(written_source)
    student = make_student_notebook(exercise)
    assert written_answer_problems(exercise, student, "student.ipynb") == []
    leaked = nbformat.from_dict(student)
    leaked.cells[3].source = exercise.notebook.cells[3].source.replace("### BEGIN SOLUTION\n", "").replace(
        "\n### END SOLUTION", "")
    del leaked.cells[6]
    assert written_answer_problems(exercise, leaked, "student.ipynb") == [
        "student.ipynb: Written answer 1 should hold 'YOUR ANSWER HERE' for the student to replace; run "
        "'python -m course_lib.exercises student'",
        "student.ipynb: Written answer 1 shows its model answer to students; run "
        "'python -m course_lib.exercises student'",
        "student.ipynb: Written answer 2 is missing (no cell tagged 'written-answer' starting '**Written answer 2: "
        "the cost of EM (1.5 points, graded by hand)**'); run 'python -m course_lib.exercises student'"]
    empty = _write(tmp_path / "empty.ipynb", _notebook(DOUBLE_SOLUTION, DOUBLE_CHECK, _written(
        "**Written answer 1: why (1 point, graded by hand)**\n### BEGIN SOLUTION\n\n### END SOLUTION")))
    exercise = load_exercise(empty)
    assert written_answer_problems(exercise, make_student_notebook(exercise), "s.ipynb") == [
        f"{empty}, cell 2: Written answer 1 has no model answer between the solution markers; write the answer "
        f"an instructor accepts"]


def test_instructor_edition_shows_model_answers_in_a_box(written_source):
    staged = nbformat.reads(instructor_notebook_text(load_exercise(written_source)), as_version=4)
    assert staged.cells[3].source == (
        "**Written answer 1: why a mixture beats one Gaussian (2 points, graded by hand)**\n\n"
        "Explain in two sentences why the mixture fits the ring better.\n\n"
        "```{admonition} Model answer (graded by hand)\n:class: tip\n"
        "One Gaussian has a single mode and an elliptical contour; the ring has a hole in the middle.\n"
        "A mixture places components around the ring, so its density follows the ring.\n```")
    assert "### BEGIN SOLUTION" in staged.cells[1].source  # code solutions are shown as they are


def test_grade_csv_counts_written_answers_as_manual_points(written_source, tiny_source, tmp_path, monkeypatch):
    calls = _fake_runs(monkeypatch, [{"event": "cell", "task": "1", "status": "ok"},
                                     {"event": "cell", "task": "2", "status": "ok"}, {"event": "done"}])
    source = written_source.parent
    (source / "02_tiny.ipynb").write_bytes(tiny_source.read_bytes())
    subs = tmp_path / "submissions"
    subs.mkdir()
    _write(subs / "alice.ipynb", make_student_notebook(load_exercise(written_source)))
    _write(subs / "bob.ipynb", make_student_notebook(load_exercise(source / "02_tiny.ipynb")))
    out = tmp_path / "grades.csv"
    grade(subs, out, source_dir=source, log=lambda m: None)
    lines = out.read_text().splitlines()
    assert lines[0] == "submission,exercise,sha256,task_1,task_2,total,max_points,manual_points,status,seconds,note"
    with open(out, newline="") as handle:
        rows = {row["submission"]: row for row in csv.DictReader(handle)}
    assert [rows["alice.ipynb"][k] for k in ("exercise", "total", "max_points", "manual_points", "status", "note")] \
        == ["01_words", "5.0", "5.0", "3.5", "ok", "2 written answers (3.5 points) to grade by hand"]
    assert [rows["bob.ipynb"][k] for k in ("exercise", "total", "max_points", "manual_points", "note")] == \
        ["02_tiny", "5.0", "5.0", "0.0", ""]
    assert len(calls) == 2


def test_grade_resumes_a_csv_written_before_manual_points(written_source, tmp_path, monkeypatch):
    _fake_runs(monkeypatch, [{"event": "cell", "task": "1", "status": "ok"}, {"event": "done"}])
    subs = tmp_path / "submissions"
    subs.mkdir()
    path = _write(subs / "alice.ipynb", make_student_notebook(load_exercise(written_source)))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    out = tmp_path / "old.csv"
    out.write_text("submission,exercise,sha256,task_1,task_2,total,max_points,status,seconds,note\n"
                   f"alice.ipynb,01_words,{digest},2.0,0.0,2.0,5.0,ok,3.1,\n")
    messages = []
    grade(subs, out, source_dir=written_source.parent, log=messages.append)
    assert messages == ["skipped alice.ipynb: already graded (same sha256)"]
    assert out.read_text().splitlines() == [
        "submission,exercise,sha256,task_1,task_2,total,max_points,manual_points,status,seconds,note",
        f"alice.ipynb,01_words,{digest},2.0,0.0,2.0,5.0,3.5,ok,3.1,"]


# ---------------------------------------------------------------- student copies

def test_student_copy_has_stubs_and_no_solutions_or_hidden_tests(tiny_source):
    exercise = load_exercise(tiny_source)
    assert [(t.id, t.title, t.points) for t in exercise.tasks] == [("1", "double a number", 2.0),
                                                                   ("2", "square a number", 3.0)]
    student = make_student_notebook(exercise)
    text = notebook_text(student)
    sources = [cell.source for cell in student.cells]
    assert "    # YOUR CODE HERE\n    raise NotImplementedError('Task 1: double a number')" in sources[1]
    assert "raise NotImplementedError('Task 2: square a number')" in sources[3]
    for secret in ("return 2 * x", "return x * x", "double(-4)", "BEGIN SOLUTION", "HIDDEN TESTS", "solution-only demo"):
        assert secret not in text
    assert sources[2] == DOUBLE_CHECK.split("\n### BEGIN HIDDEN TESTS")[0]
    assert all(cell.get("outputs", []) == [] and cell.get("execution_count") is None
               for cell in student.cells if cell.cell_type == "code")
    assert [cell.id for cell in student.cells] == ["cell-0", "cell-1", "cell-2", "cell-3", "cell-4"]
    assert student.metadata["course_exercise"] == {"name": "01_tiny", "edition": "student"}
    nbformat.validate(student)
    assert notebook_text(make_student_notebook(load_exercise(tiny_source))) == text  # deterministic


def test_student_check_detects_stale_copies(tiny_source, tmp_path, capsys):
    student_dir = tmp_path / "student"
    assert main(["--source", str(tiny_source.parent), "student", "--out", str(student_dir)]) == 0
    assert main(["--source", str(tiny_source.parent), "student", "--out", str(student_dir), "--check"]) == 0
    copy = student_dir / "01_tiny.ipynb"
    copy.write_text(copy.read_text().replace("double a number", "double it"))
    (student_dir / "99_orphan.ipynb").write_text("{}")
    assert main(["--source", str(tiny_source.parent), "student", "--out", str(student_dir), "--check"]) == 1
    err = capsys.readouterr().err
    assert "01_tiny.ipynb: differs from the copy generated" in err and "99_orphan.ipynb: has no source" in err


def test_committed_student_copies_are_current():
    assert stale_student_copies(ROOT / "exercises" / "source", ROOT / "exercises" / "student") == []


def test_every_chapter_exercise_has_two_to_four_tasks_and_hidden_tests():
    for path in sorted((ROOT / "exercises" / "source").glob("*.ipynb")):
        exercise = load_exercise(path)
        assert 2 <= len(exercise.tasks) <= 4, path
        assert any("### BEGIN HIDDEN TESTS" in task.source for task in exercise.tasks), path
        assert all(region_lines(cell.source, BEGIN_SOLUTION, END_SOLUTION) == []
                   for cell in make_student_notebook(exercise).cells)


def test_instructor_book_is_built_from_a_staged_copy_with_solutions(tmp_path):
    stage = tmp_path / "stage"
    replaced = stage_instructor_book(ROOT, stage)
    sources = sorted(p.name for p in (ROOT / "exercises" / "source").glob("*.ipynb"))
    assert sorted(p.name for p in replaced) == sources
    staged = (stage / "exercises" / "student" / "03_gaussian_mixtures.ipynb").read_text()
    assert "### BEGIN SOLUTION" in staged and "### BEGIN HIDDEN TESTS" in staged
    assert not (stage / "exercises" / "source").exists() and not (stage / ".venv").exists()
    assert (stage / "_toc.yml").read_text() == (ROOT / "_toc.yml").read_text()
    assert yaml.safe_load((stage / "_config.yml").read_text())["title"].endswith("(instructor edition)")
    assert "### BEGIN SOLUTION" not in (ROOT / "exercises" / "student" / "03_gaussian_mixtures.ipynb").read_text()

    calls = []

    def fake_run(command, env):
        page = Path(command[2]) / "exercises" / "student" / "02_generative_vs_discriminative.ipynb"
        calls.append((command, env, page.read_text()))
        return type("Result", (), {"returncode": 0})()

    html = build_instructor_book(tmp_path / "instructor", root=ROOT, run=fake_run)
    assert html == (tmp_path / "instructor" / "_build" / "html").resolve()
    command, env, page = calls[0]
    assert command[1] == "build" and command[3:] == ["--path-output", str((tmp_path / "instructor").resolve()),
                                                     "-W", "-n", "--keep-going"]
    assert "### BEGIN SOLUTION" in page and env["COURSE_STATIC_WIDGETS"] == "1"
    with pytest.raises(RuntimeError, match="jupyter-book build failed with exit code 1"):
        build_instructor_book(tmp_path / "x", root=ROOT, run=lambda c, env: type("R", (), {"returncode": 1})())
    with pytest.raises(FileNotFoundError, match="root: _toc.yml not found in"):
        build_instructor_book(tmp_path / "y", root=tmp_path / "nobook")
    with pytest.raises(ValueError, match="out must be a folder apart from the book root"):
        build_instructor_book(ROOT, root=ROOT)


# ---------------------------------------------------------------- check and grading (run kernels)

@pytest.mark.kernel
def test_check_accepts_sound_tasks_and_reports_broken_ones(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    broken_check = SQUARE_CHECK.replace("check_function(", "undefined_helper(); check_function(")
    no_model_answer = _written("**Written answer 1: why (1 point, graded by hand)**\n### BEGIN SOLUTION\n### END SOLUTION")
    _write(source / "01_mixed.ipynb", _notebook(DOUBLE_SOLUTION, DOUBLE_CHECK, _written(WRITTEN_2), SQUARE_SOLUTION,
                                                broken_check, no_model_answer))
    write_student_copies(source, tmp_path / "student")
    problems = check_exercises(source, tmp_path / "student", cell_timeout=20, log=lambda m: None)
    assert len(problems) == 3, problems  # Task 1 and Written answer 2 are sound: no problem reported for them
    assert problems[0].endswith("01_mixed.ipynb, cell 5: Written answer 1 has no model answer between the solution "
                                "markers; write the answer an instructor accepts")
    assert "01_mixed.ipynb (reference): Task 2 fails with the reference solution: NameError" in problems[1]
    assert "01_mixed.ipynb (student copy): Task 2 should fail with NotImplementedError, got NameError" in problems[2]


def _student_with(exercise, replacements, drop_checks=False, metadata=True):
    notebook = make_student_notebook(exercise)
    for index, source in replacements.items():
        notebook.cells[index].source = source
    if drop_checks:
        notebook.cells = [c for c in notebook.cells if not c.source.startswith("# Task")]
    if not metadata:
        del notebook.metadata["course_exercise"]
    return notebook


def _digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.kernel
def test_grading_survives_every_failure_kind_and_resumes(tiny_source, tmp_path):
    exercise = load_exercise(tiny_source)
    double, square = "def double(x):\n    return 2 * x", "def square(x):\n    return x * x"
    subs = tmp_path / "submissions"
    (subs / "carol").mkdir(parents=True)
    _write(subs / "correct.ipynb", _student_with(exercise, {1: double, 3: square}))
    _write(subs / "partly_wrong.ipynb", _student_with(exercise, {1: double, 3: "def square(x):\n    return x + x"}))
    _write(subs / "stub.ipynb", _student_with(exercise, {}))
    _write(subs / "hardcoded.ipynb", _student_with(exercise, {1: "def double(x):\n    return 6", 3: square}))
    _write(subs / "loop.ipynb", _student_with(exercise, {1: double, 3: "while True:\n    pass"}))
    _write(subs / "crash.ipynb", _student_with(exercise, {1: double, 3: "import os\nos._exit(1)"}))
    (subs / "corrupt.ipynb").write_text('{"cells": [{"cell_type": "code", "sour')
    (subs / "empty.ipynb").write_text("")
    _write(subs / "carol" / "homework (1) final.ipynb", _student_with(exercise, {1: double, 3: square}, metadata=False))
    _write(subs / "deleted_checks.ipynb", _student_with(exercise, {1: double, 3: square}, drop_checks=True))
    _write(subs / "tampered.ipynb", _student_with(exercise, {1: "def double(x):\n    return 0",
                                                            2: "# Task 1: double a number (2 points)\npass",
                                                            3: "def square(x):\n    return 0",
                                                            4: "# Task 2: square a number (3 points)\nprint('ok')"}))
    cheat = "def double(x):\n    return 2 * x if x < 0 else 0\n" + PATCHING  # passes the hidden test only
    _write(subs / "monkeypatched.ipynb", _student_with(exercise, {1: cheat, 3: "def square(x):\n    return 0"}))
    (subs / "notes.txt").write_text("not a notebook: ignored")
    before = _digest(subs)
    out = tmp_path / "grades.csv"
    grade(subs, out, source_dir=tiny_source.parent, cell_timeout=15, submission_timeout=90, log=lambda m: None)
    assert _digest(subs) == before  # grading never modifies submissions
    with open(out, newline="") as handle:
        rows = {row["submission"]: row for row in csv.DictReader(handle)}
    expected = {  # submission: (task_1, task_2, status, note pattern)
        "correct.ipynb": ("2.0", "3.0", "ok", r"^$"),
        "partly_wrong.ipynb": ("2.0", "0.0", "ok", r"Task 2 failed: AssertionError: Task 2, case 'three': wrong values"),
        "stub.ipynb": ("0.0", "0.0", "ok", r"Task 1 failed: NotImplementedError: Task 1: double a number; Task 2 failed: NotImplementedError"),
        "hardcoded.ipynb": ("0.0", "3.0", "ok", r"Task 1 failed: AssertionError: hidden: double\(-4\)"),
        "loop.ipynb": ("2.0", "0.0", "timeout", r"^Task 2 failed: NameError.*; time limit reached in cell 4$"),
        "crash.ipynb": ("2.0", "0.0", "kernel_died", r"^kernel died in cell 4; not run: Task 2$"),
        "corrupt.ipynb": ("", "", "error", r"not a readable notebook"),
        "empty.ipynb": ("", "", "error", r"^empty file$"),
        "carol/homework (1) final.ipynb": ("2.0", "3.0", "ok", r"^$"),
        "deleted_checks.ipynb": ("2.0", "3.0", "ok", r"restored deleted check cells: Task 1, Task 2"),
        "monkeypatched.ipynb": ("0.0", "0.0", "ok", r"^Task 1 failed: AssertionError: Task 1, case 'three': "
                                                    r"wrong values.*; Task 2 failed: AssertionError: Task 2"),
        "tampered.ipynb": ("0.0", "0.0", "ok", r"Task 1: check cell was modified, the reference check was used; "
                                               r"Task 2: check cell was modified"),
    }
    assert set(rows) == set(expected)
    for name, (task_1, task_2, status, note) in expected.items():
        row = rows[name]
        assert (row["task_1"], row["task_2"], row["status"]) == (task_1, task_2, status), (name, row)
        assert re.search(note, row["note"]), (name, row["note"])
        assert row["exercise"] == ("01_tiny" if status != "error" else ""), (name, row)
    assert rows["correct.ipynb"]["total"] == "5.0" and rows["correct.ipynb"]["max_points"] == "5.0"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".grades")] == []  # no temp file left

    # Re-running resumes: nothing is graded again; a changed file is regraded alone.
    messages = []
    grade(subs, out, source_dir=tiny_source.parent, cell_timeout=15, submission_timeout=90, log=messages.append)
    assert len(messages) == len(expected) and all(m.startswith("skipped") for m in messages)
    _write(subs / "partly_wrong.ipynb", _student_with(exercise, {1: double, 3: square}))
    messages.clear()
    grade(subs, out, source_dir=tiny_source.parent, cell_timeout=15, submission_timeout=90, log=messages.append)
    assert [m for m in messages if m.startswith("graded")] == ["graded partly_wrong.ipynb: ok, 5/5"]
    with open(out, newline="") as handle:
        assert len(list(csv.DictReader(handle))) == len(expected)


@pytest.mark.kernel
def test_submission_time_limit_stops_a_loop_that_ignores_interrupts(tiny_source, tmp_path):
    exercise = load_exercise(tiny_source)
    stubborn = ("import time\nwhile True:\n    try:\n        time.sleep(0.05)\n"
                "    except KeyboardInterrupt:\n        pass")
    path = _write(tmp_path / "stubborn.ipynb", _student_with(exercise, {1: "def double(x):\n    return 2 * x",
                                                                       3: stubborn}))
    row = grade_file(path, [exercise], cell_timeout=60, submission_timeout=45)  # the cell limit never fires
    assert (row["task_1"], row["task_2"], row["status"]) == (2.0, 0.0, "timeout"), row
    assert "submission time limit reached" in row["note"] and row["seconds"] < 45 + 30, row


def test_grade_rejects_bad_folders_and_outputs(tiny_source, tmp_path, capsys):
    with pytest.raises(FileNotFoundError, match=r"submissions folder '.*nowhere' does not exist"):
        grade(tmp_path / "nowhere", tmp_path / "g.csv", source_dir=tiny_source.parent)
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("x")
    with pytest.raises(FileNotFoundError, match=r"submissions folder '.*empty' holds no .ipynb notebooks"):
        grade(empty, tmp_path / "g.csv", source_dir=tiny_source.parent)
    _write(empty / "a.ipynb", make_student_notebook(load_exercise(tiny_source)))
    with pytest.raises(FileNotFoundError, match=r"--out: folder '.*missing' for '.*g\.csv' does not exist"):
        grade(empty, tmp_path / "missing" / "g.csv", source_dir=tiny_source.parent)
    with pytest.raises(ValueError, match="--out must be outside the submissions folder"):
        grade(empty, empty / "g.csv", source_dir=tiny_source.parent)
    with pytest.raises(ValueError, match=r"exercise must be one of \['01_tiny'\], got 'nope'"):
        grade(empty, tmp_path / "g.csv", source_dir=tiny_source.parent, exercise="nope")
    with pytest.raises(ValueError, match="cell_timeout must be a finite number > 0, got 0"):
        grade(empty, tmp_path / "g.csv", source_dir=tiny_source.parent, cell_timeout=0)
    with pytest.raises(TypeError, match=r"jobs must be an int, got float 0.5"):
        grade(empty, tmp_path / "g.csv", source_dir=tiny_source.parent, jobs=0.5)
    assert main(["--source", str(tiny_source.parent), "grade", str(tmp_path / "nowhere")]) == 2
    assert "error: submissions folder" in capsys.readouterr().err


@pytest.mark.kernel
def test_a_task_line_in_a_solution_cell_is_student_code(tiny_source, tmp_path):
    exercise = load_exercise(tiny_source)
    mine = "# Task 1 - my answer\ndef double(x):\n    return 2 * x"
    titled = "# Task 2: square a number (3 points)\ndef square(x):\n    return x * x"  # the real task line
    submission = _student_with(exercise, {1: mine, 3: titled})
    graded, notes = build_graded_notebook(submission, exercise)
    sources = [cell.source for cell in graded.cells]
    assert mine in sources and titled in sources and notes == []
    assert [cell.metadata.get("course_task") for cell in graded.cells] == [None, None, "1", None, "2"]
    row = grade_file(_write(tmp_path / "answer.ipynb", submission), [exercise], cell_timeout=15)
    assert (row["task_1"], row["task_2"], row["status"], row["note"]) == (2.0, 3.0, "ok", ""), row


def test_check_prelude_undoes_a_students_monkeypatching():
    # In a process of its own: reloading the helpers here would replace the classes this suite imported.
    script = (PATCHING + grading.CHECK_PRELUDE + "from course_lib.exercises import Case, check_function\n"
              "try:\n    check_function(lambda x: 0, [Case('c', args=(1,), expected=1)])\n"
              "except AssertionError:\n    print('undone')\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0 and result.stdout.splitlines()[-1] == "undone", result.stderr


def _fake_runs(monkeypatch, events):
    calls = []

    def fake(notebook, cell_timeout, submission_timeout):
        calls.append(notebook)
        return [dict(event) for event in events]

    monkeypatch.setattr(grading, "run_graded_notebook", fake)
    return calls


def test_resume_regrades_with_exercise_and_after_grader_errors(tiny_source, tmp_path, monkeypatch):
    exercise = load_exercise(tiny_source)
    subs = tmp_path / "submissions"
    subs.mkdir()
    solved = {1: "def double(x):\n    return 2 * x", 3: "def square(x):\n    return x * x"}
    _write(subs / "unknown.ipynb", _student_with(exercise, solved, drop_checks=True, metadata=False))
    _write(subs / "recognised.ipynb", _student_with(exercise, solved))
    out, messages = tmp_path / "grades.csv", []

    def run(**options):
        messages.clear()
        grade(subs, out, source_dir=tiny_source.parent, log=messages.append, **options)
        with open(out, newline="") as handle:
            return {row["submission"]: row for row in csv.DictReader(handle)}

    # The kernel fails after Task 1 passed: status error, and Task 1 keeps its points.
    _fake_runs(monkeypatch, [{"event": "cell", "task": "1", "status": "ok"},
                             {"event": "runner_error", "error": "kernel did not start"}])
    rows = run()
    assert (rows["unknown.ipynb"]["status"], rows["unknown.ipynb"]["exercise"]) == ("error", "")
    assert "pass --exercise" in rows["unknown.ipynb"]["note"]
    assert [rows["recognised.ipynb"][k] for k in ("status", "exercise", "task_1", "task_2", "total")] == \
        ["error", "01_tiny", "2.0", "0.0", "2.0"]
    ok = [{"event": "cell", "task": "1", "status": "ok"}, {"event": "cell", "task": "2", "status": "ok"},
          {"event": "done"}]
    calls = _fake_runs(monkeypatch, ok)
    rows = run()  # the grader's failure is retried; the unrecognised file, unchanged, is not
    assert sorted(messages) == ["graded recognised.ipynb: ok, 5/5",
                                "skipped unknown.ipynb: already graded (same sha256)"] and len(calls) == 1
    rows = run(exercise="01")  # as its note advises: now it is graded
    assert sorted(messages) == ["graded unknown.ipynb: ok, 5/5 (restored deleted check cells: Task 1, Task 2)",
                                "skipped recognised.ipynb: already graded (same sha256)"]
    assert (rows["unknown.ipynb"]["exercise"], rows["unknown.ipynb"]["total"]) == ("01_tiny", "5.0")
    run(exercise="01_tiny")
    assert len(messages) == 2 and all(m.startswith("skipped") for m in messages)
    with open(out, newline="") as handle:  # a status the grader never writes (an edited CSV): regraded
        edited = handle.read().replace(",ok,", ",checked,", 1)
    out.write_text(edited)
    run()
    assert len([m for m in messages if m.startswith("graded")]) == 1


def test_csv_is_written_with_normal_permissions(tmp_path):
    old = os.umask(0o027)
    try:
        write_csv_atomically(tmp_path / "g.csv", [{"a": 1}], ["a"])
    finally:
        os.umask(old)
    assert (tmp_path / "g.csv").stat().st_mode & 0o777 == 0o640
    assert (tmp_path / "g.csv").read_text().splitlines() == ["a", "1"]


def test_check_command_passes_its_time_limits(monkeypatch, capsys):
    seen = {}

    def fake(source, student, **options):
        seen.update(options, source=source, student=student)
        return []

    monkeypatch.setattr("course_lib.exercises.checking.check_exercises", fake)
    assert main(["check", "--cell-timeout", "7.5", "--timeout", "90", "--jobs", "3"]) == 0
    assert (seen["cell_timeout"], seen["submission_timeout"], seen["jobs"]) == (7.5, 90.0, 3)
    assert "all exercises OK" in capsys.readouterr().out


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.kernel
@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
def test_interrupting_a_run_kills_kernels_and_their_children_and_cancels_the_queue(tmp_path):
    pids = tmp_path / "pids.txt"
    loop = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os, subprocess\nchild = subprocess.Popen(['sleep', '300'])\n"
        f"open({str(pids)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')\nwhile True:\n    pass")])
    interrupted, late = [], []

    def work(item):
        if item == "interrupt":  # stands for Ctrl-C, once the other run's kernel is looping
            deadline = time.monotonic() + 120
            while not (pids.exists() and len(pids.read_text().split()) == 2) and time.monotonic() < deadline:
                time.sleep(0.1)
            raise KeyboardInterrupt
        if item == "late":  # a submission still queued: a second each
            late.append(item)
            time.sleep(1)
            return
        try:
            runner.run_graded_notebook(loop, 60, 300)
        except runner.GradingInterrupted:
            interrupted.append(threading.current_thread().name)
            raise

    with pytest.raises(KeyboardInterrupt):
        runner.map_runs(work, ["interrupt", "loop"] + ["late"] * 6, 2)
    raised = time.monotonic()
    kernel, child = map(int, pids.read_text().split())
    while (interrupted == [] or _alive(kernel) or _alive(child)) and time.monotonic() < raised + 20:
        time.sleep(0.1)
    assert interrupted and not _alive(kernel) and not _alive(child)
    assert len(late) <= 1  # the queue was cancelled, not worked through
    assert not runner._live
