"""The answer key (docs/ANSWER_KEY.md): params in, every answer out.

This is the contract downstream stages read; nothing after it recomputes an
answer. Formulas come from the derivations of :mod:`derive.calculus`, numbers
from :func:`derive.numerics.solve.solve_batch` (schema 2: any assignment
file, :func:`build_assignment_key`, answers by question kind). Keys of
schema 1 (the reference's fixed items q1-q14, written by earlier versions)
are read by :func:`from_schema_1`.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, Mapping, Sequence

import numpy as np

from derive.calculus import softmax as sm
from derive.gcpause import paused_gc
from derive.calculus.catalogue import plain_symbols, symbolic_answer
from derive.problem.catalogue import FORMULA_KINDS
from derive.numerics.solve import (Forward, PartBatch, PartSolution, loss_value, solve_batch,
                                   solve_part)
from derive.problem.assignment import Assignment, Part, PartData, Question, network_to_json
from derive.problem.reference import reference_instance
from derive.problem.spec import REFERENCE, InputError, Network, Params, parse_params
from derive.problem.validation import parse_given, parse_network

SCHEMA = 1


# --------------------------------------------------------------------------
# Schema 2: any assignment, answers by question kind

SCHEMA_2 = 2


def build_assignment_key(assignment: Assignment, variant: str = "reference",
                         seed: int | None = None) -> dict:
    """The schema 2 key of the assignment's own instance (its given data)."""
    given = {p.id: p.given for p in assignment.parts if p.given is not None}
    return build_assignment_keys(assignment, [given], [variant], seed)[0]


def build_assignment_keys(assignment: Assignment, instances: Sequence[Mapping[str, PartData]],
                          variants: Sequence[str], seed: int | None = None) -> list[dict]:
    """Schema 2 keys of many instances (each: part id -> its data; a part not
    named keeps its given data); each part is solved in one batch, and each
    answer is made for every instance at once from its per-field arrays."""
    with paused_gc():   # only young, acyclic containers are made here: nothing to collect
        return _build_keys(assignment, instances, variants, seed)


def _build_keys(assignment: Assignment, instances: Sequence[Mapping[str, PartData]],
                variants: Sequence[str], seed: int | None) -> list[dict]:
    datas = [{p.id: inst.get(p.id, p.given) for p in assignment.parts} for inst in instances]
    solved = {p.id: solve_batch(p, [d[p.id] for d in datas])
              for p in assignment.parts if p.given is not None}
    head = {"name": assignment.name, "title": assignment.title, "digest": assignment.digest}
    networks = {p.id: network_to_json(p.network) for p in assignment.parts if p.network}
    questions = {q.id: {"part": p.id, **q.to_json()} for p, q in assignment.questions()}
    # question id -> every instance's answer (a list) or the one answer of all (a dict)
    columns = {q.id: answers(p, q, solved.get(p.id)) for p, q in assignment.questions()}
    shared = [(qid, c, isinstance(c, dict)) for qid, c in columns.items()]
    keys = []
    for i, (data, variant) in enumerate(zip(datas, variants)):
        keys.append({"schema": SCHEMA_2, "assignment": dict(head), "variant": variant,
                     "seed": seed, "networks": networks,
                     "params": {pid: d.to_json() for pid, d in data.items() if d is not None},
                     "questions": questions,
                     "answers": {qid: dict(c) if one else c[i] for qid, c, one in shared}})
    return keys


def answers(part: Part, question: Question, batch: PartBatch | None) -> dict | list:
    """The key's answer to ``question`` for every instance of ``batch``
    (:func:`answer`'s, made from the per-field arrays: one ``tolist`` per
    question); a formula's, the same for all, as one dict."""
    if question.kind in FORMULA_KINDS:
        return answer(part, question, None)
    out = _numeric_answer(question, batch, _rows)
    if isinstance(out, dict):   # gradient-step: {"grad": rows, "new": rows}
        return [{"grad": g, "new": n} for g, n in zip(out["grad"], out["new"])]
    return out


