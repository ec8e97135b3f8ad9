"""The numeric items of a schema 2 key, for the exports: every question whose
answer is a number, vector or matrix (forward, probability, gradient, step,
gradient-step, after-step), and a loss question's example value; each with
its points, what it asks in words (from its kind and options) and the
part's given data."""

from __future__ import annotations

from typing import Any

from derive.variants.exports import Item
from derive.problem.catalogue import NUMERIC_KINDS

# the part of a {"grad", "new"} answer that carries the marks (the gradient
# is graded for feedback only)
MARKED = {"gradient-step": "new"}


def _quantity(value: str) -> str:
    if value == "loss":
        return "the loss"
    if value == "output":
        return "the network output"
    layer = value[1:]
    return (f"the pre-activations z{layer} of layer {layer}" if value[0] == "z"
            else f"the activations a{layer} of layer {layer}")


def _parameter(param: str) -> str:
    if param[0] == "W":
        return f"{param} (rows are inputs, columns are units)"
    return f"the bias {param}"


def prompt(kind: str, options: dict) -> str:
    """What a question of ``kind`` with ``options`` asks, in words."""
    if kind == "forward":
        return f"{_quantity(options['value'])} for the given data"
    if kind == "after-step":
        return f"{_quantity(options['value'])} after the gradient-descent step"
    if kind == "probability":
        when = "after the gradient-descent step" if options.get("after") else "for the given data"
        return f"the predicted probability of class {options['class']} {when}"
    param = options.get("param")
    if kind == "gradient":
        return f"the gradient of the loss with respect to {_parameter(param)}"
    if kind == "step":
        return f"{param} after one gradient-descent step"
    if kind == "gradient-step":
        return f"the gradient of the loss with respect to {_parameter(param)}, and {param} " \
            "after one gradient-descent step"
    return f"the {options.get('loss')} loss of the example"


def _given(params: dict | None, options: dict) -> str:
    if params is None:   # a loss example: its own data
        ex = options["example"]
        return f"a = {ex['a']}, y = {ex['y']}"
    parts = [f"{k} = {v}" for k, v in params.items() if k not in ("lr",)]
    return ", ".join(parts) + f", step size {params['lr']}"


def schema2_items(key: dict) -> list[Item]:
    """The numeric items of a schema 2 key, in the order of its questions."""
    out = []
    for qid, q in key["questions"].items():
        kind, answer = q["kind"], key["answers"][qid]
        if kind in NUMERIC_KINDS:
            value, params = answer, key["params"].get(q["part"])
        elif kind == "loss" and isinstance(answer, dict) and "value" in answer:
            value, params = answer["value"], None
        else:
            continue
        # (the question's other fields are its options: prompt and _given read them by name)
        out.append(Item(qid, q["points"], value, MARKED.get(kind), prompt(kind, q),
                        _given(params, q)))
    return out


def mistaken_answers(assignment, key: dict) -> dict[str, list[tuple[str, Any]]]:
    """Per question id, (mistake code, the answer it gives) for each mistake
    of the library that enters the question's own kind (not one that only
    comes through an earlier answer: the grader carries that forward), on the
    variant's numbers, with a ReLU's fˡ′ decided as the key decides it."""
    from derive.numerics.kind_mistakes import part_wrong_answers
    from derive.numerics.key import part_instance
    from derive.numerics.mistake_batch import decided_f_prime
    from derive.numerics.mistake_kinds import MISTAKE_KINDS
    out: dict[str, list[tuple[str, Any]]] = {}
    for part in assignment.parts:
        data = part_instance(key, part.id)[1]
        if data is None:
            continue
        kinds = {q.id: q.kind for q in part.questions}
        # (a part with data has a network: part_instance gives data only with one)
        f_prime = [fp[..., 0] for fp in decided_f_prime(part, [data])]
        for qid, by_code in part_wrong_answers(part, data, f_prime).items():
            entered = [(c, v) for c, v in by_code.items() if kinds[qid] in MISTAKE_KINDS[c].kinds]
            if entered:
                out[qid] = entered
    return out
