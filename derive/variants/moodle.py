"""moodle.xml: a Moodle XML quiz of a variant set, one category per variant,
one question per numeric item of its key (numerical for a number, cloze
with one NUMERICAL field per entry otherwise), graded as the tool grades,
showing what the problem sheet shows (maths for Moodle's MathJax filter,
figures as files) with the worked solution as general feedback."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import replace
from functools import lru_cache
from decimal import ROUND_CEILING, Context
from fractions import Fraction
from typing import Any, Mapping, Sequence

import numpy as np

from derive.problem import precision
from derive.problem.precision import SLACK  # the contract's allowance for float noise
from derive.variants.exports import Item, _entries, numeric_items
from derive.variants.lms_html import QuestionHtml, marker, question_html
from derive.variants.moodle_choice import PLUGINFILE, html_element, multichoice, text_element

# Moodle XML: one category per variant, one question per numeric item
# (numerical for a number, cloze with one NUMERICAL field per entry otherwise).
# Tolerances are the precision contract's (derive.problem.precision); marks are the
# questions' points (schema 2 key), times one whole-number scale because a
# cloze question's mark is the sum of its fields' weights, which Moodle's
# cloze parser takes as whole numbers ({w:NUMERICAL:...}, w matching [0-9]*)
# and <defaultgrade> is ignored for cloze questions.

# Moodle stores every number of a question (answer, tolerance) as PHP prints a
# float: 14 significant digits (question/type/numerical save_question_options)
MOODLE_DIGITS = 14


# A cloze input box is as wide as the longest answer its field stores
# (question/type/multianswer/renderer.php), so "-1" or "0" would get a narrow
# box that tells the answer is short. Every field gets a 0 % alternative that
# no one types, as long as the longest number Moodle stores (21 characters,
# -1.2345678901234E+300), so every box has the same width.
WIDTH_PAD = "-1.2345678901234e+300"


def moodle_answer(value: float, figures: int = precision.FIGURES) -> tuple[str, str]:
    """The answer and nominal tolerance to export for ``value``, as Moodle
    stores them: the answer to 14 significant digits, the tolerance the
    contract's (with its slack for float noise) widened by what those digits
    lose and rounded up, so Moodle accepts what :func:`precision.within` does
    (they differ only within about 1e-13·|value| of the edge)."""
    answer = f"{float(value):.{MOODLE_DIGITS}g}"
    wide = float(precision.tolerance(value, figures)) * SLACK + abs(float(value) - float(answer))
    up = Context(prec=MOODLE_DIGITS, rounding=ROUND_CEILING).create_decimal(wide)
    return answer, f"{float(up):.{MOODLE_DIGITS}g}"


def _count(value) -> int:
    return len([v for _, v in _entries("", value)])


def _marked(item: Item) -> dict[str, int]:
    """Number of fields of each part of an item's answer that carry marks."""
    if isinstance(item.value, dict):
        return {part: _count(v) if item.marked in (None, part) else 0
                for part, v in item.value.items()}
    return {"": _count(item.value)}


def mark_scale(keys: Sequence[dict]) -> int:
    """The smallest whole number that makes every question's mark (points ×
    scale) and every marked cloze field's weight (its share of them) whole."""
    scale = 1
    for key in keys:
        for item in numeric_items(key):
            points = Fraction(item.points)
            marked = _marked(item)
            total = sum(marked.values())
            # a field's weight is its share of the points (every marked field alike)
            for n in (1, *((total,) if total else ())):
                scale = math.lcm(scale, (points / n).denominator)
    return scale




def _cloze_escape(html: str) -> str:
    """HTML in a cloze field's feedback, as Moodle's parser reads it back: it
    ends at an unescaped ~ or }, decodes HTML entities (html_entity_decode)
    and unescapes only \\} and \\# (multianswer questiontype.php), so & is
    escaped once more (an escaped < stays escaped), } and # are escaped and ~
    is written as ∼."""
    return (html.replace("&", "&amp;").replace("}", "\\}").replace("#", "\\#")
            .replace("~", "\N{TILDE OPERATOR}"))


