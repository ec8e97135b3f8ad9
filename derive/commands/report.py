"""``handouts report``: the worked-solution handout, problem sheet and answer key."""

from __future__ import annotations

import sys
from dataclasses import replace

from derive.commands import add_assignment_option, assignment_of
from derive.problem.assignment import Assignment, Part, PartData, Question, load_assignment
from derive.problem.config import load_config
from derive.problem.spec import InputError, Params, load_params

REFERENCE = "reference"


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
    p.set_defaults(func=run)


def run(args) -> int:
    # the pipeline, imported only when it runs
    from derive.documents.assignment_build import build_assignment
    from derive.documents.build import LatexError
    config = load_config(args.config)
    if args.assignment and args.params:
        raise InputError("--params", "give either --params or --assignment, not both")
    assignment = assignment_of(args)
    if assignment is None:
        assignment = load_assignment(REFERENCE)
        if args.params:
            assignment = _reference_instance(assignment, load_params(args.params))
    try:
        paths = build_assignment(assignment, config, args.out, extra_dirs=args.templates)
    except LatexError as e:
        print(f"handouts: LaTeX error: {e.with_log()}", file=sys.stderr)
        return 1
    for path in paths:
        if path.suffix in (".pdf", ".json") and path.parent.name != "figures":
            print(path)
    return 0


# A stand-in for the schema 1 bridge (K1's problem/reference.reference_instance),
# to be replaced by it at merge.
def _reference_instance(reference: Assignment, params: Params) -> Assignment:
    """The reference assignment with a schema 1 instance's data: the
    ``softmax_layer`` group gives the one-layer part (with ``query_class``
    the class of its probability questions and ``nllm_example`` its loss
    example), the ``network`` group the two-layer part."""
    return replace(reference, parts=tuple(_part_of(p, params) for p in reference.parts))


def _part_of(part: Part, params: Params) -> Part:
    if part.network is None or part.given is None:
        return part
    s, n = params.softmax_layer, params.network
    if len(part.network.layers) == 1:
        data = PartData(W=(s.W,), b=(s.b,), x=s.x, y=s.y, lr=s.lr)
        questions = tuple(_question_of(q, s.query_class + 1, params) for q in part.questions)
        return replace(part, network=s.network, given=data, questions=questions)
    return replace(part, network=n.network,
                   given=PartData(W=n.weights, b=n.biases, x=n.x, y=n.y, lr=n.lr))


def _question_of(q: Question, cls: int, params: Params) -> Question:
    options = dict(q.options)
    if q.kind == "probability":
        options["class"] = cls
    if q.kind == "loss" and "example" in options:
        options["example"] = params.nllm_example
    return replace(q, options=tuple(options.items()))
