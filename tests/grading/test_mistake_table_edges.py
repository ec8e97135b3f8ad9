"""The grader's mistake library one variant at a time (the path taken when a
batch cannot be run as one, e.g. a pass that overflows for some variant) gives
what the batch gives, also at a ReLU tie the key decides from exact data."""

import json

import numpy as np

from derive.grading import mistake_table
from derive.grading.by_kind import prepare_kind
from derive.grading.rules import Rules
from derive.numerics.key import build_assignment_keys
from derive.numerics.solve import solve_part
from tests.grading.examples import EXAMPLES, RELU_TIE as TIE



def _sheets(key) -> dict:
    [variant] = prepare_kind([key], Rules())
    return {codes: {q: np.asarray(v["new"] if isinstance(v, dict) else v, float)
                    for q, v in sheet.items() if not variant.items[q].formula}
            for codes, sheet in variant.sheets}


def test_one_variant_at_a_time_gives_the_batchs_wrong_answers_at_a_tie(monkeypatch):
    assignment = EXAMPLES["reference"]()
    part = assignment.with_given({assignment.parts[2].id: TIE}).parts[2]
    assert solve_part(part).f_prime[0][0] == 0       # the key decides the unit off
    [key] = build_assignment_keys(assignment, [{part.id: TIE}], ["t"])
    key = json.loads(json.dumps(key))
    batched = _sheets(key)
    monkeypatch.setattr(mistake_table.mb, "answer_columns", lambda *a, **k: None)
    alone = _sheets(key)
    assert batched.keys() == alone.keys() and any("transposed" in c for c in batched)
    for codes, sheet in batched.items():
        assert sheet.keys() == alone[codes].keys(), codes
        for q, value in sheet.items():
            np.testing.assert_allclose(alone[codes][q], value, rtol=1e-12, atol=1e-15,
                                       err_msg=f"{codes} {q}")