def _cloze_body(value, weight: int, figures: int, wrong: list[dict[str, str]]) -> str:
    """HTML with one NUMERICAL field per entry, a matrix as a table; field i
    also takes the 0 % answers ``wrong[i]`` (answer -> feedback)."""
    def field(v: float, i: int) -> str:
        answer, tol = moodle_answer(v, figures)
        mistakes = "".join(f"~%0%{w}:{moodle_answer(float(w), figures)[1]}#{_cloze_escape(fb)}"
                           for w, fb in wrong[i].items())
        return f"{{{weight}:NUMERICAL:={answer}:{tol}{mistakes}~%0%{WIDTH_PAD}:0}}"

    if isinstance(value, list) and value and isinstance(value[0], list):
        n = len(value[0])
        rows = "".join("<tr>" + "".join(f"<td>{field(v, r * n + c)}</td>"
                                        for c, v in enumerate(row)) + "</tr>"
                       for r, row in enumerate(value))
        return f"<table>{rows}</table>"
    return "<p>" + " ".join(field(v, i) for i, v in enumerate(value)) + "</p>"


def wrong_fields(value, mistakes: Sequence[tuple[str, Any]], figures: int) -> list[dict[str, str]]:
    """For each entry of an answer ``value`` (in order), the values the
    ``mistakes`` (code, key-shaped answer) give there that the contract does
    not accept as right, each with its diagnosis as feedback (HTML, its maths
    for MathJax: :func:`diagnosis`; mistakes that give one value share it).
    A mistake whose answer has another shape (a transposed non-square
    matrix) cannot be typed into the fields: none."""
    right = np.ravel(np.asarray(value, float))
    out: list[dict[str, str]] = [{} for _ in right]
    for code, answer in mistakes:
        if np.shape(answer) != np.shape(value):
            continue
        for i, (w, v) in enumerate(zip(np.ravel(np.asarray(answer, float)), right)):
            if np.isfinite(w) and not precision.within(w, v, figures):
                typed = moodle_answer(w, figures)[0]   # as Moodle stores it
                said = out[i].get(typed, "")
                if diagnosis(code) not in said:
                    out[i][typed] = f"{said} {diagnosis(code)}".strip()
    return out


@lru_cache(maxsize=None)
def diagnosis(code: str) -> str:
    """A mistake's sentence for the student as HTML, its maths as MathJax
    (from its LaTeX form; its plain text where it has none)."""
    from derive.documents.render import Latex
    from derive.numerics.mistake_kinds import MISTAKE_KINDS
    from derive.variants.lms_tex import text
    kind = MISTAKE_KINDS[code]
    return text(Latex(kind.tex)) if kind.tex else _escape(kind.text)


def _part_mistakes(mistakes: Sequence[tuple[str, Any]], part: str) -> list[tuple[str, Any]]:
    return [(code, answer[part] if part else answer) for code, answer in mistakes
            if not part or isinstance(answer, dict) and part in answer]




def _question(quiz: ET.Element, name: str, shown: QuestionHtml, item: Item,
              figures: int, scale: int, penalty: float,
              mistakes: Sequence[tuple[str, Any]] = ()) -> None:
    mark = Fraction(item.points) * scale  # whole, by mark_scale
    value = item.value
    text = shown.text
    if isinstance(value, (int, float)):
        q = ET.SubElement(quiz, "question", type="numerical")
        text_element(q, "name", name)
        html_element(q, "questiontext", text, shown.files)
        if shown.feedback:
            html_element(q, "generalfeedback", shown.feedback, shown.files)
        ET.SubElement(q, "defaultgrade").text = str(int(mark))
        ET.SubElement(q, "penalty").text = f"{penalty:.7g}"
        answer, tol = moodle_answer(value, figures)
        el = text_element(q, "answer", answer, fraction="100", format="moodle_auto_format")
        ET.SubElement(el, "tolerance").text = tol
        for w, feedback in wrong_fields(value, mistakes, figures)[0].items():
            el = text_element(q, "answer", w, fraction="0", format="moodle_auto_format")
            ET.SubElement(el, "tolerance").text = moodle_answer(float(w), figures)[1]
            text_element(el, "feedback", f"<p>{feedback}</p>", format="html")
        ET.SubElement(q, "unitgradingtype").text = "0"
        ET.SubElement(q, "showunits").text = "3"
        return
    q = ET.SubElement(quiz, "question", type="cloze")
    text_element(q, "name", name)
    marked = _marked(item)
    total = sum(marked.values())
    for part, v in (value.items() if isinstance(value, dict) else [("", value)]):
        if part:
            note = "" if marked[part] else f" (graded for feedback only: the marks are for {item.marked})"
            text += f"<p>{_escape(part)}{note}:</p>"
        text += _cloze_body(v, int(mark / total) if marked[part] else 0, figures,
                            wrong_fields(v, _part_mistakes(mistakes, part), figures))
    html_element(q, "questiontext", text, shown.files)
    if shown.feedback:
        html_element(q, "generalfeedback", shown.feedback, shown.files)
    ET.SubElement(q, "penalty").text = f"{penalty:.7g}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def moodle_xml(keys: Sequence[dict], figures: int = precision.FIGURES,
               category: str = "handouts", penalty: float = 0.0, assignment=None,
               config=None, choices: Mapping | None = None,
               rendered: Mapping | None = None) -> str:
    """A Moodle XML quiz: per variant a category ``<category>/s<seed>/<id>``
    with its numeric items (:func:`numeric_items`), each marked
    ``points × mark_scale(keys)``, accepting what
    :func:`derive.problem.precision.within` accepts, and costing ``penalty``
    of its mark per wrong try (Moodle's interactive mode; its own default is a third).
    With the ``assignment`` the keys are of (and the course ``config``), each
    question shows what the problem sheet does, its maths for MathJax and its
    figures as files (:func:`derive.variants.lms_html.question_html`), its
    worked solution as general feedback, and each mistake of the library
    that enters it is a 0 % answer with its diagnosis as feedback; without,
    a line naming what it asks. The formula questions of ``choices``
    (variant id -> qid -> :class:`derive.variants.choices.Choices`) are
    multiple choice (:func:`derive.variants.moodle_choice.multichoice`).
    ``rendered``: the variants' questions already rendered (variant id ->
    :func:`derive.variants.lms_html.rendered_questions`). The quiz is the
    join (:func:`join_moodle`) of each variant's :func:`moodle_variant`."""
    scale = mark_scale(keys)
    return join_moodle([moodle_variant(key, scale, figures, category, penalty, assignment,
                                       config, (choices or {}).get(key["variant"], {}),
                                       rendered) for key in keys])


