"""canvas-qti.zip: the package's structure (the shapes text2qti and R/exams'
exams2canvas write, which Canvas imports), the markers read back, the
points, and the numbers graded as Canvas grades them: what a student types
rounded to 4 decimals (Canvas's quiz page: toFixed(4)), compared as a
decimal with the range's bounds read as floats (Canvas's importer: to_f;
its grader: BigDecimal of the float's shortest text)."""

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from derive.problem import precision
from derive.problem.assignment import load_assignment
from derive.problem.config import Config
from derive.variants import canvas as canvas_mod
from derive.variants.canvas import FILEBASE, assessment_ident, canvas_qti, entry_questions
from derive.variants.canvas_items import (answer_scale, choice_item, numeric_range,
                                          share_points)
from derive.variants.choices import Choice, Choices
from derive.variants.exports import flat_answers, numeric_items
from derive.variants.instances import generate_assignment_keys
from derive.variants.items import mistaken_answers
from derive.variants.lms_html import QuestionHtml, read_marker
from derive.variants.moodle import wrong_fields
from derive.variants.settings import parse_settings

Q = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"
NMTOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


@pytest.fixture(scope="module")
def assignment():
    return load_assignment("reference")


@pytest.fixture(scope="module")
def keys(assignment):
    return generate_assignment_keys(assignment, 5, 3, parse_settings({}))


@pytest.fixture(scope="module")
def package(assignment, keys):
    return canvas_qti(keys, assignment, Config())


def _zip(data: bytes) -> dict[str, bytes]:
    zf = zipfile.ZipFile(io.BytesIO(data))
    return {i.filename: zf.read(i) for i in zf.infolist()}


def _items(files: dict[str, bytes], vid: str) -> list[ET.Element]:
    ident = assessment_ident(vid)
    return ET.fromstring(files[f"{ident}/{ident}.xml"]).findall(f".//{Q}item")


def _meta(item: ET.Element) -> dict[str, str]:
    return {f.findtext(f"{Q}fieldlabel"): f.findtext(f"{Q}fieldentry") or ""
            for f in item.iter(f"{Q}qtimetadatafield")}


def _column(item: ET.Element) -> str:
    return item.get("title").split("question ", 1)[1]


# what Canvas does with a number (see derive.variants.canvas_items)

