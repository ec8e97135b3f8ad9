"""Simulated LMS quiz reports for the round-trip tests: a class's answers
(JSON submissions) written as Moodle's Responses report and Canvas's Student
Analysis report would show them, with the question texts of the export."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from decimal import Decimal
import xml.etree.ElementTree as ET

import numpy as np

from derive.grading.kind_answers import as_submitted
from derive.variants.exports import flat_answers
from derive.variants.lms_html import marker

_FIELD = re.compile(r"\{[0-9]*:NUMERICAL:(?:\\.|[^}])*\}")


def summary(question_html: str) -> str:
    """Moodle's plain-text summary of a question text (html_to_text; a
    cloze field is ``_____``)."""
    text = _FIELD.sub("_____", question_html)
    return " ".join(html.unescape(re.sub(r"<[^>]*>", " ", text)).split())


def moodle_questions(keys, assignment=None, figures: int = 3) -> dict[tuple[str, str], str]:
    """(variant, question id) -> the question's summary, from moodle.xml as
    ``handouts variants`` writes it with ``assignment`` (every question, its
    full text), or without (the numeric questions, a line each)."""
    from derive.problem.config import Config
    from derive.variants.choices import formula_choices
    from derive.variants.moodle import moodle_xml
    choices = ({k["variant"]: formula_choices(assignment, k) for k in keys}
               if assignment is not None else None)
    xml = moodle_xml(keys, figures, assignment=assignment, config=Config(), choices=choices)
    out = {}
    for q in ET.fromstring(xml.split("\n", 1)[1]).iter("question"):
        if q.get("type") == "category":
            continue
        vid, qid = q.find("name/text").text.split(" ")
        out[(vid, qid)] = summary(q.find("questiontext/text").text)
    return out


def shapes(value):
    """The shape of an answer (of each part of a gradient-step's)."""
    if isinstance(value, dict):
        return {p: np.shape(v) for p, v in value.items()}
    return np.shape(value)


def number(v: float, comma: bool = False) -> str:
    text = repr(float(v))
    return text.replace(".", ",") if comma else text


def _flat(value) -> list:
    return [] if value is None else list(np.ravel(np.asarray(value, dtype=object)))


def moodle_response(answer, key_answer, comma: bool = False) -> str:
    """A response as the report shows it: ``-`` when not answered, a number,
    or the cloze summary ``part 1: …; part 2: …`` (grad boxes, then new)."""
    if answer is None:
        return "-"
    right = as_submitted(key_answer)
    if not isinstance(right, (list, dict)):
        return number(answer, comma) if isinstance(answer, (int, float)) else str(answer)
    if isinstance(right, dict):
        boxes = []
        for p in ("grad", "new"):
            given = answer.get(p) if isinstance(answer, dict) else None
            boxes += _flat(given) if given is not None else [None] * len(_flat(right[p]))
    else:
        boxes = _flat(answer)
    cells = ["" if b is None else number(b, comma) for b in boxes]
    return "; ".join(f"part {i}: {c}" for i, c in enumerate(cells, 1)).strip()


def write_csv(rows: list[list], bom: bool = True, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def moodle_report(keys_by_id: dict, questions: dict, students: list[dict], *,
                  right: bool = True, comma: bool = False, delimiter: str = ",") -> bytes:
    """A Responses report: ``students`` are dicts with name, email, state
    (default Finished), started, and slots: a list of (variant, qid, answer)."""
    slots = max(len(s["slots"]) for s in students)
    head = ["Last name", "First name", "Email address", "State", "Started on", "Completed",
            "Time taken", "Grade/100.00"]
    for n in range(1, slots + 1):
        head += [f"Question {n}", f"Response {n}"] + ([f"Right answer {n}"] if right else [])
    rows = [head]
    for s in students:
        first, last = s["name"].split(" ", 1)
        state = s.get("state", "Finished")
        row = [last, first, s["email"], state, s.get("started", "5 December 2026  10:00 AM"),
               "" if state != "Finished" else "5 December 2026  11:00 AM", "1 hour",
               s.get("grade", "50.00")]
        for vid, qid, answer in s["slots"]:
            key = keys_by_id[vid]
            row += [questions[(vid, qid)],
                    moodle_response(answer, key["answers"][qid], comma)]
            if right:
                row.append(moodle_response(as_submitted(key["answers"][qid]),
                                           key["answers"][qid]))
        rows.append(row)
    return write_csv(rows, delimiter=delimiter)


def canvas_columns(key) -> list[tuple[str, str]]:
    """(keys.csv column, header text) of every Canvas question of a key, as
    a hand-written report would name them."""
    return [(col, f"{marker(key['variant'], col)}: {col}") for col, _ in flat_answers(key)]


_UNITS = re.compile(r"in units of 10([⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+)")
_SUPERSCRIPT = str.maketrans("⁻⁰¹²³⁴⁵⁶⁷⁸⁹", "-0123456789")


def canvas_questions(keys, assignment, figures: int = 3) -> dict[str, list[tuple[str, str, int]]]:
    """Per variant, (keys.csv column, header text, power of ten it is typed
    in) of its numerical questions in canvas-qti.zip as ``handouts variants``
    writes it: the header is Canvas's (the question text without its tags),
    the power read from the text as a student reads it."""
    import zipfile
    from derive.problem.config import Config
    from derive.variants.canvas import canvas_qti
    from derive.variants.lms_html import read_marker
    package = zipfile.ZipFile(io.BytesIO(canvas_qti(keys, assignment, Config(), figures)))
    out: dict[str, list[tuple[str, str, int]]] = {}
    ns = {"q": "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"}
    for name in sorted(package.namelist()):
        if not re.fullmatch(r"[^/]+/[^/]+\.xml", name) or name.endswith("assessment_meta.xml"):
            continue
        for item in ET.fromstring(package.read(name)).iter(f"{{{ns['q']}}}item"):
            text = item.find(".//q:mattext", ns).text
            vid, qid, part, entry = read_marker(item.get("title"))
            column = qid + (f".{part}" if part else "") + \
                (f"[{','.join(map(str, entry))}]" if entry else "")
            units = _UNITS.search(text)
            out.setdefault(vid, []).append(
                (column, summary(text), int(units[1].translate(_SUPERSCRIPT)) if units else 0))
    return out


def canvas_kept(value: float, scale: int) -> float:
    """What Canvas keeps of ``value`` typed in units of ``10**scale``: the
    typed number rounded to 4 decimal places, as the report shows it."""
    return round(value * 10.0 ** -scale, 4)


def _entry(answer, column: str, qid: str):
    """The student's value of one keys.csv column (q6[1,2], q12.new[2,1])."""
    m = re.fullmatch(r"([^.\[]+)(?:\.(grad|new))?(?:\[(\d+)(?:,(\d+))?\])?", column)
    value = answer
    if m[2]:
        value = value.get(m[2]) if isinstance(value, dict) else None
    if value is None:
        return None
    if m[3]:
        value = value[int(m[3]) - 1]
    if m[4]:
        value = value[int(m[4]) - 1]
    return value


def canvas_answers(answers: dict, asked: list[tuple[str, str, int]]) -> dict:
    """A JSON submission's answers as Canvas keeps them when typed into the
    questions ``asked`` (:func:`canvas_questions` of its variant): each
    number rounded in the units it is typed in, then read back."""
    out = json.loads(json.dumps(answers))
    for col, _, scale in asked:
        m = re.fullmatch(r"([^.\[]+)(?:\.(grad|new))?(?:\[(\d+)(?:,(\d+))?\])?", col)
        path = [m[1]] + [m[2]] * bool(m[2]) + [int(i) - 1 for i in (m[3], m[4]) if i]
        holder = out
        try:
            for step in path[:-1]:
                holder = holder[step]
            v = holder[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue   # not answered, or not in the key's shape
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            holder[path[-1]] = float(Decimal(repr(canvas_kept(v, scale))).scaleb(scale))
    return out


def canvas_report(keys: list[dict], students: list[dict], attempts: bool = True,
                  questions: dict | None = None) -> bytes:
    """A Student Analysis report: ``students`` are dicts with name, id,
    sis_id, attempt, variant and answers (a JSON submission's).
    ``questions`` (:func:`canvas_questions`) gives the export's headers and
    the units each number is typed in (default: :func:`canvas_columns`, as typed)."""
    head = ["name", "id", "sis_id", "section", "section_id", "section_sis_id", "submitted"] + \
        (["attempt"] if attempts else [])
    columns = []
    qid_of = {}
    for k, key in enumerate(keys):
        asked = (questions[key["variant"]] if questions else
                 [(col, text, 0) for col, text in canvas_columns(key)])
        for c, (col, text, scale) in enumerate(asked):
            cid = 1000 * (k + 1) + c
            columns.append((key["variant"], col, scale))
            qid_of[(key["variant"], col)] = re.match(r"[^.\[]+", col)[0]
            head += [f"{cid}: {text}", "1.0"]
    head += ["n correct", "n incorrect", "score"]
    rows = [head]
    for s in students:
        row = [s["name"], s["id"], s.get("sis_id", ""), "Section 1", "7", "",
               "2026-12-05 10:00:00 UTC"] + ([str(s.get("attempt", 1))] if attempts else [])
        for vid, col, scale in columns:
            if vid != s["variant"]:
                row += ["", ""]
                continue
            v = _entry(s["answers"].get(qid_of[(vid, col)]), col, qid_of[(vid, col)])
            if questions and isinstance(v, (int, float)):
                v = canvas_kept(v, scale)
            row += ["" if v is None else (number(v) if isinstance(v, (int, float))
                                          else str(v)), "0"]
        rows.append(row + ["0", "0", "0"])
    return write_csv(rows, bom=False)


def as_json(value):
    return json.loads(json.dumps(value))
