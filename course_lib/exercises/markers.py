"""nbgrader's region markers and the functions that find, remove and read the regions they mark.

``### BEGIN SOLUTION`` / ``### END SOLUTION`` mark a reference solution (code or
a written answer's model answer); ``### BEGIN HIDDEN TESTS`` /
``### END HIDDEN TESTS`` mark the tests of a check cell that students do not see.
"""

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"

class ExerciseFormatError(ValueError):
    """An exercise notebook that cannot be used: the message names file and cell."""


def marker_regions(source, begin, end, where):
    """Line ranges ``(begin_line, end_line)`` (0-based, inclusive) of balanced regions.

    Raises
    ------
    ExerciseFormatError
        If a region is opened twice, closed without being opened, or left open.
    """
    regions, start = [], None
    for number, line in enumerate(source.splitlines()):
        text = line.strip()
        if text.startswith(begin):
            if start is not None:
                raise ExerciseFormatError(
                    f"{where}: {begin!r} on line {number + 1} opens a region while the one "
                    f"opened on line {start + 1} is still open; expected {end!r} first")
            start = number
        elif text.startswith(end):
            if start is None:
                raise ExerciseFormatError(
                    f"{where}: {end!r} on line {number + 1} has no matching {begin!r} before it")
            regions.append((start, number))
            start = None
    if start is not None:
        raise ExerciseFormatError(
            f"{where}: {begin!r} on line {start + 1} has no matching {end!r}")
    return regions


def remove_regions(source, begin, end, replacement=None):
    """Source with each marked region (markers included) replaced.

    ``replacement(indent)`` returns the lines to put in its place (default: none).
    """
    lines = source.splitlines()
    regions = marker_regions(source, begin, end, "source")
    out, previous = [], 0
    for start, stop in regions:
        out.extend(lines[previous:start])
        if replacement is not None:
            indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
            out.extend(replacement(indent))
        previous = stop + 1
    out.extend(lines[previous:])
    return "\n".join(out).rstrip()


def region_lines(source, begin, end):
    """The lines strictly inside each marked region, in order."""
    lines = source.splitlines()
    return [line for start, stop in marker_regions(source, begin, end, "source")
            for line in lines[start + 1:stop]]
