"""Grading: each submission against its variant's answer key, with a diagnosis.

For every item the student's answer (validated by :mod:`derive.grading.answers`) is
compared with the key under the precision contract of :mod:`derive.numerics.precision`
(formulas by SymPy) and scored by one rule, :func:`scoring_rules`: right;
right but rounded too early; carried forward from the student's own earlier
answer when that answer is a genuine attempt; a fixed share per mistake of
the library (:mod:`derive.numerics.mistakes`, recomputed for the variant, alone and
in pairs); else credit for the informative entries that are right.
Numbers come from the key and from :mod:`derive.numerics.evaluate`, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Sequence

import numpy as np
import sympy as sp

from derive.grading.answers import (SYMBOLIC, UPDATES, AnswerError, Given, Submission, TooLarge,
                                    parse_expression)
from derive.grading.compare import (  # noqa: F401  (re-exported: the grader's names)
    _close, _diagnosed, _equivalent, _informative_share, _right, _rounded, _same, _shape,
    _Timeout, equivalent, time_limit)
from derive.grading.results import STATUSES, ItemGrade, StudentGrade, _round  # noqa: F401
from derive.grading.rules import Rules, parse_rules, scoring_rules  # noqa: F401
from derive.numerics import precision
from derive.numerics.evaluate import forward_network
from derive.numerics.key import ITEMS, POINTS, nothing_done
from derive.numerics.mistakes import BY_CODE, MISTAKES, Mistake, mistake_sets, recompute_params
from derive.problem.spec import InputError, Layer, Network, Params, parse_params


# --------------------------------------------------------------------------

# One variant: the key's answers and the mistake library, ready to compare


@dataclass
class Variant:
    """A key with its answers as arrays/formulas and its mistake sheets."""

    key: dict
    params: Params
    expected: dict[str, Any]
    sheets: list[tuple[tuple[Mistake, ...], list[dict[str, Any]]]]
    given: list[np.ndarray] = field(default_factory=list)  # the data the sheet gives
    nothing: dict[str, Any] = field(default_factory=dict)  # key.nothing_done


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
            v.sheets.append((mistakes, [_arrays_sheet(s) for s in sheets]))
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
# Comparing: the precision contract


# --------------------------------------------------------------------------
# Error carried forward, from genuine attempts only


class _Student:
    """One student's answers against one variant."""

    def __init__(self, sub: Submission, variant: Variant, rules: Rules):
        self.sub, self.v, self.rules = sub, variant, rules
        self.p = variant.params

    def expected(self, item: str, part: str | None = None):
        return self.v.expected[item][part] if part else self.v.expected[item]

    def own(self, item: str, part: str | None = None):
        """The student's valid answer (with the key's shape, transposed back
        if need be), or None."""
        g = self.sub.answers.get(item)
        if g is None or g.error:
            return None
        value, expected = g.value, self.expected(item, part)
        if part:
            value = value.get(part)
            if value is None:
                return None
        if isinstance(value, np.ndarray):
            if value.shape == expected.shape:
                return value
            if value.ndim == 2 and value.T.shape == expected.shape:
                return value.T
            return None
        return value

    def genuine(self, value: np.ndarray, item: str, part: str | None = None) -> bool:
        """Not all zeros, not a copy of the data the sheet gives, not what
        doing nothing gives (:meth:`baseline`)."""
        base = self.baseline(item, part)
        return not precision.blank(value, self.v.given + ([] if base is None else [base]),
                                   self.rules.figures)

    def source(self, item: str, part: str | None = None):
        """What the student's later answers rest on: their own answer when it
        is a genuine attempt (else None), or what follows from earlier ones."""
        own = self.own(item, part)
        if own is not None:
            return own if self.genuine(own, item, part) else None
        return self.carried(item, part)

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

    def baseline(self, item: str, part: str | None = None) -> np.ndarray | None:
        """The answer when nothing is done (:func:`derive.numerics.key.nothing_done`);
        None: zeros."""
        base = self.v.nothing.get(f"{item}.{part}" if part else item)
        return None if base is None else np.asarray(base, float)


