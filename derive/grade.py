"""Grading: each submission against its variant's answer key, with a diagnosis.

For every item: the student's answer (validated by :mod:`derive.answers`) is
compared with the key (numbers within a tolerance, entry by entry; formulas
by SymPy); a wrong answer is checked against what the student's own earlier
answers imply (error carried forward) and against the mistake library of
:mod:`derive.mistakes`, recomputed for the variant, alone and in pairs.
Numbers come from the key and from :mod:`derive.numeric`, nothing else.
"""

from __future__ import annotations

import math
import random
import signal
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Sequence

import numpy as np
import sympy as sp

from derive.answers import (SYMBOLIC, UPDATES, AnswerError, Given, Submission, TooLarge,
                            evaluate, parse_expression)
from derive.calculus import softmax as sm
from derive.key import ITEMS, POINTS
from derive.mistakes import BY_CODE, MISTAKES, Mistake, mistake_sets, recompute_params
from derive.numeric import forward_network
from derive.spec import ABS_TOL, REL_TOL, InputError, Layer, Network, Params, parse_params

STATUSES = ("correct", "carried-forward", "wrong", "missing", "invalid")


# --------------------------------------------------------------------------
# Rules (the [grading] table of the config)


@dataclass(frozen=True)
class Rules:
    """How answers are compared and credited."""

    rel_tol: float = REL_TOL       # a number passes within rel_tol·|key| ...
    abs_tol: float = ABS_TOL       # ... or within abs_tol
    per_entry: bool = True         # matrices and vectors: credit per correct entry
    carried_forward: float = 1.0   # share of the points for a carried-forward item
    # ... for q12/q13's W that follows from a wrong grad given beside it (full by
    # default, as for every carried-forward item; the wrong grad is still diagnosed)
    carried_forward_update: float = 1.0
    symbolic_time_limit: float = 2.0  # seconds for SymPy on one formula
    symbolic_points: int = 8       # random points a formula is evaluated at
    combinations: int = 2          # mistakes combined in one diagnosis


_RANGES = {"rel_tol": (0.0, 0.5), "abs_tol": (0.0, 1.0), "carried_forward": (0.0, 1.0),
           "carried_forward_update": (0.0, 1.0),
           "symbolic_time_limit": (0.05, 60.0), "symbolic_points": (1, 100),
           "combinations": (1, 3)}


def parse_rules(data: Any, section: str = "grading") -> Rules:
    """Validate the ``[grading]`` table."""
    if not isinstance(data, dict):
        raise InputError(section, "expected a table")
    defaults = Rules()
    values = {}
    for name, value in data.items():
        if name not in Rules.__dataclass_fields__:
            raise InputError(f"{section}.{name}", "unknown field; expected "
                             + ", ".join(Rules.__dataclass_fields__))
        default = getattr(defaults, name)
        where = f"{section}.{name}"
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise InputError(where, f"expected true or false, got {value!r}")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or \
                (isinstance(default, int) and not isinstance(value, int)):
            kind = "a whole number" if isinstance(default, int) else "a number"
            raise InputError(where, f"expected {kind}, got {value!r}")
        else:
            lo, hi = _RANGES[name]
            if not (math.isfinite(value) and lo <= value <= hi):
                raise InputError(where, f"must be from {lo:g} to {hi:g}, got {value!r}")
        values[name] = value
    return Rules(**values)


# --------------------------------------------------------------------------
# Results


@dataclass
class ItemGrade:
    """The grade of one item, with what the feedback shows."""

    status: str
    points: float
    max: float
    diagnosis: list[str] = field(default_factory=list)
    feedback: str = ""
    given: Any = None       # the student's answer, as they wrote it
    expected: Any = None    # the key's answer (plain lists / formula text)

    def to_json(self) -> dict:
        return {"status": self.status, "points": _round(self.points), "max": self.max,
                "diagnosis": list(self.diagnosis), "feedback": self.feedback}


@dataclass
class StudentGrade:
    """One submission's grade."""

    student: str
    variant: str | None
    items: dict[str, ItemGrade]
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return _round(sum(g.points for g in self.items.values()))

    @property
    def max(self) -> float:
        return _round(sum(POINTS.values()))

    def to_json(self) -> dict:
        out = {"student": self.student, "variant": self.variant, "score": self.score,
               "max": self.max, "items": {q: g.to_json() for q, g in self.items.items()}}
        if self.error:
            out["error"] = self.error
        if self.notes:
            out["notes"] = list(self.notes)
        return out


def _round(x: float) -> float:
    return round(float(x), 4) + 0.0


# --------------------------------------------------------------------------
# Formulas


_DOMAINS = {"z": (-3.0, 3.0), "a": (0.05, 0.95), "y": (0.0, 1.0), "x_k": (-3.0, 3.0)}


