"""A set's exports joined from each variant's pieces are the exports made
as one document: moodle.xml is the whole quiz as ElementTree indents it,
canvas-qti.zip holds every variant's entries and a manifest of them all."""

import io
import xml.etree.ElementTree as ET
import zipfile

import pytest

from derive.problem.assignment import load_assignment
from derive.problem.config import Config
from derive.variants.canvas import canvas_variant, join_canvas
from derive.variants.instances import generate_assignment_keys
from derive.variants.moodle import join_moodle, mark_scale, moodle_variant
from derive.variants.settings import parse_settings

REFERENCE = load_assignment("reference")


@pytest.fixture(scope="module")
def keys():
    return generate_assignment_keys(REFERENCE, 5, 3, parse_settings({}))


def _whole(text: str) -> str:
    """``text`` parsed and written again as one tree, indented as moodle.xml is."""
    root = ET.fromstring(text.encode())
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def test_the_joined_quiz_is_the_whole_quiz(keys):
    scale = mark_scale(keys)
    parts = [moodle_variant(key, scale, penalty=0.25) for key in keys]
    joined = join_moodle(parts)
    assert joined == _whole(joined)
    categories = ET.fromstring(joined.encode()).findall("question[@type='category']")
    assert [c.findtext("category/text").rsplit("/", 1)[1] for c in categories] == \
        [k["variant"] for k in keys]
    assert join_moodle(parts[:1]) == _whole(join_moodle(parts[:1]))


def test_the_joined_package_holds_every_variant(keys):
    parts = [(k["variant"], canvas_variant(k, REFERENCE, Config())) for k in keys[:2]]
    package = zipfile.ZipFile(io.BytesIO(join_canvas(parts)))
    names = package.namelist()
    assert names[0] == "imsmanifest.xml"
    assert set(names) == {"imsmanifest.xml", "non_cc_assessments/"} | \
        {name for _, entries in parts for name in entries}
    manifest = package.read("imsmanifest.xml").decode()
    for _, entries in parts:
        for name, data in entries.items():
            assert package.read(name) == data
            assert f'href="{name}"' in manifest
