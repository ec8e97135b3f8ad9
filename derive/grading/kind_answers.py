"""Schema 2 keys as the grader reads them, and answers validated against them.

A schema 2 key (docs/ANSWER_KEY.md) carries its networks, its parts' data and
its questions, so the grader rebuilds the parts from the key alone
(:func:`parts_of`) and validates each answer against the shape of the key's
answer to its question (:func:`validate`): a formula for the formula kinds,
one number, a vector or a matrix, or ``{"grad", "new"}`` for gradient-step.
Everything a student typed goes through the bounded parsers
(:mod:`derive.grading.formulas`, :mod:`derive.grading.answers`). Schema 1
keys are read as schema 2 keys of reference.toml
(:func:`derive.numerics.key.from_schema_1`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache, partial
from typing import Any

import numpy as np
import sympy as sp

from derive.grading.answers import Given, _array, _update, parse_submission
from derive.grading.formulas import _Budget
from derive.grading.formulas import (_CONSTANTS, _FUNCTIONS, _INDICES, SUM_INDEX, SUM_TO,
                                    AnswerError, parse_expression)
from derive.numerics.baselines import stepped_parts
from derive.numerics.key import SCHEMA_2, from_schema_1, part_instance
from derive.problem.assignment import Part, Question
from derive.problem.catalogue import FORMULA_KINDS, STEP_KINDS
from derive.problem.spec import InputError, printable

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z_0-9]*")
_KNOWN = set(_FUNCTIONS) | set(_CONSTANTS) | {"Sum", "sum"}
PAIR = ("grad", "new")   # the parts of a gradient-step answer


@dataclass
class Item:
    """One question of a schema 2 key, with what the grader needs of it."""

    question: Question
    part: str
    expected: Any               # the key's answer: arrays, {"grad", "new"}, or a formula
    names: dict = field(default_factory=dict)   # a formula's names -> symbols

    @property
    def id(self) -> str:
        return self.question.id

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def points(self) -> float:
        return float(self.question.points)

    @property
    def formula(self) -> bool:
        """Graded as a formula (the key has its SymPy text)."""
        return isinstance(self.expected, sp.Basic)

    @property
    def manual(self) -> bool:
        """The key gives only LaTeX: nothing to compare with automatically."""
        return self.expected is None


def formula_names(text: str) -> dict[str, sp.Expr]:
    """The variables a key's formula uses (every name that is not a
    function or constant the parser knows), as symbols; in a formula with a
    sum over k (the softmax), ``z_j``, ``z_k`` are z[j], z[k], ``n`` the
    number of terms and ``M`` a shift (eᶻʲ⁻ᴹ/Σₖ eᶻᵏ⁻ᴹ). An indexed name may
    also be written without its index (``x`` for ``x_k``, ``a`` for ``a_j``)
    when that is not ambiguous."""
    sums = "Sum(" in text
    names: dict[str, sp.Expr] = {"M": sp.Symbol("M")} if sums else {}
    for n in _IDENTIFIER.findall(text):
        base, _, index = n.rpartition("_")
        if n in _KNOWN or (sums and n == str(SUM_INDEX)):
            continue
        if sums and base and index in _INDICES:
            names[n] = sp.IndexedBase(base)[_INDICES[index]]
        else:
            names[n] = SUM_TO if sums and n == str(SUM_TO) else sp.Symbol(n)
    bases: dict[str, list[str]] = {}
    for n in names:
        base, _, index = n.rpartition("_")
        if base and index and base not in names:
            bases.setdefault(base, []).append(n)
    names.update({b: names[full[0]] for b, full in bases.items() if len(full) == 1})
    return names


def _expected(question: Question, answer: Any) -> tuple[Any, dict]:
    if question.kind in FORMULA_KINDS:
        if not isinstance(answer, dict):
            raise TypeError("expected an object with sympy and latex")
        if question.kind == "loss" and "value" in answer:
            return np.asarray(answer["value"], float), {}
        text = answer.get("sympy")
        if not isinstance(text, str):
            return None, {}
        expr, names = _parsed(text)
        return expr, dict(names)
    if question.kind == "gradient-step":
        return {p: np.asarray(answer[p], float) for p in PAIR}, {}
    return np.asarray(answer, float), {}


@lru_cache(maxsize=256)
def _parsed(text: str) -> tuple[sp.Expr | None, tuple]:
    """A key's formula text parsed, with its names (the same text in every
    key of a set: parsed once)."""
    names = formula_names(text)
    try:
        return parse_expression(text, names=names), tuple(names.items())
    except AnswerError:   # a formula beyond the student's whitelist: graded by hand
        return None, ()


def items_of(key: dict) -> list[Item]:
    """The key's questions in file order, each with its expected answer."""
    out = []
    for qid, q in key["questions"].items():
        options = tuple((k, v) for k, v in q.items() if k not in ("part", "kind", "points"))
        question = Question(qid, q["kind"], q["points"], options)
        expected, names = _expected(question, key["answers"][qid])
        out.append(Item(question, q["part"], expected, names))
    return out


def parts_of(key: dict, items: list[Item] | None = None) -> list[Part]:
    """The key's parts (network, data, questions), in the order of its
    questions (``items``: :func:`items_of` the key, when at hand)."""
    items = items_of(key) if items is None else items
    order = list(dict.fromkeys(i.part for i in items))
    parts = [Part(pid, pid, tuple(i.question for i in items if i.part == pid),
                  *part_instance(key, pid)) for pid in order]
    # the "nothing done" answers of a step (the given parameter) and after it
    # (the forward pass before it) are worked out from the part's data
    after = set(stepped_parts(key))
    for p in parts:
        if p.id in after and p.network is None:
            raise ValueError(f"networks.{p.id}: missing, and its questions ask for values after the step")
        if (p.id in after or any(q.kind in STEP_KINDS for q in p.questions)) and p.id not in key.get("params", {}):
            raise ValueError(f"params.{p.id}: missing, and its questions ask for a step")
    return parts


