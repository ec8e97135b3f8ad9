"""``handouts report``: the worked-solution handout, problem sheet and answer key."""

from __future__ import annotations

import sys

from derive.commands import add_assignment_option, assignment_of
from derive.problem.spec import InputError


def register(sub) -> None:
    p = sub.add_parser("report", help="build handout.pdf, problems.pdf and answer-key.json "
                                      "(with their .tex sources) of an assignment file "
                                      "(default: the reference assignment, reference.toml)")
    p.add_argument("--config", metavar="FILE", help="course config (TOML); default: built-in")
    p.add_argument("--params", metavar="FILE",
                   help="another instance of the reference assignment: a TOML or JSON file "
                        "with the fields of params, as for `handouts key`")
    add_assignment_option(p, "its handout, problem sheet and key (default: reference)")
    p.add_argument("--out", metavar="DIR", default="reports",
                   help="output folder (default: reports/)")
    p.add_argument("--templates", metavar="DIR", action="append", default=[],
                   help="a folder of templates that override the shipped ones (repeatable)")
    p.set_defaults(func=run, pipeline=("derive.documents.assignment_build",))


def run(args) -> int:
    # the pipeline, imported only when it runs
    from derive.documents.assignment_build import build_assignment
    from derive.documents.build import LatexError
    from derive.problem.config import load_config
    from derive.problem.reference import reference_assignment, reference_instance
    from derive.problem.spec import load_params
    config = load_config(args.config)
    if args.assignment and args.params:
        raise InputError("--params", "give either --params or --assignment, not both")
    assignment = assignment_of(args)
    if assignment is None:  # the reference assignment file, or another instance of it
        assignment = (reference_instance(load_params(args.params)) if args.params
                      else reference_assignment())
    try:
        paths = build_assignment(assignment, config, args.out, extra_dirs=args.templates)
    except LatexError as e:
        print(f"handouts: LaTeX error: {e.with_log()}", file=sys.stderr)
        return 1
    for path in paths:
        if path.suffix in (".pdf", ".json") and path.parent.name != "figures":
            print(path)
    return 0
