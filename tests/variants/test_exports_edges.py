"""keys.csv and manifest.json as files: keys.csv's lines, columns and
numbers; what the manifest records (schema, seed, count, versions, inputs,
collection, variants, files and their digests) and how it is written
(mutation survivors of derive/variants/exports.py)."""

import csv
import io
import json
import platform
from importlib import metadata

import pytest

import derive
from derive.numerics.key import build_assignment_keys
from derive.problem.assignment import PartData, load_assignment
from derive.variants.exports import keys_csv, manifest_json

LOGISTIC = load_assignment("logistic")
# two variants of the logistic unit
DATA = [PartData(W=(((1,), (-1,)),), b=((-0.5,),), x=(1, 2), y=(1,), lr=0.5),
        PartData(W=(((0.5,), (1,)),), b=((0,),), x=(0, 1), y=(0,), lr=0.25)]


@pytest.fixture(scope="module")
def keys():
    return build_assignment_keys(LOGISTIC, [{"logistic": d} for d in DATA], ["v0", "v1"], 7)


def test_keys_csv_is_a_header_and_one_line_per_variant_ending_in_newline(keys):
    text = keys_csv(keys)
    lines = text.split("\n")
    # "\n" ends every line (no "\r\n": the same bytes on every platform), the last too
    assert "\r" not in text and lines[-1] == "" and len(lines) == 1 + len(keys) + 1
    # a matrix entry's name has a comma: quoted
    assert lines[0] == 'variant,seed,q2,q4[1],q5,q6,"q7[1,1]","q7[2,1]",q8[1],"q9.grad[1,1]",' \
        '"q9.grad[2,1]","q9.new[1,1]","q9.new[2,1]",q10.grad[1],q10.new[1],q11,q12'
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[:2] for r in rows[1:]] == [["v0", "7"], ["v1", "7"]]
    # full precision: repr of the key's float64, read back to the same number
    for row, key in zip(rows[1:], keys):
        assert row[rows[0].index("q11")] == repr(key["answers"]["q11"])
        assert float(row[rows[0].index("q9.new[2,1]")]) == key["answers"]["q9"]["new"][1][0]


FILES = {"keys.csv": "a" * 64, "moodle.xml": "b" * 64}


def _manifest(**extra):
    return manifest_json(seed=12, count=3, config_digest="c0ffee", inputs="in-digest",
                         variants={"s12-0": "h0", "s12-1": "h1", "s12-2": "h2"},
                         collection="col-digest", extra=extra)


def test_the_manifest_records_what_the_set_was_built_from():
    extra = {"assignment": {"name": "logistic", "title": "Rückwärts", "digest": "d"},
             "files": FILES}
    assert json.loads(_manifest(**extra)) == {
        "schema": 1, "seed": 12, "count": 3, "config_digest": "c0ffee",
        "versions": {"python": platform.python_version(), "sympy": metadata.version("sympy"),
                     "numpy": metadata.version("numpy"), "handouts": derive.__version__},
        "inputs": "in-digest", "collection": "col-digest",
        "variants": {"s12-0": "h0", "s12-1": "h1", "s12-2": "h2"}, **extra}
    # no config: null, not an empty digest
    assert json.loads(manifest_json(seed=1, count=1, config_digest="", inputs="i",
                                    variants={}, collection="c"))["config_digest"] is None


def test_the_manifest_is_indented_json_with_text_as_written():
    text = _manifest(assignment={"title": "Rückwärts – Übung"})
    # one field a line, indented by two spaces, in a fixed order, newline at the end
    assert text.startswith('{\n  "schema": 1,\n  "seed": 12,\n  "count": 3,\n'
                           '  "config_digest": "c0ffee",\n  "versions": {\n    "python": ')
    assert '\n  "variants": {\n    "s12-0": "h0",\n' in text
    assert text.endswith('\n  "assignment": {\n    "title": "Rückwärts – Übung"\n  }\n}\n')

