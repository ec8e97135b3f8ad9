"""``handouts key``: print an answer key as JSON."""

from __future__ import annotations

import sys

from derive.numerics.key import build_assignment_key, build_key, dumps
from derive.problem.assignment import load_assignment
from derive.problem.spec import REFERENCE, InputError, load_params


def register(sub) -> None:
    p = sub.add_parser("key", help="print the answer key (JSON, docs/ANSWER_KEY.md)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--params", metavar="FILE",
                        help="a TOML or JSON file with the fields of params "
                             "(default: the reference assignment; schema 1)")
    source.add_argument("--assignment", metavar="FILE|NAME",
                        help="an assignment file (docs/ASSIGNMENTS.md) or the name of a "
                             "shipped one (reference, tanh-mse, sigmoid-softmax, logistic): "
                             "its schema 2 key")
    p.set_defaults(func=run)


def run(args) -> int:
    if args.assignment is not None:
        if not args.assignment:
            raise InputError("--assignment", "give a file or the name of a shipped assignment")
        key = build_assignment_key(load_assignment(args.assignment))
    else:
        key = build_key(load_params(args.params) if args.params else REFERENCE)
    sys.stdout.write(dumps(key))
    return 0