def canvas_typed(text: str) -> Decimal:
    """What Canvas keeps of a number a student types: parsed as a double,
    rounded to 4 decimals (toFixed rounds the exact double, ties away from 0)."""
    return Decimal(float(text)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def canvas_bound(text: str) -> Decimal:
    """A bound as Canvas grades with it: read as a float, compared as the
    decimal of the float's shortest text."""
    return Decimal(repr(float(text)))


def canvas_accepts(item: ET.Element, typed: str) -> bool:
    r = canvas_typed(typed)
    lo = canvas_bound(item.findtext(f".//{Q}vargte"))
    hi = canvas_bound(item.findtext(f".//{Q}varlte"))
    return lo <= r <= hi


def _sig(value: float, figures: int) -> str:
    return f"{value:.{figures - 1}e}"


def _scaled(text: str, scale: int) -> str:
    return repr(float(Decimal(text).scaleb(-scale)))


# ---------------------------------------------------------------------------


def test_zip_is_a_package_canvas_reads(package, keys):
    files = _zip(package)
    assert list(files)[0] == "imsmanifest.xml"
    manifest = ET.fromstring(files["imsmanifest.xml"])
    listed = {f.get("href") for f in manifest.iter(f"{CP}file")}
    assert listed == {n for n in files if not n.endswith("/")} - {"imsmanifest.xml"}
    resources = {r.get("identifier"): r for r in manifest.iter(f"{CP}resource")}
    for key in keys:
        ident = assessment_ident(key["variant"])
        res = resources[ident]
        assert res.get("type") == "imsqti_xmlv1p2"
        assert res.find(f"{CP}dependency").get("identifierref") in resources
        meta = ET.fromstring(files[f"{ident}/assessment_meta.xml"])
        assert meta.get("identifier") == ident
        test = ET.fromstring(files[f"{ident}/{ident}.xml"]).find(f"{Q}assessment")
        assert test.get("ident") == ident and test.get("title") == f"Problem sheet {key['variant']}"
    for xml in (v for n, v in files.items() if n.endswith(".xml")):
        ET.fromstring(xml)   # well-formed


def test_items_have_canvas_metadata_and_nmtoken_idents(package, keys):
    files = _zip(package)
    idents = []
    for key in keys:
        for item in _items(files, key["variant"]):
            meta = _meta(item)
            assert set(meta) == {"question_type", "points_possible", "original_answer_ids",
                                 "assessment_question_identifierref"}
            assert meta["question_type"] == "numerical_question"
            assert meta["original_answer_ids"] == "1"
            fib = item.find(f".//{Q}response_str")
            assert fib.get("rcardinality") == "Single"
            assert {v.get("respident") for v in item.iter(f"{Q}vargte")} == {fib.get("ident")}
            assert item.find(f".//{Q}setvar").text == "100"
            # HTML is escaped text in mattext, never child elements
            for mattext in item.iter(f"{Q}mattext"):
                assert len(mattext) == 0 and mattext.get("texttype") == "text/html"
            idents.append(item.get("ident"))
    assert all(NMTOKEN.fullmatch(i) for i in idents) and len(set(idents)) == len(idents)


def test_one_question_per_entry_each_starting_with_its_marker(package, keys):
    files = _zip(package)
    for key in keys:
        vid, items = key["variant"], _items(files, key["variant"])
        assert [_column(i) for i in items] == [c for c, _ in flat_answers(key)]
        for item in items:
            text = item.findtext(f".//{Q}presentation/{Q}material/{Q}mattext")
            assert text.startswith(f"<p>{item.get('title')}")
            vid_, qid, part, entry = read_marker(text)
            column = qid + (f".{part}" if part else "") + (
                f"[{','.join(map(str, entry))}]" if entry else "")
            assert (vid_, column) == (vid, _column(item))


def test_the_first_entry_carries_the_question_and_its_feedback(assignment, keys, monkeypatch):
    def html(assignment, key, config, *, base="", rendered=None):
        return {i.id: QuestionHtml(f"<p>whole {i.id}</p>", f"<p>solution of {i.id}</p>")
                for i in numeric_items(key)}
    monkeypatch.setattr(canvas_mod, "question_html", html)
    files = _zip(canvas_qti(keys[:1], assignment, Config()))
    seen = set()
    for item in _items(files, keys[0]["variant"]):
        qid = read_marker(item.get("title"))[1]
        text = item.findtext(f".//{Q}mattext")
        feedback = item.find(f"{Q}itemfeedback")
        first = qid not in seen
        seen.add(qid)
        assert (f"<p>whole {qid}</p>" in text) == first
        assert (feedback is not None) == first
        if first:
            assert feedback.get("ident") == "general_fb"
            assert feedback.findtext(f".//{Q}mattext") == f"<p>solution of {qid}</p>"
            assert item.find(f".//{Q}displayfeedback").get("linkrefid") == "general_fb"


def test_points_are_the_questions_shared_by_their_entries(package, keys):
    files = _zip(package)
    for key in keys:
        by_q: dict[str, Fraction] = {}
        for item in _items(files, key["variant"]):
            points = _meta(item)["points_possible"]
            assert re.fullmatch(r"\d+(\.\d{1,2})?", points)  # what Canvas shows, exactly
            _, qid, part, _ = read_marker(item.get("title"))
            if part == "grad":
                text = item.findtext(f".//{Q}mattext")
                assert points == "0" and "graded for feedback only" in text
            by_q[qid] = by_q.get(qid, 0) + Fraction(points)
        assert by_q == {i.id: Fraction(str(i.points)) for i in numeric_items(key)}


def test_each_variants_total_is_the_handouts_total(assignment, keys):
    """With every formula question as multiple choice (hand-made options),
    each quiz's points are the handout's total."""
    numeric = {i.id for i in numeric_items(keys[0])}
    choices = {k["variant"]: {qid: Choices(qid, (Choice("<p>\\(x\\)</p>", True),
                                                  Choice("<p>\\(-x\\)</p>", False, "sign")))
                              for qid in k["questions"] if qid not in numeric} for k in keys}
    files = _zip(canvas_qti(keys, assignment, Config(), choices=choices))
    for key in keys:
        total = sum(Fraction(str(q["points"])) for q in key["questions"].values())
        items = _items(files, key["variant"])
        assert sum(Fraction(_meta(i)["points_possible"]) for i in items) == total
        ident = assessment_ident(key["variant"])
        meta = ET.fromstring(files[f"{ident}/assessment_meta.xml"])
        points = meta.findtext("{http://canvas.instructure.com/xsd/cccv1p0}points_possible")
        assert Fraction(points) == total
        kinds = [_meta(i)["question_type"] for i in items]
        assert kinds.count("multiple_choice_question") == len(key["questions"]) - len(numeric)


def test_right_answers_within_and_mistakes_outside(package, assignment, keys):
    files = _zip(package)
    figures = precision.FIGURES
    checked = 0
    for key in keys:
        items = {_column(i): i for i in _items(files, key["variant"])}
        mistakes = mistaken_answers(assignment, key)
        for it in numeric_items(key):
            entries = entry_questions(it)
            scale = answer_scale([v for _, _, v, _ in entries], figures)
            parts = it.value.items() if isinstance(it.value, dict) else [("", it.value)]
            wrong = {}
            for part, value in parts:
                mine = [(c, a[part] if part else a) for c, a in mistakes.get(it.id, ())
                        if not part or part in a]
                start = f"{it.id}.{part}" if part else it.id
                names = [c for c, _, _, _ in entries if c.startswith(start)]
                wrong.update(zip(names, wrong_fields(value, mine, figures)))
            for column, _, value, _ in entries:
                item = items[column]
                for typed in (repr(value), _sig(value, figures), _sig(value, figures + 2)):
                    assert canvas_accepts(item, _scaled(typed, scale)), (column, typed)
                for w in wrong[column]:
                    assert not canvas_accepts(item, _scaled(w, scale)), (column, w)
                    checked += 1
    assert checked > 0


@pytest.mark.parametrize("value", [0.0, 1e-5, -1e-5, 5e-17, -5e-17, 1e7, -2.5e7, 0.00123,
                                   -0.0482, 123.456, 1e-9, -3.3e-12])
@pytest.mark.parametrize("figures", [2, 3, 4, 6])
def test_small_and_large_numbers_survive_canvas_rounding(value, figures):
    scale = answer_scale([value], figures)
    assert scale % 3 == 0 and scale <= 0
    item = ET.Element("item")
    var = ET.SubElement(item, "conditionvar")
    lo, hi = numeric_range(value, figures, scale)
    assert "e" not in lo + hi      # positional decimals
    ET.SubElement(var, f"{Q}vargte").text, ET.SubElement(var, f"{Q}varlte").text = lo, hi
    typed = [repr(value), _sig(value, figures)]
    for t in typed:
        assert canvas_accepts(item, _scaled(t, scale)), t
    if value == 0:
        # Canvas keeps anything below 0.00005 as 0, which is right for an exact 0
        assert canvas_accepts(item, "0.00004") and not canvas_accepts(item, "0.0001")
        return
    tol = float(precision.tolerance(value, figures))
    for off in (1.5 * tol, -1.5 * tol, 2 * tol, -3 * tol, 0.9 * tol, -0.6 * tol):
        # an answer given to the sheet's figures is graded as the grader grades it
        text = _sig(value + off, figures)
        right = bool(precision.within(float(text), value, figures))
        assert canvas_accepts(item, _scaled(text, scale)) == right, (off, text)


@settings(max_examples=300, deadline=None)
@given(st.floats(-1e6, 1e6, allow_nan=False).filter(lambda v: v == 0 or abs(v) > 1e-12),
       st.floats(-3, 3), st.sampled_from([2, 3, 4]))
def test_canvas_grades_what_it_keeps_as_the_contract_does(value, offset, figures):
    """On the number Canvas keeps (rounded to 4 decimals in the asked units),
    Canvas's verdict is precision.within's (but within 1e-9 of the edge)."""
    scale = answer_scale([value], figures)
    tol = float(precision.tolerance(value, figures))
    given_ = value + offset * tol
    item = ET.Element("item")
    var = ET.SubElement(item, "conditionvar")
    lo, hi = numeric_range(value, figures, scale)
    ET.SubElement(var, f"{Q}vargte").text, ET.SubElement(var, f"{Q}varlte").text = lo, hi
    typed = _scaled(repr(given_), scale)
    kept = float(canvas_typed(typed).scaleb(scale))
    gap = float(precision.gap(kept, value, figures))
    if abs(gap - 1) > 1e-9:
        assert canvas_accepts(item, typed) == bool(precision.within(kept, value, figures))


def test_scale_is_asked_in_the_text(assignment, monkeypatch):
    key = generate_assignment_keys(assignment, 5, 1, parse_settings({}))[0]
    qid = next(i.id for i in numeric_items(key) if key["answers"][i.id] == i.value
               and isinstance(i.value, float))
    tiny = {**key, "answers": {**key["answers"], qid: 1.234e-6}}
    files = _zip(canvas_qti([tiny], assignment, Config()))
    first = next(i for i in _items(files, key["variant"]) if _column(i) == qid)
    assert "in units of 10⁻⁶: for 2.5 × 10⁻⁶ type 2.5" in first.findtext(f".//{Q}mattext")
    assert canvas_accepts(first, "1.23") and not canvas_accepts(first, "1.25")


def test_a_vector_of_one_entry_is_named_by_its_entry(assignment, keys):
    key = keys[0]
    qid = next(i.id for i in numeric_items(key) if isinstance(i.value, list)
               and not isinstance(i.value[0], list))
    one = {**key, "answers": {**key["answers"], qid: [0.25]}}
    files = _zip(canvas_qti([one], assignment, Config()))
    item = next(i for i in _items(files, key["variant"]) if _column(i) == f"{qid}[1]")
    assert read_marker(item.findtext(f".//{Q}mattext"))[1:] == (qid, "", (1,))


def test_share_points():
    assert share_points(7.5, 6) == [Decimal("1.25")] * 6
    assert share_points(10, 3) == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]
    assert sum(share_points(5, 7)) == 5 and share_points(0, 2) == [0, 0]
    assert share_points(0.125, 2) == [Decimal("0.0625")] * 2   # not whole hundredths: equal


