"""The exam sheet's answer spaces: shaped like the key's answers, over many
instances, and telling nothing else about them."""

import numpy as np
import pytest

from derive.documents import sheet
from derive.documents.context import SUMMARY_LABELS, build_context
from derive.problem.config import Config
from derive.numerics.key import POINTS, build_key, build_keys
from tests.factories import varied


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


def test_every_question_of_many_instances_gets_spaces_of_its_answers_shapes():
    keys = [build_key()] + build_keys(varied(20, seed=3), [f"v{i}" for i in range(20)])
    for key in keys:
        spaces = sheet.answer_spaces(key["answers"], SUMMARY_LABELS)
        assert set(spaces) == set(POINTS)
        for q, value in key["answers"].items():
            got = [(s["kind"], s.get("rows"), s.get("cols")) for s in spaces[q]]
            if isinstance(value, dict) and "grad" in value:
                want = [("grid", *_shape(value[p])) for p in sheet.PARTS]
            elif isinstance(value, dict):
                want = [("free", None, None)] + [("grid", 1, 1)] * ("value" in value)
            else:
                want = [("grid", *_shape(value))]
            assert got == want, (key["variant"], q)


def test_grids_show_the_shape_only_and_fit_the_page():
    # two instances with other numbers: the same spaces, cell for cell
    a, b = build_keys(varied(2, seed=5), ["a", "b"])
    assert sheet.answer_spaces(a["answers"], SUMMARY_LABELS) == \
        sheet.answer_spaces(b["answers"], SUMMARY_LABELS)
    for spaces in sheet.answer_spaces(a["answers"], SUMMARY_LABELS).values():
        for s in spaces:
            if s["kind"] == "grid":
                width = float(s["cell_width"].removesuffix("cm"))
                assert width * s["cols"] <= sheet.ROW_WIDTH + 1e-9


def test_two_part_answers_are_labelled_part_by_part():
    spaces = sheet.answer_spaces(build_key()["answers"], SUMMARY_LABELS)
    assert [s["label"] for s in spaces["q12"]] == list(SUMMARY_LABELS["q12"])
    assert [s["label"] for s in spaces["q13"]] == list(SUMMARY_LABELS["q13"])


def test_marks_table_lists_every_question_and_its_points():
    marks = sheet.marks({"q1": "5", "q4": "7.5"})
    assert marks == [{"item": "1", "points": "5"}, {"item": "4", "points": "7.5"}]


def test_the_context_has_the_sheet():
    ctx = build_context(build_key(), Config())
    assert [m["item"] for m in ctx["sheet"]["marks"]] == [q[1:] for q in POINTS]
    assert ctx["sheet"]["spaces"]["q6"][0]["rows"] == 2 and ctx["sheet"]["spaces"]["q6"][0]["cols"] == 3
    assert ctx["sheet"]["spaces"]["q5"][1]["label"] == r"\operatorname{NLLM}"
