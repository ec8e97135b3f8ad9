"""keys.csv, moodle.xml and manifest.json: well-formed, and every number
equal to the answer key's."""

import csv
import io
import json
import re
import xml.etree.ElementTree as ET

import pytest

from derive.exports import (NUMERIC_ITEMS, flat_answers, keys_csv, manifest_json, moodle_xml,
                            tolerance)
from derive.variants import generate_keys, parse_settings


@pytest.fixture(scope="module")
def keys():
    return generate_keys(9, 4, parse_settings({}))


def test_flat_answers_name_every_entry_from_1(keys):
    names = [n for n, _ in flat_answers(keys[0])]
    assert names[:3] == ["q5", "q6[1,1]", "q6[1,2]"]
    assert "q10[4]" in names and "q12.grad[4,2]" in names and "q13.W[2,4]" in names
    assert len(names) == 1 + 6 + 1 + 6 + 1 + 4 + 2 + 8 + 8 + 8 + 8 + 2


def test_keys_csv_one_row_per_variant_full_precision(keys):
    rows = list(csv.DictReader(io.StringIO(keys_csv(keys))))
    assert [r["variant"] for r in rows] == [k["variant"] for k in keys]
    for row, key in zip(rows, keys):
        assert row["seed"] == "9"
        for name, value in flat_answers(key):
            assert float(row[name]) == value


_CLOZE = re.compile(r"\{1:NUMERICAL:=([^:}]+):([^}]+)\}")


def test_moodle_xml_is_well_formed_and_answers_equal_the_key(keys):
    root = ET.fromstring(moodle_xml(keys, decimals=4))
    assert root.tag == "quiz"
    questions = root.findall("question")
    cats = [q for q in questions if q.get("type") == "category"]
    assert [c.findtext("category/text") for c in cats] == \
        [f"$course$/handouts/s9/{k['variant']}" for k in keys]
    graded = [q for q in questions if q.get("type") != "category"]
    assert len(graded) == len(keys) * len(NUMERIC_ITEMS)
    by_name = {q.findtext("name/text"): q for q in graded}
    for key in keys:
        got = []
        for item in NUMERIC_ITEMS:
            q = by_name[f"{key['variant']} {item}"]
            if q.get("type") == "numerical":
                value = float(q.findtext("answer/text"))
                assert q.find("answer").get("fraction") == "100"
                assert float(q.findtext("answer/tolerance")) == tolerance(value, 4)
                got.append(value)
            else:
                assert q.get("type") == "cloze"
                fields = _CLOZE.findall(q.findtext("questiontext/text"))
                assert all(float(t) == tolerance(float(v), 4) for v, t in fields)
                got += [float(v) for v, _ in fields]
        assert got == [v for _, v in flat_answers(key)]


def test_tolerance_is_relative_but_not_below_the_printed_digits():
    assert tolerance(100.0, 4) == pytest.approx(0.1)
    assert tolerance(0.001, 4) == 0.5e-4
    assert tolerance(0.0, 2) == 0.005


def test_moodle_xml_escapes_and_is_deterministic(keys):
    text = moodle_xml(keys)
    assert text == moodle_xml(keys)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert "&lt;table&gt;" in text  # HTML inside the XML is escaped


def test_manifest(keys):
    m = json.loads(manifest_json(seed=9, count=4, config_digest="", inputs="i",
                                 variants={k["variant"]: "h" for k in keys}, collection="c"))
    assert m["seed"] == 9 and m["count"] == 4 and m["config_digest"] is None
    assert set(m["versions"]) == {"python", "sympy", "numpy", "handouts"}
    assert list(m["variants"]) == [k["variant"] for k in keys]
