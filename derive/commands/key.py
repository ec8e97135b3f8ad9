"""``handouts key``: print an answer key as JSON."""

from __future__ import annotations

import sys

from derive.commands import add_assignment_option, assignment_of


def register(sub) -> None:
    p = sub.add_parser("key", help="print the answer key (JSON, docs/ANSWER_KEY.md)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--params", metavar="FILE",
                        help="a TOML or JSON file with the fields of params "
                             "(a schema 1 instance of the reference assignment; default: "
                             "the reference's own data): its schema 2 key")
    add_assignment_option(p, "its schema 2 key", group=source)
    p.set_defaults(func=run, pipeline=("derive.numerics.key",))


def run(args) -> int:
    from derive.numerics.key import build_assignment_key, dumps, reference_key
    from derive.problem.spec import load_params
    assignment = assignment_of(args)
    if assignment is not None:
        key = build_assignment_key(assignment)
    else:
        key = reference_key(load_params(args.params)) if args.params else reference_key()
    sys.stdout.write(dumps(key))
    return 0
