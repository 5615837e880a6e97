"""Command line: ``python -m course_lib.exercises {student,grade,check,instructor-book}``."""
import argparse
import sys

from .authoring import ExerciseFormatError
from .runner import CELL_TIMEOUT, JOBS, SUBMISSION_TIMEOUT


def _parser():
    parser = argparse.ArgumentParser(prog="python -m course_lib.exercises",
                                     description="Make student copies, grade submissions, check exercises.")
    parser.add_argument("--source", default="exercises/source", help="exercise notebooks with solutions")
    sub = parser.add_subparsers(dest="command", required=True)

    student = sub.add_parser("student", help="write the student copies from the sources")
    student.add_argument("--out", default="exercises/student", help="folder for the student copies")
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
    grade.add_argument("--out", default="grades.csv", help="CSV to write (re-running resumes)")
    grade.add_argument("--exercise", help="grade all as this exercise, e.g. 03_gaussian_mixtures or 03")

    check = sub.add_parser("check", parents=[limits], help="solutions score full marks, student copies zero")
    check.add_argument("--student", default="exercises/student", help="folder of committed student copies")

    book = sub.add_parser("instructor-book", help="build the website edition with solutions")
    book.add_argument("--out", default="_build_instructor", help="output folder (default _build_instructor)")
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    try:
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
            from .book import build_instructor_book
            print(f"instructor edition in {build_instructor_book(args.out)}")
    except (FileNotFoundError, ValueError, ExerciseFormatError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
