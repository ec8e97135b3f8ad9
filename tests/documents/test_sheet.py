"""The exam sheet's answer spaces: shaped like the key's answers, over many
instances of the reference assignment, and telling nothing else about them."""

import numpy as np
import pytest

from derive.documents import sheet
from tests.explain_cases import reference_instances


def _shape(value):
    s = np.shape(value)
    return (s + (1, 1))[:2] if len(s) < 2 else s


@pytest.mark.parametrize("value, rows, cols, brackets", [
    (0.25, 1, 1, False),
    ([3.0, 10.0, 0.0, 0.0], 4, 1, True),
    ([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], 2, 3, True),
    ([[1.0, 2.0]] * 4, 4, 2, True),
])
def test_a_number_a_vector_and_a_matrix_get_their_shape(value, rows, cols, brackets):
    s = sheet.space(value, "W")
    assert (s["kind"], s["rows"], s["cols"], s["brackets"]) == ("grid", rows, cols, brackets)
    assert s["label"] == "W"


def test_a_formula_gets_a_free_box():
    s = sheet.space({"latex": r"\frac{1}{1 + e^{-z}}", "sympy": "1/(1 + exp(-z))"})
    assert s["kind"] == "free" and s["label"] == "" and s["height"] == f"{sheet.FREE_HEIGHT:g}cm"


@pytest.mark.parametrize("value", [[], [[]], [[[1.0]]]])
def test_no_space_for_an_empty_or_three_way_answer(value):
    with pytest.raises(ValueError, match="no answer space"):
        sheet.space(value)


@pytest.fixture(scope="module")
def contexts():
    """The reference assignment and 20 varied instances of it: (assignment, key, context)."""
    return [case[1:] for case in reference_instances(20, seed=3)]


def _questions(a, ctx):
    return zip([q for p in a.parts for q in p.questions],
               [q for p in ctx["parts"] for q in p["questions"]])


def test_every_question_of_many_instances_gets_spaces_of_its_answers_shapes(contexts):
    for a, key, ctx in contexts:
        for q, shown in _questions(a, ctx):
            value = key["answers"][q.id]
            got = [(s["kind"], s.get("rows"), s.get("cols")) for s in shown["spaces"]]
            if q.kind == "gradient-step":
                want = [("grid", *_shape(value[p])) for p in ("grad", "new")]
            elif isinstance(value, dict):
                want = [("free", None, None)] + [("grid", 1, 1)] * ("value" in value)
            else:
                want = [("grid", *_shape(value))]
            assert got == want, q.id


def test_grids_show_the_shape_only_and_fit_the_page(contexts):
    # instances with other numbers: the same spaces, cell for cell (the labels
    # name the instance's query class)
    spaces = [[[{k: v for k, v in s.items() if k != "label"} for s in shown["spaces"]]
               for _, shown in _questions(a, ctx)] for a, _, ctx in contexts]
    assert all(s == spaces[0] for s in spaces)
    for question in spaces[0]:
        for s in question:
            if s["kind"] == "grid":
                width = float(s["cell_width"].removesuffix("cm"))
                assert width * s["cols"] <= sheet.ROW_WIDTH + 1e-9


def test_two_part_answers_are_labelled_part_by_part(contexts):
    a, _, ctx = contexts[0]
    shown = dict((q.id, s) for q, s in _questions(a, ctx))
    assert [s["label"] for s in shown["q12"]["spaces"]] == [r"\nabla_{W^{2}} \ell",
                                                          r"W^{2}_{\text{new}}"]
    assert [s["label"] for s in shown["q13"]["spaces"]] == [r"\nabla_{W^{1}} \ell",
                                                          r"W^{1}_{\text{new}}"]
    assert shown["q5"]["spaces"][1]["label"] == r"\operatorname{NLLM}"


def test_the_marks_table_lists_every_question_and_its_points(contexts):
    a, _, ctx = contexts[0]
    marks = ctx["sheet"]["marks"]
    assert [m["item"] for m in marks] == list(range(1, 15))
    assert [m["points"] for m in marks] == ["5", "5", "5", "7.5", "7.5", "7.5", "5", "7.5", "5",
                                            "10", "10", "10", "10", "5"]
