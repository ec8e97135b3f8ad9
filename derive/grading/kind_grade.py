"""Grading against schema 2 keys: any assignment, by question kind (the
reference's schema 1 keys are read as schema 2 keys first).

The flow is :mod:`derive.grading.scoring`'s, the rules
:func:`derive.grading.rules.scoring_rules`; the variant and the student
(:mod:`derive.grading.by_kind`) bring the questions, the mistake library by
kind (:mod:`derive.numerics.kind_mistakes`) and the error carried forward
by kind. A question whose key gives only LaTeX is graded by hand (status
``manual``, no points given automatically).
"""

from __future__ import annotations

from typing import Sequence

from derive.grading import scoring
from derive.grading.answers import Submission
from derive.grading.by_kind import KindStudent, KindVariant, prepare_kind
from derive.grading.kind_answers import items_of
from derive.grading.results import StudentGrade
from derive.grading.rules import Rules


def grade_submission(sub: Submission, variant: KindVariant | None, rules: Rules,
                     problem: str | None = None, items: dict[str, float] | None = None
                     ) -> StudentGrade:
    """Grade one submission against its schema 2 variant (``None``: no key,
    see ``problem``; ``items`` then gives the questions and their points)."""
    if variant is not None:
        items = {q: i.points for q, i in variant.items.items()}
    return scoring.grade_submission(
        sub, variant, rules, items or {}, KindStudent, problem, total=sum((items or {}).values()),
        expected=lambda q: variant.key["answers"][q] if variant else None)


def grade_all_kinds(submissions: Sequence[Submission], keys: Sequence[dict],
                    rules: Rules = Rules(), *, single: bool = False) -> list[StudentGrade]:
    """Grade every submission against its variant's schema 2 key (``single``:
    one key for everybody, a different variant noted)."""
    items = {i.id: i.points for i in items_of(keys[0])}
    return scoring.by_variant(
        submissions, keys, single, lambda ks: prepare_kind(ks, rules),
        lambda sub, v, problem: grade_submission(sub, v, rules, problem, items))
