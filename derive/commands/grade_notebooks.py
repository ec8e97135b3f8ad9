"""``handouts grade --notebooks DIR`` (and ``--answers FILE.ipynb``): the
options and the wiring of submitted notebooks into the JSON path.

Each notebook's answers come from its saved outputs
(:mod:`derive.grading.notebook_answers`), or with ``--execute`` from a run
in a sandboxed kernel (:mod:`derive.grading.notebook_run`); they are then
parsed and graded exactly as the entries of a JSON answers file.
"""

from __future__ import annotations

import os
from pathlib import Path

from derive.problem.spec import InputError, printable

TIMEOUT = 60.0      # seconds per cell with --execute
TIMEOUTS = (1.0, 3600.0)


def add_options(parser, given) -> None:
    """--notebooks (in ``given``, the group --answers is in), --execute, --timeout."""
    given.add_argument("--notebooks", metavar="DIR",
                       help="a folder of submitted notebooks (*.ipynb, searched recursively; "
                            "hidden folders skipped): the student is the file's name without "
                            ".ipynb, or the folder's when the file is in a folder of its own "
                            "(alice/notebook.ipynb: alice); answers are read from the saved "
                            "outputs, nothing is run")
    parser.add_argument("--execute", action="store_true",
                        help="with --notebooks or a .ipynb --answers: run each notebook first "
                             "in a new kernel without network, in a temporary folder")
    parser.add_argument("--timeout", type=float, metavar="SECONDS",
                        help=f"with --execute: the time a cell may run ([grading] timeout, "
                             f"default {TIMEOUT:g})")


def wanted(args) -> bool:
    """Whether the answers are notebooks (--notebooks, or an --answers .ipynb)."""
    return bool(args.notebooks) or Path(args.answers or "").suffix.lower() == ".ipynb"


def check_options(args, config) -> float | None:
    """The options checked before any work; the timeout per cell with --execute."""
    if not wanted(args):
        for name in ("execute", "timeout"):
            if getattr(args, name) not in (None, False):
                raise InputError(f"--{name}", "only with --notebooks or an .ipynb --answers")
        return None
    if args.source != "answers":
        raise InputError("--from", "only for --answers files that are not notebooks")
    if getattr(args, "assignment", None) is not None:
        raise InputError("--assignment", "only with --from moodle or --from canvas")
    timeout = args.timeout if args.timeout is not None else config.grading.get("timeout", TIMEOUT)
    where = "--timeout" if args.timeout is not None else "grading.timeout"
    if args.timeout is not None and not args.execute:
        raise InputError("--timeout", "only with --execute")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) \
            or not TIMEOUTS[0] <= timeout <= TIMEOUTS[1]:
        raise InputError(where, f"must be {TIMEOUTS[0]:g} to {TIMEOUTS[1]:g} seconds, got "
                         f"{printable(str(timeout))[:40]}")
    return float(timeout)


def _found(args) -> list[tuple[str, Path]]:
    from derive.grading.notebook_answers import find_notebooks, student_names
    if args.notebooks:
        return find_notebooks(args.notebooks)
    path = Path(args.answers)
    if not path.is_file():
        raise InputError("--answers", f"{printable(str(path))}: no such file")
    return [(student_names(path.parent, [path])[0], path)]


def grade_notebooks(args, keys: list[dict], rules, timeout: float | None):
    """The grades and submissions of the notebooks, in file order."""
    from derive.grading.kind_answers import items_of, submission_parser
    from derive.grading.kind_grade import grade_all_kinds
    from derive.grading.notebook_answers import read_notebook, submission
    found = _found(args)
    single = bool(args.key)
    if args.execute:   # each read as it ran; as saved only where it could not run
        from derive.grading.notebook_run import execute_all
        ran = execute_all([p for _, p in found], timeout or TIMEOUT,
                          args.jobs or os.cpu_count() or 1)
    else:
        ran = [None] * len(found)
    reads = []
    for (name, path), run in zip(found, ran):
        reads.append(read_notebook(path if run is None or isinstance(run, str) else run,
                                   name, keys, single))
        if isinstance(run, str):   # the saved notebook names the variant still
            reads[-1].error = run
    parse = submission_parser(items_of(keys[0]))
    submissions = [submission(read, name, i, parse)
                   for i, ((name, _), read) in enumerate(zip(found, reads))]
    return grade_all_kinds(submissions, keys, rules, single=single), submissions


def notes(grades, clean) -> str:
    """The notes on the notebooks (data changed, cells copied...), a line
    each after the table (``clean``: untrusted text for a terminal)."""
    lines = [f"  {clean(g.student, 40)}: {clean(n)}" for g in grades for n in g.notes]
    return "notes:\n" + "\n".join(lines) + "\n" if lines else ""
