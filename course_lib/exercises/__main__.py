"""Command line: ``python -m course_lib.exercises {student,grade,check,instructor-book,nbgrader}``.

Every error is one line on stderr, ``python -m course_lib.exercises: error: ...``,
and exit status 2: usage errors as well as those the commands raise (a missing
folder, a file the command refuses to overwrite, a permission denied). The
commands overwrite only their own earlier output: student copies, the grader's
CSV, an instructor build, an nbgrader export.
"""
import argparse
import sys

from .._cli import OneLineParser
from .runner import CELL_TIMEOUT, JOBS, SUBMISSION_TIMEOUT

PROG = "python -m course_lib.exercises"


def _parser():
    parser = OneLineParser(prog=PROG, description="Make student copies, grade submissions, check exercises, export to "
                                            "nbgrader.")
    parser.add_argument("--source", default="exercises/source", help="exercise notebooks with solutions")
    sub = parser.add_subparsers(dest="command", required=True)

    student = sub.add_parser("student", help="write the student copies from the sources")
    student.add_argument("--out", default="exercises/student",
                         help="folder for the student copies (only earlier student copies are overwritten)")
    student.add_argument("--check", action="store_true",
                         help="write nothing; fail if the copies in --out are not current")

    limits = argparse.ArgumentParser(add_help=False)  # time limits shared by grade and check
    limits.add_argument("--cell-timeout", type=float, default=CELL_TIMEOUT,
                        help=f"seconds per cell (default {CELL_TIMEOUT})")
    limits.add_argument("--timeout", type=float, default=SUBMISSION_TIMEOUT,
                        help=f"seconds per notebook (default {SUBMISSION_TIMEOUT})")
    limits.add_argument("--jobs", type=int, default=JOBS, help=f"notebooks run at once (default {JOBS})")

    grade = sub.add_parser("grade", parents=[limits], help="grade a folder of submitted notebooks into a CSV")
    grade.add_argument("submissions", help="folder of submissions (searched recursively; never modified)")
    grade.add_argument("--out", default="grades.csv",
                       help="CSV to write: new, or this grader's CSV for these submissions (re-running resumes)")
    grade.add_argument("--exercise", help="grade all as this exercise, e.g. 03_gaussian_mixtures or 03")

    check = sub.add_parser("check", parents=[limits], help="solutions score full marks, student copies zero")
    check.add_argument("--student", default="exercises/student", help="folder of committed student copies")

    book = sub.add_parser("instructor-book", help="build the website edition with solutions")
    book.add_argument("--out", default="_build_instructor",
                      help="output folder: new, empty or an earlier instructor build (default _build_instructor)")

    export = sub.add_parser("nbgrader", help="export the exercises as an nbgrader course directory")
    export.add_argument("out", help="the course directory: new, empty or an earlier export (whose notebooks "
                                    "under source/ are replaced; nothing else is touched)")
    return parser


def _run(args):
    """Run the chosen command; return its exit status."""
    if args.command == "student":
        from .student import stale_student_copies, write_student_copies
        if args.check:
            problems = stale_student_copies(args.source, args.out)
            for problem in problems:
                print(problem, file=sys.stderr)
            return 1 if problems else 0
        for path in write_student_copies(args.source, args.out):
            print(f"wrote {path}")
    elif args.command == "grade":
        from .grading import grade
        rows = grade(args.submissions, args.out, source_dir=args.source, exercise=args.exercise,
                     cell_timeout=args.cell_timeout, submission_timeout=args.timeout, jobs=args.jobs)
        print(f"{len(rows)} rows in {args.out}")
    elif args.command == "check":
        from .checking import check_exercises
        problems = check_exercises(args.source, args.student, cell_timeout=args.cell_timeout,
                                   submission_timeout=args.timeout, jobs=args.jobs)
        for problem in problems:
            print(f"PROBLEM: {problem}", file=sys.stderr)
        print("all exercises OK" if not problems else f"{len(problems)} problem(s)")
        return 1 if problems else 0
    elif args.command == "instructor-book":
        from .instructor_edition import build_instructor_book
        print(f"instructor edition in {build_instructor_book(args.out)}")
    elif args.command == "nbgrader":
        from .nbgrader_export import export_nbgrader
        for path in export_nbgrader(args.out, source_dir=args.source):
            print(f"wrote {path}")
        print(f"nbgrader course directory in {args.out}: next, cd there and run "
              f"'nbgrader generate_assignment ASSIGNMENT' (see the instructor guide)")
    return 0


def _one_line(error):
    """``error``'s message on one line; its type too unless it is an expected kind of error."""
    message = "; ".join(line.strip() for line in str(error).splitlines() if line.strip())
    if isinstance(error, (OSError, ValueError, TypeError, RuntimeError)):
        return message or type(error).__name__
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def main(argv=None):
    """Parse ``argv`` and run the command; return the exit status (2 for any error)."""
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # the library raises clear messages; print them, never a traceback
        print(f"{PROG}: error: {_one_line(error)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
