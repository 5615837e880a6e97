"""The exercises command line: every error is one line and exit status 2, and no file it did
not write itself is overwritten (each refusal leaves the file's bytes as they were)."""
import csv
import functools
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_lib.exercises import grading, instructor_edition
from course_lib.exercises.__main__ import main
from course_lib.exercises.authoring import load_exercise
from course_lib.exercises.gradebook import FIXED_COLUMNS, TAIL_COLUMNS
from course_lib.exercises.grading import grade
from course_lib.exercises.instructor_edition import BUILD_MARKER, build_instructor_book
from course_lib.exercises.student import make_student_notebook, notebook_text, write_student_copies

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "python -m course_lib.exercises: error: "
CHECK = ('# Task 1: double a number (2 points)\n'
         'from course_lib.exercises import Case, check_function\n'
         'check_function(double, [Case("three", args=(3,), expected=6)], task="Task 1")')


@pytest.fixture
def source(tmp_path):
    """A source folder with one exercise, ``01_tiny``."""
    folder = tmp_path / "source"
    folder.mkdir()
    cells = [nbformat.v4.new_code_cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n"
                                       "    ### END SOLUTION", id="solution"),
             nbformat.v4.new_code_cell(CHECK, id="check")]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.nbformat_minor = 5
    (folder / "01_tiny.ipynb").write_text(notebook_text(notebook))
    return folder


@pytest.fixture
def submissions(tmp_path, source):
    """A submissions folder holding one untouched student copy, ``alice.ipynb``."""
    folder = tmp_path / "submissions"
    folder.mkdir()
    (folder / "alice.ipynb").write_text(notebook_text(make_student_notebook(load_exercise(source / "01_tiny.ipynb"))))
    return folder


def _snapshot(path):
    """The bytes of a file, or of every file under a folder."""
    path = Path(path)
    if path.is_file():
        return path.read_bytes()
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def _refused(capsys, argv, message):
    """Run the command line; check exit status 2 and one line of stderr matching ``message``."""
    status = main(argv)
    err = capsys.readouterr().err
    assert status == 2, err
    assert len(err.splitlines()) == 1 and err.startswith(PREFIX), err
    assert re.search(message, err), err


# ---------------------------------------------------------------- student

def test_student_refuses_to_write_into_the_source_folder(capsys, source):
    before = _snapshot(source)
    for out in (source, source / ".." / "source"):  # the same folder, however it is spelled
        _refused(capsys, ["--source", str(source), "student", "--out", str(out)],
                 r"student_dir \(--out\) must be a folder apart from the source folder, got '.*source', "
                 r"the source folder itself$")
    assert _snapshot(source) == before