def _rows(value: Any) -> list:
    """An array with the batch axis last as one JSON value per instance
    (:func:`_plain` of each, in one ``tolist``)."""
    return (np.moveaxis(np.asarray(value, float), -1, 0) + 0.0).tolist()


def answer(part: Part, question: Question, solution: PartSolution | None) -> Any:
    """The key's answer to one question, in the shape of its kind
    (docs/ANSWER_KEY.md)."""
    kind = question.kind
    if kind in FORMULA_KINDS:
        out = dict(symbolic_answer(part, question))
        if kind == "activation" and "sympy" not in out:   # the softmax: a_j with a sum
            out = {"sympy": softmax_text(), **out}
        example = question.get("example")
        if kind == "loss" and example:
            out["value"] = loss_value(question.get("loss"), example.a, example.y)
        return out
    return _numeric_answer(question, solution, _plain)


def _numeric_answer(question: Question, s: PartSolution | PartBatch, plain) -> Any:
    """A numeric kind's answer from a solution (``plain``: :func:`_plain`)
    or from a whole batch (``plain``: :func:`_rows`, a list of them)."""
    kind = question.kind
    if kind in ("forward", "after-step", "probability"):
        after = kind == "after-step" or question.get("after")
        return _forward_answer(s.after if after else s, question.get("value"),
                               question.get("class"), plain)
    param = question.get("param")
    if kind == "gradient":
        return plain(s.grad(param))
    if kind == "step":
        return plain(s.new[param])
    if kind == "gradient-step":
        return {"grad": plain(s.grad(param)), "new": plain(s.new[param])}
    raise ValueError(f"unknown question kind {kind!r}")


@lru_cache(maxsize=None)
def softmax_text() -> str:
    """aⱼ of the softmax as SymPy text: ``exp(z_j)/Sum(exp(z_k), (k, 1, n))``."""
    return str(plain_symbols(sm.derive_softmax().steps[0].expr))


def reference_key(params: Params = REFERENCE, variant: str = "reference",
                  seed: int | None = None) -> dict:
    """The schema 2 key of the reference assignment (reference.toml) with the
    instance ``params`` (:func:`derive.problem.reference.reference_instance`)."""
    return build_assignment_key(reference_instance(params), variant, seed)


def from_schema_1(keys: Sequence[dict]) -> list[dict]:
    """Schema 1 keys (docs/ANSWER_KEY.md) as schema 2 keys of reference.toml
    with each key's params: the questions, networks and formulas of the
    file, the numbers of the schema 1 key (``q12.W`` becomes ``q12.new``).
    Keys of one shape are solved in one batch. A bad key is an InputError
    naming ``key <variant>: <field>``."""
    groups: dict[tuple, list[int]] = {}
    instances = []
    for i, k in enumerate(keys):
        variant = str(k.get("variant", "reference"))[:40]
        try:
            assignment = reference_instance(parse_params(k["params"]))
        except InputError as e:
            raise InputError(f"key {variant}: {e.field}", e.problem) from None
        seed = k.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise InputError(f"key {variant}: seed", "not a whole number")
        instances.append(assignment)
        shape = tuple((p.network, p.questions) for p in assignment.parts) + (seed,)
        groups.setdefault(shape, []).append(i)
    out: list[dict] = [{} for _ in keys]
    for members in groups.values():
        first = instances[members[0]]
        built = build_assignment_keys(
            first, [{p.id: p.given for p in instances[i].parts if p.given} for i in members],
            [keys[i].get("variant", "reference") for i in members], keys[members[0]].get("seed"))
        for i, key in zip(members, built):
            key["answers"] = _answers_1(key, keys[i])
            out[i] = key
    return out


