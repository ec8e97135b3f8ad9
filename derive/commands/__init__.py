"""Command-line commands, one module each (see :mod:`derive.cli`)."""

from __future__ import annotations

from derive.problem.assignment import SHIPPED, Assignment, load_assignment
from derive.problem.spec import InputError


def add_assignment_option(parser, what: str, group=None) -> None:
    """``--assignment FILE|NAME``: an assignment file or a shipped one's name;
    ``what`` says what the command makes of it (``group``: a mutually
    exclusive group to add it to)."""
    (group or parser).add_argument(
        "--assignment", metavar="FILE|NAME",
        help=f"an assignment file (TOML, docs/ASSIGNMENTS.md) or the name of a shipped one "
             f"({', '.join(SHIPPED)}): {what}")


def assignment_of(args) -> Assignment | None:
    """The assignment ``--assignment`` names, or None when it is not given."""
    if args.assignment is None:
        return None
    if not args.assignment:
        raise InputError("--assignment", "give a file or the name of a shipped assignment")
    return load_assignment(args.assignment)