class _Timeout(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    """Raise :class:`_Timeout` after ``seconds`` (in the main thread; SymPy is
    pure Python, so the alarm interrupts it). A timer already running is
    re-armed with what is left of it. Elsewhere no alarm is possible: the
    block is skipped with :class:`_Timeout` at once."""
    if threading.current_thread() is not threading.main_thread() or \
            not hasattr(signal, "setitimer"):
        raise _Timeout()

    inside = [True]

    def _alarm(signum, frame):
        if inside[0]:
            # again in 50 ms, should this one be swallowed (an exception in a
            # weakref callback or __del__ is only printed, not raised)
            signal.setitimer(signal.ITIMER_REAL, 0.05)
            raise _Timeout()

    old = signal.signal(signal.SIGALRM, _alarm)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.monotonic()
    try:
        yield
    finally:
        inside[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 1e-3))


def _instantiate(expr: sp.Expr, item: str) -> sp.Expr:
    """q4 is a_j with a sum over k = 1..n: compare it at n = 3, j = 1."""
    if item == "q4":
        return expr.subs(sm.n, 3).doit().subs(sm.j, 1)
    return expr


def _value(expr: sp.Expr, point: dict) -> complex | None:
    """``expr`` at ``point`` by the bounded evaluator, None where it has no
    value; :class:`TooLarge` propagates."""
    try:
        return evaluate(expr, point)
    except TooLarge:
        raise
    except AnswerError:
        return None


def equivalent(given: sp.Expr, expected: sp.Expr, item: str, rules: Rules) -> bool:
    """Whether a formula equals the key's.

    Evaluation at random points first (bounded: :class:`TooLarge` when a
    value is beyond the evaluator's range): one point where they differ
    proves them different. When they agree everywhere, SymPy's ``simplify``
    of the difference is tried as a proof within ``rules.symbolic_time_limit``
    (only where a timer can stop it: the main thread); if it times out or
    cannot reduce it to 0, agreement at every point decides."""
    return _equivalent(given, expected, item, rules.symbolic_points,
                       rules.symbolic_time_limit)


@lru_cache(maxsize=4096)
def _equivalent(given, expected, item, points: int, seconds: float) -> bool:
    if given == expected:
        return True
    g, e = _instantiate(given, item), _instantiate(expected, item)
    symbols = sorted(g.free_symbols | e.free_symbols, key=str)
    rng = random.Random(f"{item}|{g}|{e}")  # reproducible points
    agreed = 0
    for _ in range(points):
        point = {s: rng.uniform(*_DOMAINS.get(str(s), (-2.0, 2.0))) for s in symbols}
        vg, ve = _value(g, point), _value(e, point)
        if vg is None or ve is None:
            continue
        if abs(vg - ve) > 1e-9 * max(1.0, abs(ve)):
            return False
        agreed += 1
    try:
        with time_limit(seconds):
            if sp.simplify(g - e) == 0:
                return True
    except (_Timeout, RecursionError, MemoryError):
        pass
    return agreed > 0


# --------------------------------------------------------------------------
# One variant: the key's answers and the mistake library, ready to compare


@dataclass
class Variant:
    """A key with its answers as arrays/formulas and its mistake sheets."""

    key: dict
    params: Params
    expected: dict[str, Any]
    sheets: list[tuple[tuple[Mistake, ...], list[dict[str, Any]]]]


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
    from derive.mistakes import expected_formulas
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
        variants.append(Variant(k, params, expected, []))
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
# Comparing


def _close(given: np.ndarray, expected: np.ndarray, rules: Rules) -> np.ndarray | None:
    """Entry-wise pass/fail, or None when the shapes differ."""
    if given.shape != expected.shape:
        return None
    with np.errstate(invalid="ignore", over="ignore"):
        return np.abs(given - expected) <= np.maximum(rules.rel_tol * np.abs(expected),
                                                      rules.abs_tol)


def _same(given, expected, item: str, rules: Rules) -> bool:
    if isinstance(given, sp.Basic):
        return isinstance(expected, sp.Basic) and equivalent(given, expected, item, rules)
    if isinstance(expected, dict):  # q12/q13: every part given must match
        parts = [p for p in ("grad", "W") if given.get(p) is not None]
        return bool(parts) and all(_same(given[p], expected[p], item, rules) for p in parts)
    ok = _close(np.asarray(given), np.asarray(expected), rules)
    return ok is not None and bool(ok.all())


def _shape(a: np.ndarray) -> str:
    return " × ".join(map(str, a.shape)) if a.ndim == 2 else \
        f"{a.shape[0]} entries" if a.ndim == 1 else "one number"


