"""Properties of grading over random instances of the shipped assignments
(tests/strategies.py: ties, dead units, zero inputs, large numbers): the
key itself earns every point; the mistake library never offers the right
answer as a mistake; and a submission that gives one mistake's answer
earns full marks for it only when that answer is right to the precision
the sheet asks for."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from derive.grading.by_kind import prepare_kind
from derive.grading.kind_answers import as_submitted, items_of, submission_parser
from derive.grading.kind_grade import grade_all_kinds
from derive.grading.mistake_table import differs
from derive.grading.rules import Rules
from derive.numerics import kind_mistakes as km
from derive.numerics.key import build_assignment_keys
from derive.numerics.solve import solve_part
from derive.problem import precision
from derive.problem.catalogue import NUMERIC_KINDS
from tests.grading.examples import EXAMPLES, NAMES, RELU_TIE
from tests.strategies import examples, instances


def _json(value):
    return json.loads(json.dumps(value))


def _perfect(key) -> dict:
    return {q: as_submitted(v) for q, v in key["answers"].items()}


def grade(key, answers: dict[str, dict]) -> dict:
    """Each named set of answers graded against ``key``, by name."""
    parse = submission_parser(items_of(key))
    subs = [parse({"student": name, "variant": key["variant"], "answers": a}, i)
            for i, (name, a) in enumerate(answers.items())]
    return {g.student: g for g in grade_all_kinds(subs, [key])}


def instance_of(name: str, data):
    """A shipped assignment with random data (drawn from ``data``) in every
    part that has some, and its key."""
    assignment = EXAMPLES[name]()
    given = {p.id: data.draw(instances(p.network), label=p.id).data for p in assignment.parts
             if p.given is not None}
    [key] = build_assignment_keys(assignment, [given], ["r"])
    return assignment.with_given(given), _json(key)


@pytest.mark.parametrize("name", NAMES)
@examples(8)
@given(data=st.data())
def test_the_key_itself_earns_every_point(name, data):
    _, key = instance_of(name, data)
    g = grade(key, {"key": _perfect(key)})["key"]
    for q, item in g.items.items():
        assert item.status in ("correct", "manual"), (q, item.status, item.feedback)
        if item.status == "correct":
            assert item.points == item.max, q


def _within(value, expected, figures: int) -> bool:
    """Whether ``value`` meets the precision contract for ``expected``."""
    if isinstance(expected, dict):
        return all(_within(value[p], expected[p], figures) for p in expected)
    v, e = np.asarray(value, float), np.asarray(expected, float)
    return v.shape == e.shape and bool(precision.within(v, e, figures).all())


def _library(assignment) -> dict[tuple[str, str], object]:
    """(question, mistake) -> what the mistake gives, as the handouts' panel
    offers it (ReLU′ decided as the key decides it)."""
    out = {}
    for part in assignment.parts:
        if part.given is None or part.network is None:
            continue
        f_prime = solve_part(part).f_prime
        kinds = {q.id: q.kind for q in part.questions}
        for qid, wrong in km.part_wrong_answers(part, f_prime=f_prime).items():
            if kinds[qid] in NUMERIC_KINDS:   # (a loss question's example: a formula's)
                out.update({(qid, code): _json(v) for code, v in wrong.items()})
    return out


@pytest.mark.parametrize("name", NAMES)
@examples(8)
@given(data=st.data())
def test_a_mistake_earns_full_marks_only_when_it_is_the_right_value(name, data):
    """Every mistake the library offers differs from the key's answer (the
    library leaves out one that equals it, as a sign-flipped zero gradient);
    given for its question, it earns every point exactly when it is within
    the precision contract of the key's answer (a gradient-step: its new
    value; the points are for it)."""
    assignment, key = instance_of(name, data)
    right, figures = key["answers"], Rules().figures
    library = _library(assignment)
    for (qid, code), value in library.items():
        assert differs(_arrays(value), _arrays(right[qid])), (qid, code, value)
    [variant] = prepare_kind([key], Rules())      # the grader's own library
    for codes, sheet in variant.sheets:
        for qid, value in sheet.items():
            if not variant.items[qid].formula:
                assert differs(value, variant.expected[qid]), (qid, codes)
    grades = grade(key, {f"{qid} {code}": {**_perfect(key), qid: value}
                         for (qid, code), value in library.items()})
    for (qid, code), value in library.items():
        item = grades[f"{qid} {code}"].items[qid]
        full = item.points == item.max
        graded = value["new"] if isinstance(value, dict) else value
        expected = right[qid]["new"] if isinstance(value, dict) else right[qid]
        event("a mistake within the contract" if _within(value, right[qid], figures)
              else "a mistake")
        if full:
            assert _within(graded, expected, figures), (qid, code, item.status, item.feedback)
        if _within(value, right[qid], figures):
            assert full and item.status == "correct", (qid, code, item.status)


def _arrays(value):
    if isinstance(value, dict):
        return {k: np.asarray(v, float) for k, v in value.items()}
    return np.asarray(value, float)


# --------------------------------------------------------------------------
# Found by the properties: the grader's library decided ReLU′ in float64 (fixed)


def test_a_mistake_made_at_a_relu_tie_is_diagnosed():
    """A student who makes a known mistake consistently, with ReLU′(0) = 0 as
    the sheets state, is diagnosed with it (half the points) also where a
    unit's z¹ is exactly 0 in decimals but not in float64."""
    assignment = EXAMPLES["reference"]()
    net = assignment.parts[2]
    d = RELU_TIE
    [key] = build_assignment_keys(assignment, [{net.id: d}], ["t"])
    key = _json(key)
    part = assignment.with_given({net.id: d}).parts[2]
    f_prime = solve_part(part).f_prime
    assert f_prime[0][0] == 0                       # the key: unit 1 is off
    wrong = _json(km.part_answers(part, d, ("transposed",), f_prime=f_prime))
    g = grade(key, {"t": {**_perfect(key), "q13": wrong["q13"]}})["t"]
    assert g.items["q13"].diagnosis == ["transposed"], g.items["q13"].feedback
