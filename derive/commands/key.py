"""``handouts key``: print an answer key as JSON."""

from __future__ import annotations

import sys

from derive.numerics.key import build_key, dumps
from derive.problem.spec import REFERENCE, load_params


def register(sub) -> None:
    p = sub.add_parser("key", help="print the answer key (JSON, ANSWER_KEY.md)")
    p.add_argument("--params", metavar="FILE",
                   help="a TOML or JSON file with the fields of params "
                        "(default: the reference assignment)")
    p.set_defaults(func=run)


def run(args) -> int:
    params = load_params(args.params) if args.params else REFERENCE
    sys.stdout.write(dumps(build_key(params)))
    return 0
