"""moodle.xml through Moodle's own importer, cloze parser, storage and
numerical grading (the php harness of ../shared/moodle-import beside the checkout, or
$MOODLE_IMPORT_HARNESS): it imports without an error, every question's mark
is its points times the export's one scale, and Moodle accepts exactly what
the precision contract accepts."""

import html
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from derive.problem import precision
from derive.problem.config import Config, Course
from derive.variants.exports import numeric_items
from derive.variants.lms_html import question_html, read_marker
from derive.variants.moodle import WIDTH_PAD, mark_scale, moodle_answer, moodle_xml, wrong_fields
from derive.variants.items import mistaken_answers
from derive.numerics.key import build_assignment_keys
from derive.problem.assignment import load_assignment
from derive.variants.instances import generate_assignment_keys
from derive.variants.settings import parse_settings

# shared/ lies beside the checkout (here and in CI)
# (or beside the main checkout of a git worktree kept one folder deeper)
HARNESS = Path(os.environ.get("MOODLE_IMPORT_HARNESS", next(
    (h for h in (Path(__file__).resolve().parents[i] / "shared/moodle-import/harness" for i in (3, 4))
     if h.is_dir()), Path(__file__).resolve().parents[3] / "shared/moodle-import/harness")))

pytestmark = [
    pytest.mark.skipif(shutil.which("php") is None, reason="php (php-cli php-xml php-mbstring) not on PATH"),
    pytest.mark.skipif(not (HARNESS / "import_check.php").is_file(), reason=f"no Moodle harness at {HARNESS}"),
]


@pytest.fixture(scope="module")
def harness(tmp_path_factory) -> Path:
    """The harness, runnable: a copy made of it has its symlinks flattened to
    files holding the link's target, which php would print instead of
    loading; those are made links again (to the absolute target)."""
    pointers = [f for f in HARNESS.rglob("*.php") if not f.is_symlink() and f.stat().st_size < 400
                and f.read_text(errors="replace").startswith("../")]
    if not pointers:
        return HARNESS
    copy = tmp_path_factory.mktemp("moodle") / "harness"
    shutil.copytree(HARNESS, copy, symlinks=True)
    for f in pointers:
        target = (f.parent / f.read_text().strip()).resolve()
        link = copy / f.relative_to(HARNESS)
        link.unlink()
        link.symlink_to(target)
    return copy


@pytest.fixture(scope="module", params=["reference", "sigmoid-softmax", "logistic"])
def keys(request):
    """Variants of the reference (as ``handouts variants`` makes them) and of
    two example assignments (schema 2; between them every numeric kind,
    biases, a loss example's value), and the reference's own key."""
    a = load_assignment(request.param)
    keys = generate_assignment_keys(a, 20261128, 3, parse_settings({}))
    if request.param == "reference":
        keys = build_assignment_keys(a, [{}], ["reference"]) + keys
    return keys


def _fields(value):
    """Cloze field positions (from 1, in the order of the question text) with
    their part and expected value."""
    parts = value.items() if isinstance(value, dict) else [("", value)]
    flat = [(part, float(v)) for part, v in parts for v in np.ravel(v)]
    return {i: pv for i, pv in enumerate(flat, 1)}


_MISTAKEN: dict[tuple[str, str], dict] = {}


def _mistakes(key, item, part):
    """(code, answer) of the library's mistakes that enter the item (of its part)."""
    name = (key["assignment"]["name"], key["variant"])
    if name not in _MISTAKEN:
        _MISTAKEN[name] = mistaken_answers(load_assignment(name[0]), key)
    found = _MISTAKEN[name].get(item.id, [])
    return [(c, a[part] if part else a) for c, a in found if not part or part in a]


def _index(fields, pos: int) -> int:
    """The field's index among the fields of its part."""
    part = fields[pos][0]
    return sum(1 for p in range(1, pos) if fields[p][0] == part)


def _plain(feedback: str) -> str:
    """A 0 % answer's feedback without the paragraph a numerical question's has."""
    return feedback.removeprefix("<p>").removesuffix("</p>").strip()


def _rounded(v: float, figures: int) -> str:
    """What a student types: ``v`` to ``figures`` significant figures."""
    return np.format_float_positional(v, precision=figures, unique=False, fractional=False, trim="-")


def _cases(keys, figures):
    """Per field: the key rounded, just inside, on the edge and just outside
    the tolerance on both sides, as a student would type them."""
    cases = {}
    for key in keys:
        for item in numeric_items(key):
            for pos, (_, v) in _fields(item.value).items():
                t = float(precision.tolerance(v, figures))
                cases[f"{key['variant']} {item.id}#{pos}"] = {
                    "rounded": _rounded(v, figures),
                    "inside+": repr(v + 0.9 * t), "inside-": repr(v - 0.9 * t),
                    "edge+": repr(v + t), "edge-": repr(v - t),
                    "outside+": repr(v + 1.001 * t), "outside-": repr(v - 1.001 * t)}
                part = _fields(item.value)[pos][0]
                wrong = wrong_fields(item.value[part] if part else item.value,
                                     _mistakes(key, item, part), figures)
                for k, w in enumerate(wrong[_index(_fields(item.value), pos)]):
                    # what a student making the mistake types: a 0 % answer's value
                    cases[f"{key['variant']} {item.id}#{pos}"][f"mistake {k}"] = w
    return cases


