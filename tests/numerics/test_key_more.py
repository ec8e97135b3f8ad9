"""The key's JSON text, written out by hand (docs/ANSWER_KEY.md): objects
indented by two spaces at every depth, each vector or matrix on one line,
text as written (not \\u escapes), and text that reads back as the same key."""

import json

from derive.numerics.key import dumps

KEY = {
    "schema": 2,
    "assignment": {"title": "Übung: tanh × MSE", "parts": [{"id": "p", "inputs": 3}]},
    "answers": {"q1": [0.5, -1.0], "q2": [[1.0, 2.0], [3.0, 4.0]]},
    "variant": "reference",
}

TEXT = """{
  "schema": 2,
  "assignment": {
    "title": "Übung: tanh × MSE",
    "parts": [
      {
        "id": "p",
        "inputs": 3
      }
    ]
  },
  "answers": {
    "q1": [0.5, -1.0],
    "q2": [[1.0, 2.0], [3.0, 4.0]]
  },
  "variant": "reference"
}
"""


def test_the_key_is_indented_by_depth_with_vectors_and_matrices_on_one_line():
    assert dumps(KEY) == TEXT


def test_a_table_of_objects_inside_a_list_reads_back_as_written():
    # the objects of a list of lists are not indented: they must stay JSON
    value = {"rows": [[{"code": "sign", "share": 0.5}], []], "empty": {}}
    text = dumps(value)
    assert json.loads(text) == value
    assert '[[{"code": "sign", "share": 0.5}], []]' in text
