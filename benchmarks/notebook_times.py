"""Execute every chapter notebook and print its wall time; each must stay under 60 s.

Run with the project's environment, one BLAS thread per process as in CI:

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/notebook_times.py [--static]

``--static`` sets COURSE_STATIC_WIDGETS=1 (the website build's mode, where widgets
render as animations). Exit status 1 if any notebook fails or runs over the limit.
"""
import argparse
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
LIMIT_SECONDS = 60.0


def run(path, timeout=600):
    """Execute one notebook in a fresh kernel and return its wall time in seconds."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--static", action="store_true", help="website build mode (animations instead of widgets)")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/*.ipynb")
    args = parser.parse_args(argv)
    if args.static:
        os.environ["COURSE_STATIC_WIDGETS"] = "1"
    os.environ.setdefault("TQDM_DISABLE", "1")
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("*.ipynb"))
    print(f"cores: {os.cpu_count()}, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}, "
          f"static widgets: {args.static}")
    print(f"| notebook | wall time (s) | limit (s) | within |\n|---|---|---|---|")
    failures = 0
    for path in paths:
        try:
            seconds = run(path)
            within = seconds <= LIMIT_SECONDS
            print(f"| {path.name} | {seconds:.1f} | {LIMIT_SECONDS:.0f} | {'yes' if within else 'NO'} |", flush=True)
        except Exception as error:  # report and go on: one failure must not hide the others
            within = False
            print(f"| {path.name} | failed: {type(error).__name__} | {LIMIT_SECONDS:.0f} | NO |", flush=True)
        failures += not within
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
