"""The [grading] table at its edges: each refusal names the field and says
what is wanted; the bounds are inclusive; the scoring rule follows per_entry."""

from __future__ import annotations

import pytest

from derive.grading.rules import Rules, parse_rules, scoring_rules
from derive.problem.spec import InputError


def refused(data, section: str = "grading") -> tuple[str, str]:
    with pytest.raises(InputError) as e:
        parse_rules(data, section)
    return e.value.field, e.value.problem


def test_the_section_must_be_a_table():
    for data in ([], "strict", 3, None):
        assert refused(data) == ("grading", "expected a table")
    assert refused([], "config.grading") == ("config.grading", "expected a table")


def test_the_old_tolerances_say_what_replaced_them():
    for name in ("rel_tol", "abs_tol"):
        assert refused({name: 1e-3}) == (
            f"grading.{name}", "no longer exists: `figures` in [course] (significant "
            "figures, default 3) replaced rel_tol and abs_tol")


def test_fields_read_elsewhere_are_skipped_and_the_rest_still_read():
    rules = parse_rules({"attempt": "last", "mistake_credit": 0.25, "timeout": 5,
                         "gradebook_item": "HW3", "symbolic_points": 4})
    assert (rules.mistake_credit, rules.symbolic_points) == (0.25, 4)
    assert refused({"timeout": 5, "mistake": 1})[0] == "grading.mistake"


def test_an_unknown_field_lists_the_fields_there_are():
    assert refused({"mistake": 1}) == (
        "grading.mistake", "unknown field; expected mistake_credit, rounded_credit, "
        "carried_forward, carried_forward_update, per_entry, symbolic_time_limit, "
        "symbolic_points, combinations, attempt, gradebook_item, timeout")


def test_a_count_must_be_a_whole_number_and_a_share_a_number():
    assert refused({"symbolic_points": 2.5}) == ("grading.symbolic_points",
                                                 "expected a whole number, got 2.5")
    assert refused({"combinations": True}) == ("grading.combinations",
                                               "expected a whole number, got True")
    assert refused({"mistake_credit": "1/2"}) == ("grading.mistake_credit",
                                                  "expected a number, got '1/2'")


@pytest.mark.parametrize("name,lo,hi,below,above", [
    ("mistake_credit", 0, 1, -0.01, 1.01),
    ("carried_forward_update", 0.0, 1.0, -1e-9, 1 + 1e-9),
    ("symbolic_time_limit", 0.05, 60.0, 0.049, 60.5),
    ("symbolic_points", 1, 100, 0, 101),
    ("combinations", 1, 3, 0, 4),
])
def test_bounds_are_inclusive(name, lo, hi, below, above):
    for value in (lo, hi):
        assert getattr(parse_rules({name: value}), name) == value
    for value in (below, above):
        assert refused({name: value}) == (f"grading.{name}",
                                           f"must be from {lo:g} to {hi:g}, got {value!r}")


def test_without_per_entry_credit_any_other_wrong_answer_earns_nothing():
    last = scoring_rules(Rules(per_entry=False))[-1]
    assert last == "Any other wrong answer: nothing. Missing or unreadable: nothing."
    assert scoring_rules(Rules())[-1].startswith(
        "Any other wrong answer: its informative entries that are right")
