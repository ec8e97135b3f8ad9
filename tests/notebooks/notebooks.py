"""What the notebook tests share: instances of the shipped assignments and
their notebooks (built once), a real kernel to run them, their outputs read."""

from __future__ import annotations

from functools import lru_cache

import nbformat
import numpy as np
from nbclient import NotebookClient

from derive.notebooks import format as nbf
from derive.notebooks.build import solution_notebook, student_notebook
from derive.problem.assignment import SHIPPED, load_assignment
from derive.problem.config import Config

SEED = 5


@lru_cache(maxsize=None)
def instance(name: str, k: int | None = None):
    """(assignment, key) of a shipped assignment: its own instance (``k`` None)
    or variant ``k`` of seed :data:`SEED`."""
    from derive.numerics.key import build_assignment_key
    from derive.variants.instances import generate_assignment_keys
    from derive.variants.settings import settings_of
    assignment = load_assignment(name)
    if k is None:
        return assignment, build_assignment_key(assignment)
    return assignment, generate_assignment_keys(assignment, SEED, k + 1, settings_of(Config()))[k]


@lru_cache(maxsize=None)
def built(name: str, k: int | None = None) -> tuple[str, str]:
    """The student and instructor notebooks of :func:`instance`, as JSON text."""
    assignment, key = instance(name, k)
    return tuple(nbformat.writes(nb(assignment, key, Config()))
                 for nb in (student_notebook, solution_notebook))


def notebook(name: str, k: int | None = None, role: int = 0) -> nbformat.NotebookNode:
    """A fresh copy of a built notebook (0: the student's, 1: the instructor's)."""
    return nbformat.reads(built(name, k)[role], 4)


INSTANCES = [(name, None) for name in SHIPPED] + [("reference", 0), ("tanh-mse", 1)]


def execute(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Run every cell in a kernel of its own (an error in a cell fails the test)."""
    NotebookClient(nb, timeout=60, kernel_name="python3").execute()
    return nb


def printed(nb, cell_id: str) -> str:
    """What a cell printed."""
    cell = next(c for c in nb.cells if c.id == cell_id)
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def shown_answers(nb) -> dict:
    """The answers cell's JSON (ANSWERS_MIME)."""
    for o in nb.cells[-1].outputs:
        if nbf.ANSWERS_MIME in o.get("data", {}):
            return o["data"][nbf.ANSWERS_MIME]
    raise AssertionError("the answers cell shows no answers")


def equal_to_key(answer, expected) -> bool:
    """An answer as the answers cell shows it against the key's: numbers to
    1e-9 relative, a formula the key's text."""
    if isinstance(expected, dict) and "value" in expected:
        expected = expected["value"]
    elif isinstance(expected, dict) and "grad" in expected:
        return all(equal_to_key(answer[p], expected[p]) for p in ("grad", "new"))
    elif isinstance(expected, dict):
        return answer == expected.get("sympy", expected.get("latex"))
    return np.allclose(np.asarray(answer, float), expected, rtol=1e-9, atol=1e-12)
