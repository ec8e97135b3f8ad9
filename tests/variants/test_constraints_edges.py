"""The edges of the [variants.constraints] table: what every constraint is
set to by default, the exact limits of a probability window, and the one
line a bad table or setting gets (its field and what is wrong with it)."""

import pytest

from derive.problem.spec import InputError
from derive.variants.constraints import parse_constraints
from derive.variants.richness import RICHNESS

WINDOW = "variants.constraints.probabilities"


def _refused(data, section="variants.constraints") -> InputError:
    with pytest.raises(InputError) as e:
        parse_constraints(data, section)
    assert "\n" not in str(e.value)
    return e.value


def test_every_constraint_is_on_by_default_with_its_default_setting():
    on = parse_constraints({})
    assert on == {r.name: r.default for r in RICHNESS} | {"unique": True}
    # a switch given as true keeps the default, whatever its kind
    assert parse_constraints({name: True for name in on}) == on


@pytest.mark.parametrize("window,kept", [
    ([0, 0.5], (0.0, 0.5)),          # lowest may be 0
    ([0.25, 1], (0.25, 1.0)),        # highest may be 1
    ([0, 1], (0.0, 1.0)),
    ((0.1, 0.9), (0.1, 0.9)),        # a tuple is a list
])
def test_a_probability_window_may_reach_0_and_1(window, kept):
    got = parse_constraints({"probabilities": window})["probabilities"]
    assert got == kept and all(type(v) is float for v in got)


@pytest.mark.parametrize("window,shown", [
    ([0.5, 0.5], "[0.5, 0.5]"),      # empty: lowest must be below highest
    ([0.1, 1.5], "[0.1, 1.5]"),      # above 1
    ([0.1, 2], "[0.1, 2]"),
    ([-0.1, 0.5], "[-0.1, 0.5]"),    # below 0
])
def test_a_window_outside_0_1_or_empty_is_refused(window, shown):
    e = _refused({"probabilities": window})
    assert e.field == WINDOW
    assert e.problem == f"needs 0 <= lowest < highest <= 1, got {shown}"


@pytest.mark.parametrize("window", [
    ["0.05", "0.95"],                # text that reads as numbers
    [False, 0.5],                    # a switch is not a probability
    [0.05, True],
    [0.1, 0.5, 0.9],                 # not a pair
    [0.1],
    0.5,
    {"lowest": 0.1, "highest": 0.9},
])
def test_a_window_that_is_not_a_pair_of_numbers_is_refused(window):
    e = _refused({"probabilities": window})
    assert e.field == WINDOW
    assert e.problem == f"expected [lowest, highest] probabilities, got {window!r}"


@pytest.mark.parametrize("value", [3, 0, "yes", 0.5])
def test_a_switch_takes_true_or_false(value):
    e = _refused({"loss_decreases": value})
    assert e.field == "variants.constraints.loss_decreases"
    assert e.problem == f"expected true or false, got {value!r}"


@pytest.mark.parametrize("value", [-1, 0, float("inf"), "wide", True + 1j, [1]])
def test_a_setting_takes_a_positive_finite_number(value):
    e = _refused({"kink_margin": value})
    assert e.field == "variants.constraints.kink_margin"
    assert e.problem == f"expected a positive finite number (or true/false), got {value!r}"


@pytest.mark.parametrize("data", [[], "unique", 1, None])
def test_the_table_itself_must_be_a_table(data):
    e = _refused(data, "course.variants.constraints")
    assert e.field == "course.variants.constraints"
    assert e.problem == "expected a table of constraint = setting"


def test_an_unknown_constraint_names_itself_and_every_known_one():
    e = _refused({"unique": False, "pretty": True})
    assert e.field == "variants.constraints.pretty"
    head, known = e.problem.split("; expected ")
    assert head == "unknown constraint"
    assert known.split(", ") == [r.name for r in RICHNESS] + ["unique"]
