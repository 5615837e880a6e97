"""Feedback for exercise notebooks, and the tools that make and grade them.

Check cells import the helpers from here (``from course_lib.exercises import
Case, check_function``); they live in :mod:`.feedback`. The authoring,
student-copy and grading tools live in submodules (:mod:`.authoring`,
:mod:`.student`, :mod:`.grading`, :mod:`.gradebook`, :mod:`.instructor_edition`,
:mod:`.nbgrader_export`) and the command line (``python -m course_lib.exercises
--help``); importing this package does not import them.
"""
from .feedback import Case, assert_close, check_function, check_that

__all__ = ["Case", "assert_close", "check_function", "check_that"]
