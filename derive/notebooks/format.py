"""The notebook format: what a student notebook holds and how ``handouts
grade`` finds it again, whatever the student did to the cells' order.

- nbformat 4.5 (cells carry ids). The notebook's metadata has
  ``handouts``: :data:`FORMAT`, the ``role`` (``student`` or
  ``solution``), the ``variant``, the ``seed``, the ``assignment``
  (name, title, digest), the data's :func:`fingerprint` and the
  ``questions`` with their answer variables.
- Cells are found by their tags (:data:`TAGS`) and their metadata
  ``handouts``: ``{"part": <part id>}`` on a part's text and data cells,
  ``{"question": <id>}`` on a question's text, answer and check cells.
  Cell ids are :func:`cell_id` (unique, stable).
- A part's data cell is :func:`data_source`: one assignment per given
  field, ``W1 = np.array([[...]], dtype=float)``; :func:`read_data`
  reads it back without running it.
- The student assigns each answer to its variable (:func:`variable`:
  ``q6 = ...``). The last cell, :func:`answers_source`, shows every
  answer as JSON in its output (:data:`ANSWERS_MIME`, the object
  ``{"variant", "fingerprint", "answers": {id: value}}``, values as a JSON
  answers file has them); each check cell shows its question's answer
  (:data:`ANSWER_MIME`, ``{"question", "value"}``). The grader reads
  these saved outputs and never runs the notebook.
"""

from __future__ import annotations

import ast
import hashlib
import json
import keyword
import re
from typing import Any

FORMAT = 1
KEY = "handouts"     # the metadata key, of the notebook and of its cells
ANSWERS_MIME = "application/vnd.handouts.answers+json"
ANSWER_MIME = "application/vnd.handouts.answer+json"
# what each tag marks
TAGS = {"intro": "handouts-intro", "setup": "handouts-setup", "part": "handouts-part",
        "data": "handouts-data", "question": "handouts-question", "answer": "handouts-answer",
        "check": "handouts-check", "gradient": "handouts-gradient", "answers": "handouts-answers"}
ORDER = ("W", "b")   # a part's data cell: W1, b1, W2, b2, ..., then x, y, lr


def variable(qid: str) -> str:
    """The Python variable a question's answer is assigned to: its id when
    that is a name (``q6``), else the id with other characters as ``_``."""
    name = re.sub(r"\W", "_", qid, flags=re.ASCII)
    if not name or name[0].isdigit() or keyword.iskeyword(name):
        name = "q_" + name
    return name


def variables(qids) -> dict[str, str]:
    """Question id -> variable, every variable distinct (a clash numbered)."""
    out: dict[str, str] = {}
    for qid in qids:
        name, n = variable(qid), 2
        while name in out.values():
            name, n = f"{variable(qid)}_{n}", n + 1
        out[qid] = name
    return out


def cell_id(*parts: str) -> str:
    """A cell id from its role and names: letters, digits, ``-`` and ``_``,
    at most 64 characters (nbformat's rule), the same for the same names."""
    text = "-".join(re.sub(r"[^A-Za-z0-9_-]", "_", p) for p in parts)
    if len(text) > 64:
        text = text[:47] + "-" + hashlib.sha256(text.encode()).hexdigest()[:16]
    return text


def fingerprint(key: dict) -> str:
    """sha256 of a key's assignment digest and data (``params``): what a
    notebook was made for, told apart from any other instance."""
    data = json.dumps([(key.get("assignment") or {}).get("digest"), key.get("params", {})],
                      sort_keys=True, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(data.encode()).hexdigest()


def _names(params: dict) -> list[str]:
    layers = sorted({int(n[1:]) for n in params if n[:1] in ORDER and n[1:].isdigit()})
    return [f"{p}{l}" for l in layers for p in ORDER if f"{p}{l}" in params] + \
        [n for n in ("x", "y", "lr") if n in params]


def _literal(value: Any) -> str:
    """A number or nested list as Python source (ints as ints, floats with
    repr, so that :func:`read_data` gives back the same values)."""
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"not a number: {value!r}")
    return repr(value + 0) if isinstance(value, float) else str(value)


def data_source(params: dict) -> str:
    """A part's data cell: ``W1 = np.array(..., dtype=float)`` per array
    (a matrix one row a line), ``lr = 0.5``; the names of the key."""
    lines = []
    for name in _names(params):
        value = params[name]
        if not isinstance(value, list):
            lines.append(f"{name} = {_literal(value)}")
        elif value and isinstance(value[0], list):
            pad = " " * len(f"{name} = np.array([")
            rows = f",\n{pad}".join(_literal(r) for r in value)
            lines.append(f"{name} = np.array([{rows}], dtype=float)")
        else:
            lines.append(f"{name} = np.array({_literal(value)}, dtype=float)")
    return "\n".join(lines)


def read_data(source: str) -> dict[str, Any] | None:
    """The values a data cell assigns (``name = literal`` or ``name =
    np.array(literal, ...)``), read with :func:`ast.literal_eval`, never
    run; None when the cell is not of that form."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    out = {}
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            return None
        value = node.value
        if isinstance(value, ast.Call):
            f = value.func
            if not (isinstance(f, ast.Attribute) and f.attr in ("array", "asarray")
                    and isinstance(f.value, ast.Name) and f.value.id in ("np", "numpy")
                    and len(value.args) == 1):
                return None
            value = value.args[0]
        try:
            out[node.targets[0].id] = ast.literal_eval(value)
        except (ValueError, TypeError, SyntaxError, RecursionError, MemoryError):
            return None
    return out


# The answers cell's code: self-contained (it works when other cells were
# deleted); every answer as a JSON answers file holds it.
PLAIN_SOURCE = '''\
def _handouts_plain(value, depth=0):
    """An answer as JSON: arrays as lists, numbers as numbers, text as text."""
    import math, numbers
    if depth > 8:
        return "(nested too deeply)"
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _handouts_plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_handouts_plain(v, depth + 1) for v in value]
    return repr(value)[:200]
'''


def answers_source(questions: dict[str, str], variant: str, print_: str) -> str:
    """The last cell: every question's variable (``questions``: id ->
    variable; a variable never assigned is null) shown as JSON
    (:data:`ANSWERS_MIME`, and as text for the student). ``print_`` is
    the fingerprint."""
    pairs = ", ".join(f"({json.dumps(q)}, {json.dumps(v)})" for q, v in questions.items())
    return (f"# Your answers as `handouts grade` reads them: run every cell (Kernel > Restart "
            f"& Run All),\n# check what this cell shows, then save the notebook and hand it "
            f"in. Do not edit this cell.\n{PLAIN_SOURCE}\n"
            f"_handouts = {{\"variant\": {json.dumps(variant)}, \"fingerprint\": "
            f"{json.dumps(print_)},\n             \"answers\": {{q: _handouts_plain(globals()"
            f".get(v)) for q, v in [{pairs}]}}}}\n"
            "import json as _json\n"
            "from IPython.display import display as _display\n"
            f"_display({{\"text/plain\": _json.dumps(_handouts[\"answers\"], indent=1), "
            f"{json.dumps(ANSWERS_MIME)}: _handouts}}, raw=True)\n")
