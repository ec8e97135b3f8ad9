"""keys.csv and manifest.json: well-formed, and every number equal to the
answer key's (moodle.xml: test_moodle.py)."""

import csv
import io
import json

import pytest

from derive.problem.assignment import load_assignment
from derive.variants.exports import flat_answers, keys_csv, manifest_json
from derive.variants.instances import generate_assignment_keys
from derive.variants.settings import parse_settings

REFERENCE = load_assignment("reference")


@pytest.fixture(scope="module")
def keys():
    """Variants of the reference assignment (schema 2), as ``handouts variants`` makes them."""
    return generate_assignment_keys(REFERENCE, 9, 4, parse_settings({}))


def test_flat_answers_name_every_entry_from_1(keys):
    names = [n for n, _ in flat_answers(keys[0])]
    assert names[:3] == ["q5", "q6[1,1]", "q6[1,2]"]
    assert "q10[4]" in names and "q12.grad[4,2]" in names and "q13.new[2,4]" in names
    assert len(names) == 1 + 6 + 1 + 6 + 1 + 4 + 2 + 8 + 8 + 8 + 8 + 2


def test_keys_csv_one_row_per_variant_full_precision(keys):
    rows = list(csv.DictReader(io.StringIO(keys_csv(keys))))
    assert [r["variant"] for r in rows] == [k["variant"] for k in keys]
    for row, key in zip(rows, keys):
        assert row["seed"] == "9"
        for name, value in flat_answers(key):
            assert float(row[name]) == value


def test_manifest(keys):
    m = json.loads(manifest_json(seed=9, count=4, config_digest="", inputs="i",
                                 variants={k["variant"]: "h" for k in keys}, collection="c"))
    assert m["seed"] == 9 and m["count"] == 4 and m["config_digest"] is None
    assert set(m["versions"]) == {"python", "sympy", "numpy", "handouts"}
    assert list(m["variants"]) == [k["variant"] for k in keys]


# --------------------------------------------------------------------------
# Schema 2 keys (variants of an assignment file)


@pytest.fixture(scope="module")
def logistic_keys():
    from derive.problem.assignment import load_assignment
    from derive.variants.instances import generate_assignment_keys
    return generate_assignment_keys(load_assignment("logistic"), 9, 3, parse_settings({}))


def test_schema2_flat_answers_name_every_numeric_question(logistic_keys):
    key = logistic_keys[0]
    answers = dict(flat_answers(key))
    # q1 and q3 are formulas; q2's loss example has a value
    assert list(answers)[:4] == ["q2", "q4[1]", "q5", "q6"]
    assert answers["q2"] == key["answers"]["q2"]["value"]
    assert answers["q7[2,1]"] == key["answers"]["q7"][1][0]
    assert answers["q9.grad[1,1]"] == key["answers"]["q9"]["grad"][0][0]
    assert answers["q10.new[1]"] == key["answers"]["q10"]["new"][0]
    assert answers["q12"] == key["answers"]["q12"]
    assert not {n.split("[")[0].split(".")[0] for n in answers} & {"q1", "q3"}


def test_schema2_keys_csv_one_row_per_variant_full_precision(logistic_keys):
    rows = list(csv.DictReader(io.StringIO(keys_csv(logistic_keys))))
    assert [r["variant"] for r in rows] == ["s9-0", "s9-1", "s9-2"]
    for row, key in zip(rows, logistic_keys):
        assert row["seed"] == "9"
        assert {n: float(row[n]) for n in row if n not in ("variant", "seed")} == \
            dict(flat_answers(key))
