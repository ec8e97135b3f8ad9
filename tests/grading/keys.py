"""Schema 2 answer keys for the grading tests, built from the example
assignments: numbers by the mistake library's computation with no mistake
switched on (checked against finite differences in
tests/numerics/test_kind_mistakes.py), formulas from the table below."""

from __future__ import annotations

from derive.numerics import kind_mistakes as km
from derive.problem.assignment import network_to_json

# the key's SymPy text of each formula question, by (kind, activation / output and loss)
FORMULAS = {
    ("activation", "sigmoid"): "1/(1 + exp(-z))",
    ("activation", "tanh"): "tanh(z)",
    ("activation-derivative", "sigmoid"): "sigmoid(z)*(1 - sigmoid(z))",
    ("activation-derivative", "tanh"): "1 - tanh(z)**2",
    ("output-gradient", "identity/mse"): "a - y",
    ("output-gradient", "tanh/mse"): "(a - y)*(1 - a**2)",
    ("output-gradient", "softmax/nllm"): "a - y",
    ("output-gradient", "sigmoid/nll"): "a - y",
    ("gradient-formula", "sigmoid/nll"): "(a - y)*x_k",
}


def _formula(part, q) -> dict:
    net = part.network
    which = q.get("activation") or (f"{net.layers[-1].activation}/{net.loss}" if net else "")
    text = FORMULAS.get((q.kind, which))
    out = {"latex": f"{q.kind} {which}"}
    if text:
        out["sympy"] = text
    if q.kind == "loss" and q.get("example"):
        out["value"] = km.loss_example(q)
    return out


def schema2_key(assignment, data=None, variant="reference", seed=None) -> dict:
    """The schema 2 key of ``assignment`` (``data``: instances by part id)."""
    data = data or {}
    a = assignment.with_given(data)
    answers = km.by_part(a)
    key = {"schema": 2,
           "assignment": {"name": a.name, "title": a.title, "digest": a.digest},
           "variant": variant, "seed": seed,
           "networks": {p.id: network_to_json(p.network) for p in a.parts if p.network},
           "params": {p.id: p.given.to_json() for p in a.parts if p.given is not None},
           "questions": {}, "answers": {}}
    for p, q in a.questions():
        key["questions"][q.id] = {"part": p.id, **q.to_json()}
        key["answers"][q.id] = _formula(p, q) if q.kind in km.FORMULA_KINDS else answers[q.id]
    return key