def _col(v) -> np.ndarray:
    return np.asarray(v, float)[:, None]


NOT_GENUINE = ("All zeros, a copy of the given data, or what doing nothing gives: "
               "no credit, and nothing carries forward from it.")
_SOURCES = {"q8": "q6", "q9": "q8", "q11": "q10", "q14": "q12 and q13"}


# --------------------------------------------------------------------------
# Diagnosis


def diagnose(item: str, value: Any, variant: Variant, rules: Rules,
             wrong_parts: Sequence[str] = (), student: "_Student | None" = None) -> list[str]:
    """Codes of the explanation of ``value`` by the mistake library: the
    fewest mistakes whose recomputed answer matches it (q12/q13: every part
    given, else the ``wrong_parts``); among several, the one whose mistakes
    the student's other answers show, then the one they contradict least
    (ascent, not sign-flipped, after a right q6), then library order."""
    for size in range(1, rules.combinations + 1):
        sets = [(ms, sheets) for ms, sheets in variant.sheets if len(ms) == size]
        for match in (lambda v, s: _same(v, s, item, rules),
                      lambda v, s: _same_parts(v, s, item, rules, wrong_parts)):
            found = []
            for mistakes, sheets in sets:
                sheet = next((sh for sh in sheets if item in sh and match(value, sh[item])), None)
                if sheet is not None:
                    found.append((mistakes, sheet))
            if found:
                best, _ = min(found, key=lambda f: _doubt(f[0], f[1], item, student))
                return [m.code for m in MISTAKES if m in best]
    return []


def _same_parts(value, sheet_value, item, rules, parts) -> bool:
    """q12/q13: a right part given beside a wrong one; match on the wrong parts."""
    return bool(parts) and isinstance(value, dict) and \
        all(_same(value[p], sheet_value[p], item, rules) for p in parts)


def _doubt(mistakes: tuple[Mistake, ...], sheet: dict, item: str,
           student: "_Student | None") -> tuple[int, int]:
    """(mistakes of the explanation that none of the student's other answers
    shows, other answers that contradict it)."""
    if student is None:
        return 0, 0
    shown: set[str] = set()
    contradicted = 0
    for q, wrong in sheet.items():
        given = student.sub.answers.get(q)
        if given is None or given.error:
            continue
        if q == item:  # q12/q13: the part given beside the one explained, transposed back
            own = [(student.own(q, p), wrong[p]) for p in ("grad", "W")
                   if isinstance(wrong, dict) and given.value.get(p) is not None]
            contradicted += sum(v is not None and not _same(v, w, q, student.rules)
                                for v, w in own)
            continue
        if not _same(given.value, wrong, q, student.rules):
            contradicted += 1
        elif not _same(given.value, student.expected(q), q, student.rules):
            shown |= {m.code for m in mistakes if q in m.items}
    return sum(m.code not in shown for m in mistakes), contradicted


_ORDER = [m.code for m in MISTAKES]


def _feedback(codes: Sequence[str]) -> str:
    return " ".join(BY_CODE[c].feedback for c in codes)


# --------------------------------------------------------------------------
# Grading one item


