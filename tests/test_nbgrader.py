"""The nbgrader export: nbgrader's cell metadata, a folder it refuses, and a round trip through
nbgrader's own generate_assignment and autograde (the `kernel` test, run by make grading-test)."""
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from course_lib.exercises.__main__ import main
from course_lib.exercises.authoring import ExerciseFormatError, find_exercises, load_exercise
from course_lib.exercises.nbgrader_export import (CONFIG_TEXT, EXPORT_MARKER, export_nbgrader, nbgrader_notebook,
                                                  quiet_last_expression)
from course_lib.exercises.student import notebook_text

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "python -m course_lib.exercises: error: "

SOLUTION = "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION"
CHECK = ('# Task 1: double a number (2 points)\n'
         'from course_lib.exercises import Case, check_function\n'
         'check_function(double, [Case("three", args=(3,), expected=6)], task="Task 1")\n'
         '### BEGIN HIDDEN TESTS\n'
         'assert double(-4) == -8, "hidden: double(-4)"\n'
         '### END HIDDEN TESTS')
SQUARE = "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n    ### END SOLUTION"
# Ends with check_function(...), whose value (3 cases passed) nbgrader would read as 3 of 1 points.
SQUARE_CHECK = ('# Task 2b: square a number (1 point)\n'
                'from course_lib.exercises import Case, check_function\n'
                'check_function(square, [Case(f"{n}", args=(n,), expected=n * n) for n in (1, 2, 3)], task="Task 2b")')
WRITTEN = ("**Written answer 1: why doubling is linear (2 points, graded by hand)**\n\n"
           "Explain in one sentence.\n\n"
           "### BEGIN SOLUTION\n"
           "Because double(a + b) = double(a) + double(b) for all numbers a and b.\n"
           "### END SOLUTION")


def _tiny_notebook():
    cells = [nbformat.v4.new_markdown_cell("# Tiny exercise", id="title"),
             nbformat.v4.new_code_cell("print('a demo for instructors')", id="demo",
                                       metadata={"tags": ["solution-only"]}),
             nbformat.v4.new_code_cell(SOLUTION, id="t1-solution"),
             nbformat.v4.new_code_cell(CHECK, id="t1-check"),
             nbformat.v4.new_markdown_cell(WRITTEN, id="w1", metadata={"tags": ["written-answer"]}),
             nbformat.v4.new_code_cell(SQUARE, id="t2-solution"),
             nbformat.v4.new_code_cell(SQUARE_CHECK, id="task_2b"),  # an id that is also a task's grade_id
             nbformat.v4.new_code_cell("print(double(21))", id="together")]
    notebook = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})
    notebook.nbformat_minor = 5
    return notebook


@pytest.fixture
def tiny_source(tmp_path):
    source = tmp_path / "source"
    source.mkdir()
    (source / "01_tiny.ipynb").write_text(notebook_text(_tiny_notebook()))
    return source


def _nbgrader_meta(notebook):
    return [cell.metadata["nbgrader"] for cell in notebook.cells]


def test_every_cell_gets_nbgrader_metadata(tiny_source):
    notebook = nbgrader_notebook(load_exercise(tiny_source / "01_tiny.ipynb"))
    base = {"schema_version": 3, "grade": False, "solution": False, "locked": False}
    assert _nbgrader_meta(notebook) == [
        {**base, "grade_id": "title", "locked": True},
        {**base, "grade_id": "t1-solution", "solution": True},  # an autograded answer
        {**base, "grade_id": "task_1", "grade": True, "locked": True, "points": 2.0},  # autograder tests
        {**base, "grade_id": "written_answer_1", "solution": True, "grade": True, "points": 2.0},  # by hand
        {**base, "grade_id": "t2-solution", "solution": True},
        {**base, "grade_id": "task_2b", "grade": True, "locked": True, "points": 1.0},
        {**base, "grade_id": "together", "locked": True}]
    assert [cell.id for cell in notebook.cells] == ["title", "t1-solution", "t1-check", "w1", "t2-solution",
                                                    "task_2b", "together"]  # solution-only cell left out
    assert notebook.cells[2].source == CHECK  # hidden tests kept, between the markers nbgrader reads
    assert notebook.cells[3].source == WRITTEN and notebook.cells[3].cell_type == "markdown"
    assert notebook.cells[3].metadata["tags"] == ["written-answer"]
    assert notebook.cells[5].source == SQUARE_CHECK + ";"  # no value displayed: no partial credit
    assert notebook.metadata["course_exercise"] == {"name": "01_tiny", "edition": "nbgrader"}
    nbformat.validate(notebook)
    validator = pytest.importorskip("nbgrader.nbgraderformat")
    validator.MetadataValidator().validate_nb(notebook)  # nbgrader's own schema check


