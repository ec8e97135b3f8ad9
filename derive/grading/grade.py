"""Grading against the reference's (schema 1) keys, with a diagnosis.

For every item the student's answer (validated by :mod:`derive.grading.answers`) is
compared with the key under the precision contract of :mod:`derive.problem.precision`
(formulas by SymPy) and scored by one rule, :func:`scoring_rules`, in the flow
every grader shares (:mod:`derive.grading.scoring`): right; right but rounded too
early; carried forward from the student's own earlier answer when that answer is
a genuine attempt; a fixed share per mistake of the library
(:mod:`derive.numerics.mistakes`, recomputed for the variant, alone and in pairs);
else credit for the informative entries that are right. This module holds what
is the reference's own: its keys, its library, and how its items carry forward.
Numbers come from the key and from :mod:`derive.numerics.evaluate`, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Sequence

import numpy as np
import sympy as sp

from derive.grading import scoring
from derive.grading.answers import SYMBOLIC, Submission
from derive.grading.answers_file import UPDATES
from derive.grading.formulas import AnswerError, parse_expression
from derive.grading.results import StudentGrade
from derive.grading.rules import Rules
from derive.grading.scoring import Student
from derive.numerics.evaluate import forward_network
from derive.numerics.key import ITEMS, POINTS, nothing_done
from derive.numerics.mistakes import BY_CODE, MISTAKES, mistake_sets, recompute_params
from derive.problem.spec import InputError, Layer, Network, Params, parse_params


# --------------------------------------------------------------------------

# One variant: the key's answers and the mistake library, ready to compare


@dataclass
class Variant:
    """A key with its answers as arrays/formulas and its mistake sheets."""

    key: dict
    params: Params
    expected: dict[str, Any]
    # the library's answers: (mistake codes, {item: answer}), a sheet per class read
    sheets: list[tuple[tuple[str, ...], dict[str, Any]]]
    given: list[np.ndarray] = field(default_factory=list)  # the data the sheet gives
    nothing: dict[str, Any] = field(default_factory=dict)  # key.nothing_done
    affects: dict[str, tuple[str, ...]] = field(
        default_factory=lambda: {m.code: m.items for m in MISTAKES})
    order: list[str] = field(default_factory=lambda: [m.code for m in MISTAKES])


def _arrays(value: Any) -> Any:
    if isinstance(value, dict):
        if "value" in value:
            return np.asarray(value["value"], float)
        if "sympy" in value:
            return value["sympy"]
        return {k: _arrays(v) for k, v in value.items()}
    return np.asarray(value, float)


@lru_cache(maxsize=256)
def _formula(text: str, item: str) -> sp.Expr:
    return parse_expression(text, item)


def _expected(key: dict) -> dict[str, Any]:
    answers = key["answers"]
    out = {}
    for q in ITEMS:
        if q in SYMBOLIC:
            text = answers[q].get("sympy") if isinstance(answers[q], dict) else None
            # q4's key has only LaTeX: its formula is the derivation's own
            out[q] = _formula(text, q) if text else _key_formula(q)
        else:
            out[q] = _arrays(answers[q])
    return out


def _key_formula(item: str) -> sp.Expr:
    from derive.numerics.mistakes import expected_formulas
    return expected_formulas()[item]


def prepare(keys: Sequence[dict], rules: Rules) -> list[Variant]:
    """Validate keys and recompute the mistake library for all of them (one
    batch per mistake set)."""
    variants = []
    for k in keys:
        try:
            params = parse_params(k["params"])
            expected = _expected(k)
        except InputError as e:
            raise InputError(f"key {k.get('variant', '?')!s:.40}: {e.field}", e.problem) from None
        except (KeyError, TypeError, ValueError, AnswerError) as e:
            raise InputError(f"key {k.get('variant', '?')!s:.40}",
                             f"not an answer key (ANSWER_KEY.md): {e}") from None
        given = [np.asarray(v, float) for v in params.given_arrays()]
        variants.append(Variant(k, params, expected, [], given, nothing_done(k)))
    for mistakes in mistake_sets(rules.combinations):
        try:
            per_key = recompute_params([v.params for v in variants], mistakes)
        except FloatingPointError:  # overflow in some instance: one at a time
            per_key = [_recompute_one(v.params, mistakes) for v in variants]
        for v, sheets in zip(variants, per_key):
            codes = tuple(m.code for m in mistakes)
            v.sheets += [(codes, _arrays_sheet(s)) for s in sheets]
    return variants


def _recompute_one(params: Params, mistakes) -> list[dict]:
    """One instance's sheets; none when the mistake overflows there (no
    student can hand in an infinite number, so it matches nothing)."""
    try:
        return recompute_params([params], mistakes)[0]
    except FloatingPointError:
        return []


def _arrays_sheet(sheet: dict) -> dict:
    return {q: (_formula(v["sympy"], q) if q in SYMBOLIC else _arrays(v))
            for q, v in sheet.items()}


# --------------------------------------------------------------------------
# Error carried forward, from genuine attempts only


class _Student(Student):
    """One student's answers against one variant of the reference."""

    def __init__(self, sub: Submission, variant: Variant, rules: Rules):
        super().__init__(sub, variant, rules)
        self.p = variant.params

    def carried(self, item: str, part: str | None = None):
        """What ``item`` should be given the student's own genuine earlier
        answers, or None when it depends on none of them."""
        s, n = self.p.softmax_layer, self.p.network
        if item == "q8" and (g := self.source("q6")) is not None:
            return np.asarray(s.W, float) - s.lr * g
        if item == "q9" and (W := self.source("q8")) is not None:
            (_,), (a,) = forward_network(s.network, _col(s.x), [W[..., None]], [_col(s.b)])
            return np.asarray(a[s.query_class, 0])
        if item in UPDATES and part == "W" and (g := self.source(item, "grad")) is not None:
            W0 = n.W2 if item == "q12" else n.W1
            return np.asarray(W0, float) - n.lr * g
        if item == "q11" and (a1 := self.source("q10")) is not None:
            layer = Network(len(n.b1), (Layer(len(n.b2), "softmax"),), "nllm")
            (_,), (a,) = forward_network(layer, a1[:, None],
                                         [np.asarray(n.W2, float)[..., None]], [_col(n.b2)])
            return a[:, 0]
        if item == "q14":
            W2, W1 = (self.source(q, "W") for q in UPDATES)
            if W1 is None and W2 is None:
                return None
            W1 = self.expected("q13", "W") if W1 is None else W1
            W2 = self.expected("q12", "W") if W2 is None else W2
            _, (_, a2) = forward_network(n.network, _col(n.x), [W1[..., None], W2[..., None]],
                                         [_col(n.b1), _col(n.b2)])
            return a2[:, 0]
        return None



    def acts_on(self, code: str, item: str) -> bool:
        return item in BY_CODE[code].acts_on

    def describe(self, codes) -> str:
        return " ".join(BY_CODE[c].feedback for c in codes)

    def carried_text(self, item: str) -> str:
        return f"Wrong, but it follows correctly from your answer to {_SOURCES[item]}."


def _col(v) -> np.ndarray:
    return np.asarray(v, float)[:, None]


_SOURCES = {"q8": "q6", "q9": "q8", "q11": "q10", "q14": "q12 and q13"}


# --------------------------------------------------------------------------
# Submissions


def grade_submission(sub: Submission, variant: Variant | None, rules: Rules,
                     problem: str | None = None) -> StudentGrade:
    """Grade one submission against its variant (``None``: no key, see ``problem``)."""
    return scoring.grade_submission(
        sub, variant, rules, POINTS, _Student, problem,
        expected=lambda q: variant.key["answers"][q] if variant else None)


def grade_all(submissions: Sequence[Submission], keys: Sequence[dict],
              rules: Rules = Rules(), *, single: bool = False) -> list[StudentGrade]:
    """Grade every submission; each is matched to the key of its variant
    (``single``: one key for everybody, a different variant noted)."""
    return scoring.by_variant(submissions, keys, single, lambda ks: prepare(ks, rules),
                              lambda sub, v, problem: grade_submission(sub, v, rules, problem))
