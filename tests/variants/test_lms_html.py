"""The LMS-neutral question HTML and the marker the LMS reports carry back."""

import pytest

from derive.problem.assignment import load_assignment
from derive.problem.config import Config
from derive.variants.exports import numeric_items
from derive.variants.instances import generate_assignment_keys
from derive.variants.lms_html import marker, question_html, read_marker
from derive.variants.settings import parse_settings


@pytest.mark.parametrize("question, read", [
    ("q6", ("q6", "", ())), ("q6[1,2]", ("q6", "", (1, 2))), ("q10[3]", ("q10", "", (3,))),
    ("q12.new[2,1]", ("q12", "new", (2, 1))), ("net-out_2.grad", ("net-out_2", "grad", ())),
])
def test_marker_reads_back(question, read):
    text = f"<p>{marker('s7-03', question)}: the gradient of …</p>"
    assert read_marker(text) == ("s7-03", *read)
    assert read_marker("1234: " + marker("reference", question) + ". Given") == ("reference", *read)


def test_no_marker():
    assert read_marker("Question 3: what is 2 + 2?") is None


def test_every_numeric_question_starts_with_its_marker():
    assignment = load_assignment("reference")
    key = generate_assignment_keys(assignment, 5, 1, parse_settings({}))[0]
    html = question_html(assignment, key, Config())
    assert {i.id for i in numeric_items(key)} <= set(html)
    for qid, q in html.items():
        assert read_marker(q.text)[:2] == (key["variant"], qid)