def moodle_variant(key: dict, scale: int, figures: int = precision.FIGURES,
                   category: str = "handouts", penalty: float = 0.0, assignment=None,
                   config=None, choices: Mapping | None = None,
                   rendered: Mapping | None = None) -> str:
    """One variant's part of :func:`moodle_xml` (its category and questions,
    as the whole quiz's text has them), its marks scaled by ``scale``
    (:func:`mark_scale` of the whole set); ``choices``: qid ->
    :class:`derive.variants.choices.Choices` of this variant."""
    from derive.variants.items import mistaken_answers
    if assignment is not None:
        from derive.problem.config import Config
        config = config or Config()
        # the contract the questions state is the one they are graded by
        config = replace(config, course=replace(config.course, figures=figures))
    contract = f"<p>{_escape(precision.statement(figures))}</p>"
    quiz = ET.Element("quiz")
    vid = key["variant"]
    mistakes = mistaken_answers(assignment, key) if assignment is not None else {}
    shown = (question_html(assignment, key, config, base=PLUGINFILE, rendered=rendered)
             if assignment is not None else {})
    cat = ET.SubElement(quiz, "question", type="category")
    seed = "" if key["seed"] is None else f"s{key['seed']}/"
    text_element(cat, "category", f"$course$/{category}/{seed}{vid}")
    numeric = {item.id: item for item in numeric_items(key)}
    chosen = choices or {}
    for qid, q in key["questions"].items():
        if qid in numeric:
            item = numeric[qid]
            intro = f"{marker(vid, item.id)}: {item.prompt}. Given: {item.given}."
            html = shown.get(item.id) or QuestionHtml(f"<p>{_escape(intro)}</p>" + contract)
            _question(quiz, f"{vid} {item.id}", html, item, figures, scale, penalty,
                      mistakes.get(item.id, ()))
        elif qid in chosen:
            html = shown.get(qid) or QuestionHtml(f"<p>{_escape(marker(vid, qid))}</p>")
            multichoice(quiz, f"{vid} {qid}", html.text, chosen[qid],
                        Fraction(q["points"]) * scale, penalty, html.feedback, html.files)
    ET.indent(quiz)
    # "<quiz>\n  <question …>…</question>\n</quiz>": the children with the newline and
    # indent before each and the newline after the last, as in the whole quiz
    return ET.tostring(quiz, encoding="unicode")[len("<quiz>"):-len("</quiz>")]


def join_moodle(parts: Sequence[str]) -> str:
    """moodle.xml of the variants' :func:`moodle_variant` texts, in order."""
    # within the whole quiz each part's last newline is followed by the next part's indent
    body = "<quiz>" + "".join(p[:-1] for p in parts) + "\n</quiz>" if parts else "<quiz />"
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
