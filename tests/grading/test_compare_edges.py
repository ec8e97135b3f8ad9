"""Per-entry credit and the shape message, on answers written out by hand: an
entry is informative where the right answer differs from what doing nothing
gives (the baseline, or 0); a wrong entry that is not informative counts
against the share; a shape that is not the key's is named in words."""

import numpy as np
import pytest

from derive.grading.compare import _informative_share
from derive.grading.rules import Rules
from tests.grading.reference import grade_submission, key_submission, parse_submission, prepare
from tests.schema_1.keys import build_key

RULES = Rules()
EXPECTED = np.array([[1.0, 0.0], [2.0, -3.0]])


def test_without_a_baseline_the_non_zero_entries_are_informative():
    # three informative entries (1, 2, −3), one right: 1/3
    assert _informative_share(np.array([[1.0, 0.0], [5.0, 5.0]]), EXPECTED, None, RULES) == \
        pytest.approx(1 / 3)
    # all three right, the zero entry wrong: it counts against them, 3/4
    assert _informative_share(np.array([[1.0, 7.0], [2.0, -3.0]]), EXPECTED, None, RULES) == \
        pytest.approx(3 / 4)
    # the zero entry right adds nothing: 2 of the 3 informative right
    assert _informative_share(np.array([[1.0, 0.0], [2.0, 9.0]]), EXPECTED, None, RULES) == \
        pytest.approx(2 / 3)


def test_with_a_baseline_only_the_entries_the_answer_changes_are_informative():
    base = np.array([[1.0, 4.0], [2.0, 0.0]])   # the answer changes the last two entries
    assert _informative_share(np.array([[1.0, 0.0], [2.0, -3.0]]), EXPECTED, base, RULES) == 1.0
    # the baseline copied: nothing informative right
    assert _informative_share(base, EXPECTED, base, RULES) == 0.0
    # one of the two changes made: 1/2 (zeros as the baseline would say 2/3)
    assert _informative_share(np.array([[1.0, 0.0], [2.0, 5.0]]), EXPECTED, base, RULES) == \
        pytest.approx(1 / 2)


def test_nothing_to_change_earns_nothing():
    assert _informative_share(EXPECTED.copy(), EXPECTED, EXPECTED.copy(), RULES) == 0.0
    assert _informative_share(np.zeros(3), np.zeros(3), None, RULES) == 0.0


def test_an_entry_is_informative_at_the_contracts_figures():
    # 1.234 against a baseline of 1.236 differs at 4 significant figures, not at 3
    expected, base = np.array([1.234, 5.0]), np.array([1.236, 0.0])
    value = np.array([1.236, 5.0])           # the first entry left as the baseline
    assert _informative_share(value, expected, base, Rules(figures=4)) == pytest.approx(1 / 2)
    assert _informative_share(value, expected, base, Rules(figures=3)) == 1.0
    # the first entry right, the second wrong: its share only where it is informative
    value = np.array([1.234, 9.0])
    assert _informative_share(value, expected, base, Rules(figures=4)) == pytest.approx(1 / 2)
    assert _informative_share(value, expected, base, Rules(figures=3)) == 0.0


@pytest.fixture(scope="module")
def reference():
    key = build_key()
    return prepare([key], RULES)[0]


@pytest.mark.parametrize("item, answer, message", [
    ("q6", [[1.0, 2.0, 3.0]] * 3, "Expected 2 × 3, got 3 × 3."),
    ("q10", [1.0, 2.0, 3.0], "Expected 4 entries, got 3 entries."),
])
def test_a_shape_not_the_keys_is_named_in_words(reference, item, answer, message):
    entry = key_submission(reference.old, "s", {item: answer})
    g = grade_submission(parse_submission(entry, 0), reference, RULES).items[item]
    assert g.status == "wrong" and g.feedback == message


@pytest.mark.parametrize("item, answer", [("q10", 1.0), ("q7", [1.0, 2.0]), ("q6", [1.0, 2.0])])
def test_another_number_of_dimensions_is_not_read(reference, item, answer):
    entry = key_submission(reference.old, "s", {item: answer})
    g = grade_submission(parse_submission(entry, 0), reference, RULES).items[item]
    assert g.status == "invalid" and g.feedback.startswith("Could not read this answer: expected")
