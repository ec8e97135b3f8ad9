"""Submissions: the safe formula parser, answer validation, answers files."""

import csv
import json
import time

import numpy as np
import pytest
import sympy as sp

from derive.grading.formulas import MAX_TEXT, AnswerError, parse_expression
from tests.schema_1.keys import build_key
from derive.problem.spec import InputError
from tests.grading.reference import (SYMBOLIC, grade_all, grade_submission, key_submission,  # noqa: F401
                                     load_submissions, names, parse_submission, prepare,
                                     validate_answer)

z, a, y, x_k = sp.symbols("z a y x_k")


@pytest.mark.parametrize("text,item,expected", [
    ("1/(1+exp(-z))", "q1", 1 / (1 + sp.exp(-z))),
    ("1 / (1 + e^(-z))", "q1", 1 / (1 + sp.E ** (-z))),
    ("σ(z)·(1 − σ(z))", "q2", 1 / (1 + sp.exp(-z)) * (1 - 1 / (1 + sp.exp(-z)))),
    ("sigmoid(z)*(1-sigmoid(z))", "q2", 1 / (1 + sp.exp(-z)) * (1 - 1 / (1 + sp.exp(-z)))),
    ("(a - y) * x_k", "q3", (a - y) * x_k),
    ("x*(a-y)", "q3", (a - y) * x_k),
    ("dNLL/dw_k = (a - y) * x_k", "q3", (a - y) * x_k),
    ("ln(a) + log(y) + sqrt(a)", "q3", sp.log(a) + sp.log(y) + sp.sqrt(a)),
    ("2**3 * z", "q1", 8 * z),
    ("σ(z)(1 − σ(z))", "q2", 1 / (1 + sp.exp(-z)) * (1 - 1 / (1 + sp.exp(-z)))),
    ("(a - y)(x_k)", "q3", (a - y) * x_k),
    ("x_k(a - y)", "q3", (a - y) * x_k),
    ("0.5*z", "q1", sp.Float(0.5) * z),
])
def test_formulas_parse_into_sympy(text, item, expected):
    assert sp.simplify(parse_expression(text, names=names(item)) - expected) == 0


def test_q4_sums_over_k():
    from derive.calculus import softmax as sm
    e = parse_expression("exp(z_j) / sum(exp(z_k))", names=names("q4"))
    assert e == sm.derive_softmax().steps[0].expr
    assert parse_expression("a_j = exp(z[j])/sum(exp(z[k]))", names=names("q4")) == e


HOSTILE = [
    "__import__('os').system('touch {marker}')",
    "exec(\"open('{marker}', 'w')\")",
    "eval('1')",
    "z.__class__",
    "(lambda: 1)()",
    "[c for c in ().__class__.__bases__]",
    "open('{marker}', 'w')",
    "Symbol('x')",
    "z if z else z",
    "exp(z, z)",
    "exp(*[z])",
    "exp(z=1)",
    "'text'",
    "z[0]",
    "9**9**9**9",
    "10**1000000",
    "(2**64)**64**64",
    "1e400 * z",
    "True + z",
    "z" + "+z" * 500,
    "exp(" * 40 + "z" + ")" * 40,
    "-" * 200 + "z",
    "z\x00",
    "",
]


@pytest.mark.parametrize("template", HOSTILE)
def test_hostile_text_is_refused_and_never_runs(template, tmp_path):
    marker = tmp_path / "pwned"
    text = template.format(marker=marker)
    with pytest.raises(AnswerError):
        parse_expression(text, names=names("q1"))
    assert not marker.exists()


def test_names_are_per_item():
    with pytest.raises(AnswerError, match="unknown name 'a'"):
        parse_expression("a*z", names=names("q1"))
    with pytest.raises(AnswerError, match="unknown function 'sum'"):
        parse_expression("sum(z)", names=names("q1"))


def test_huge_inputs_are_refused_quickly():
    start = time.perf_counter()
    for item, value in [("q1", "z" * 10_000_000), ("q6", [[0.0] * 1000] * 1000),
                        ("q10", list(range(1_000_000))),
                        ("q12", {"W": [[1.0] * 1000] * 1000})]:
        g = validate_answer(item, value)
        assert g.error and ("allowed" in g.error), g.error
    assert time.perf_counter() - start < 5  # refusals are size checks, not parsing


