"""The grader's CSV: read an earlier one to resume, refuse a foreign file, write atomically.

A CSV the grader may read and overwrite is its own: the header is the
grader's (:data:`FIXED_COLUMNS`, ``task_*`` columns, :data:`TAIL_COLUMNS`, or
:data:`LEGACY_TAIL_COLUMNS` for a CSV written before ``manual_points``) and
every row names a notebook in the submissions folder being graded. Any other
file at ``--out`` is left untouched (:func:`read_gradebook` raises), so grading
never overwrites a spreadsheet, a notebook or another class's grades.
"""
import csv
import os
import tempfile
import threading
from pathlib import Path

STATUSES = ("ok", "timeout", "kernel_died", "error")  # a CSV row with another status is graded again
FIXED_COLUMNS = ("submission", "exercise", "sha256")
# total and max_points count the auto-graded tasks; manual_points are the written answers' points,
# which the instructor awards by hand.
TAIL_COLUMNS = ("total", "max_points", "manual_points", "status", "seconds", "note")
LEGACY_TAIL_COLUMNS = ("total", "max_points", "status", "seconds", "note")  # before manual_points: resumed too
GRADER_HEADER = ",".join(FIXED_COLUMNS) + ",task_...," + ",".join(TAIL_COLUMNS)  # for messages

_UMASK_LOCK = threading.Lock()


def gradebook_columns(exercises):
    """The CSV columns for these exercises, in the order the grader writes them."""
    task_ids = []
    for exercise in exercises:
        task_ids += [task.id for task in exercise.tasks if task.id not in task_ids]
    return list(FIXED_COLUMNS) + [f"task_{task_id}" for task_id in task_ids] + list(TAIL_COLUMNS)


def check_grade_paths(submissions_dir, out):
    """``(submissions_dir, out, notebooks)`` as Paths; raise if grading could not start or would write inside."""
    submissions_dir, out = Path(submissions_dir), Path(out)
    if not submissions_dir.is_dir():
        raise FileNotFoundError(f"submissions folder {str(submissions_dir)!r} does not exist")
    paths = sorted(p for p in submissions_dir.rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts and p.is_file())
    if not paths:
        raise FileNotFoundError(f"submissions folder {str(submissions_dir)!r} holds no .ipynb notebooks")
    if not out.parent.is_dir():
        raise FileNotFoundError(f"--out: folder {str(out.parent)!r} for {str(out)!r} does not exist")
    if out.resolve().is_relative_to(submissions_dir.resolve()):
        raise ValueError(f"--out must be outside the submissions folder (grading never writes there), "
                         f"got {str(out)!r}")
    return submissions_dir, out, paths


def _is_grader_header(header):
    fixed = len(FIXED_COLUMNS)
    for tail_columns in (TAIL_COLUMNS, LEGACY_TAIL_COLUMNS):
        tail = len(tail_columns)
        if (len(header) >= fixed + tail and tuple(header[:fixed]) == FIXED_COLUMNS
                and tuple(header[len(header) - tail:]) == tail_columns
                and all(column.startswith("task_") for column in header[fixed:len(header) - tail])):
            return True
    return False


def _foreign(out, submissions_dir, reason):
    return FileExistsError(f"--out: {str(out)!r} exists and is not the grader's CSV for the submissions in "
                           f"{str(submissions_dir)!r} ({reason}); grading would overwrite it: give a new file "
                           f"name or move that file away")


def read_gradebook(out, submissions_dir, names):
    """The rows of the grader's earlier CSV ``out``, by submission; ``{}`` when there is none.

    Parameters
    ----------
    out : Path
        The CSV to resume from (it need not exist; an empty file counts as none).
    submissions_dir : Path
        The submissions folder, named in messages.
    names : collection of str
        The submissions found in it now (paths relative to it, with ``/``).

    Returns
    -------
    dict of str to dict
        Each row of ``out`` (column name to text), keyed by its ``submission``.

    Raises
    ------
    IsADirectoryError
        If ``out`` is a folder.
    FileExistsError
        If ``out`` exists and is not the grader's CSV for these submissions: not a
        regular file, not UTF-8 CSV, a header that is not the grader's, or a row
        naming a notebook that is not in the submissions folder.
    """
    out = Path(out)
    if out.is_dir():
        raise IsADirectoryError(f"--out must be a CSV file, got the folder {str(out)!r}")
    if not out.exists():
        return {}
    if not out.is_file():
        raise _foreign(out, submissions_dir, "it is not a regular file")
    if out.stat().st_size == 0:
        return {}  # nothing to lose
    rows, names = {}, set(names)
    try:
        with open(out, newline="", encoding="utf-8") as existing:
            reader = csv.reader(existing)
            header = next(reader, [])
            if not _is_grader_header(header):
                raise _foreign(out, submissions_dir, f"its first line is {','.join(header)[:60]!r}, "
                                                     f"not the grader's header {GRADER_HEADER!r}")
            for record in reader:
                if not record:
                    continue  # a blank line
                row = dict(zip(header, record))
                if row.get("submission") not in names:
                    raise _foreign(out, submissions_dir, f"it lists {row.get('submission', '')!r}, "
                                                         f"which is not a notebook in that folder")
                rows[row["submission"]] = row
    except (UnicodeDecodeError, csv.Error):
        raise _foreign(out, submissions_dir, "it is not a UTF-8 CSV file") from None
    return rows


def needs_grading(previous, digest, forced):
    """Why a submission must be graded (a short reason), or None to keep its ``previous`` row.

    A row is kept when the file's SHA-256 is unchanged, except:

    - ``forced`` (``--exercise``) is given and the row was graded as another exercise, or
      could not be graded as any (empty ``exercise``): e.g. "cannot tell which exercise";
    - the row's status is ``error`` while its ``exercise`` is set: the file was read and
      recognised, so the grader itself failed (e.g. the kernel did not start);
    - the row's status is not one the grader writes (an edited CSV).
    """
    if not previous:
        return "new"
    if digest is None or previous.get("sha256") != digest:
        return "changed"
    if forced is not None and previous.get("exercise") != forced.name:
        return "different exercise"
    if previous.get("status") not in STATUSES:
        return "unknown status"
    if previous.get("status") == "error" and previous.get("exercise"):
        return "grader failed"
    return None


def _umask():
    """The process's umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:  # os.umask can only be read by setting it: restore at once
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def write_csv_atomically(path, rows, columns):
    """Write rows to ``path`` via a temporary file, ``fsync`` and ``os.replace``.

    The file gets the permissions a newly created file normally has (``0o666`` less the
    umask), not the temporary file's ``0o600``.
    """
    path = Path(path)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as out:
            writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow({column: row.get(column, "") for column in columns})
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    try:  # make the rename itself durable
        directory = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(directory)
    except OSError:
        pass
    finally:
        os.close(directory)
