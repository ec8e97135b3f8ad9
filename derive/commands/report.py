"""``handouts report``: the worked-solution handout, problem sheet and answer key."""

from __future__ import annotations

import sys

from derive.commands import add_assignment_option, assignment_of
from derive.problem.config import load_config
from derive.problem.spec import InputError, load_params


def register(sub) -> None:
    p = sub.add_parser("report", help="build handout.pdf, problems.pdf and answer-key.json "
                                      "(with their .tex sources) for the reference assignment "
                                      "or an assignment file")
    p.add_argument("--config", metavar="FILE", help="course config (TOML); default: built-in")
    p.add_argument("--params", metavar="FILE",
                   help="another instance: a TOML or JSON file with the fields of params, "
                        "as for `handouts key` (default: the reference assignment)")
    add_assignment_option(p, "its handout, problem sheet and key, built by question kind")
    p.add_argument("--out", metavar="DIR", default="reports",
                   help="output folder (default: reports/)")
    p.add_argument("--templates", metavar="DIR", action="append", default=[],
                   help="a folder of templates that override the shipped ones (repeatable)")
    p.set_defaults(func=run)


def run(args) -> int:
    from derive.documents.build import LatexError, build  # the pipeline, imported only when it runs
    config = load_config(args.config)
    if args.assignment and args.params:
        raise InputError("--params", "give either --params or --assignment, not both")
    params = load_params(args.params) if args.params else None
    assignment = assignment_of(args)
    try:
        if assignment is not None:
            from derive.documents.assignment_build import build_assignment
            paths = build_assignment(assignment, config, args.out, extra_dirs=args.templates)
        else:
            paths = build(config, args.out, params, extra_dirs=args.templates)
    except LatexError as e:
        print(f"handouts: LaTeX error: {e.with_log()}", file=sys.stderr)
        return 1
    for path in paths:
        if path.suffix in (".pdf", ".json") and path.parent.name != "figures":
            print(path)
    return 0