def test_a_markdown_answer_that_is_not_a_written_answer_is_worth_no_points(tmp_path):
    notebook = _tiny_notebook()
    notebook.cells[7] = nbformat.v4.new_markdown_cell("Your notes:\n### BEGIN SOLUTION\nmine\n### END SOLUTION",
                                                      id="notes")
    path = tmp_path / "01_notes.ipynb"
    path.write_text(notebook_text(notebook))
    exported = nbgrader_notebook(load_exercise(path))
    assert exported.cells[-1].metadata["nbgrader"] == {"schema_version": 3, "grade_id": "notes", "solution": True,
                                                        "grade": True, "locked": False, "points": 0.0}
    pytest.importorskip("nbgrader.nbgraderformat").MetadataValidator().validate_nb(exported)


def test_grade_ids_are_unique_and_valid_for_nbgrader(tmp_path):
    notebook = _tiny_notebook()
    notebook.cells[0].id = "task_1"  # the id of a task's grade_id, on another cell
    path = tmp_path / "01_ids.ipynb"
    path.write_text(notebook_text(notebook))
    ids = [meta["grade_id"] for meta in _nbgrader_meta(nbgrader_notebook(load_exercise(path)))]
    assert ids == ["task_1_0", "t1-solution", "task_1", "written_answer_1", "t2-solution", "task_2b", "together"]
    notebook.nbformat_minor = 4  # cells without ids (nbformat 4.4)
    for cell in notebook.cells:
        del cell["id"]
    path.write_text(nbformat.writes(notebook))
    exported = nbgrader_notebook(load_exercise(path))
    assert [meta["grade_id"] for meta in _nbgrader_meta(exported)] == [
        "cell_0", "cell_2", "task_1", "written_answer_1", "cell_5", "task_2b", "cell_7"]
    assert [cell.id for cell in exported.cells] == ["cell_0", "cell_2", "task_1", "written_answer_1", "cell_5",
                                                    "task_2b", "cell_7"]
    nbformat.validate(exported)


@pytest.mark.parametrize("source, expected", [
    ("check(f)", "check(f);"),
    ("x = 1\ncheck(f,\n      g)  # a comment", "x = 1\ncheck(f,\n      g);  # a comment"),
    ("check('é', f)\n### END HIDDEN TESTS", "check('é', f);\n### END HIDDEN TESTS"),  # UTF-8 offsets
    ("check(f);", "check(f);"),
    ("check(f)  ;", "check(f)  ;"),
    ("a = check(f)", "a = check(f)"),
    ("assert check(f) == 1", "assert check(f) == 1"),
    ("if True:\n    check(f)", "if True:\n    check(f)"),  # IPython displays only a last top-level expression
    ("a = 1; check(f)", "a = 1; check(f);"),
])
def test_a_last_expression_is_kept_from_displaying(source, expected):
    assert quiet_last_expression(source) == expected


