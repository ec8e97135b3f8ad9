"""The scoring flow every grader shares: one item by the scoring rule of
:func:`derive.grading.rules.scoring_rules`, and submissions by their variants.

The grader (any assignment's, by question kind: :mod:`derive.grading.kind_grade`)
supplies a :class:`Student`:
the student's answers against one prepared variant, what their later answers
should be given their own earlier ones (:meth:`Student.carried`), where each
mistake of its library enters (:meth:`Student.acts_on`) and its words. The
variant has ``expected`` (item -> the key's answer), ``sheets`` (the
library's answers: a list of (mistake codes, {item: answer})), ``affects``
(code -> the items its answers differ in), ``order`` (the library's codes in
order) and ``given`` (the arrays the sheet gives).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp

from derive.grading.answers import Given, Submission
from derive.grading.compare import (_diagnosed, _informative_share, _right, _rounded, _same,
                                    _shape)
from derive.grading.formulas import TooLarge
from derive.grading.results import ItemGrade, StudentGrade
from derive.grading.rules import Rules
from derive.problem import precision

MANUAL = "Graded by hand: the key gives this answer as LaTeX only."
NOT_GENUINE = ("All zeros, a copy of the given data, or what doing nothing gives: "
               "no credit, and nothing carries forward from it.")


class Student:
    """One student's answers against one variant; a grader subclasses it
    with its error carried forward, its library and its words."""

    NEW = "new"     # the part of a gradient-step answer that earns its points
    MISSING_NEW = "The updated parameter is missing (the points are for it)."
    RIGHT_NEW = "The new value is right"
    LOOKS_RIGHT_NEW = "The new value looks right"
    CARRIED_NEW = "The new value follows correctly from the gradient you give beside it"

    def __init__(self, sub: Submission, variant, rules: Rules):
        self.sub, self.v, self.rules = sub, variant, rules

    # what a grader supplies
    def carried(self, item: str, part: str | None = None):
        """What ``item`` should be given the student's own genuine earlier
        answers, or None when it rests on none of them."""
        raise NotImplementedError

    def acts_on(self, code: str, item: str) -> bool:
        """Whether mistake ``code`` enters ``item``'s own computation."""
        raise NotImplementedError

    def describe(self, codes: Sequence[str]) -> str:
        """The sentences of ``codes`` for the student."""
        raise NotImplementedError

    def carried_text(self, item: str) -> str:
        raise NotImplementedError

    def manual(self, item: str) -> bool:
        """Whether ``item`` is graded by hand (the key has nothing to compare with)."""
        raise NotImplementedError

    def baseline(self, item: str, part: str | None = None) -> np.ndarray | None:
        """The answer when nothing is done (:func:`derive.numerics.key.nothing_done`);
        None: zeros."""
        base = self.v.nothing.get(f"{item}.{part}" if part else item)
        return None if base is None else np.asarray(base, float)

    # shared
    def expected(self, item: str, part: str | None = None):
        return self.v.expected[item][part] if part else self.v.expected[item]

    def same(self, given, expected, item: str) -> bool:
        return _same(given, expected, item, self.rules)

    def valid(self, item: str):
        g = self.sub.answers.get(item)
        return None if g is None or g.error else g.value

    def own(self, item: str, part: str | None = None):
        """The student's valid answer (with the key's shape, transposed back
        if need be), or None."""
        value = self.valid(item)
        if value is None:
            return None
        if part:
            value = value.get(part)
            if value is None:
                return None
        if isinstance(value, np.ndarray):
            expected = self.expected(item, part)
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


# --------------------------------------------------------------------------
# Diagnosis


def diagnose(item: str, value: Any, st: Student, parts: Sequence[str] = ()) -> list[str]:
    """Codes of the explanation of ``value`` by the mistake library: the
    fewest mistakes whose recomputed answer matches it (an update: every
    part given, else the wrong ``parts``); among several, the one whose
    mistakes the student's other answers show, then the one they contradict
    least, then library order."""
    for size in range(1, st.rules.combinations + 1):
        sets = [(ms, sh) for ms, sh in st.v.sheets if len(ms) == size and item in sh]
        for match in (lambda v, s: st.same(v, s, item),
                      lambda v, s: bool(parts) and isinstance(v, dict)
                      and all(st.same(v[p], s[p], item) for p in parts)):
            found, seen = [], set()
            for mistakes, sheet in sets:
                if mistakes not in seen and match(value, sheet[item]):
                    seen.add(mistakes)   # the first sheet of a set that matches speaks for it
                    found.append((mistakes, sheet))
            if found:
                best, _ = min(found, key=lambda f: _doubt(f[0], f[1], item, st))
                return sorted(best, key=st.v.order.index)
    return []