# --------------------------------------------------------------------------
# Error carried forward


class _Student:
    """One student's answers against one variant: effective values of the
    earlier items (their own when valid, else what follows from theirs)."""

    def __init__(self, sub: Submission, variant: Variant, rules: Rules):
        self.sub, self.v, self.rules = sub, variant, rules
        self.p = variant.params

    def own(self, item: str, part: str | None = None):
        """The student's valid answer (with the key's shape, transposed back
        if need be), or None."""
        g = self.sub.answers.get(item)
        if g is None or g.error:
            return None
        value, expected = g.value, self.v.expected[item]
        if part:
            value, expected = value.get(part), expected[part]
            if value is None:
                return None
        if isinstance(value, np.ndarray):
            if value.shape == expected.shape:
                return value
            if value.ndim == 2 and value.T.shape == expected.shape:
                return value.T
            return None
        return value

    def effective(self, item: str, part: str | None = None):
        own = self.own(item, part)
        if own is not None:
            return own
        cf = self.carried(item, part)
        if cf is not None:
            return cf
        return self.v.expected[item][part] if part else self.v.expected[item]

    def carried(self, item: str, part: str | None = None):
        """What ``item`` should be given the student's own earlier answers,
        or None when it depends on none of them."""
        s, n = self.p.softmax_layer, self.p.network
        if item == "q8" and self.own("q6") is not None:
            return np.asarray(s.W, float) - s.lr * self.own("q6")
        if item == "q9" and (self.own("q8") is not None or self.carried("q8") is not None):
            W = self.effective("q8")
            (_,), (a,) = forward_network(s.network, _col(s.x), [W[..., None]], [_col(s.b)])
            return np.asarray(a[s.query_class, 0])
        if item in UPDATES and part == "W" and self.own(item, "grad") is not None:
            W0 = n.W2 if item == "q12" else n.W1
            return np.asarray(W0, float) - n.lr * self.own(item, "grad")
        if item == "q11" and self.own("q10") is not None:
            layer = Network(len(n.b1), (Layer(len(n.b2), "softmax"),), "nllm")
            (_,), (a,) = forward_network(layer, self.own("q10")[:, None],
                                         [np.asarray(n.W2, float)[..., None]], [_col(n.b2)])
            return a[:, 0]
        if item == "q14" and any(self.own(q, "W") is not None or self.carried(q, "W") is not None
                                 for q in UPDATES):
            W1, W2 = self.effective("q13", "W"), self.effective("q12", "W")
            _, (_, a2) = forward_network(n.network, _col(n.x), [W1[..., None], W2[..., None]],
                                         [_col(n.b1), _col(n.b2)])
            return a2[:, 0]
        return None


def _col(v) -> np.ndarray:
    return np.asarray(v, float)[:, None]


_SOURCES = {"q8": "q6", "q9": "q8", "q11": "q10", "q14": "q12 and q13"}


# --------------------------------------------------------------------------
# Grading one item


def diagnose(item: str, value: Any, variant: Variant, rules: Rules,
             wrong_parts: Iterable[str] = (), student: "_Student | None" = None) -> list[str]:
    """Codes of the mistakes whose recomputed answer matches ``value``: the
    single mistakes that match, else the smallest combinations that do.
    Among those, the ones least contradicted by the student's other answers
    win (ascent, not sign-flipped, explains a wrong step after a right q6)."""
    wrong_parts = tuple(wrong_parts)
    for size in range(1, rules.combinations + 1):
        found: list[tuple[tuple[Mistake, ...], int]] = []
        for mistakes, sheets in variant.sheets:
            if len(mistakes) != size:
                continue
            sheet = next((sh for sh in sheets if item in sh and
                          _matches(value, sh[item], item, rules, wrong_parts)), None)
            if sheet is not None:
                found.append((mistakes, _contradictions(sheet, item, student)))
        if found:
            fewest = min(n for _, n in found)
            codes = {m.code for ms, n in found if n == fewest for m in ms}
            return [m.code for m in MISTAKES if m.code in codes]
    return []


def _contradictions(sheet: dict, item: str, student: "_Student | None") -> int:
    """Other items the mistake would change that the student got right."""
    if student is None:
        return 0
    count = 0
    for q, wrong in sheet.items():
        given = student.sub.answers.get(q)
        if q == item or given is None or given.error:
            continue
        expected = student.v.expected[q]
        if _same(given.value, expected, q, student.rules) and \
                not _same(wrong, expected, q, student.rules):
            count += 1
    return count


def _matches(value, sheet_value, item, rules, wrong_parts) -> bool:
    if _same(value, sheet_value, item, rules):
        return True
    # q12/q13: a correct part given beside a wrong one; match on the wrong parts
    parts = [p for p in wrong_parts]
    return bool(parts) and isinstance(value, dict) and \
        all(_same(value[p], sheet_value[p], item, rules) for p in parts)