def grade_item(item: str, student: _Student) -> ItemGrade:
    """Status, points, diagnosis and feedback of one item (:func:`scoring_rules`)."""
    rules, variant = student.rules, student.v
    given: Given | None = student.sub.answers.get(item)
    grade = ItemGrade("missing", 0.0, POINTS[item],
                      given=None if given is None else given.raw,
                      expected=variant.key["answers"][item])
    if given is None:
        grade.feedback = "No answer."
        return grade
    if given.error:
        grade.status, grade.feedback = "invalid", f"Could not read this answer: {given.error}."
        return grade
    notes = " ".join(n[0].upper() + n[1:] + "." for n in given.notes)
    value = given.value
    if item in UPDATES:
        grade = _grade_update(item, value, student, grade)
    elif isinstance(value, sp.Basic):
        try:
            if equivalent(value, student.expected(item), item, rules):
                grade.status, grade.points = "correct", grade.max
            else:
                _diagnosed(grade, diagnose(item, value, variant, rules, student=student), rules)
        except TooLarge as e:
            grade.status, grade.points, grade.diagnosis = "invalid", 0.0, []
            grade.feedback = f"Could not evaluate this answer: {e}."
            return grade
    else:
        grade = _grade_numbers(item, value, student, grade)
    if grade.status == "wrong" and not grade.feedback:
        grade.feedback = _feedback(grade.diagnosis) or \
            "Not the key's answer, and none of the known mistakes explains it."
    grade.feedback = " ".join(t for t in (grade.feedback, notes) if t)
    return grade


def _grade_numbers(item: str, value: np.ndarray, student: _Student, grade: ItemGrade,
                   part: str | None = None, diagnosis=None) -> ItemGrade:
    """A number, vector or matrix (``part``: q12/q13's W, ``diagnosis``
    explains the whole answer)."""
    rules, expected = student.rules, student.expected(item, part)
    if _right(value, expected, grade, rules):
        return grade
    cf = student.carried(item, part)
    carried = cf is not None and _same(value, cf, item, rules) and \
        not _same(cf, expected, item, rules)
    codes = None
    if carried and part is None:
        codes = _explain(item, value, student, diagnosis)
        if not (any(item in BY_CODE[c].acts_on for c in codes)
                and _evidenced(item, value, codes, student)):
            grade.status, grade.points = "carried-forward", grade.max * rules.carried_forward
            grade.feedback = (f"Wrong, but it follows correctly from your answer to "
                              f"{_SOURCES[item]}.")
            return grade
    if value.shape == expected.shape and not student.genuine(value, item, part):
        grade.status, grade.feedback = "wrong", NOT_GENUINE
        return grade
    if codes is None:
        codes = _explain(item, value, student, diagnosis)
    if _diagnosed(grade, codes, rules) or _rounded(value, expected, grade, rules):
        return grade
    if carried:
        grade.status = "carried-forward"
        grade.points = grade.max * rules.carried_forward_update
        grade.feedback = ("W follows correctly from the gradient you give beside it, but "
                          "that gradient is wrong, and none of the known mistakes explains it.")
        return grade
    if rules.per_entry:
        grade.points = grade.max * _informative_share(value, expected,
                                                      student.baseline(item, part), rules)
    if value.shape != expected.shape:
        grade.feedback = (
            "Transposed, and transposed back the entries still differ from the key."
            if value.ndim == 2 and value.T.shape == expected.shape else
            f"Expected {_shape(expected)}, got {_shape(value)}.")
    return grade


def _explain(item: str, value, student: _Student, diagnosis=None) -> list[str]:
    return diagnosis() if diagnosis else diagnose(item, value, student.v, student.rules,
                                                  student=student)


def _evidenced(item: str, value, codes: list[str], student: _Student) -> bool:
    """Whether the student's other answers show every mistake of ``codes``
    and contradict none (then the mistake, not a chance agreement with their
    earlier answers, explains ``value``)."""
    wanted = {BY_CODE[c] for c in codes}
    return any(set(mistakes) == wanted and item in sheet
               and _same(value, sheet[item], item, student.rules)
               and _doubt(mistakes, sheet, item, student) == (0, 0)
               for mistakes, sheets in student.v.sheets for sheet in sheets)


