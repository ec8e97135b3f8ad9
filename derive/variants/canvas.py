"""canvas-qti.zip: a QTI 1.2 package of a variant set for Canvas classic
quizzes (Course -> Settings -> Import Course Content -> QTI .zip file).

One assessment per variant, titled ``Problem sheet <variant>``: Canvas makes
a quiz of each and puts its questions in a question bank of the same name,
so an instructor can assign each student the quiz of their variant, or draw
questions from the banks. Per numeric question of a key
(:func:`derive.variants.exports.numeric_items`): a number is one
``numerical_question``, a vector or matrix one per entry (Canvas classic has
no multi-field numeric question), each titled and texted from its marker
(:func:`derive.variants.lms_html.marker` of its keys.csv column), which the
Student analysis report carries back to ``handouts grade``. The items and
what Canvas does with numbers: :mod:`derive.variants.canvas_items`.

The layout is text2qti's and exams2canvas's: ``imsmanifest.xml``; per
variant ``<id>/<id>.xml`` (the assessment) and ``<id>/assessment_meta.xml``
(Canvas's quiz settings); the figures under ``images/<variant>/``, listed as
webcontent resources and referred to as ``$IMS-CC-FILEBASE$/images/…``.
The same keys give the same bytes (fixed zip timestamps, sorted entries).
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from decimal import Decimal
from typing import Mapping, Sequence

from derive.problem import precision
from derive.variants.canvas_items import (CANVAS_DECIMALS, answer_scale, choice_item, numeric_range,
                                          numerical_item, points_text, safe_ident,
                                          share_points)
from derive.variants.exports import Item, _entries, numeric_items
from derive.variants.lms_html import QuestionHtml, marker, question_html

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
META_NS = "http://canvas.instructure.com/xsd/cccv1p0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
IMAGES = "images"
FILEBASE = "%24IMS-CC-FILEBASE%24/"     # $IMS-CC-FILEBASE$, as text2qti writes it
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def assessment_ident(variant: str) -> str:
    """The assessment (quiz) ident of a variant; its items' idents extend it."""
    return f"handouts_{safe_ident(variant)}"


def entry_questions(item: Item) -> list[tuple[str, str, float, bool]]:
    """(keys.csv column, part, value, marked) of each entry of ``item``, in
    keys.csv order."""
    parts = item.value.items() if isinstance(item.value, dict) else [("", item.value)]
    return [(column, part, v, item.marked in (None, part))
            for part, value in parts
            for column, v in _entries(f"{item.id}.{part}" if part else item.id, value)]


def question_scale(item: Item, figures: int = precision.FIGURES) -> int:
    """The power of ten every entry of ``item`` is typed in on Canvas (0:
    as it is): a number Canvas reports for it is ``answer * 10**scale``."""
    return answer_scale([v for _, _, v, _ in entry_questions(item)], figures)


def _entry_words(column: str, item: Item, part: str) -> str:
    """``entry (1,2) of question q6``, ``entry (2) of the new part of question q12``."""
    where = f" of the {part} part" if part else ""
    if "[" not in column:
        return f"the {part} part of question {item.id}"
    return f"entry ({column.split('[')[1].rstrip(']')}){where} of question {item.id}"


def _scale_note(scale: int) -> str:
    if not scale:
        return ""
    # plain text, not maths: it must read right where the LMS has no MathJax
    power = "10" + str(scale).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return (f"<p>Type this number in units of {power}: for 2.5 × {power} type 2.5"
            f" (Canvas keeps only {CANVAS_DECIMALS} decimal places of what is typed).</p>")


