"""The reference assignment graded as what it is now, reference.toml by
question kind: its schema 1 keys (``build_key``, ``build_keys``, the
bespoke mistake library's sheets) converted to schema 2 and graded through
the kind path, for the tests that keep the old grader's guarantees."""

from __future__ import annotations

from functools import lru_cache

from derive.grading.by_kind import KindVariant, prepare_kind
from derive.grading.kind_answers import items_of, key_submission, submission_parser
from derive.grading.kind_grade import grade_all_kinds, grade_submission  # noqa: F401
from derive.grading.rules import Rules
from derive.numerics.key import from_schema_1, reference_key
from derive.problem.spec import parse_params

SYMBOLIC = ("q1", "q2", "q3", "q4")


@lru_cache(maxsize=None)
def _items():
    return {i.id: i for i in items_of(reference_key())}


def names(item: str) -> dict:
    """The names a formula of the reference's ``item`` may use."""
    return _items()[item].names


def parse_submission(entry, index: int = 0):
    """A submission to the reference's questions, validated by kind."""
    return submission_parser(list(_items().values()))(entry, index)


def prepare(keys: list[dict], rules: Rules = Rules()) -> list[KindVariant]:
    """Schema 1 keys as prepared schema 2 variants; each keeps its schema 1
    key (``old``) and its params (``params``)."""
    variants = prepare_kind(from_schema_1(keys), rules)
    for v, k in zip(variants, keys):
        v.old, v.params = k, parse_params(k["params"])
    return variants


def grade_all(submissions, keys: list[dict], rules: Rules = Rules(), *, single=False):
    """Grade against schema 1 keys, through the kind path."""
    return grade_all_kinds(submissions, from_schema_1(keys), rules, single=single)


__all__ = ["key_submission", "grade_submission", "prepare", "grade_all", "parse_submission",
           "names", "SYMBOLIC"]


def validate_answer(item: str, value):
    """One answer to the reference's ``item``, validated by its kind."""
    from derive.grading.kind_answers import validate
    return validate(_items()[item], value)


def load_submissions(path):
    """An answers file of the reference's questions."""
    from derive.grading.answers_file import load_submissions as load
    from derive.grading.kind_answers import csv_columns
    return load(path, parse_submission, csv_columns(list(_items().values())))


__all__ += ["validate_answer", "load_submissions"]
