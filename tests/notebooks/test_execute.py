"""The notebooks in a real kernel (nbclient + ipykernel): the instructor's
execute top to bottom and reproduce the key; a student's with the
instructor's code pasted in passes every public check; a student's with
wrong answers runs to its end with ✗ lines. A handful of kernels."""

import nbformat
import numpy as np
import pytest

from derive.notebooks import format as nbf
from tests.notebooks.notebooks import (INSTANCES, equal_to_key, execute, instance, notebook,
                                       printed, shown_answers)


def outputs_text(nb) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)


@pytest.mark.parametrize("name,k", INSTANCES)
def test_the_instructor_notebook_reproduces_the_key(name, k):
    _, key = instance(name, k)
    nb = execute(notebook(name, k, 1))
    shown = shown_answers(nb)
    assert shown["variant"] == key["variant"] and shown["fingerprint"] == nbf.fingerprint(key)
    assert list(shown["answers"]) == list(key["answers"])
    wrong = [q for q, v in key["answers"].items() if not equal_to_key(shown["answers"][q], v)]
    assert not wrong
    text = outputs_text(nb)
    assert "✓" in text and "✗" not in text   # its own public checks and gradient checks pass
    nbformat.validate(nb)


def _pasted(name: str) -> nbformat.NotebookNode:
    """The student's notebook with the instructor's setup, work and answer cells."""
    student, solution = notebook(name, None, 0), notebook(name, None, 1)
    code = {c.id: c.source for c in solution.cells if set(c.metadata.tags) & {
        nbf.TAGS["setup"], nbf.TAGS["gradient"], nbf.TAGS["answer"]}}
    for c in student.cells:
        c.source = code.get(c.id, c.source)
    return student


def test_a_student_notebook_with_the_solutions_passes_every_check():
    _, key = instance("reference")
    nb = execute(_pasted("reference"))
    text = outputs_text(nb)
    assert "✗" not in text and text.count("✓") > 40
    assert "✓ W2: largest difference from finite differences of your loss" in text
    # each check cell shows its answer for the grader, as the answers cell does
    shown = shown_answers(nb)["answers"]
    for c in nb.cells:
        if nbf.TAGS["check"] in c.metadata.tags:
            (value,) = [o["data"][nbf.ANSWER_MIME] for o in c.outputs
                        if nbf.ANSWER_MIME in o.get("data", {})]
            assert value == {"question": c.metadata[nbf.KEY]["question"],
                             "value": shown[c.metadata[nbf.KEY]["question"]]}
    assert all(equal_to_key(shown[q], v) for q, v in key["answers"].items())


def test_wrong_answers_fail_their_checks_and_nothing_stops_the_notebook():
    _, key = instance("reference")
    nb = _pasted("reference")
    wrong = {
        "answer-q6": "q6 = grads['W1'].T   # transposed\n",
        "answer-q12": ("q12 = {'grad': grads['W2'] + np.eye(4, 2), 'new': after['W2']}\n"),
        "answer-q7": "q7 = 'about a tenth'\n",
        "answer-q14": "q14 = np.array([np.nan, 1.0])\n",
        "gradient-network": notebook("reference", None, 1).cells[
            [c.id for c in nb.cells].index("gradient-network")].source.replace(
            '"W2": np.outer(a1, d2)', '"W2": np.outer(a1, -d2)'),
        "answer-q13": "del q12\n",   # q13 never assigned; q12 gone
    }
    for c in nb.cells:
        c.source = wrong.get(c.id, c.source)
    nb = execute(nb)   # no cell raises
    assert "✗ q6: shape (3, 2), expected 2 × 3 array" in printed(nb, "check-q6")
    assert "✗ q12 grad: each row adds up to 0" in printed(nb, "check-q12")
    assert "✗ q7: give numbers" in printed(nb, "check-q7")
    assert "✗ q14: every entry is finite" in printed(nb, "check-q14")
    assert "✗ W2: largest difference" in printed(nb, "gradcheck-network")
    assert "✓ W1: largest difference" in printed(nb, "gradcheck-network")
    assert '✗ q13: give {"grad": ..., "new": ...}' in printed(nb, "check-q13")
    answers = shown_answers(nb)["answers"]
    assert answers["q7"] == "about a tenth" and answers["q14"] == ["nan", 1.0]
    assert answers["q12"] is None and answers["q13"] is None
    assert np.allclose(answers["q6"], np.array(key["answers"]["q6"]).T)