# --------------------------------------------------------------------------
# Answers


def validate(item: Item, value: Any) -> Given:
    """Check one answer against the shape of the key's; each answer gets the
    same bounded work (``too large to evaluate`` beyond it)."""
    given = Given(value)
    budget = _Budget()
    try:
        if item.manual:
            given.value = value   # kept as written: graded by hand
        elif item.formula and isinstance(value, str):
            given.value = _student_formula(value, tuple(item.names.items()), budget)
        elif item.formula:
            given.value = parse_expression(value, budget=budget, names=item.names)
        elif isinstance(item.expected, dict):
            given.value, given.notes = _pair(value, item, budget)
        else:
            if isinstance(value, dict) and set(value) == {"value"}:
                value = value["value"]
            given.value, given.notes = _array(value, item.expected.ndim, budget)
    except AnswerError as e:
        given.error = str(e)
    return given


_FORMULAS: dict[tuple, sp.Expr] = {}


def _student_formula(text: str, names: tuple, budget) -> sp.Expr:
    """:func:`parse_expression` of a formula, once per text and names (a
    class types the same few formulas; only what parsed is kept, so a
    formula beyond the bounds is refused each time)."""
    found = _FORMULAS.get((text, names))
    if found is None:
        if len(_FORMULAS) >= 4096:
            _FORMULAS.clear()
        found = _FORMULAS[text, names] = parse_expression(text, budget=budget,
                                                           names=dict(names))
    return found


def _pair(value, item: Item, budget) -> tuple[dict, list[str]]:
    """gradient-step: {"grad", "new"} (the updated parameter may also be
    named by its letter, W or b); a bare list is taken as the new value."""
    letter = item.question.get("param", "W")[0]
    if isinstance(value, dict) and letter in value and "new" not in value:
        value = {("new" if k == letter else k): v for k, v in value.items()}
    return _update(value, budget, "new", item.expected["new"].ndim,
                   "a bare list was taken as the updated parameter")


def submission_parser(items: list[Item]):
    """``parse(entry, index)`` for :func:`derive.grading.answers_file.load_submissions`."""
    by_id = {i.id: i for i in items}
    return partial(parse_submission, items=tuple(by_id),
                   validate=lambda q, v: validate(by_id[q], v))


def csv_columns(items: list[Item]) -> set[str]:
    """The columns a CSV answers file may have: student, variant, each
    question's id, and id.grad / id.new for gradient-step questions (the
    new value also by the parameter's letter, id.W or id.b)."""
    out = {"student", "variant"}
    for i in items:
        out.add(i.id)
        if i.kind == "gradient-step":
            out |= {f"{i.id}.{p}" for p in PAIR + (i.question.get("param", "W")[0],)}
    return out


def as_submitted(value: Any) -> Any:
    """A key-shaped answer in the submission format (formulas as text, a
    loss's value as the number)."""
    if isinstance(value, dict) and "sympy" in value:
        return value["sympy"]
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    return value


def key_submission(key: dict, student: str = "key", replace: dict | None = None) -> dict:
    """The answers of a key (schema 2, or schema 1 read as schema 2) as a
    submission (every answer right), with the answers of ``replace``
    (key-shaped values) put in instead."""
    answers = from_schema_1([key])[0]["answers"] if key.get("schema") != SCHEMA_2 \
        else key["answers"]
    answers = {q: as_submitted(v) for q, v in {**answers, **(replace or {})}.items()}
    return {"student": student, "variant": key.get("variant"), "answers": answers}


def check_key(data: Any, where: str) -> dict:
    """The shape of a schema 2 key: networks, params, questions, and an
    answer of the right kind for every question (one line naming the place)."""
    if not isinstance(data, dict) or not {"questions", "answers"} <= set(data):
        raise InputError(where, "not an answer key of schema 2 (needs questions and answers)")
    variant = data.get("variant", "reference")
    if not isinstance(variant, str) or printable(variant) != variant or len(variant) > 100:
        raise InputError(f"{where}: variant", "not a plain id")
    questions, answers = data["questions"], data["answers"]
    if not isinstance(questions, dict) or not isinstance(answers, dict):
        raise InputError(f"{where}: key {variant}", "questions and answers must be objects")
    for qid, q in questions.items():
        if answers.get(qid) is None:
            raise InputError(f"{where}: key {printable(variant)}: {printable(str(qid))[:40]}",
                             "missing")
        try:
            _expected(Question(qid, q["kind"], q["points"], ()), answers[qid])
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
            raise InputError(f"{where}: key {printable(variant)}: {printable(str(qid))[:40]}",
                             f"not an answer of its kind ({printable(str(e))[:80]})") from None
    try:
        items = items_of(data)
        parts_of(data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
        raise InputError(f"{where}: key {variant}",
                         f"not an answer key of schema 2 ({printable(str(e))[:80]})") from None
    for item in items:
        if item.manual or item.formula:
            continue
        given = validate(item, as_submitted(data["answers"][item.id]))
        if given.error:
            raise InputError(f"{where}: key {variant}: {item.id}", printable(given.error))
    return data