def _feedback(codes: Sequence[str]) -> str:
    return " ".join(BY_CODE[c].feedback for c in codes)


def grade_item(item: str, student: _Student) -> ItemGrade:
    """Status, points, diagnosis and feedback of one item."""
    rules, variant = student.rules, student.v
    given: Given | None = student.sub.answers.get(item)
    expected = variant.expected[item]
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
            if equivalent(value, expected, item, rules):
                grade.status, grade.points = "correct", grade.max
            else:
                grade.status = "wrong"
                grade.diagnosis = diagnose(item, value, variant, rules, student=student)
        except TooLarge as e:
            grade.status, grade.points, grade.diagnosis = "invalid", 0.0, []
            grade.feedback = f"Could not evaluate this answer: {e}."
            return grade
    else:
        grade = _grade_numbers(item, value, expected, student, grade)
    if grade.status == "wrong" and not grade.feedback:
        grade.feedback = _feedback(grade.diagnosis) or \
            "Not the key's answer, and none of the known mistakes explains it."
    grade.feedback = " ".join(t for t in (grade.feedback, notes) if t)
    return grade


def _grade_numbers(item, value, expected, student: _Student, grade: ItemGrade) -> ItemGrade:
    rules = student.rules
    ok = _close(value, expected, rules)
    if ok is not None and ok.all():
        grade.status, grade.points = "correct", grade.max
        return grade
    cf = student.carried(item)
    if cf is not None and _same(value, cf, item, rules) and not _same(cf, expected, item, rules):
        share = rules.carried_forward_update if item in UPDATES else rules.carried_forward
        grade.status, grade.points = "carried-forward", grade.max * share
        grade.feedback = (
            "W follows correctly from the gradient you give beside it, but that "
            "gradient is wrong." if item in UPDATES else
            f"Wrong, but it follows correctly from your answer to {_SOURCES[item]}.")
        return grade
    grade.status = "wrong"
    if ok is not None and rules.per_entry and value.ndim > 0:
        grade.points = grade.max * float(ok.mean())
    grade.diagnosis = diagnose(item, value, student.v, rules,
                               student=student if isinstance(student, _Student) else None)
    if ok is None and not grade.diagnosis:
        if value.ndim == 2 and value.T.shape == expected.shape:
            grade.diagnosis = ["transposed"]
            grade.feedback = (BY_CODE["transposed"].feedback + " Transposed back, the "
                              "entries still differ from the key.")
        else:
            grade.feedback = f"Expected {_shape(expected)}, got {_shape(value)}."
    return grade


def _grade_update(item, value: dict, student: _Student, grade: ItemGrade) -> ItemGrade:
    """q12/q13: the points are for W; grad serves the diagnosis and carries
    errors forward to W."""
    rules, expected = student.rules, student.v.expected[item]
    wrong = [p for p in ("grad", "W") if value[p] is not None
             and not _same(value[p], expected[p], item, rules)]
    if value["W"] is None:
        grade.feedback = "The updated W is missing (the points are for W)."
    else:
        sub = ItemGrade("wrong", 0.0, grade.max)
        sub = _grade_numbers(item, value["W"], expected["W"], _Part(student, "W"), sub)
        grade.status, grade.points, grade.feedback = sub.status, sub.points, sub.feedback
    if wrong:
        grade.diagnosis = diagnose(item, value, student.v, rules, wrong, student)
        if not grade.diagnosis and value["W"] is not None:
            grade.diagnosis = sub.diagnosis  # W alone (a transposed shape), said in sub's feedback
            return grade
        said = _feedback(grade.diagnosis)
        if "grad" in wrong and grade.status == "correct":
            grade.feedback = "W is right, but the gradient given beside it is not. " + said
        elif grade.status in ("carried-forward", "missing") and said:
            grade.feedback = f"{grade.feedback} {said}"
        elif grade.status == "wrong" and said:
            grade.feedback = said
    return grade


class _Part:
    """A view of a student for one part (``grad`` or ``W``) of q12/q13."""

    def __init__(self, student: _Student, part: str):
        self.student, self.part = student, part
        self.rules = student.rules
        self.v = _PartVariant(student.v, part)

    def carried(self, item: str):
        return self.student.carried(item, self.part)


class _PartVariant:
    """Diagnosis of one part alone: the sheets restricted to that part."""

    def __init__(self, variant: Variant, part: str):
        self.sheets = [(ms, [{q: (v[part] if isinstance(v, dict) and part in v else v)
                              for q, v in sh.items()} for sh in sheets])
                       for ms, sheets in variant.sheets]


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
