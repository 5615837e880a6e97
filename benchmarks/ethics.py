"""Chapter 9's measurements over seeds: computes the sections of ``course_lib.ethics``, prints the tables the
chapter quotes and, with ``--write``, the data file it reads.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/ethics.py --write course_lib/ethics/results.json
    python benchmarks/ethics.py --only watermark                    # print one section's tables
    python benchmarks/ethics.py --small --write tests/data/ethics-small.json   # what the tests rerun

Seeds 0..4 (0..2 for DP-SGD); the sizes are ``course_lib.ethics.FULL``. Every run is seeded: on the same machine
and thread count the same command writes the same file, apart from the cost section's seconds. Intervals: the
attack AUC's 95% bootstrap over the scored digits for seed 0, and the range over seeds. Run on an idle
machine: about half an hour on one thread.
"""
from course_lib import _results, data, ethics
from course_lib.ethics import tables


def print_tables(name, section):
    print(f"## {name}\n")
    if name == "membership":
        print(f"Control, independent pixels fitted on the validation digits (members of neither set): AUC "
              f"{_results.spread(section['control'], 3)}\n")
        for title, key, label in (("against training-set size (about 600 updates each)", "sizes", "n = {}"),
                                  ("against training time, n = 200", "times", "{} epochs"),
                                  (f"DP-SGD, n = {ethics.DP_SIZE}, expected batch 100, clipping norm 1, delta "
                                   f"{ethics.DP_DELTA:g}", "dp", "{}")):
            print(f"### {title}\n\n{tables.membership({label.format(k): v for k, v in section[key].items()})}\n")
    elif name == "names":
        print(tables.names(section, len(data.load_names("test", "last"))) + "\n")
    elif name == "watermark":
        print(tables.watermark(section) + "\n")
        for k, (rate, texts) in section["false_positives"].items():
            print(f"False positives: {rate:.3f} of {texts} texts of {k} real test names have z > 4.")
        rate, texts = section["wrong_key"]
        print(f"Wrong key: {rate:.3f} of {texts} watermarked 8-name texts have z > 4.\n")
        print(tables.edits(section) + "\n")
    elif name == "bias":
        print(f"Rare class: digit {ethics.RARE_CLASS}; one kept example measures the feature network's floor.\n")
        print(tables.bias(section) + "\n")
    else:
        print(getattr(tables, name)(section) + "\n")


if __name__ == "__main__":
    _results.benchmark(ethics, print_tables, __doc__.split("\n")[0])