def test_deterministic_zip(package, assignment, keys):
    assert canvas_qti(keys, assignment, Config()) == package
    zf = zipfile.ZipFile(io.BytesIO(package))
    assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    names = zf.namelist()
    assert names[0] == "imsmanifest.xml" and names[1:] == sorted(names[1:])


def test_figures_are_packaged_listed_and_referred_to(assignment, keys, monkeypatch):
    def html(assignment, key, config, *, base="", rendered=None):
        return {i.id: QuestionHtml(f'<p><img src="{base}net.png"></p>', "",
                                   {"net.png": key["variant"].encode()})
                for i in numeric_items(key)[:1]} | {
            i.id: QuestionHtml("<p>x</p>") for i in numeric_items(key)[1:]}
    monkeypatch.setattr(canvas_mod, "question_html", html)
    files = _zip(canvas_qti(keys, assignment, Config()))
    manifest = ET.fromstring(files["imsmanifest.xml"])
    web = {r.get("href") for r in manifest.iter(f"{CP}resource") if r.get("type") == "webcontent"}
    assert web == {f"images/{k['variant']}/net.png" for k in keys}
    for key in keys:
        assert files[f"images/{key['variant']}/net.png"] == key["variant"].encode()
        text = _items(files, key["variant"])[0].findtext(f".//{Q}mattext")
        assert f'src="{FILEBASE}images/{key["variant"]}/net.png"' in text


