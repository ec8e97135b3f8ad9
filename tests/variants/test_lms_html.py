"""The LMS-neutral question HTML and the marker the LMS reports carry back:
every question of every shipped assignment as well-formed HTML with MathJax
maths MathJax 2 and 3 both know, its data and answers the key's numbers, its
figures as PNG files, the worked solution as feedback."""

import re
from html import unescape
import xml.etree.ElementTree as ET
from dataclasses import replace

import numpy as np
import pytest

from derive.problem import precision
from derive.problem.assignment import load_assignment
from derive.problem.config import Config, Documents
from derive.variants import lms_figures, lms_html
from derive.variants.exports import numeric_items
from derive.variants.instances import generate_assignment_keys
from derive.variants.lms_html import marker, question_html, read_marker
from derive.variants.lms_tex import ENVIRONMENTS, MATHJAX
from derive.variants.settings import parse_settings

SHIPPED = ["reference", "logistic", "sigmoid-softmax", "tanh-mse"]
BASE = "@@PLUGINFILE@@/"


@pytest.mark.parametrize("question, read", [
    ("q6", ("q6", "", ())), ("q6[1,2]", ("q6", "", (1, 2))), ("q10[3]", ("q10", "", (3,))),
    ("q12.new[2,1]", ("q12", "new", (2, 1))), ("net-out_2.grad", ("net-out_2", "grad", ())),
])
def test_marker_reads_back(question, read):
    text = f"<p>{marker('s7-03', question)}: the gradient of …</p>"
    assert read_marker(text) == ("s7-03", *read)
    assert read_marker("1234: " + marker("reference", question) + ". Given") == ("reference", *read)


def test_no_marker():
    assert read_marker("Question 3: what is 2 + 2?") is None


@pytest.fixture(scope="module", params=SHIPPED)
def shown(request):
    """(assignment, key, its questions as HTML) for one variant of a shipped assignment."""
    a = load_assignment(request.param)
    key = generate_assignment_keys(a, 11, 1, parse_settings({}))[0]
    return a, key, question_html(a, key, Config(), base=BASE)


_MATH = re.compile(r"\\\((.*?)\\\)|\\\[(.*?)\\\]", re.S)


def _maths(html: str) -> list[str]:
    """The maths of an HTML text, as MathJax reads it (entities decoded)."""
    return [unescape(m[1] if m[1] is not None else m[2]) for m in _MATH.finditer(html)]


def _balanced(tex: str) -> bool:
    depth = 0
    for token in re.findall(r"\\.|[{}]", tex):
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth < 0:
            return False
    return depth == 0


def _check_html(html: str) -> None:
    ET.fromstring(f"<div>{html}</div>")   # well-formed (XHTML-style)
    assert "$" not in html
    outside = _MATH.sub("", html)
    assert not re.search(r"\\[A-Za-z(\[\])]", outside), outside   # no LaTeX left in the text
    for tex in _maths(html):
        assert _balanced(tex), tex
        assert not re.search(r"\\[()\[\]]", tex), tex   # no nested delimiters
        names = set(re.findall(r"\\([A-Za-z]+)", tex))
        assert names <= MATHJAX, names - MATHJAX
        assert set(re.findall(r"\\(?:begin|end)\{([^}]*)\}", tex)) <= ENVIRONMENTS


def test_every_question_is_html_with_mathjax_maths(shown):
    a, key, html = shown
    assert list(html) == list(key["questions"])   # formula kinds too
    numeric = {i.id for i in numeric_items(key)}
    for qid, q in html.items():
        assert q.text.startswith(f"<p>{marker(key['variant'], qid)}</p>")   # no points: the LMS's
        assert read_marker(q.text)[:2] == (key["variant"], qid)
        # the precision contract where the answer is numbers, not on a multiple choice
        assert (precision.statement(3) in q.text) == (qid in numeric), qid
        assert q.feedback.startswith("<p><strong>Worked solution</strong></p>")
        assert "<strong>Answer.</strong>" in q.feedback
        for part in (q.text, q.feedback):
            _check_html(part)


