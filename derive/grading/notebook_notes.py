"""What a handed-in notebook's saved outputs say beyond its answers: where
Run All stopped, check cells run after the answers cell with other values,
and a notebook that is not a student's of this assignment (notes and
errors of :func:`derive.grading.notebook_answers.read_notebook`)."""

from __future__ import annotations

from typing import Any

from derive.notebooks import format as nbf
from derive.problem.spec import printable

_SHORT = 60


def stopped(cells: list[dict]) -> str | None:
    """The first cell whose saved output is an exception, as a note: Run All
    stops there (JupyterLab, Notebook), so the cells after it did not run."""
    for i, cell in enumerate(cells):
        outputs = cell.get("outputs") if cell.get("cell_type") == "code" else None
        for out in outputs if isinstance(outputs, list) else []:
            if isinstance(out, dict) and out.get("output_type") == "error":
                name = printable(str(out.get("ename", "an error")))[:_SHORT]
                where = printable(str(cell.get("id") or f"number {i + 1}"))[:_SHORT]
                after = any(c.get("cell_type") == "code" and c.get("outputs")
                            for c in cells[i + 1:])
                return (f"cell {where} raised {name}" +
                        ("" if after else ", and Run All stops at an error: the cells after "
                         "it did not run (their answers are missing)"))
    return None


def later_checks(cells: list[dict], answers_count: int, answers: dict[str, Any],
                 shown) -> list[str]:
    """Questions whose check cell ran after the answers cell and shows
    another value (an answer mended without running the last cell again);
    ``shown(cell, mime)`` reads a cell's outputs with their counts."""
    out = []
    for cell in cells:
        for count, value in shown(cell, nbf.ANSWER_MIME):
            if not (isinstance(value, dict) and isinstance(value.get("question"), str)):
                continue
            q = value["question"]
            if count > answers_count >= 0 and q in answers and value.get("value") != answers[q]:
                out.append(printable(q)[:_SHORT])
    if not out:
        return []
    names = ", ".join(sorted(set(out)))
    return [f"{names}: a check cell ran after the answers cell and shows another value; the "
            "answers cell's was graded (run all before saving)"]


def not_a_student_s(meta: dict, key: dict) -> tuple[str | None, str | None]:
    """(error, note) of a notebook that is of another assignment than
    ``key`` (an error), or the instructor's solution notebook (a note)."""
    made = meta.get("assignment") if isinstance(meta.get("assignment"), dict) else {}
    digest = (key.get("assignment") or {}).get("digest")
    if made.get("digest") and digest and made["digest"] != digest:
        name = printable(str(made.get("name") or "?"))[:_SHORT]
        return (f"a notebook of another assignment ({name}), not of the key's; hand in the "
                "notebook you were given"), None
    if meta.get("role") == "solution":
        return None, ("this is the instructor's solution notebook (its metadata says so), "
                      "not a student's")
    return None, None
