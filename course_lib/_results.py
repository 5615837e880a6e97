"""Measured results shipped as data: the file format, its digest check, the tables and the benchmark's command line.

Chapters 8 and 9 quote sweeps of many seeded runs that take far longer than a
page may. Each such package (:mod:`course_lib.challenges`,
:mod:`course_lib.ethics`) names its sections, computes one with ``run(section,
small)`` and ships their results in ``results.json`` beside it with a SHA-256;
this module holds what they share.
"""
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

from ._cli import OneLineParser


def dumps(results):
    """The results as the bytes of a data file: compact JSON, one section per line, keys in order."""
    lines = [f"{json.dumps(name)}: {json.dumps(value, separators=(',', ':'))}" for name, value in results.items()]
    return ("{\n" + ",\n".join(lines) + "\n}\n").encode()


def load(shipped, digest, script, path=None):
    """The results in ``shipped`` after checking its SHA-256 against ``digest`` (or those at ``path``, unchecked).

    Raises
    ------
    ValueError
        If the shipped file's digest differs, naming ``script``, the command that regenerates it.
    """
    if path is not None:
        return json.loads(Path(path).read_text())
    content = Path(shipped).read_bytes()
    found = hashlib.sha256(content).hexdigest()
    if found != digest:
        raise ValueError(f"{shipped}: SHA-256 is {found}, expected {digest}: the file is damaged or not the one "
                         f"shipped; regenerate it with `python {script} --write {shipped}` and record the digest "
                         "it prints in RESULTS_SHA256")
    return json.loads(content)


def spread(values, digits=2):
    """'median (min to max)' of a list of numbers: the honest summary of runs over seeds."""
    values = list(values)
    if not values:
        raise ValueError("values must hold at least one number, got none")
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f} to {max(values):.{digits}f})"


def table(header, rows):
    """A Markdown table of a header and rows of cells."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows])


def benchmark(package, print_tables, description):
    """The command line of a results package's benchmark: ``[--only SECTION ...] [--small] [--write PATH]``.

    Computes the sections (all of them; with ``--small``, the repeatable ones at
    the tests' size), prints each with ``print_tables(name, section)`` and its
    time, and with ``--write`` writes the data file and prints its SHA-256.
    ``--only`` with ``--write`` replaces those sections in the existing file.
    """
    parser = OneLineParser(description=description)
    parser.add_argument("--only", choices=list(package.SECTIONS), action="append",
                        help="compute only these sections (with --write: replace them in the existing file)")
    parser.add_argument("--small", action="store_true", help="the few seeds and steps the tests rerun")
    parser.add_argument("--write", type=Path, metavar="PATH", help="write the results to this JSON file")
    args = parser.parse_args()
    if args.write is not None and not args.write.parent.is_dir():
        parser.error(f"--write: folder {args.write.parent} does not exist")
    names = args.only or (package.REPEATABLE if args.small else list(package.SECTIONS))
    results = json.loads(args.write.read_text()) if args.write is not None and args.only and args.write.exists() \
        else {}
    print(f"command: {' '.join(sys.argv)}\nsizes: {package.SMALL if args.small else package.FULL}\n")
    for name in names:
        start = time.perf_counter()
        results[name] = package.run(name, small=args.small)
        print_tables(name, results[name])
        print(f"({name}: {time.perf_counter() - start:.0f} s)\n", flush=True)
    if args.write is not None:
        content = dumps({name: results[name] for name in package.SECTIONS if name in results})
        args.write.write_bytes(content)
        print(f"wrote {args.write} ({len(content) / 1024:.0f} KiB), SHA-256 {hashlib.sha256(content).hexdigest()}")
