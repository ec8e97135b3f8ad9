"""The code cells a student runs but does not write: the setup cell (NumPy
and the public checks of :mod:`derive.notebooks.public_checks`), a
question's check cell, a part's work cell and its finite-difference check.
The checks test an answer's form from its kind and the part's network
(shape, finite, ranges, the sums a softmax forces, an outer product, a
step's consistency), never its value."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from derive.notebooks import format as nbf
from derive.problem.catalogue import FORMULA_KINDS, answer_shape

# the values an activation's output takes
RANGES = {"sigmoid": "(0, 1)", "softmax": "(0, 1)", "tanh": "(-1, 1)", "relu": "(0, np.inf)"}
GRADIENT_KINDS = ("gradient", "step", "gradient-step")


@lru_cache(maxsize=1)
def _public() -> str:
    """public_checks.py's code, after its own header, import and FIGURES (which
    the setup cell has already)."""
    text = (Path(__file__).resolve().parent / "public_checks.py").read_text(encoding="utf-8")
    return text.split('FIGURES = globals().get("FIGURES", 3)\n', 1)[1].lstrip("\n")


def setup_source(figures: int, extra: str = "") -> str:
    """The setup cell: NumPy, the sheet's significant figures, the public
    checks (``extra``: the instructor notebook's helpers)."""
    return ("# Setup: run this cell first. It loads NumPy and the public checks the check\n"
            "# cells run (their code follows; you need not read it).\n"
            f"import numpy as np\n\nFIGURES = {figures}   # the significant figures the sheet "
            f"asks for\nANSWER_MIME = {json.dumps(nbf.ANSWER_MIME)}\n\n{nbf.PLAIN_SOURCE}\n\n"
            f"{_public()}{extra}")


def _value_checks(part, value: str) -> dict[str, str]:
    net = part.network
    if value == "loss":
        return {"within": "(0, np.inf)"}
    L = len(net.layers)
    layer = L if value == "output" else int(value[1:])
    f = net.layers[layer - 1].activation
    if value[0] == "z" and value != "output":
        return {}
    out = {"within": RANGES[f]} if f in RANGES else {}
    return {**out, "total": "1"} if f == "softmax" else out


def _gradient_checks(part, param: str) -> dict[str, str]:
    net = part.network
    L = len(net.layers)
    out = {"outer": "True"} if param[0] == "W" else {}
    if int(param[1:]) == L and net.layers[-1].activation == "softmax":
        # δᴸ = a − y sums to 0: so does each row of ∂ℓ/∂Wᴸ = a δᵀ, and ∂ℓ/∂bᴸ
        out["rows_total" if param[0] == "W" else "total"] = "0"
    return out


def check_source(part, q, answer, var: str) -> str:
    """A question's check cell: its public checks, then its answer shown for grading."""
    head = f"# Public checks of {q.id}: its form, not its value\n"
    call = f"check_answer({json.dumps(q.id)}, globals().get({json.dumps(var)})"
    if q.kind in FORMULA_KINDS and not (isinstance(answer, dict) and "value" in answer):
        sympy = isinstance(answer, dict) and "sympy" in answer   # else graded by hand
        return head + call + (", text=True)\n" if sympy else ", text=True, expression=False)\n")
    shape = () if q.kind in FORMULA_KINDS else answer_shape(part, q)
    if isinstance(shape, dict):
        shape = shape["grad"]
    args = {}
    if q.kind == "loss":
        args = {"within": "(0, np.inf)"}
    elif q.kind in ("forward", "after-step"):
        args = _value_checks(part, q.get("value"))
    elif q.kind == "probability":
        args = {"within": "(0, 1)"}
    elif q.kind == "gradient":
        args = _gradient_checks(part, q.get("param"))
    elif q.kind == "gradient-step":
        p = q.get("param")
        args = {"pair": "True", **_gradient_checks(part, p),
                "step": _given_step(part, p)}
    rest = "".join(f", {k}={v}" for k, v in args.items())
    return head + f"{call}, {tuple(shape)!r}{rest})\n"


def _given_step(part, param: str) -> str:
    """The parameter and η as the data cell gives them, written out: the
    check holds when the student updates ``W1`` in place (``W1 -= ...``)."""
    given = part.given.to_json()
    return f"(np.array({json.dumps(given[param])}, dtype=float), {given['lr']!r})"


def what_to_give(part, q, answer) -> str:
    """The answer cell's comment: what to assign, in which form."""
    if q.kind == "loss" and isinstance(answer, dict) and "value" in answer:
        return "a number: the loss of the example"
    if q.kind in FORMULA_KINDS:
        text = answer.get("sympy") if isinstance(answer, dict) else None
        if not text:
            return "a formula as text (graded by hand)"
        return f"a formula as text in SymPy syntax, in the names {', '.join(formula_names(text))}"
    shape = answer_shape(part, q)

    def form(s) -> str:
        if s == ():
            return "a number"
        return (f"a NumPy array of {s[0]} entries" if len(s) == 1 else
                f"a {s[0]} × {s[1]} NumPy array (rows are inputs)")
    if isinstance(shape, dict):
        return f'{{"grad": ..., "new": ...}}, each {form(shape["grad"])} shaped like {q.get("param")}'
    if q.kind in ("gradient", "step"):
        return f"{form(shape)}, shaped like {q.get('param')}"
    return form(shape)


def formula_names(text: str) -> list[str]:
    """The names a key's formula uses (its free symbols, sorted)."""
    import sympy as sp
    return sorted(str(s) for s in sp.sympify(text).free_symbols)


def work_source(part, gradients: bool) -> str:
    """A student's work cell of a part: ``params`` and, where the part asks
    for gradients, their own ``loss`` and ``gradients`` to write."""
    names = [f"{g}{l}" for l in range(1, len(part.network.layers) + 1) for g in "Wb"]
    params = "params = {" + ", ".join(f'"{n}": {n}' for n in names) + "}\n"
    if not gradients:
        return "# Your work for this part (run after its data cell)\n" + params
    grads = ", ".join(f'"{n}": ∂ℓ/∂{n}' for n in names)
    return ("# Write your own loss and gradients for this part (plain NumPy), for the check\n"
            "# below and for your answers. params holds this part's weights and biases.\n"
            f"{params}\n\ndef loss(params, x=x, y=y):\n"
            '    """The loss ℓ for the input x and target y with the weights and biases in params."""\n'
            "    return None   # your forward pass and loss\n\n\n"
            "def gradients(params, x=x, y=y):\n"
            f'    """{{{grads}}}, each shaped like its parameter."""\n'
            "    return None   # your backpropagation\n")


GRADCHECK = ("# Your gradients against central finite differences of your loss (no answer\n"
             "# is involved): the largest difference per parameter\n"
             "check_gradients(loss, gradients, params)\n")


def asks_gradients(part) -> bool:
    """Whether a part's questions need its gradients."""
    return any(q.kind in GRADIENT_KINDS or q.kind == "after-step" or q.get("after")
               for q in part.questions)

