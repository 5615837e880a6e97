"""Training challenges of chapter 8, measured over many seeds: computes the sections of
``course_lib.challenges``, prints the tables the chapter quotes and, with ``--write``, the data file it reads.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/challenges.py --write course_lib/challenges/results.json
    python benchmarks/challenges.py --only posterior_collapse          # print one section's tables
    python benchmarks/challenges.py --small --write tests/data/challenges-small.json   # what the tests rerun

Seeds 0..9 (GANs on the toy sets), 0..5 (the learning-rate grid), 0..2 (digits GANs) and 0..4 (VAEs); the
sizes are ``course_lib.challenges.FULL``. Every run is seeded: on the same machine and thread count the
same command writes the same file, apart from the scaling section's seconds and memory. Run on an idle
machine: about half an hour on one thread.
"""
import hashlib
import json
import sys
import time
from pathlib import Path

from course_lib import challenges
from course_lib._cli import OneLineParser
from course_lib.challenges import tables


def print_tables(name, section):
    print(f"## {name}\n")
    if name == "mode_collapse":
        for dataset, sweep in section.items():
            print(f"{dataset}:\n\n{tables.toy_runs(sweep, dataset)}\n")
    elif name == "learning_rates":
        print(f"share of seeds covering all 8 modes ({section['base']}, "
              f"{section['steps']} rounds):\n\n{tables.learning_rates(section)}\n")
    elif name in ("adam", "replay"):
        sweep = section if name == "adam" else {key: [run] for key, run in section.items()}
        print(tables.toy_runs(sweep, "ring") + "\n")
    else:
        print(getattr(tables, name)(section) + "\n")


def main():
    parser = OneLineParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=list(challenges.SECTIONS), action="append",
                        help="compute only these sections (with --write: replace them in the existing file)")
    parser.add_argument("--small", action="store_true", help="the few seeds and steps the tests rerun")
    parser.add_argument("--write", type=Path, metavar="PATH", help="write the results to this JSON file")
    args = parser.parse_args()
    if args.write is not None and not args.write.parent.is_dir():
        parser.error(f"--write: folder {args.write.parent} does not exist")
    names = args.only or (challenges.REPEATABLE if args.small else list(challenges.SECTIONS))
    results = json.loads(args.write.read_text()) if args.write is not None and args.only and args.write.exists() \
        else {}
    print(f"command: {' '.join(sys.argv)}\nsizes: {challenges.SMALL if args.small else challenges.FULL}\n")
    for name in names:
        start = time.perf_counter()
        results[name] = challenges.run(name, small=args.small)
        print_tables(name, results[name])
        print(f"({name}: {time.perf_counter() - start:.0f} s)\n", flush=True)
    if args.write is not None:
        ordered = {name: results[name] for name in challenges.SECTIONS if name in results}
        content = challenges.dumps(ordered)
        args.write.write_bytes(content)
        print(f"wrote {args.write} ({len(content) / 1024:.0f} KiB), SHA-256 {hashlib.sha256(content).hexdigest()}")


if __name__ == "__main__":
    main()