def _numeric(section: ET.Element, vid: str, item: Item, html: QuestionHtml,
             figures: int) -> None:
    entries = entry_questions(item)
    scale = question_scale(item, figures)
    marked = [e for e in entries if e[3]]
    shares = iter(share_points(item.points, len(marked)))
    for n, (column, part, value, is_marked) in enumerate(entries):
        head = marker(vid, column)
        if column == item.id:   # a number: the question as it is
            text = html.text
        else:
            note = "" if is_marked else (f" (graded for feedback only: the marks are for "
                                         f"{item.marked})")
            text = f"<p>{head}: {_entry_words(column, item, part)}{note}.</p>"
            if n == 0:
                text += html.text
        text += _scale_note(scale)
        points = next(shares) if is_marked else Decimal(0)
        numerical_item(section, f"{assessment_ident(vid)}_{safe_ident(column)}", head, text,
                       points, numeric_range(value, figures, scale),
                       html.feedback if n == 0 else "")


def assessment_xml(key: dict, html: Mapping[str, QuestionHtml], figures: int,
                   choices: Mapping | None = None) -> str:
    """The QTI assessment of one variant: its questions in the key's order,
    the numeric ones as numerical questions, the formula ones of ``choices``
    (qid -> :class:`derive.variants.choices.Choices`) as multiple choice."""
    vid = key["variant"]
    root = ET.Element("questestinterop", {
        "xmlns": QTI_NS, "xmlns:xsi": XSI,
        "xsi:schemaLocation": f"{QTI_NS} http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd"})
    ident = assessment_ident(vid)
    test = ET.SubElement(root, "assessment", ident=ident, title=f"Problem sheet {vid}")
    field = ET.SubElement(ET.SubElement(test, "qtimetadata"), "qtimetadatafield")
    ET.SubElement(field, "fieldlabel").text = "cc_maxattempts"
    ET.SubElement(field, "fieldentry").text = "1"
    section = ET.SubElement(test, "section", ident="root_section")
    numeric = {i.id: i for i in numeric_items(key)}
    for qid, q in key["questions"].items():
        if qid in numeric:
            _numeric(section, vid, numeric[qid], html[qid], figures)
        elif choices and qid in choices:
            h = html.get(qid) or QuestionHtml(f"<p>{marker(vid, qid)}</p>")
            choice_item(section, f"{ident}_{safe_ident(qid)}", marker(vid, qid), h.text,
                        Decimal(str(q["points"])), choices[qid], h.feedback)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def total_points(key: dict, choices: Mapping | None = None) -> Decimal:
    """The points of what the assessment of ``key`` holds (the handout's
    total when every question is exported)."""
    numeric = {i.id for i in numeric_items(key)}
    return sum((Decimal(str(q["points"])) for qid, q in key["questions"].items()
                if qid in numeric or choices and qid in choices), Decimal(0))


