"""A formula question as a Moodle multichoice question: its XML, and
Moodle's own importer on the formula questions of every shipped assignment
(the php harness of ../shared/moodle-import, both trees; skipped without
php): it imports without an error, the right option is the only one worth
the full mark, each wrong one 0 with its diagnosis as feedback, the MathJax
``\\( … \\)`` maths and the embedded files arrive as written."""

import base64
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from derive.numerics.key import build_assignment_keys
from derive.problem.assignment import load_assignment
from derive.variants.choices import Choice, Choices, formula_choices
from derive.variants.instances import generate_assignment_keys
from derive.variants.moodle_choice import multichoice
from derive.variants.settings import parse_settings
from tests.variants.test_moodle_import import HARNESS, harness  # noqa: F401 (the fixture)

HAND = Choices("q1", (Choice(r"\(a\)", False, "<p>not a</p>"), Choice(r"\(b &lt; c\)", True),
                      Choice(r"\(c\)", False, '<p>see <img src="@@PLUGINFILE@@/c.png"></p>')))
TEXT = '<p>Problem sheet s1-1, question q1: <img src="@@PLUGINFILE@@/net.png"></p>'
FILES = {"net.png": b"\x89PNG net", "c.png": b"\x89PNG c", "sol.png": b"sol", "spare.txt": b"x"}


def _question(**overrides) -> ET.Element:
    quiz = ET.Element("quiz")
    args = dict(quiz=quiz, name="s1-1 q1", text_html=TEXT, choices=HAND, mark=5, penalty=0.25,
                feedback_html='<p>Worked: <img src="@@PLUGINFILE@@/sol.png"></p>', files=FILES)
    args.update(overrides)
    q = multichoice(**args)
    assert list(quiz) == [q]
    return q


def test_the_question_element():
    q = _question()
    assert q.get("type") == "multichoice"
    assert q.findtext("name/text") == "s1-1 q1" and q.findtext("questiontext/text") == TEXT
    assert [q.findtext(t) for t in ("defaultgrade", "penalty", "single", "shuffleanswers",
                                    "answernumbering")] == ["5", "0.25", "true", "1", "abc"]
    answers = q.findall("answer")
    assert [(a.get("fraction"), a.findtext("text"), a.findtext("feedback/text")) for a in answers] \
        == [("0", r"\(a\)", "<p>not a</p>"), ("100", r"\(b &lt; c\)", ""),
            ("0", r"\(c\)", '<p>see <img src="@@PLUGINFILE@@/c.png"></p>')]


def test_files_sit_in_the_element_that_refers_to_them():
    q = _question()
    where = {f.get("name"): f for f in q.iter("file")}
    assert set(where) == set(FILES)
    assert {f.get("name") for f in q.findall("questiontext/file")} == {"net.png", "spare.txt"}
    assert [f.get("name") for f in q.findall("generalfeedback/file")] == ["sol.png"]
    assert [f.get("name") for f in q.findall("answer/feedback/file")] == ["c.png"]
    for name, f in where.items():
        assert (f.get("path"), f.get("encoding")) == ("/", "base64")
        assert base64.b64decode(f.text) == FILES[name]


def test_marks_and_penalties_as_moodle_reads_them():
    assert _question(mark=7.5, penalty=1 / 3).findtext("defaultgrade") == "7.5"
    assert _question(penalty=1 / 3).findtext("penalty") == "0.3333333"
    assert _question(penalty=0.0, files=None).findtext("penalty") == "0"


@pytest.mark.parametrize("options", [
    (Choice("a", True), Choice("b", True)), (Choice("a", False), Choice("b", False)),
    (Choice("a", True),)])
def test_one_right_option_of_at_least_two(options):
    with pytest.raises(ValueError, match="s1-1 q1: a multiple-choice question needs exactly one"):
        _question(choices=Choices("q1", options))


def test_same_inputs_same_bytes():
    assert ET.tostring(_question()) == ET.tostring(_question())


# --------------------------------------------------------------------------
# Moodle's importer