@pytest.mark.parametrize("item,value,shape,note", [
    ("q7", 0.25, (), False),
    ("q7", [0.25], (), True),
    ("q7", "1/4", (), False),
    ("q5", {"value": 2.3}, (), False),
    ("q10", [1, 2, 3, 4], (4,), False),
    ("q10", [[1], [2], [3], [4]], (4,), True),
    ("q6", [[1, 2, 3], [4, 5, 6]], (2, 3), False),
])
def test_numbers_vectors_matrices(item, value, shape, note):
    g = validate_answer(item, value)
    assert g.error is None and np.shape(g.value) == shape and bool(g.notes) == note


@pytest.mark.parametrize("item,value,words", [
    ("q7", [0.1, 0.2], "one number"),
    ("q7", True, "expected a number"),
    ("q7", "exp(z)", "unknown name"),
    ("q7", float("nan"), "finite"),
    ("q6", [[1, 2], [3]], "different lengths"),
    ("q6", [1, 2], "list of rows"),
    ("q10", {"a": 1}, "vector"),
    ("q12", {"grad": [[1]], "V": 2}, "unknown part"),
    ("q12", {}, "neither"),
    ("q1", 3, "formula as text"),
    ("q1", "x" * (MAX_TEXT + 1), "at most"),
])
def test_bad_answers_name_the_problem(item, value, words):
    g = validate_answer(item, value)
    assert g.error and words in g.error


def test_a_bare_matrix_for_q12_is_the_updated_w():
    g = validate_answer("q12", [[1, 2], [3, 4], [5, 6], [7, 8]])
    assert g.value["grad"] is None and g.value["new"].shape == (4, 2) and g.notes


def test_key_submission_validates_cleanly():
    sub = parse_submission(key_submission(build_key()), 0)
    assert sub.error is None and len(sub.answers) == 14
    assert all(g.error is None for g in sub.answers.values())


@pytest.mark.parametrize("entry,words", [
    ("text", "expected an object"),
    ({"variant": "v"}, "student"),
    ({"student": "a", "answers": [1]}, "answers"),
    ({"student": "a", "variant": 3, "answers": {}}, "variant"),
])
def test_malformed_submissions_are_marked(entry, words):
    assert words in parse_submission(entry, 0).error


def test_json_file_one_object_or_a_list(tmp_path):
    f = tmp_path / "a.json"
    f.write_text(json.dumps(key_submission(build_key(), "Ada")))
    [sub] = load_submissions(f)
    assert sub.student == "Ada" and sub.variant == "reference"
    f.write_text(json.dumps([key_submission(build_key(), "Ada"), 7]))
    subs = load_submissions(f)
    assert subs[0].error is None and subs[1].error


def test_csv_file(tmp_path):
    key = build_key()
    ans = key_submission(key)["answers"]
    ans["q12"] = {"grad": ans["q12"]["grad"], "W": ans["q12"]["new"]}   # the old columns
    f = tmp_path / "a.csv"
    with f.open("w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["student", "variant", "q1", "q6", "q7", "q12.grad", "q12.W", "q13"])
        w.writerow(["Ada", "reference", ans["q1"], json.dumps(ans["q6"]), ans["q7"],
                    json.dumps(ans["q12"]["grad"]), json.dumps(ans["q12"]["W"]),
                    json.dumps(ans["q13"])])
        w.writerow(["Bob", "reference"] + [""] * 6)
        w.writerow(["Eve", "reference"] + list(range(6)) + ["", ""])  # trailing empty cells
    ada, bob, eve = load_submissions(f)
    assert set(ada.answers) == {"q1", "q6", "q7", "q12", "q13"}
    assert all(g.error is None for g in ada.answers.values())
    assert ada.answers["q12"].value["grad"].shape == (4, 2)
    assert bob.answers == {} and bob.error is None
    assert eve.error is None and eve.answers["q7"].value == 2


@pytest.mark.parametrize("name,text,words", [
    ("a.json", "{\"student\": ", "not valid JSON"),
    ("a.json", "[]", "non-empty list"),
    ("a.json", "3", "submission object"),
    ("a.json", "[" * 100_000 + "]" * 100_000, "nested"),
    ("a.csv", "name,q1\nAda,z\n", "student column"),
    ("a.csv", "student,q99\nAda,z\n", "unknown column 'q99'"),
])
def test_malformed_files_are_input_errors(tmp_path, name, text, words):
    f = tmp_path / name
    f.write_text(text)
    with pytest.raises(InputError, match=words):
        load_submissions(f)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_submissions(tmp_path / "none.json")
