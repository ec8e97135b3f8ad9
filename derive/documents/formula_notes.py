"""What the worked solution of a formula kind says besides its derivation:
a loss question's example, chosen by its numbers; what the entries of a
gradient formula form; the softmax's Jacobian after its definition."""

from __future__ import annotations

import numpy as np

from derive.calculus import softmax as sm
from derive.documents.kind_text import sup
from derive.documents.numbers import Given
from derive.documents.render import Latex
from derive.problem.assignment import Assignment, Part, Question

# the kinds whose solution goes through ∂ℓ/∂zᴸ of a softmax output (its Jacobian)
THROUGH_JACOBIAN = ("output-gradient", "gradient-formula", "gradient", "step", "gradient-step")


def example_terms(loss: str, a, y) -> tuple[str, str]:
    """(what the target leaves of the loss, the loss with the example's numbers put in)."""
    given = Given()
    if loss == "nllm":
        c = int(np.argmax(y)) + 1
        return (f"Here $y$ is 1 only for class {c}, so $c = {c}$ and",
                rf"-\ln({given.number(a[c - 1])})")
    if loss == "nll":
        terms = [rf"\ln({given.number(p)})" if t == 1 else rf"\ln(1 - {given.number(p)})"
                 for p, t in zip(a, y)]
        if len(a) == 1:
            which = "first" if y[0] == 1 else "second"
            said = f"Here $y = {given.number(y[0])}$, so only the {which} term is left:"
        else:
            said = ("Each label leaves one term, $-\\ln(a_{j})$ where $y_{j} = 1$ and "
                    "$-\\ln(1 - a_{j})$ where $y_{j} = 0$:")
        return said, "-" + " - ".join(terms)
    diffs = " + ".join(f"({given.number(p)} - {given.number(t)})^{{2}}" for p, t in zip(a, y))
    return "Here", rf"\tfrac{{1}}{{2}} \left({diffs}\right)"


def example_sentence(name: str, loss: str, example, value: dict) -> str:
    """The example's loss, said by what its target leaves of the sum."""
    said, formula = example_terms(loss, example.a, example.y)
    tail = {"nllm": ": only the probability of the target class counts.",
            "nll": (": the loss grows without bound as $a$ nears "
                    f"{1 - int(example.y[0])}." if len(example.a) == 1 else "."),
            "mse": "."}[loss]
    if loss == "mse" and tuple(example.a) == tuple(example.y):
        tail = ": $a = y$, so the loss is 0."
    return f"{said} ${name} = {formula} {value['rel']} {value['value']}${tail}"


def formula_note(part: Part, q: Question) -> Latex:
    """What the entries of a gradient formula form ("" for other kinds)."""
    if q.kind != "gradient-formula":
        return Latex("")
    net = part.network
    L = len(net.layers)
    if net.layers[-1].size == 1 and L == 1:
        return Latex("stacked over $k$, these entries form the gradient with respect to the "
                     "weight vector.")
    m, n = net.sizes[L - 1], net.sizes[L]
    return Latex(f"over every $k$ and $j$, these entries form the gradient with respect to "
                 f"${sup('W', L)}$, a ${m} \\times {n}$ matrix like ${sup('W', L)}$.")


def _needs_jacobian(part: Part, q: Question) -> bool:
    net = part.network
    if net is None or net.layers[-1].activation != "softmax" or q.kind not in THROUGH_JACOBIAN:
        return False
    return q.kind != "gradient" or q.get("param") == f"W{len(net.layers)}"


def jacobian_blocks(assignment: Assignment, numbers: dict[str, int]) -> dict[str, list]:
    """Question id -> the blocks after a softmax definition: that a is a
    probability vector, and the Jacobian derived (or which question asks it)."""
    from derive.documents.context import derivation_context
    questions = list(assignment.questions())
    out: dict[str, list] = {}
    for i, (part, q) in enumerate(questions):
        if q.kind != "activation" or q.get("activation") != "softmax":
            continue
        text = "Every $a_{j}$ is positive and they sum to 1, so $a$ is a probability vector."
        asked = [numbers[o.id] for _, o in questions if o.kind == "softmax-jacobian"]
        if asked:
            out[q.id] = [{"type": "text",
                          "text": Latex(text + f" Its Jacobian is question {asked[0]}.")}]
            continue
        later = any(_needs_jacobian(p, o) for p, o in questions[i + 1:])
        text += (" Its Jacobian" + (", needed below," if later else "")
                 + " follows from the quotient rule:")
        out[q.id] = [{"type": "text", "text": Latex(text)},
                     {"type": "derivation", "d": derivation_context(sm.derive_softmax_jacobian())}]
    return out