_CHECK = r"""<?php
// Moodle's own qformat_xml::readquestions() (import_multichoice, import_headers,
// import_answer, import_text_with_files) and importprocess()'s grade check on a
// moodle.xml, through the harness's stubs; prints each question as imported.
// Usage: php check.php HARNESS_DIR MOODLE_XML
error_reporting(E_ALL);
ini_set('display_errors', 'stderr');
require $argv[1] . '/stubs.php';
require $argv[1] . '/fakedb.php';
global $DB, $CFG, $HARNESSLOG;
$DB = new harness_fake_db();
require_once($CFG->dirroot . '/question/engine/lib.php');
require_once($CFG->dirroot . '/question/format.php');
require_once($CFG->dirroot . '/question/format/xml/format.php');
class check_xml extends qformat_xml {
    public function h_readdata($filename) {
        return $this->readdata($filename);
    }
}
$format = new check_xml();
$format->setCourse((object) ['id' => 2, 'shortname' => 'NN']);
$format->setFilename($argv[2]);
$format->setMatchgrades('error');
$format->setStoponerror(true);
$format->set_display_progress(false);
ob_start();
$questions = $format->readquestions($format->h_readdata($argv[2]));
$echoed = ob_get_clean();
$grades = question_bank::fraction_options_full();
$out = ['importerrors' => $format->importerrors, 'error_output' => trim(strip_tags($echoed)),
        'grade_check_errors' => [], 'questions' => []];
foreach ($questions ?: [] as $q) {
    $rec = ['name' => $q->name, 'qtype' => $q->qtype, 'questiontext' => $q->questiontext,
            'questiontextitemid' => $q->questiontextitemid ?? null,
            'generalfeedback' => $q->generalfeedback,
            'generalfeedbackitemid' => $q->generalfeedbackitemid ?? null,
            'defaultmark' => $q->defaultmark, 'penalty' => $q->penalty, 'answers' => []];
    foreach (['single', 'shuffleanswers', 'answernumbering'] as $f) {
        $rec[$f] = $q->$f;
    }
    foreach ($q->answer as $i => $answer) {
        if (match_grade_options($grades, $q->fraction[$i], 'error') === false) {
            $out['grade_check_errors'][] = [$q->name, $q->fraction[$i]];
        }
        $rec['answers'][] = ['text' => $answer['text'], 'format' => $answer['format'],
            'fraction' => $q->fraction[$i], 'feedback' => $q->feedback[$i]['text'],
            'feedbackitemid' => $q->feedback[$i]['itemid'] ?? null];
    }
    $out['questions'][] = $rec;
}
$out['files'] = array_map(fn($f) => ['name' => $f['record']['filename'],
    'path' => $f['record']['filepath'], 'itemid' => $f['record']['itemid'],
    'bytes' => $f['bytes']], $HARNESSLOG['files']);
echo json_encode($out, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_PRESERVE_ZERO_FRACTION);
"""

_NO_PHP = pytest.mark.skipif(shutil.which("php") is None, reason="php not on PATH")
_NO_HARNESS = pytest.mark.skipif(not (HARNESS / "import_check.php").is_file(),
                                 reason=f"no Moodle harness at {HARNESS}")


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """moodle.xml of the formula questions of every shipped assignment (its
    reference key and two variants), each with a figure in its text."""
    quiz = ET.Element("quiz")
    expected = {}
    for name in ("reference", "logistic", "sigmoid-softmax", "tanh-mse"):
        a = load_assignment(name)
        keys = build_assignment_keys(a, [{}], ["reference"]) + \
            generate_assignment_keys(a, 7, 2, parse_settings({}))
        for key in keys:
            for qid, choices in formula_choices(a, key).items():
                title = f"{name} {key['variant']} {qid}"
                multichoice(quiz, title, TEXT.replace("q1", qid), choices,
                            key["questions"][qid]["points"] * 2, 1 / 3,
                            r"<p>The key: \(x\)</p>", {"net.png": FILES["net.png"]})
                expected[title] = (choices, key["questions"][qid]["points"] * 2)
    ET.indent(quiz)
    path = tmp_path_factory.mktemp("choice") / "moodle.xml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n' +
                    ET.tostring(quiz, encoding="unicode") + "\n", encoding="utf-8")
    return path, expected


@_NO_PHP
@_NO_HARNESS
@pytest.mark.parametrize("tree", ["tree", "tree45"])
def test_moodle_imports_and_grades_the_choices(tree, exported, harness, tmp_path):  # noqa: F811
    path, expected = exported
    check = tmp_path / "check.php"
    check.write_text(_CHECK)
    run = subprocess.run(["php", "-d", "memory_limit=2G", str(check), str(harness), str(path)],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "HARNESS_TREE": tree})
    assert run.returncode == 0, run.stderr[-2000:]
    out = json.loads(run.stdout)
    assert (out["importerrors"], out["error_output"], out["grade_check_errors"]) == (0, "", [])
    assert [q["name"] for q in out["questions"]] == list(expected)
    for q in out["questions"]:
        choices, mark = expected[q["name"]]
        assert q["qtype"] == "multichoice" and (q["single"], q["shuffleanswers"]) == (1, 1)
        assert float(q["defaultmark"]) == mark and q["penalty"] == 0.3333333
        assert q["questiontext"].startswith("<p>Problem sheet s1-1, question q")
        assert q["generalfeedback"] == r"<p>The key: \(x\)</p>"
        # qtype_multichoice (single) grades a response with the fraction of
        # the option picked; saving needs two options and one worth 100 %
        grades = {a["text"]: a["fraction"] for a in q["answers"]}
        assert len(q["answers"]) == len(choices.options) >= 3
        for option, imported in zip(choices.options, q["answers"]):
            assert imported["text"] == option.html and imported["format"] == "1"
            assert grades[option.html] == (1.0 if option.right else 0.0)
            assert imported["feedback"] == option.feedback
            assert imported["text"].startswith("\\(") and imported["text"].endswith("\\)")
            if not option.right:
                assert "\\(" in imported["feedback"] or len(imported["feedback"]) > 20
        assert max(grades.values()) == 1.0 and sorted(grades.values()).count(1.0) == 1
    # the figure: one draft file per question, in its question text's file area
    items = {q["questiontextitemid"] for q in out["questions"]}
    assert len(items) == len(expected) and None not in items
    assert sorted(f["itemid"] for f in out["files"]) == sorted(items)
    assert {(f["name"], f["path"], f["bytes"]) for f in out["files"]} == \
        {("net.png", "/", len(FILES["net.png"]))}