def _choice(options, feedback=""):
    section = ET.Element("section")
    return choice_item(section, "i_q1", "Problem sheet v, question q1", "<p>pick</p>",
                       Decimal("5"), Choices("q1", options), feedback)


def test_multiple_choice_writer():
    options = (Choice("<p>\\(\\sigma(z)\\)</p>", False, "<p>wrong sign</p>"),
               Choice("<p>\\(\\sigma(z)(1-\\sigma(z))\\)</p>", True),
               Choice("<p>\\(1-\\sigma(z)\\)</p>", False, "<p>forgot a factor</p>"))
    item = _choice(options, "<p>the solution</p>")
    meta = {f.findtext("fieldlabel"): f.findtext("fieldentry")
            for f in item.iter("qtimetadatafield")}
    assert meta["question_type"] == "multiple_choice_question" and meta["points_possible"] == "5"
    assert meta["original_answer_ids"] == "1,2,3"
    lid = item.find(".//response_lid")
    assert lid.get("rcardinality") == "Single"
    labels = [(l.get("ident"), l.findtext(".//mattext")) for l in lid.iter("response_label")]
    assert labels == [(str(i), o.html) for i, o in enumerate(options, 1)]
    scored = [c for c in item.iter("respcondition") if c.find("setvar") is not None]
    assert len(scored) == 1 and scored[0].findtext(".//varequal") == "2"
    assert scored[0].get("continue") == "No"
    fb = {f.get("ident"): f.findtext(".//mattext") for f in item.iter("itemfeedback")}
    assert fb == {"general_fb": "<p>the solution</p>", "1_fb": "<p>wrong sign</p>",
                  "3_fb": "<p>forgot a factor</p>"}
    shown = {c.findtext(".//varequal"): c.find("displayfeedback").get("linkrefid")
             for c in item.iter("respcondition") if c.find("displayfeedback") is not None
             and c.find(".//varequal") is not None}
    assert shown == {"1": "1_fb", "3": "3_fb"}


@pytest.mark.parametrize("rights", [(False, False), (True, True)])
def test_multiple_choice_needs_one_right_option(rights):
    with pytest.raises(ValueError, match="q1: "):
        _choice(tuple(Choice(f"<p>{i}</p>", r) for i, r in enumerate(rights)))