def test_export_refuses_what_nbgrader_would_misread(tmp_path):
    def refused(cell_source, message, kind="code"):
        notebook = _tiny_notebook()
        make = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
        notebook.cells.insert(1, make(cell_source, id="extra"))
        path = tmp_path / "01_bad.ipynb"
        path.write_text(notebook_text(notebook))
        with pytest.raises(ExerciseFormatError, match=message):
            nbgrader_notebook(load_exercise(path))

    where = r"01_bad\.ipynb, cell 1 \(id 'extra'\): "
    refused("Put your answer after the line `### BEGIN SOLUTION`.",
            where + r"line 1 \('Put your answer after the line `### BEGIN SOLUTION`.'\) holds 'BEGIN SOLUTION', "
                    r"which nbgrader reads as a marker; write it on a line of its own as '### BEGIN SOLUTION' or "
                    r"reword the line$", kind="markdown")
    refused("x = 1\n# BEGIN MARK SCHEME", where + r"line 2 .* holds 'BEGIN MARK SCHEME', which nbgrader reads as a "
                                                  r"marker; write it \(the course has no mark schemes\)")
    notebook = _tiny_notebook()
    notebook.cells[3].source = CHECK.replace("### END HIDDEN TESTS", "### END HIDDEN TESTS\n# AUTOTEST double")
    notebook.cells[6].source = SQUARE_CHECK + "\n%time square(2)"
    path = tmp_path / "01_check.ipynb"
    path.write_text(notebook_text(notebook))
    with pytest.raises(ExerciseFormatError, match=r"cell 3 \(id 't1-check'\): line 7 \('# AUTOTEST double'\) is a "
                                                  r"comment holding 'AUTOTEST', which nbgrader expands into tests"):
        nbgrader_notebook(load_exercise(path))
    notebook.cells[3].source = CHECK
    path.write_text(notebook_text(notebook))
    with pytest.raises(ExerciseFormatError, match=r"cell 6 \(id 'task_2b'\): a check cell must be plain Python for "
                                                  r"the nbgrader export \(line 4: invalid syntax\)"):
        nbgrader_notebook(load_exercise(path))


def _snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_export_writes_nbgraders_layout_and_rewrites_only_its_own_notebooks(tiny_source, tmp_path, capsys):
    out = tmp_path / "course"
    assert main(["--source", str(tiny_source), "nbgrader", str(out)]) == 0
    assert sorted(_snapshot(out)) == [EXPORT_MARKER, "nbgrader_config.py", "source/01_tiny/01_tiny.ipynb"]
    assert (out / "nbgrader_config.py").read_text() == CONFIG_TEXT
    assert "wrote " + str(out / "source" / "01_tiny" / "01_tiny.ipynb") in capsys.readouterr().out
    # What an instructor and nbgrader add to the course directory later is kept by a new export.
    (out / "nbgrader_config.py").write_text("c = get_config()\nc.CourseDirectory.course_id = 'gm101'\n")
    (out / "gradebook.db").write_bytes(b"nbgrader's database")
    (out / "release" / "01_tiny").mkdir(parents=True)
    (out / "release" / "01_tiny" / "01_tiny.ipynb").write_text("released")
    exported = out / "source" / "01_tiny" / "01_tiny.ipynb"
    exported.write_text("edited by hand")
    written = export_nbgrader(out, source_dir=tiny_source)
    assert written == [exported]
    assert exported.read_text() == notebook_text(nbgrader_notebook(load_exercise(tiny_source / "01_tiny.ipynb")))
    assert (out / "nbgrader_config.py").read_text().endswith("'gm101'\n")
    assert (out / "gradebook.db").read_bytes() == b"nbgrader's database"
    assert (out / "release" / "01_tiny" / "01_tiny.ipynb").read_text() == "released"
    compile(CONFIG_TEXT, "nbgrader_config.py", "exec")  # plain Python, as nbgrader loads it


def test_export_refuses_a_foreign_folder_and_writes_nothing(tiny_source, tmp_path, capsys):
    def refused(argv, message):
        status = main(argv)
        err = capsys.readouterr().err
        assert status == 2 and len(err.splitlines()) == 1 and err.startswith(PREFIX), err
        assert re.search(message, err), err

    foreign = tmp_path / "my_course"
    foreign.mkdir()
    (foreign / "notes.md").write_text("mine")
    refused(["--source", str(tiny_source), "nbgrader", str(foreign)],
            r"out: '.*my_course' is a folder that is neither empty nor an earlier nbgrader export \(it has no "
            r"\.course_nbgrader_export file\); nothing was written: give a new or empty folder$")
    assert _snapshot(foreign) == {"notes.md": b"mine"}
    (tmp_path / "a_file").write_text("keep")
    refused(["--source", str(tiny_source), "nbgrader", str(tmp_path / "a_file")],
            r"out must be a folder, got the file '.*a_file'$")
    assert (tmp_path / "a_file").read_text() == "keep"
    bad = tmp_path / "bad_source"
    bad.mkdir()
    notebook = _tiny_notebook()
    notebook.cells[0].source = "Write below `### BEGIN SOLUTION`"
    (bad / "01_tiny.ipynb").write_text(notebook_text(notebook))
    refused(["--source", str(bad), "nbgrader", str(tmp_path / "new")], r"holds 'BEGIN SOLUTION', which nbgrader")
    assert not (tmp_path / "new").exists()
    with pytest.raises(SystemExit):
        main(["nbgrader"])  # OUT is required
    assert "the following arguments are required: out" in capsys.readouterr().err


