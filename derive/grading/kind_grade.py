"""Grading against schema 2 keys: every item by the scoring rule of
:func:`derive.grading.rules.scoring_rules`, by question kind.

The same rules as the reference's grader (:mod:`derive.grading.grade`):
right; carried forward from the student's own genuine earlier answer; a
fixed share per mistake of the library (:mod:`derive.numerics.kind_mistakes`,
recomputed for the variant, alone and in combinations); rounded too early;
for a gradient-step, a new value that follows from a wrong gradient given
beside it; else credit for the informative entries that are right.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import sympy as sp

from derive.grading.answers import Given, Submission
from derive.grading.by_kind import KindStudent, KindVariant, prepare_kind
from derive.grading.compare import (_diagnosed, _informative_share, _right, _rounded,
                                    _shape, equivalent)
from derive.grading.formulas import TooLarge
from derive.grading.kind_answers import items_of
from derive.grading.results import ItemGrade, StudentGrade
from derive.grading.rules import Rules
from derive.numerics.kind_mistakes import MISTAKE_KINDS, ORDER, describe

NOT_GENUINE = ("All zeros, a copy of the given data, or what doing nothing gives: "
               "no credit, and nothing carries forward from it.")
MANUAL = "Graded by hand: the key gives this answer as LaTeX only."


# --------------------------------------------------------------------------
# Diagnosis


def diagnose(qid: str, value: Any, st: KindStudent, parts: Sequence[str] = ()) -> list[str]:
    """The codes of the fewest mistakes whose answer matches ``value``
    (a gradient-step: every part given, else the ``parts`` that are wrong);
    among several, the one the student's other answers show, then the one
    they contradict least, then library order."""
    for size in range(1, st.rules.combinations + 1):
        sets = [(ms, sheet) for ms, sheet in st.v.sheets if len(ms) == size and qid in sheet]
        for match in (lambda v, s: st.same(v, s, qid),
                      lambda v, s: bool(parts) and isinstance(v, dict)
                      and all(st.same(v[p], s[p], qid) for p in parts)):
            found = [(ms, sheet) for ms, sheet in sets if match(value, sheet[qid])]
            if found:
                best, _ = min(found, key=lambda f: _doubt(f[0], f[1], qid, st))
                return sorted(best, key=ORDER.index)
    return []


def _doubt(mistakes: tuple[str, ...], sheet: dict, qid: str, st: KindStudent) -> tuple[int, int]:
    """(mistakes none of the student's other answers shows, other answers
    that contradict the explanation)."""
    shown: set[str] = set()
    contradicted = 0
    for q, wrong in sheet.items():
        given = st.valid(q)
        if given is None:
            continue
        if q == qid:
            if isinstance(wrong, dict):
                contradicted += sum(given.get(p) is not None and not st.same(given[p], wrong[p], q)
                                    for p in wrong)
            continue
        if not st.same(given, wrong, q):
            contradicted += 1
        elif not st.same(given, st.expected(q), q):
            shown |= {c for c in mistakes if q in st.v.affects.get(c, ())}
    return sum(c not in shown for c in mistakes), contradicted


def _evidenced(qid: str, value, codes: list[str], st: KindStudent) -> bool:
    """Whether the student's other answers show every mistake of ``codes``
    and contradict none (then the mistake, not a chance agreement with
    their earlier answers, explains ``value``)."""
    return any(set(ms) == set(codes) and qid in sheet and st.same(value, sheet[qid], qid)
               and _doubt(ms, sheet, qid, st) == (0, 0) for ms, sheet in st.v.sheets)


# --------------------------------------------------------------------------
# Items


def grade_item(qid: str, st: KindStudent) -> ItemGrade:
    """Status, points, diagnosis and feedback of one item."""
    item = st.item(qid)
    given: Given | None = st.sub.answers.get(qid)
    grade = ItemGrade("missing", 0.0, item.points, given=None if given is None else given.raw,
                      expected=st.v.key["answers"][qid])
    if item.manual:
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
        grade = _grade_pair(qid, value, st, grade)
    elif isinstance(value, sp.Basic):
        try:
            if equivalent(value, item.expected, f"kind:{qid}", st.rules):
                grade.status, grade.points = "correct", grade.max
            else:
                _diagnosed(grade, diagnose(qid, value, st), st.rules)
        except TooLarge as e:
            grade.status, grade.points, grade.diagnosis = "invalid", 0.0, []
            grade.feedback = f"Could not evaluate this answer: {e}."
            return grade
    else:
        grade = _grade_numbers(qid, value, st, grade)
    if grade.status == "wrong" and not grade.feedback:
        grade.feedback = describe(grade.diagnosis) or \
            "Not the key's answer, and none of the known mistakes explains it."
    grade.feedback = " ".join(t for t in (grade.feedback, notes) if t)
    return grade


def _grade_numbers(qid: str, value: np.ndarray, st: KindStudent, grade: ItemGrade,
                   part: str | None = None, diagnosis=None) -> ItemGrade:
    """A number, vector or matrix (``part``: a gradient-step's new value;
    ``diagnosis`` explains the whole answer)."""
    rules, expected, kind = st.rules, st.expected(qid, part), st.item(qid).kind
    if _right(value, expected, grade, rules):
        return grade
    cf = st.carried(qid, part)
    carried = cf is not None and st.same(value, cf, qid) and not st.same(cf, expected, qid)
    explain = diagnosis or (lambda: diagnose(qid, value, st))
    codes = None
    if carried and part is None:
        codes = explain()
        if not (any(kind in MISTAKE_KINDS[c].kinds for c in codes)
                and _evidenced(qid, value, codes, st)):
            grade.status, grade.points = "carried-forward", grade.max * rules.carried_forward
            grade.feedback = "Wrong, but it follows correctly from your own earlier answers."
            return grade
    if value.shape == expected.shape and not st.genuine(value, qid, part):
        grade.status, grade.feedback = "wrong", NOT_GENUINE
        return grade
    if codes is None:
        codes = explain()
    if _diagnosed(grade, codes, rules) or _rounded(value, expected, grade, rules):
        return grade
    if carried:
        grade.status = "carried-forward"
        grade.points = grade.max * rules.carried_forward_update
        grade.feedback = ("The new value follows correctly from the gradient you give beside "
                          "it, but that gradient is wrong, and none of the known mistakes "
                          "explains it.")
        return grade
    if rules.per_entry:
        grade.points = grade.max * _informative_share(value, expected,
                                                      st.baseline(qid, part), rules)
    if value.shape != expected.shape:
        grade.feedback = (
            "Transposed, and transposed back the entries still differ from the key."
            if value.ndim == 2 and value.T.shape == expected.shape else
            f"Expected {_shape(expected)}, got {_shape(value)}.")
    return grade


def _grade_pair(qid: str, value: dict, st: KindStudent, grade: ItemGrade) -> ItemGrade:
    """gradient-step: the points are for the new value; the gradient serves
    the diagnosis and carries errors forward to it."""
    grad_wrong = value["grad"] is not None and \
        not st.same(value["grad"], st.expected(qid, "grad"), qid)

    def explain(parts) -> list[str]:
        return diagnose(qid, value, st, parts)

    if value["new"] is None:
        grade.feedback = "The updated parameter is missing (the points are for it)."
        if grad_wrong:
            grade.diagnosis = explain(["grad"])
            grade.feedback = " ".join([grade.feedback, describe(grade.diagnosis)]).strip()
        return grade

    def explained() -> list[str]:
        if not grad_wrong:
            return explain(["new"])
        codes = explain(["grad", "new"])
        if not codes and (step := explain(["new"])):
            codes = sorted(set(explain(["grad"])) | set(step), key=ORDER.index)
        return codes

    grade = _grade_numbers(qid, value["new"], st, grade, "new", explained)
    if grade.status == "correct" and grad_wrong:
        codes = explain(["grad", "new"]) or explain(["grad"])
        said = "The new value is right to the precision asked, but the gradient beside it is not."
        if _diagnosed(grade, codes, st.rules):
            said = said.replace("is right", "looks right")
        else:
            grade.status, grade.points = "correct", grade.max
        grade.feedback = " ".join([said, describe(codes)]).strip()
    return grade


# --------------------------------------------------------------------------
# Submissions


def grade_submission(sub: Submission, variant: KindVariant | None, rules: Rules,
                     problem: str | None = None, items: Sequence | None = None) -> StudentGrade:
    """Grade one submission against its schema 2 variant (``None``: no key,
    see ``problem``; ``items`` then gives the questions and their points)."""
    error = sub.error or (problem if variant is None else None)
    items = list(variant.items.values()) if variant else list(items or [])
    total = sum(i.points for i in items)
    result = StudentGrade(sub.student, sub.variant, {}, error, list(sub.notes), total=total)
    if error:
        for i in items:
            result.items[i.id] = ItemGrade("invalid", 0.0, i.points,
                                           feedback=f"Submission not graded: {error}.")
        return result
    st = KindStudent(sub, variant, rules)
    for i in items:
        try:
            result.items[i.id] = grade_item(i.id, st)
        except (FloatingPointError, ValueError, TypeError, OverflowError) as e:
            result.items[i.id] = ItemGrade(
                "invalid", 0.0, i.points,
                given=sub.answers[i.id].raw if i.id in sub.answers else None,
                feedback=f"Could not grade this answer ({e}).")
    return result


def grade_all_kinds(submissions: Sequence[Submission], keys: Sequence[dict],
                    rules: Rules = Rules(), *, single: bool = False) -> list[StudentGrade]:
    """Grade every submission against its variant's schema 2 key (``single``:
    one key for everybody, a different variant noted)."""
    by_variant: dict[str, dict] = {}
    for k in keys:
        by_variant.setdefault(str(k.get("variant")), k)
    wanted = {s.variant for s in submissions if not s.error}
    used = list(keys)[:1] if single else [by_variant[v] for v in sorted(wanted & set(by_variant))]
    prepared = {str(v.key.get("variant")): v for v in prepare_kind(used, rules)}
    items = items_of(keys[0])
    results = []
    for sub in submissions:
        if single:
            variant = next(iter(prepared.values()))
            if sub.variant and sub.variant != str(variant.key.get("variant")) and not sub.error:
                sub.notes.append(f"submission says variant {sub.variant!r}; graded "
                                 f"against the key of {variant.key.get('variant')!r}")
            results.append(grade_submission(sub, variant, rules))
        elif sub.variant is None:
            results.append(grade_submission(sub, None, rules, "no variant given", items))
        elif sub.variant not in prepared:
            results.append(grade_submission(sub, None, rules,
                                            f"no key for variant {sub.variant[:40]!r}", items))
        else:
            results.append(grade_submission(sub, prepared[sub.variant], rules))
    return results