def meta_xml(key: dict, points: Decimal) -> str:
    """assessment_meta.xml: Canvas's settings of the variant's quiz (an
    unpublished graded quiz, one attempt, the latest kept, answers not shuffled)."""
    ident = assessment_ident(key["variant"])
    title = f"Problem sheet {key['variant']}"
    schema = f"{META_NS} https://canvas.instructure.com/xsd/cccv1p0.xsd"
    root = ET.Element("quiz", {"identifier": ident, "xmlns": META_NS, "xmlns:xsi": XSI,
                               "xsi:schemaLocation": schema})
    fields = [("title", title), ("description", ""), ("shuffle_answers", "false"),
              ("scoring_policy", "keep_latest"), ("quiz_type", "assignment"),
              ("points_possible", points_text(points)), ("show_correct_answers", "true"),
              ("allowed_attempts", "1"), ("one_question_at_a_time", "false"),
              ("cant_go_back", "false"), ("available", "false")]
    for tag, text in fields:
        ET.SubElement(root, tag).text = text
    assignment = ET.SubElement(root, "assignment", identifier=f"{ident}_assignment")
    for tag, text in [("title", title), ("workflow_state", "unpublished"),
                      ("quiz_identifierref", ident), ("points_possible", points_text(points)),
                      ("grading_type", "points"), ("submission_types", "online_quiz")]:
        ET.SubElement(assignment, tag).text = text
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def manifest_xml(variants: Sequence[str], files: Sequence[str]) -> str:
    """imsmanifest.xml: per variant its assessment (with its meta as a
    dependency), and every figure as a webcontent resource."""
    root = ET.Element("manifest", {"identifier": "handouts_manifest", "xmlns": CP_NS})
    meta = ET.SubElement(root, "metadata")
    ET.SubElement(meta, "schema").text = "IMS Content"
    ET.SubElement(meta, "schemaversion").text = "1.1.3"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    for vid in variants:
        ident = assessment_ident(vid)
        res = ET.SubElement(resources, "resource", identifier=ident, type="imsqti_xmlv1p2")
        ET.SubElement(res, "file", href=f"{ident}/{ident}.xml")
        ET.SubElement(res, "dependency", identifierref=f"{ident}_meta")
        href = f"{ident}/assessment_meta.xml"
        res = ET.SubElement(resources, "resource", identifier=f"{ident}_meta", href=href,
                            type="associatedcontent/imscc_xmlv1p1/learning-application-resource")
        ET.SubElement(res, "file", href=href)
    for path in files:
        res = ET.SubElement(resources, "resource", identifier=f"file_{safe_ident(path)}",
                            type="webcontent", href=path)
        ET.SubElement(res, "file", href=path)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _zip(entries: Mapping[str, bytes]) -> bytes:
    """A zip of ``entries`` whose bytes depend on nothing else: the manifest
    first, the rest sorted, every entry dated 1980-01-01."""
    out = io.BytesIO()
    names = sorted(entries, key=lambda n: (n != "imsmanifest.xml", n))
    with zipfile.ZipFile(out, "w") as zf:
        for name in names:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if name.endswith("/") else zipfile.ZIP_DEFLATED
            info.external_attr = (0o40755 if name.endswith("/") else 0o100644) << 16
            zf.writestr(info, entries[name])
    return out.getvalue()


def canvas_qti(keys: Sequence[dict], assignment, config, figures: int = precision.FIGURES,
               choices: Mapping[str, Mapping] | None = None,
               rendered: Mapping | None = None) -> bytes:
    """canvas-qti.zip of ``keys`` (instances of ``assignment`` under
    ``config``): an assessment per variant with its numeric questions,
    accepting what :func:`derive.problem.precision.within` accepts to
    ``figures``, and the formula questions of ``choices`` (variant id -> qid
    -> :class:`derive.variants.choices.Choices`) as multiple choice. The
    package is the join (:func:`join_canvas`) of each variant's :func:`canvas_variant`."""
    return join_canvas([(key["variant"], canvas_variant(key, assignment, config, figures,
                                                        (choices or {}).get(key["variant"]),
                                                        rendered)) for key in keys])


def canvas_variant(key: dict, assignment, config, figures: int = precision.FIGURES,
                   choices: Mapping | None = None,
                   rendered: Mapping | None = None) -> dict[str, bytes]:
    """One variant's entries of :func:`canvas_qti`: its assessment, its
    meta and its figures (path in the package -> bytes); ``choices``: qid ->
    :class:`derive.variants.choices.Choices` of this variant."""
    vid = key["variant"]
    ident = assessment_ident(vid)
    folder = f"{IMAGES}/{safe_ident(vid)}/"
    html = question_html(assignment, key, config, base=FILEBASE + folder, rendered=rendered)
    entries = {f"{ident}/{ident}.xml": assessment_xml(key, html, figures, choices).encode(),
               f"{ident}/assessment_meta.xml": meta_xml(key, total_points(key, choices)).encode()}
    for h in html.values():
        for name, data in h.files.items():
            if entries.setdefault(folder + name, data) != data:
                raise ValueError(f"{vid}: two figures named {name}")
    return entries


def join_canvas(parts: Sequence[tuple[str, Mapping[str, bytes]]]) -> bytes:
    """canvas-qti.zip of the variants' (id, :func:`canvas_variant` entries), in order."""
    entries: dict[str, bytes] = {"non_cc_assessments/": b""}
    for _, mine in parts:
        entries.update(mine)
    files = sorted(n for n in entries if n.startswith(IMAGES + "/"))
    entries["imsmanifest.xml"] = manifest_xml([vid for vid, _ in parts], files).encode()
    return _zip(entries)
