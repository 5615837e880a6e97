"""Command line: ``python -m course_lib.pretrained {list,build}``.

``build NAME --out DIR`` retrains a shipped model and writes ``DIR/NAME.pt``
(never over an existing file) and prints its SHA-256; to ship it, copy it into
``course_lib/pretrained/`` and record the digest in ``SHIPPED``. Errors are
one line on stderr and exit status 2.
"""
import sys
import time
from pathlib import Path

from .. import checkpoints
from .._cli import OneLineParser
from . import SHIPPED
from .build import build

PROG = "python -m course_lib.pretrained"


def _parser():
    parser = OneLineParser(prog=PROG, description="List or rebuild the models the course ships trained.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="the shipped models and their digests")
    rebuild = sub.add_parser("build", help="retrain one shipped model from its recipe")
    rebuild.add_argument("name", choices=list(SHIPPED))
    rebuild.add_argument("--out", required=True, help="folder to write NAME.pt into (an existing file is refused)")
    return parser


def main(argv=None):
    args = _parser().parse_args(argv)
    if args.command == "list":
        for name, (_, cls, about, digest) in SHIPPED.items():
            print(f"{name}: {cls}, {about}; sha256 {digest}")
        return 0
    target = Path(args.out) / f"{args.name}.pt"
    if target.exists():
        print(f"{PROG}: error: {target} exists; choose another --out", file=sys.stderr)
        return 2
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        model, history = build(args.name)
        seconds = time.perf_counter() - start
        digest = checkpoints.save(model, target)
    except OSError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    kept = f", validation loss of the kept weights {history.val_loss[history.best_epoch]:.4f}" \
        if "val_loss" in history else ""
    print(f"{target}: trained in {seconds:.0f} s{kept}; sha256 {digest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