def test_figures_are_png_files_the_html_refers_to(shown):
    a, key, html = shown
    seen = 0
    for qid, q in html.items():
        refs = re.findall(r'<img src="([^"]*)" alt="([^"]+)" />', q.text + q.feedback)
        assert {BASE + n for n in q.files} == {src for src, _ in refs}
        for name, data in q.files.items():
            assert data.startswith(b"\x89PNG\r\n\x1a\n") and name.startswith(key["variant"] + "-")
        seen += len(q.files)
    part_of = {qid: q["part"] for qid, q in key["questions"].items()}
    given = {p.id for p in a.parts if p.given is not None}
    for qid, q in html.items():   # the part's network beside every question of a part with data
        assert any("network" in n for n in q.files) == (part_of[qid] in given)
    assert seen


def _number(text: str) -> tuple[float, float]:
    """A printed number and half a unit of its last digit."""
    m = re.fullmatch(r"(-?[0-9.]+)(?: \\times 10\^\{(-?[0-9]+)\})?", text.strip())
    assert m, text
    places = len(m[1].split(".")[1]) if "." in m[1] else 0
    scale = 10.0 ** int(m[2] or 0)
    return float(m[1]) * scale, 0.5 * 10.0 ** -places * scale


def _values(tex: str) -> list[tuple[float, float]]:
    """The numbers of a printed value: a matrix's entries row by row, or one number."""
    m = re.search(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", tex, re.S)
    cells = re.split(r"\\\\|&", m[1]) if m else [tex]
    return [_number(c) for c in cells]


def _matches(printed: list[tuple[float, float]], exact: bool, value) -> bool:
    want = np.ravel(np.asarray(value, float))
    return len(printed) == len(want) and all(
        (p == v) if exact else abs(p - v) <= half * (1 + 1e-9) for (p, half), v in zip(printed, want))


def test_every_number_shown_is_the_keys(shown):
    a, key, html = shown
    names = {"W": "W", "w_0": "b"}
    given = answers = 0
    for item in numeric_items(key):
        q = html[item.id]
        # the given data, printed exactly
        params = key["params"][key["questions"][item.id]["part"]]
        for tex in _maths(q.text):
            m = re.fullmatch(r"(W|w_0)\^\{(\d)\} = (.*?)(?:\\quad \(.*\))?|(x|y|\\eta) = (.*)", tex)
            if m and "begin" in tex or m and m[4] == r"\eta":
                name = f"{names[m[1]]}{m[2]}" if m[1] else {"x": "x", "y": "y", r"\eta": "lr"}[m[4]]
                assert _matches(_values(m[3] or m[5]), True, params[name]), (item.id, tex)
                given += 1
        # the answer, at the digits shown (= exact, ≈ rounded)
        answer = re.search(r"<strong>Answer\.</strong>(.*?)</p>", q.feedback)[1]
        shown_values = [t for t in _maths(answer) if "=" in t or r"\approx" in t][-len(
            item.value if isinstance(item.value, dict) else [item.value]):]
        values = list(item.value.values()) if isinstance(item.value, dict) else [item.value]
        for tex, value in zip(shown_values, values):
            rel = "=" if re.search(r"(?<!\\approx) = (?!.*\\approx)", tex) and r"\approx" not in tex else "≈"
            printed = tex.rsplit(r"\approx" if rel == "≈" else "=", 1)[1]
            assert _matches(_values(printed), rel == "=", value), (item.id, tex, value)
            answers += 1
    assert answers == sum(len(i.value) if isinstance(i.value, dict) else 1 for i in numeric_items(key))
    assert given >= len([i for i in numeric_items(key) if key["questions"][i.id]["kind"] != "loss"])


def test_same_inputs_same_bytes():
    a = load_assignment("reference")
    key = generate_assignment_keys(a, 3, 1, parse_settings({}))[0]
    first = question_html(a, key, Config())
    lms_figures._CACHE.clear()   # rendered and drawn again, not taken from the caches
    lms_html._RENDERED.clear()
    assert question_html(a, key, Config()) == first


def test_the_base_is_the_only_difference_between_exports():
    a = load_assignment("reference")
    key = generate_assignment_keys(a, 3, 1, parse_settings({}))[0]
    moodle = question_html(a, key, Config(), base=BASE)
    canvas = question_html(a, key, Config(), base="$IMS-CC-FILEBASE$/images/s3-0/")
    plain = question_html(a, key, Config())
    assert moodle.keys() == canvas.keys() == plain.keys()
    for qid, q in moodle.items():
        assert canvas[qid].files == q.files == plain[qid].files
        for field in ("text", "feedback"):
            got = getattr(q, field)
            assert got.replace(f'src="{BASE}', 'src="') == getattr(plain[qid], field)
            assert getattr(canvas[qid], field).replace('src="$IMS-CC-FILEBASE$/images/s3-0/',
                                                       'src="') == getattr(plain[qid], field)
    assert any(BASE in q.text for q in moodle.values())


def test_the_mistakes_panel_follows_the_config():
    a = load_assignment("reference")
    key = generate_assignment_keys(a, 3, 1, parse_settings({}))[0]
    panel = "Common mistakes, on these numbers"
    assert any(panel in q.feedback for q in question_html(a, key, Config()).values())
    off = replace(Config(), documents=Documents(mistakes=False))
    assert not any(panel in q.feedback for q in question_html(a, key, off).values())


def test_the_contract_follows_the_figures():
    a = load_assignment("logistic")
    key = generate_assignment_keys(a, 3, 1, parse_settings({}))[0]
    config = Config()
    config = replace(config, course=replace(config.course, figures=5))
    numeric = {i.id for i in numeric_items(key)}
    for qid, q in question_html(a, key, config).items():
        assert (precision.statement(5) in q.text) == (qid in numeric)
        assert precision.statement(3) not in q.text


def test_question_ids_with_underscores_and_dashes(tmp_path):
    """An id is the assignment's, not its LaTeX form (``net_out--2``, not ``net\\_out-{}-2``)."""
    from derive.problem.assignment import shipped
    text = shipped("logistic").read_text().replace('id = "q7"', 'id = "net_out--2"')
    (tmp_path / "ids.toml").write_text(text)
    a = load_assignment(tmp_path / "ids.toml")
    key = generate_assignment_keys(a, 2, 1, parse_settings({}))[0]
    html = question_html(a, key, Config())
    assert "net_out--2" in html and "q7" not in html
    assert read_marker(html["net_out--2"].text)[:2] == (key["variant"], "net_out--2")


def test_odd_characters_in_the_assignment_file_are_text(tmp_path):
    """A part title and text with HTML, LaTeX and MathJax delimiters in them
    show as those characters, never as markup or maths."""
    from html import escape

    from derive.problem.assignment import shipped
    odd = r'<b>A & B</b> "x" $y$ \(z\) {w} ~ 50% -- a\b'
    source = shipped("logistic").read_text()
    title = 'title = "One sigmoid unit and binary cross-entropy"'
    assert title in source
    text = source.replace(title, f"title = '''{odd}'''\ntext = '''{odd}'''")
    (tmp_path / "odd.toml").write_text(text)
    a = load_assignment(tmp_path / "odd.toml")
    key = generate_assignment_keys(a, 2, 1, parse_settings({}))[0]
    for q in question_html(a, key, Config()).values():
        _check_html(q.text)
        shown = unescape(q.text).replace("\\\u2060", "\\").replace("&#36;", "$")
        assert shown.count(odd) == 2, q.text[:600]
        assert escape(odd, quote=False).replace("$", "&#36;").replace("\\", "\\\u2060") in q.text


def test_a_variant_folders_questions_serve_the_exports(tmp_path, monkeypatch):
    """lms.json (written by the variant's worker) read back is what was
    rendered; the set's exports from the folders equal those rendered anew
    and render nothing; an unreadable lms.json is rendered again."""
    from derive.variants import lms_html
    from derive.variants.lms_html import questions_json, read_questions_json, rendered_questions
    from derive.variants.recipes import LMS_FILE, AssignmentRecipe
    recipe = AssignmentRecipe.of(load_assignment("logistic"), Config())
    keys = recipe.keys(3, 2)
    fresh = recipe.exports(keys)
    for key in keys:
        questions = rendered_questions(recipe.assignment, key, recipe.config)
        assert read_questions_json(questions_json(questions)) == questions
        (tmp_path / key["variant"]).mkdir()
        (tmp_path / key["variant"] / LMS_FILE).write_bytes(questions_json(questions))
    assert read_questions_json(b"{not json") is None
    assert read_questions_json(b'{"q1": {"text": "x"}}') is None
    lms_html._RENDERED.clear()
    monkeypatch.setattr(lms_html, "_render", lambda *a: pytest.fail("rendered again"))
    assert recipe.exports(keys, tmp_path) == fresh
    (tmp_path / keys[1]["variant"] / LMS_FILE).write_bytes(b"damaged")
    monkeypatch.undo()
    assert recipe.exports(keys, tmp_path) == fresh