def _doubt(mistakes: tuple[str, ...], sheet: dict, item: str, st: Student) -> tuple[int, int]:
    """(mistakes of the explanation that none of the student's other answers
    shows, other answers that contradict it)."""
    shown: set[str] = set()
    contradicted = 0
    for q, wrong in sheet.items():
        given = st.valid(q)
        if given is None:
            continue
        if q == item:  # an update: the part given beside the one explained, transposed back
            if isinstance(wrong, dict):
                own = [(st.own(q, p), wrong[p]) for p in wrong if given.get(p) is not None]
                contradicted += sum(v is not None and not st.same(v, w, q) for v, w in own)
            continue
        if not st.same(given, wrong, q):
            contradicted += 1
        elif not st.same(given, st.expected(q), q):
            shown |= {c for c in mistakes if q in st.v.affects.get(c, ())}
    return sum(c not in shown for c in mistakes), contradicted


def _evidenced(item: str, value, codes: list[str], st: Student) -> bool:
    """Whether the student's other answers show every mistake of ``codes``
    and contradict none (then the mistake, not a chance agreement with their
    earlier answers, explains ``value``)."""
    return any(set(ms) == set(codes) and item in sheet and st.same(value, sheet[item], item)
               and _doubt(ms, sheet, item, st) == (0, 0) for ms, sheet in st.v.sheets)


# --------------------------------------------------------------------------
# One item


def grade_item(item: str, st: Student, max_points: float, expected: Any = None) -> ItemGrade:
    """Status, points, diagnosis and feedback of one item (``expected``: the
    key's answer as the report keeps it)."""
    given: Given | None = st.sub.answers.get(item)
    grade = ItemGrade("missing", 0.0, max_points, given=None if given is None else given.raw,
                      expected=expected)
    if st.manual(item):
        grade.status, grade.feedback = "manual", MANUAL
        return grade
    if given is None:
        grade.feedback = "No answer."
        return grade
    if given.error:
        grade.status, grade.feedback = "invalid", f"Could not read this answer: {given.error}."
        return grade
    notes = " ".join(n[0].upper() + n[1:] + "." for n in given.notes)
    value = given.value
    if isinstance(value, dict):
        grade = _grade_update(item, value, st, grade)
    elif isinstance(value, sp.Basic):
        try:
            if st.same(value, st.expected(item), item):
                grade.status, grade.points = "correct", grade.max
            else:
                _diagnosed(grade, diagnose(item, value, st), st.rules)
        except TooLarge as e:
            grade.status, grade.points, grade.diagnosis = "invalid", 0.0, []
            grade.feedback = f"Could not evaluate this answer: {e}."
            return grade
    else:
        grade = _grade_numbers(item, value, st, grade)
    if grade.status == "wrong" and not grade.feedback:
        grade.feedback = st.describe(grade.diagnosis) or \
            "Not the key's answer, and none of the known mistakes explains it."
    grade.feedback = " ".join(t for t in (grade.feedback, notes) if t)
    return grade


def _grade_numbers(item: str, value: np.ndarray, st: Student, grade: ItemGrade,
                   part: str | None = None, diagnosis=None) -> ItemGrade:
    """A number, vector or matrix (``part``: an update's new value,
    ``diagnosis`` explains the whole answer)."""
    rules, expected = st.rules, st.expected(item, part)
    if _right(value, expected, grade, rules):
        return grade
    cf = st.carried(item, part)
    carried = cf is not None and st.same(value, cf, item) and not st.same(cf, expected, item)
    explain = diagnosis or (lambda: diagnose(item, value, st))
    codes = None
    if carried and part is None:
        codes = explain()
        if not (any(st.acts_on(c, item) for c in codes) and _evidenced(item, value, codes, st)):
            grade.status, grade.points = "carried-forward", grade.max * rules.carried_forward
            grade.feedback = st.carried_text(item)
            return grade
    if value.shape == expected.shape and not st.genuine(value, item, part):
        grade.status, grade.feedback = "wrong", NOT_GENUINE
        return grade
    if codes is None:
        codes = explain()
    if _diagnosed(grade, codes, rules) or _rounded(value, expected, grade, rules):
        return grade
    if carried:
        grade.status = "carried-forward"
        grade.points = grade.max * rules.carried_forward_update
        grade.feedback = (f"{st.CARRIED_NEW}, but that gradient is wrong, and none of the "
                          "known mistakes explains it.")
        return grade
    if rules.per_entry:
        grade.points = grade.max * _informative_share(value, expected,
                                                      st.baseline(item, part), rules)
    if value.shape != expected.shape:
        grade.feedback = (
            "Transposed, and transposed back the entries still differ from the key."
            if value.ndim == 2 and value.T.shape == expected.shape else
            f"Expected {_shape(expected)}, got {_shape(value)}.")
    return grade