def _grade_update(item: str, value: dict, student: _Student, grade: ItemGrade) -> ItemGrade:
    """q12/q13: the points are for W; grad serves the diagnosis and carries
    errors forward to W."""
    rules, v = student.rules, student.v
    grad_wrong = value["grad"] is not None and \
        not _same(value["grad"], student.expected(item, "grad"), item, rules)

    def explain(parts) -> list[str]:
        return diagnose(item, value, v, rules, parts, student)

    if value["W"] is None:
        grade.feedback = "The updated W is missing (the points are for W)."
        if grad_wrong:
            grade.diagnosis = explain(["grad"])
            grade.feedback = " ".join([grade.feedback, _feedback(grade.diagnosis)]).strip()
        return grade
    def explained() -> list[str]:
        """Both parts by one explanation, else each by its own (a transposed
        gradient, then an ascent step: "transposed, ascent")."""
        if not grad_wrong:
            return explain(["W"])
        codes = explain(["grad", "W"])
        if not codes and (step := explain(["W"])):
            codes = sorted(set(explain(["grad"])) | set(step), key=_ORDER.index)
        return codes

    grade = _grade_numbers(item, value["W"], student, grade, "W", explained)
    if grade.status == "correct" and grad_wrong:
        # W agrees with the key at the precision asked only because the step is
        # small; a named mistake in the gradient costs what it costs elsewhere
        codes = explain(["grad", "W"]) or explain(["grad"])
        said = "W is right to the precision asked, but the gradient given beside it is not."
        if _diagnosed(grade, codes, rules):
            said = said.replace("W is right", "W looks right")
        else:
            grade.status, grade.points = "correct", grade.max
        grade.feedback = " ".join([said, _feedback(codes)]).strip()
    return grade


# --------------------------------------------------------------------------
# Submissions


def grade_submission(sub: Submission, variant: Variant | None, rules: Rules,
                     problem: str | None = None) -> StudentGrade:
    """Grade one submission against its variant (``None``: no key, see ``problem``)."""
    error = sub.error or (problem if variant is None else None)
    result = StudentGrade(sub.student, sub.variant, {}, error, list(sub.notes))
    if error:
        for q in ITEMS:
            result.items[q] = ItemGrade("invalid", 0.0, POINTS[q],
                                        feedback=f"Submission not graded: {error}.")
        return result
    student = _Student(sub, variant, rules)
    for q in ITEMS:
        try:
            result.items[q] = grade_item(q, student)
        except (FloatingPointError, ValueError, TypeError, OverflowError) as e:
            result.items[q] = ItemGrade("invalid", 0.0, POINTS[q],
                                        given=sub.answers[q].raw if q in sub.answers else None,
                                        feedback=f"Could not grade this answer ({e}).")
    return result


def grade_all(submissions: Sequence[Submission], keys: Sequence[dict],
              rules: Rules = Rules(), *, single: bool = False) -> list[StudentGrade]:
    """Grade every submission; each is matched to the key of its variant
    (``single``: one key for everybody, a different variant noted)."""
    by_variant: dict[str, dict] = {}
    for k in keys:
        by_variant.setdefault(str(k.get("variant")), k)
    wanted = {s.variant for s in submissions if not s.error}
    used = list(keys) if single else [by_variant[v] for v in sorted(wanted & set(by_variant))]
    prepared = {str(v.key.get("variant")): v for v in prepare(used, rules)}
    results = []
    for sub in submissions:
        if single:
            variant = next(iter(prepared.values()))
            if sub.variant and sub.variant != str(variant.key.get("variant")) and not sub.error:
                sub.notes.append(f"submission says variant {sub.variant!r}; graded "
                                 f"against the key of {variant.key.get('variant')!r}")
            results.append(grade_submission(sub, variant, rules))
        elif sub.variant is None:
            results.append(grade_submission(sub, None, rules, "no variant given"))
        elif sub.variant not in prepared:
            results.append(grade_submission(sub, None, rules,
                                            f"no key for variant {sub.variant[:40]!r}"))
        else:
            results.append(grade_submission(sub, prepared[sub.variant], rules))
    return results