_SHOWN: dict[tuple, dict] = {}


def _shown(keys, figures):
    """Per question name, what the export shows of it (:func:`question_html`)."""
    name = (keys[0]["assignment"]["name"], tuple(k["variant"] for k in keys), figures)
    if name not in _SHOWN:
        a = load_assignment(name[0])
        config = Config(course=Course(figures=figures))
        _SHOWN[name] = {f"{k['variant']} {qid}": q for k in keys
                        for qid, q in question_html(a, k, config, base="@@PLUGINFILE@@/").items()}
    return _SHOWN[name]


def _run(harness, tmp_path, keys, figures, tree, penalty=0.0):
    xml, cases = tmp_path / "moodle.xml", tmp_path / "cases.json"
    assignment = load_assignment(keys[0]["assignment"]["name"])
    xml.write_text(moodle_xml(keys, figures, penalty=penalty, assignment=assignment))
    cases.write_text(json.dumps(_cases(keys, figures)))
    env = {**os.environ, "HARNESS_TREE": tree}
    done = subprocess.run(["php", "-d", "memory_limit=2G", str(harness / "import_check.php"),
                           str(xml), str(cases)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.parametrize("tree", ["tree", "tree45"])
@pytest.mark.parametrize("figures", [3, 4])
def test_moodle_imports_marks_and_grades_as_the_contract(harness, tmp_path, keys, figures, tree):
    result = _run(harness, tmp_path, keys, figures, tree)
    assert result["parse"]["importerrors"] == 0, result["parse"]["error_output"]
    assert result["grade_check_errors"] == [] and not result["importprocess_would_stop"]
    names = {c["name"] for c in result["categories"]}
    assert {"handouts", "s20261128"} | {k["variant"] for k in keys} <= names

    scale = mark_scale(keys)
    if keys[0]["assignment"]["name"] == "reference":
        assert scale == 4  # 7.5 points over 6 fields, 10 over 8: the smallest whole weights
    questions = {q["name"]: q for q in result["questions"]}
    assert len(questions) == sum(len(numeric_items(k)) for k in keys)
    cases = _cases(keys, figures)
    graded = mistakes_seen = 0
    widths = set()  # of the cloze input boxes: the same, whatever the answer
    for key in keys:
        for item in numeric_items(key):
            q = questions[f"{key['variant']} {item.id}"]
            assert "error" not in q and "subquestion_errors" not in q, q
            assert float(q["imported"]["defaultmark"]) == item.points * scale
            assert precision.statement(figures) in q["imported"]["questiontext"]
            fields = _fields(item.value)
            assert set(map(int, q["stored"])) == set(fields)
            weights: dict[str, list[float]] = {}
            for pos, (part, v) in fields.items():
                stored = q["stored"][str(pos)]
                answer, *others = stored["answers"]
                assert float(answer["fraction"]) == 1
                wrong = wrong_fields(item.value[part] if part else item.value,
                                     _mistakes(key, item, part), figures)[_index(fields, pos)]
                # the library's mistakes, each a 0 % answer with its diagnosis as feedback
                pad = others[-1:] if q["qtype"] == "multianswer" else []
                mistaken = others[:-1] if pad else others
                assert [(float(a["answer"]), float(a["fraction"])) for a in mistaken] == \
                    [(float(w), 0) for w in wrong]
                for a, feedback in zip(mistaken, wrong.values()):
                    assert _plain(a["feedback"]) == feedback
                mistakes_seen += len(mistaken)
                if q["qtype"] == "multianswer":
                    assert [(float(a["answer"]), float(a["fraction"])) for a in pad] == [(float(WIDTH_PAD), 0)]
                    widths.add(stored["cloze_input_size_before_rand"])
                # Moodle keeps what the export wrote: the answer to 14 significant
                # digits, the contract's tolerance widened only by what they lose
                stored_as = (float(answer["answer"]), float(answer["tolerance"]))
                assert stored_as == tuple(map(float, moodle_answer(v, figures)))
                assert float(answer["answer"]) == pytest.approx(v, rel=1e-13, abs=1e-300)
                t = float(precision.tolerance(v, figures))
                assert t < float(answer["tolerance"]) <= t * (1 + 1e-8) + 1e-13 * abs(v)
                weights.setdefault(part, []).append(float(stored["defaultmark"]))
                for label, response in cases[f"{key['variant']} {item.id}#{pos}"].items():
                    grade = stored["grades"][label]
                    expected = bool(precision.within(float(response), v, figures))
                    assert expected == (not label.startswith(("outside", "mistake"))), \
                        (label, v, response)
                    verdict = (1.0, "gradedright") if expected else (0.0, "gradedwrong")
                    assert (float(grade["fraction"]), grade["state"]) == verdict, (q["name"], label, grade)
                    graded += 1
            # the fields share the marks equally; q12/q13's (a gradient-step's) grad fields weigh 0
            marked = item.marked or ""
            assert sum(weights[marked]) == item.points * scale
            for part, ws in weights.items():
                assert set(ws) == ({ws[0]} if part == marked else {0.0})
    assert graded == sum(len(c) for c in cases.values())
    assert mistakes_seen > len(keys)  # every variant has some
    assert widths == {len(WIDTH_PAD)}


@pytest.mark.parametrize("tree", ["tree", "tree45"])
def test_moodle_keeps_the_text_maths_feedback_and_figures(harness, tmp_path, keys, tree):
    """Each question's text (with its marker and MathJax maths, the cloze
    fields taken out) and its worked solution as general feedback come
    through the importer, and each figure it refers to is stored as a file
    of the text or of the feedback (the importer's draft files, in order)."""
    result = _run(harness, tmp_path, keys, 3, tree)
    assert result["parse"]["importerrors"] == 0, result["parse"]["error_output"]
    shown = _shown(keys, 3)
    expected = []   # the file areas, in import order: (name, size) of each file
    for q in result["questions"]:
        html_ = shown[q["name"]]
        variant, qid = q["name"].split()
        text, feedback = q["imported"]["questiontext"], q["imported"]["generalfeedback"]
        assert read_marker(text)[:2] == (variant, qid)
        assert text.startswith(html_.text)  # the cloze fields follow it
        assert r"\(" in text and "$" not in text and "$" not in feedback
        assert feedback == html_.feedback and feedback.startswith("<p><strong>Worked solution")
        for part in (html_.text, html_.feedback):
            files = sorted(n for n in html_.files if f'"@@PLUGINFILE@@/{n}"' in part)
            if files:
                expected.append([(n, len(html_.files[n])) for n in files])
    stored: dict[int, list] = {}
    for f in result["log"]["files"]:
        stored.setdefault(f["record"]["itemid"], []).append((f["record"]["filename"], f["bytes"]))
    assert list(stored.values()) == expected
    assert expected  # some figures

@pytest.mark.parametrize("tree", ["tree", "tree45"])
def test_a_wrong_try_costs_the_configured_penalty(harness, tmp_path, keys, tree):
    # Moodle's own default is a third of the mark per wrong try (interactive mode);
    # the export's is 0, and [variants] penalty sets it, for numerical and cloze alike
    for penalty in (0.0, 0.5):
        result = _run(harness, tmp_path, keys[:1], 3, tree, penalty)
        assert result["parse"]["importerrors"] == 0
        kinds = {q["qtype"] for q in result["questions"]}
        if keys[0]["assignment"]["name"] == "reference":
            assert kinds == {"numerical", "multianswer"}
        assert {float(q["imported"]["penalty"]) for q in result["questions"]} == {penalty}, kinds


@pytest.mark.parametrize("tree", ["tree", "tree45"])
def test_cloze_feedback_with_maths_survives_the_parser(harness, tmp_path, tree):
    """A field's feedback with MathJax maths, braces, &, <, # and ~ comes back
    from Moodle's cloze parser as written (but ~, written ∼), in a question
    text whose own maths has braces: the fields are found as before."""
    import xml.etree.ElementTree as ET
    from derive.variants.moodle import _cloze_body
    from derive.variants.moodle_choice import html_element
    feedback = r"<p>\(\frac{a}{b} &lt; \{0, 1\}\) &amp; #1 ~ \(W_{\text{new}}\)</p>"
    text = r"<p>\(\begin{bmatrix} 1 &amp; 2 \end{bmatrix}^{T}\), \[x_{1}\]</p>"
    body = _cloze_body([[1.5, 2.5], [3.5, 4.5]], 2, 3, [{"-1": feedback}, {}, {}, {}])
    quiz = ET.Element("quiz")
    q = ET.SubElement(quiz, "question", type="cloze")
    ET.SubElement(ET.SubElement(q, "name"), "text").text = "braces"
    html_element(q, "questiontext", text + body, {})
    (tmp_path / "q.xml").write_text(ET.tostring(quiz, encoding="unicode"))
    done = subprocess.run(["php", str(harness / "import_check.php"), str(tmp_path / "q.xml")],
                          capture_output=True, text=True, env={**os.environ, "HARNESS_TREE": tree},
                          timeout=300)
    result = json.loads(done.stdout)
    assert result["parse"]["importerrors"] == 0, result["parse"]["error_output"]
    (imported,) = result["questions"]
    assert imported["imported"]["questiontext"].startswith(text)
    assert len(imported["stored"]) == 4
    first = imported["stored"]["1"]["answers"]
    assert [float(a["answer"]) for a in first] == [1.5, -1.0, float(WIDTH_PAD)]
    assert first[1]["feedback"] == feedback.replace("~", "\N{TILDE OPERATOR}")