def _grade_update(item: str, value: dict, st: Student, grade: ItemGrade) -> ItemGrade:
    """A gradient with the step: the points are for the new value; the
    gradient serves the diagnosis and carries errors forward to it."""
    new = st.NEW
    grad_wrong = value["grad"] is not None and \
        not st.same(value["grad"], st.expected(item, "grad"), item)

    def explain(parts) -> list[str]:
        return diagnose(item, value, st, parts)

    if value[new] is None:
        grade.feedback = st.MISSING_NEW
        if grad_wrong:
            grade.diagnosis = explain(["grad"])
            grade.feedback = " ".join([grade.feedback, st.describe(grade.diagnosis)]).strip()
        return grade

    def explained() -> list[str]:
        """Both parts by one explanation, else each by its own (a transposed
        gradient, then an ascent step: "transposed, ascent")."""
        if not grad_wrong:
            return explain([new])
        codes = explain(["grad", new])
        if not codes and (step := explain([new])):
            codes = sorted(set(explain(["grad"])) | set(step), key=st.v.order.index)
        return codes

    grade = _grade_numbers(item, value[new], st, grade, new, explained)
    if grade.status == "correct" and grad_wrong:
        # the new value agrees with the key at the precision asked only because the
        # step is small; a named mistake in the gradient costs what it costs elsewhere
        codes = explain(["grad", new]) or explain(["grad"])
        said = f"{st.RIGHT_NEW} to the precision asked, but the gradient given beside it is not."
        if _diagnosed(grade, codes, st.rules):
            said = said.replace(st.RIGHT_NEW, st.LOOKS_RIGHT_NEW)
        else:
            grade.status, grade.points = "correct", grade.max
        grade.feedback = " ".join([said, st.describe(codes)]).strip()
    return grade


# --------------------------------------------------------------------------
# Submissions


def grade_submission(sub: Submission, variant, rules: Rules, items: dict[str, float],
                     student: Callable[..., Student], problem: str | None = None,
                     total: float | None = None, expected: Callable = lambda q: None
                     ) -> StudentGrade:
    """Grade one submission against its variant (``None``: no key, see
    ``problem``): ``items`` (id -> points) each by :func:`grade_item`."""
    error = sub.error or (problem if variant is None else None)
    result = StudentGrade(sub.student, sub.variant, {}, error, list(sub.notes), total=total)
    if error:
        for q, points in items.items():
            result.items[q] = ItemGrade("invalid", 0.0, points,
                                        feedback=f"Submission not graded: {error}.")
        return result
    st = student(sub, variant, rules)
    for q, points in items.items():
        try:
            result.items[q] = grade_item(q, st, points, expected(q))
        except (FloatingPointError, ValueError, TypeError, OverflowError) as e:
            result.items[q] = ItemGrade("invalid", 0.0, points,
                                        given=sub.answers[q].raw if q in sub.answers else None,
                                        feedback=f"Could not grade this answer ({e}).")
    return result


def by_variant(submissions: Sequence[Submission], keys: Sequence[dict], single: bool,
               prepare: Callable[[list[dict]], list], grade: Callable) -> list[StudentGrade]:
    """Match each submission to the key of its variant (``single``: one key
    for everybody, a different variant noted) and ``grade(sub, variant,
    problem)`` it; only the keys some submission needs are prepared."""
    found: dict[str, dict] = {}
    for k in keys:
        found.setdefault(str(k.get("variant")), k)
    wanted = {s.variant for s in submissions if not s.error}
    used = list(keys) if single else [found[v] for v in sorted(wanted & set(found))]
    prepared = {str(v.key.get("variant")): v for v in prepare(used)}
    results = []
    for sub in submissions:
        if single:
            variant = next(iter(prepared.values()))
            if sub.variant and sub.variant != str(variant.key.get("variant")) and not sub.error:
                sub.notes.append(f"submission says variant {sub.variant!r}; graded "
                                 f"against the key of {variant.key.get('variant')!r}")
            results.append(grade(sub, variant, None))
        elif sub.variant is None:
            results.append(grade(sub, None, "no variant given"))
        elif sub.variant not in prepared:
            results.append(grade(sub, None, f"no key for variant {sub.variant[:40]!r}"))
        else:
            results.append(grade(sub, prepared[sub.variant], None))
    return results