def _answers_1(key: dict, old_key: dict) -> dict:
    """A schema 2 key's answers with the numbers of the schema 1 key ``old_key``."""
    old, out = old_key.get("answers"), {}
    variant = str(old_key.get("variant", "reference"))[:40]
    if not isinstance(old, dict):
        raise InputError(f"key {variant}: answers", "not an object of q1...q14")
    for qid, q in key["questions"].items():
        value, new = old.get(qid), key["answers"][qid]
        if value is None:
            raise InputError(f"key {variant}: {qid}", "missing")
        if q["kind"] in FORMULA_KINDS:
            if isinstance(value, dict) and "value" in value and "value" in new:
                new = {**new, "value": value["value"]}
            out[qid] = new
        elif q["kind"] == "gradient-step":
            if not isinstance(value, dict) or not {"grad", "W"} <= set(value):
                raise InputError(f"key {variant}: {qid}", 'expected {"grad": ..., "W": ...}')
            out[qid] = {"grad": value["grad"], "new": value["W"]}
        else:
            out[qid] = value
    return out


def nothing_done(key: dict, before: Mapping[str, Forward] | None = None) -> dict[str, Any]:
    """What a numeric answer of a schema 2 key is when nothing is done, by its
    path (``q12.new``); an answer equal to one of these shows no work: a
    step's or gradient-step's ``new`` that is the given parameter, a value after the step (``after-step``,
    ``probability`` with ``after``) equal to the one before it. ``before``:
    part id -> its forward pass, where already at hand."""
    out: dict[str, Any] = {}
    before = dict(before or {})
    for qid, q in key["questions"].items():
        # a key whose questions ask for no step may leave out ``params``
        params = key.get("params", {}).get(q["part"], {})
        if q["kind"] == "step":
            out[qid] = params[q["param"]]
        elif q["kind"] == "gradient-step":
            out[f"{qid}.new"] = params[q["param"]]
        elif q["kind"] == "after-step" or (q["kind"] == "probability" and q.get("after")):
            if q["part"] not in before:
                before[q["part"]] = _forward_before(key, q["part"])
            out[qid] = _forward_answer(before[q["part"]], q.get("value"), q.get("class"))
    return out


def _forward_answer(f: Forward, value: str | None, cls: int | None, plain=None) -> Any:
    """A forward-pass ``value`` (``a1``, ``output``, ``loss``), or the
    probability of class ``cls`` (from 1) when no value is asked for."""
    plain = plain or _plain
    return plain(f.value(value)) if value is not None else plain(f.a[-1][cls - 1])


def _forward_before(key: dict, part_id: str) -> Forward:
    net, data = part_instance(key, part_id)
    return solve_part(Part(part_id, "", (), net, data))


def part_instance(key: dict, part_id: str) -> tuple[Network | None, PartData | None]:
    """A part's network and data as a schema 2 key has them, None where it has
    none (checked as an assignment file's are: a bad key is an InputError
    naming the field; numbers stay as written, an int an int)."""
    nets, params = key.get("networks", {}), key.get("params", {})
    net = parse_network(nets[part_id], f"networks.{part_id}") if part_id in nets else None
    data = (parse_given(params[part_id], f"params.{part_id}", net)
            if net is not None and part_id in params else None)
    return net, data


def _plain(value: Any) -> Any:
    """An array as nested lists, a number as a Python float: JSON values
    (never −0.0)."""
    return (np.asarray(value, float) + 0.0).tolist()


def dumps(key: Any) -> str:
    """The key as JSON text: objects indented, each vector or matrix on one
    line; the same bytes for the same key."""
    return _format(key, 0) + "\n"


def _format(value: Any, depth: int) -> str:
    if isinstance(value, dict) and value:
        pad = "  " * (depth + 1)
        items = [f"{pad}{json.dumps(k)}: {_format(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * depth + "}"
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        pad = "  " * (depth + 1)
        return ("[\n" + ",\n".join(pad + _format(v, depth + 1) for v in value)
                + "\n" + "  " * depth + "]")
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
