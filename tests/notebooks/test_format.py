"""The notebook format's pieces that the builder and the grader share."""

import json
import math

import numpy as np
import pytest

from derive.notebooks import format as nbf


def test_data_cells_read_back_exactly():
    params = {"W1": [[1, -1, -2], [-1, 2, 1]], "b1": [0, 0, 0], "W2": [[0.1, 2.5]],
              "b2": [1e-7], "x": [4, 11], "y": [0, 1, 0], "lr": 0.5}
    source = nbf.data_source(params)
    assert source.splitlines()[0].startswith("W1 = np.array([[1, -1, -2],")
    assert source.index("b1") < source.index("W2") < source.index("x =") < source.index("lr")
    assert nbf.read_data(source) == params


@pytest.mark.parametrize("source", ["W1 = np.array(open('x').read())", "import os",
                                    "W1 = [1, 2]; os.system('x')", "W1 = [1,", "x = y",
                                    "W1 = np.array([1], dtype=float) + 1"])
def test_data_cells_that_are_not_data_are_not_read(source):
    assert nbf.read_data(source) is None


def test_variables_are_names_and_distinct():
    got = nbf.variables(["q6", "1a", "q-1", "q_1", "class"])
    assert got == {"q6": "q6", "1a": "q_1a", "q-1": "q_1", "q_1": "q_1_2", "class": "q_class"}
    assert all(v.isidentifier() for v in got.values())


def test_cell_ids_follow_nbformat():
    long = nbf.cell_id("part", "x" * 100, "data")
    assert len(long) <= 64 and long == nbf.cell_id("part", "x" * 100, "data")
    assert nbf.cell_id("q 6", "answer") == "q_6-answer"


def test_fingerprint_tells_data_apart():
    key = {"assignment": {"digest": "d"}, "params": {"p": {"x": [1, 2]}}}
    other = {"assignment": {"digest": "d"}, "params": {"p": {"x": [1, 3]}}}
    assert nbf.fingerprint(key) == nbf.fingerprint(json.loads(json.dumps(key)))
    assert nbf.fingerprint(key) != nbf.fingerprint(other)


def test_answers_are_plain_json():
    space: dict = {}
    exec(nbf.PLAIN_SOURCE, space)
    plain = space["_handouts_plain"]
    got = plain({"grad": np.eye(2), "new": (np.float64(1.5), np.int64(2))})
    assert got == {"grad": [[1.0, 0.0], [0.0, 1.0]], "new": [1.5, 2]}
    assert plain(float("nan")) == "nan" and plain(np.array([math.inf]))[0] == "inf"
    assert plain(1 + 2j) == "(1+2j)" and plain(None) is None and plain("x*(a-y)") == "x*(a-y)"
    nested: list = []
    for _ in range(20):
        nested = [nested]
    json.dumps(plain(nested))