@pytest.mark.parametrize("content", [b"my own notes, not a notebook", b"\xff\xfe binary",
                                     b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'])
def test_student_refuses_to_overwrite_a_file_it_did_not_write(capsys, source, tmp_path, content):
    out = tmp_path / "student"
    out.mkdir()
    (out / "01_tiny.ipynb").write_bytes(content)
    _refused(capsys, ["--source", str(source), "student", "--out", str(out)],
             r"student_dir \(--out\): '.*01_tiny\.ipynb' exists and is not a student copy \(no course_exercise "
             r"metadata with edition 'student'\); nothing was written: move it away or choose another --out$")
    assert (out / "01_tiny.ipynb").read_bytes() == content


def test_student_refuses_a_source_notebook_in_the_way_and_overwrites_its_own_copies(capsys, source, tmp_path):
    out = tmp_path / "student"
    out.mkdir()
    (out / "01_tiny.ipynb").write_bytes((source / "01_tiny.ipynb").read_bytes())  # solutions: not a copy
    _refused(capsys, ["--source", str(source), "student", "--out", str(out)], "exists and is not a student copy")
    assert (out / "01_tiny.ipynb").read_bytes() == (source / "01_tiny.ipynb").read_bytes()
    (out / "01_tiny.ipynb").unlink()
    write_student_copies(source, out)
    generated = (out / "01_tiny.ipynb").read_text()
    (out / "01_tiny.ipynb").write_text(generated.replace("double a number", "an old title"))
    assert main(["--source", str(source), "student", "--out", str(out)]) == 0  # its own copy: regenerated
    assert (out / "01_tiny.ipynb").read_text() == generated


def test_an_error_from_the_system_is_one_line(capsys, source, tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("keep")
    _refused(capsys, ["--source", str(source), "student", "--out", str(blocker)],
             r"student_dir \(--out\) must be a folder, got the file '.*a_file'$")
    _refused(capsys, ["--source", str(source), "student", "--out", str(blocker / "sub")],
             r"\[Errno 20\] Not a directory: '.*a_file/sub'$")  # raised by mkdir, not by the library
    assert blocker.read_text() == "keep"


# ---------------------------------------------------------------- grade

FOREIGN = (r"--out: '.*{name}' exists and is not the grader's CSV for the submissions in '.*submissions' "
           r"\({reason}\); grading would overwrite it: give a new file name or move that file away$")
GRADER_HEADER = r"'submission,exercise,sha256,task_\.\.\.,total,max_points,manual_points,status,seconds,note'"


def _grade_argv(source, submissions, out):
    return ["--source", str(source), "grade", str(submissions), "--out", str(out)]


def test_grade_refuses_to_overwrite_a_source_notebook(capsys, source, submissions):
    out = source / "01_tiny.ipynb"
    before = out.read_bytes()
    _refused(capsys, _grade_argv(source, submissions, out),
             FOREIGN.format(name=r"01_tiny\.ipynb", reason=r"its first line is '\{', not the grader's header "
                            + GRADER_HEADER))
    assert out.read_bytes() == before


def test_grade_refuses_to_overwrite_an_unrelated_csv(capsys, source, submissions, tmp_path):
    out = tmp_path / "marks.csv"
    out.write_bytes(b"student,mark\r\nalice,17\r\n")
    _refused(capsys, _grade_argv(source, submissions, out),
             FOREIGN.format(name=r"marks\.csv", reason="its first line is 'student,mark', not the grader's header "
                            + GRADER_HEADER))
    assert out.read_bytes() == b"student,mark\r\nalice,17\r\n"
    out.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff")
    _refused(capsys, _grade_argv(source, submissions, out),
             FOREIGN.format(name=r"marks\.csv", reason="it is not a UTF-8 CSV file"))
    assert out.read_bytes() == b"\x89PNG\r\n\x1a\n\x00\x00\xff"


def test_grade_refuses_a_grader_csv_of_other_submissions(capsys, source, submissions, tmp_path):
    out = tmp_path / "week2.csv"
    header = ",".join(FIXED_COLUMNS + ("task_1",) + TAIL_COLUMNS)
    out.write_text(f"{header}\nalice.ipynb,01_tiny,abc,2.0,2.0,2.0,ok,1.0,\nbob.ipynb,01_tiny,def,0.0,0.0,2.0,ok,1.0,\n")
    before = out.read_bytes()
    _refused(capsys, _grade_argv(source, submissions, out),
             FOREIGN.format(name=r"week2\.csv", reason="it lists 'bob.ipynb', which is not a notebook in that folder"))
    assert out.read_bytes() == before


def test_grade_refuses_a_folder_as_out(capsys, source, submissions, tmp_path):
    out = tmp_path / "grades"
    out.mkdir()
    (out / "keep.txt").write_text("keep")
    _refused(capsys, _grade_argv(source, submissions, out), r"--out must be a CSV file, got the folder '.*grades'$")
    assert _snapshot(out) == {"keep.txt": b"keep"}


def test_grade_resumes_from_its_own_csv_and_accepts_an_empty_file(capsys, source, submissions, tmp_path,
                                                                  monkeypatch):
    runs = []
    monkeypatch.setattr(grading, "run_graded_notebook", lambda *args: runs.append(args) or [
        {"event": "cell", "task": "1", "status": "ok"}, {"event": "done"}])
    out = tmp_path / "grades.csv"
    out.write_bytes(b"")  # e.g. made by mktemp: nothing to lose
    assert main(_grade_argv(source, submissions, out)) == 0 and len(runs) == 1
    with open(out, newline="") as handle:
        assert [(row["submission"], row["total"]) for row in csv.DictReader(handle)] == [("alice.ipynb", "2.0")]
    before = out.read_bytes()
    assert main(_grade_argv(source, submissions, out)) == 0 and len(runs) == 1  # resumed: nothing regraded
    assert "skipped alice.ipynb: already graded (same sha256)" in capsys.readouterr().out
    assert out.read_bytes() == before


def test_grade_library_errors_name_the_argument(source, submissions, tmp_path):
    (tmp_path / "marks.csv").write_text("student,mark\n")
    with pytest.raises(FileExistsError, match=r"--out: '.*marks\.csv' exists and is not the grader's CSV"):
        grade(submissions, tmp_path / "marks.csv", source_dir=source)
    with pytest.raises(IsADirectoryError, match=r"--out must be a CSV file, got the folder"):
        grade(submissions, tmp_path, source_dir=source)


# ---------------------------------------------------------------- instructor-book

def _fake_run(calls):
    def run(command, env):
        calls.append(command)
        return type("Result", (), {"returncode": 0})()
    return run


def test_instructor_book_refuses_a_foreign_folder_and_reuses_its_own(capsys, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(instructor_edition, "build_instructor_book",
                        functools.partial(build_instructor_book, root=ROOT, run=_fake_run(calls)))
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"\xff\xd8 a photo")
    _refused(capsys, ["instructor-book", "--out", str(foreign)],
             r"out: '.*photos' is a folder that is neither empty nor an earlier instructor build \(it has no "
             r"\.course_instructor_build file\); nothing was written: give a new or empty folder$")
    assert _snapshot(foreign) == {"holiday.jpg": b"\xff\xd8 a photo"} and calls == []
    (tmp_path / "a_file").write_text("keep")
    _refused(capsys, ["instructor-book", "--out", str(tmp_path / "a_file")], r"out must be a folder, got the file")
    assert (tmp_path / "a_file").read_text() == "keep" and calls == []

    out = tmp_path / "instructor"
    assert main(["instructor-book", "--out", str(out)]) == 0 and len(calls) == 1
    assert (out / BUILD_MARKER).is_file()
    (out / "_build").mkdir()  # what a build leaves
    assert main(["instructor-book", "--out", str(out)]) == 0 and len(calls) == 2  # an earlier build: rebuilt


def test_instructor_book_library_refuses_before_building(tmp_path):
    calls = []
    (tmp_path / "notes.md").write_text("mine")
    with pytest.raises(FileExistsError, match=r"out: '.*' is a folder that is neither empty nor an earlier"):
        build_instructor_book(tmp_path, root=ROOT, run=_fake_run(calls))
    assert calls == [] and _snapshot(tmp_path) == {"notes.md": b"mine"}


def test_unexpected_errors_and_ctrl_c_are_one_line_too(capsys, monkeypatch):
    class GraderBug(Exception):
        pass

    def broken(*args, **kwargs):
        raise GraderBug("first line\n  second line")

    monkeypatch.setattr(grading, "grade", broken)
    _refused(capsys, ["grade", "anywhere"], r"error: GraderBug: first line; second line$")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(grading, "grade", interrupted)
    assert main(["grade", "anywhere"]) == 130
    assert capsys.readouterr().err == "python -m course_lib.exercises: interrupted\n"


# ---------------------------------------------------------------- usage errors

def test_a_usage_error_is_one_line_and_status_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["grade"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and err == (
        f"{PREFIX}the following arguments are required: submissions "
        f"(see 'python -m course_lib.exercises grade --help')\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["check", "--jobs", "two"])
    assert exit_info.value.code == 2 and capsys.readouterr().err.splitlines() == [
        f"{PREFIX}argument --jobs: invalid int value: 'two' (see 'python -m course_lib.exercises check --help')"]


def test_the_module_prints_one_line_for_a_usage_error_and_help_still_works(capsys):
    result = subprocess.run([sys.executable, "-m", "course_lib.exercises", "frobnicate"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == [f"{PREFIX}argument command: invalid choice: 'frobnicate' (choose from "
                                          f"'student', 'grade', 'check', 'instructor-book', 'nbgrader') "
                                          f"(see 'python -m course_lib.exercises --help')"]
    with pytest.raises(SystemExit) as exit_info:
        main(["grade", "--help"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.startswith("usage: python -m course_lib.exercises grade")
