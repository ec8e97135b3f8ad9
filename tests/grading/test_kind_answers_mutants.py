"""A schema 2 key's parts as the grader reads them (mutation survivors of
``parts_of`` in derive/grading/kind_answers.py): a key whose questions ask
for a step but that has no ``params`` section at all."""

import pytest

from derive.grading.kind_answers import parts_of
from tests.grading.test_kind_answers_edges import refused, small_key

WHY = "params.p: missing, and its questions ask for a step"


def _without_params() -> dict:
    key = small_key()       # q3 is a gradient step on W1
    del key["params"]
    return key


def test_a_key_asking_for_a_step_without_any_params_section_names_the_missing_part():
    with pytest.raises(ValueError, match=f"^{WHY}$"):
        parts_of(_without_params())
    assert refused(_without_params()) == (
        "--key: key v07", f"not an answer key of schema 2 ({WHY})")
