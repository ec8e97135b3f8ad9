"""Schema 1 answer keys (the reference's fixed items q1-q14) as earlier
versions wrote them: the input of :func:`derive.numerics.key.from_schema_1`
and of the tests that grade old keys. Not part of the tool any more."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Sequence

import sympy as sp

from derive.calculus import sigmoid as sig
from derive.calculus import softmax as sm
from derive.calculus.latex import latex
from derive.calculus.rules import sigmoid
from tests.schema_1.solve import Batches, solve_batches
from derive.numerics.key import SCHEMA
from derive.problem.spec import REFERENCE, Params

ITEMS = tuple(f"q{i}" for i in range(1, 15))  # the items of a schema 1 key

# Points of each item (ASSIGNMENT.md): 100 in all
POINTS = {"q1": 5, "q2": 5, "q3": 5, "q4": 7.5, "q5": 7.5, "q6": 7.5, "q7": 5,
          "q8": 7.5, "q9": 5, "q10": 10, "q11": 10, "q12": 10, "q13": 10, "q14": 5}


@lru_cache(maxsize=None)
def symbolic_answers() -> dict[str, dict[str, str]]:
    """q1-q5: the formulas, as ``sympify``-able strings and as printed LaTeX."""
    z = sig.z
    q1 = sig.derive_sigmoid().steps[0].expr
    q2 = sig.derive_sigmoid_prime().result
    q3 = sig.derive_nll_gradient().result
    q4 = sm.derive_softmax()
    q5 = sm.derive_nllm()
    return {
        "q1": {"sympy": str(q1), "latex": latex(q1)},
        "q2": {"sympy": str(q2.doit().subs(sigmoid(z), sigmoid(z).rewrite(sp.exp))),
               "latex": latex(q2)},
        "q3": {"sympy": str(q3.doit()), "latex": latex(q3)},
        "q4": {"latex": f"{latex(q4.lhs)} = {latex(q4.steps[0].expr)}"},
        "q5": {"latex": f"{latex(q5.lhs)} = {latex(q5.steps[0].expr)}"},
    }


def _columns(batches: Batches, count: int) -> list[dict[str, Any]]:
    """Each numeric answer of every instance as plain lists, converted a batch
    at a time (one ``tolist`` per field, not per instance)."""
    cols: list[dict[str, Any]] = [{} for _ in range(count)]
    for idx, s in batches.layer:
        for name in ("a", "dL_dW", "W_new", "a_new"):
            for i, v in zip(idx, getattr(s, name).tolist()):
                cols[i][name] = v
    for idx, s in batches.network:
        for name in ("a1", "a2", "dL_dW2", "W2_new", "dL_dW1", "W1_new", "a2_new"):
            for i, v in zip(idx, getattr(s, name).tolist()):
                cols[i][name] = v
    for i, v in enumerate(batches.nllm_value.tolist()):
        cols[i]["nllm"] = v
    return cols


def _answers(c: dict[str, Any], query_class: int) -> dict[str, Any]:
    out = dict(symbolic_answers())  # q1-q4 are the same for every instance
    out["q5"] = {**out["q5"], "value": c["nllm"]}
    out.update({
        "q6": c["dL_dW"],
        "q7": c["a"][query_class],
        "q8": c["W_new"],
        "q9": c["a_new"][query_class],
        "q10": c["a1"],
        "q11": c["a2"],
        "q12": {"grad": c["dL_dW2"], "W": c["W2_new"]},
        "q13": {"grad": c["dL_dW1"], "W": c["W1_new"]},
        "q14": c["a2_new"],
    })
    return out


def build_keys(instances: Sequence[Params], variants: Sequence[str],
               seed: int | None = None) -> list[dict]:
    """Answer keys for many instances, evaluated in one batch per shape."""
    instances = list(instances)
    cols = _columns(solve_batches(instances), len(instances))
    return [{"schema": SCHEMA, "variant": v, "seed": seed, "params": p.to_json(),
             "answers": _answers(c, p.softmax_layer.query_class)}
            for p, v, c in zip(instances, variants, cols)]


def build_key(params: Params = REFERENCE, variant: str = "reference",
              seed: int | None = None) -> dict:
    """The answer key of one instance (the reference assignment by default)."""
    return build_keys([params], [variant], seed)[0]
