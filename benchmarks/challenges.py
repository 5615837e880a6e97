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
from course_lib import _results, challenges
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


if __name__ == "__main__":
    _results.benchmark(challenges, print_tables, __doc__.split("\n")[0])