def test_every_exercise_exports():
    for exercise in find_exercises(ROOT / "exercises" / "source"):
        notebook = nbgrader_notebook(exercise)
        grades = {meta["grade_id"]: meta["points"] for meta in _nbgrader_meta(notebook) if meta["grade"]}
        assert sum(grades.values()) == exercise.max_points + exercise.manual_points, exercise.name


# ---------------------------------------------------------------- round trip through nbgrader

def _nbgrader(course, *args):
    """Run nbgrader's command line in the course directory; fail with its log if it fails."""
    # nbgrader runs the `alembic` command, from the environment's bin folder, to create its database.
    env = dict(os.environ, OMP_NUM_THREADS="1", MPLBACKEND="Agg", TQDM_DISABLE="1",
               PATH=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                            capture_output=True, text=True, timeout=540)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
    assert "| ERROR]" not in result.stdout + result.stderr, result.stderr[-3000:]
    return result


@pytest.mark.kernel
def test_round_trip_through_nbgraders_generate_assignment_and_autograde(tiny_source, tmp_path):
    api = pytest.importorskip("nbgrader.api", reason="nbgrader is in requirements.txt: pip install -r requirements.txt")
    started = time.monotonic()
    source = tmp_path / "all_sources"
    source.mkdir()
    for path in sorted((ROOT / "exercises" / "source").glob("*.ipynb")) + [tiny_source / "01_tiny.ipynb"]:
        shutil.copyfile(path, source / path.name)
    exercises = find_exercises(source)
    course = tmp_path / "course"
    export_nbgrader(course, source_dir=source)
    _nbgrader(course, "generate_assignment", "*", "--force")  # every assignment, in one run of nbgrader
    for exercise in exercises:
        name = exercise.name
        release = course / "release" / name / f"{name}.ipynb"
        text = release.read_text()
        for secret in ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS"):
            assert secret not in text, (name, secret)
        for student, notebook in (("reference", course / "source" / name / f"{name}.ipynb"), ("student", release)):
            submitted = course / "submitted" / student / name
            submitted.mkdir(parents=True)
            shutil.copyfile(notebook, submitted / f"{name}.ipynb")
    _nbgrader(course, "autograde", "*", "--force")  # both students, every assignment

    with api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for exercise in exercises:
            name = exercise.name
            for student in ("reference", "student"):
                notebook = gradebook.find_submission_notebook(name, name, student)
                grades = {grade.name: grade for grade in notebook.grades}
                auto = {task.id: grades[f"task_{task.id}"].auto_score for task in exercise.tasks}
                expected = {task.id: task.points if student == "reference" else 0.0 for task in exercise.tasks}
                assert auto == expected, (name, student, auto)
                assert notebook.max_code_score == exercise.max_points
                for answer in exercise.written_answers:  # manually graded answers, with their points
                    grade = grades[f"written_answer_{answer.number}"]
                    assert (grade.cell_type, grade.max_score) == ("markdown", answer.points), (name, answer)
                    if student == "reference":  # an answer is there: it waits for the instructor
                        assert grade.auto_score is None and grade.needs_manual_grade, (name, answer)
                    else:  # "YOUR ANSWER HERE" untouched: nbgrader gives 0 by itself
                        assert grade.auto_score == 0 and not grade.needs_manual_grade, (name, answer)
                assert notebook.max_written_score == exercise.manual_points
    tiny = load_exercise(source / "01_tiny.ipynb")
    assert [a.points for a in tiny.written_answers] == [2.0]  # the round trip covered a written answer
    release = nbformat.read(course / "release" / "01_tiny" / "01_tiny.ipynb", as_version=4)
    assert release.cells[3].source == ("**Written answer 1: why doubling is linear (2 points, graded by hand)**\n\n"
                                       "Explain in one sentence.\n\nYOUR ANSWER HERE")
    print(f"nbgrader round trip of {len(exercises)} exercises: {time.monotonic() - started:.0f} s")
