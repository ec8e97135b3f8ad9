"""The QTI 1.2 items of a Canvas classic quiz (the dialect Canvas's own
exports, text2qti and R/exams' exams2canvas write): a number as a
``numerical_question`` that accepts a range, a formula question as a
``multiple_choice_question`` with a diagnosis per wrong option.

What Canvas does with numbers (read in its source, canvas-lms):

* it rounds what a student types in a numerical box to 4 decimal places
  before it is sent (quiz taking: ``val.toFixed(4)``), so 0.00004 becomes 0
  and 0.00123 becomes 0.0012. An answer whose tolerance is below 1e-4 is
  therefore asked in units of a power of ten (:func:`answer_scale`), so that
  every number given to the sheet's significant figures survives the
  rounding (one given with more is rounded, on the smallest entries to the
  sheet's own last figure); an exact 0 accepts anything Canvas keeps as 0
  (below 0.00005);
* it compares the rounded answer with the range's bounds as decimals
  (BigDecimal of the bounds it read as floats), so the range is the
  contract's own (:func:`numeric_range`);
* every answer of a numerical question is a right answer (its importer and
  its grader give each 100 %), so the library's mistakes cannot be wrong
  answers with feedback there: they are left out (the grader diagnoses them);
* points are kept as floats and shown to two decimals: a question's points
  are shared between its entries in hundredths (:func:`share_points`).
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Sequence

import numpy as np

from derive.problem import precision
from derive.problem.precision import SLACK

# the decimals Canvas keeps of a typed number (quiz taking: toFixed(4))
CANVAS_DECIMALS = 4
RESPONSE = "response1"


def safe_ident(text: str) -> str:
    """``text`` as a QTI ident (an XML NMTOKEN Canvas's converter keeps as it
    is): ``q6[1,2]`` -> ``q6_1_2``."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", text.replace("]", "")).strip("_")


def decimal_text(value: float) -> str:
    """A float in positional notation, the shortest that reads back as the
    same float (no exponent, which some readers mistake)."""
    return np.format_float_positional(float(value), unique=True, trim="-")


def answer_scale(values: Sequence[float], figures: int = precision.FIGURES) -> int:
    """The power of ten an answer's entries are typed in: 0, or the largest
    multiple of 3 that makes every nonzero entry's tolerance at least 1e-4 in
    those units, so Canvas's rounding to 4 decimals leaves a number given to
    ``figures`` significant figures as it is (and moves one given with more
    by at most half its tolerance). An exact 0 needs none (0 is typed as it is)."""
    exps = [math.floor(math.log10(t)) for v in values if v != 0
            for t in [float(precision.tolerance(v, figures))]]
    need = min(exps, default=0) + CANVAS_DECIMALS
    return 0 if need >= 0 else 3 * math.floor(need / 3)


def numeric_range(value: float, figures: int = precision.FIGURES,
                  scale: int = 0) -> tuple[str, str]:
    """The lowest and highest answer :func:`precision.within` accepts for
    ``value``, in units of ``10**scale``, as the decimals to write."""
    tol = float(precision.tolerance(value, figures)) * SLACK
    return tuple(decimal_text(float(Decimal(b).scaleb(-scale)))
                 for b in (float(value) - tol, float(value) + tol))


def share_points(points, n: int) -> list[Decimal]:
    """``points`` shared between ``n`` entries in hundredths (the first
    entries get the odd hundredths), summing to ``points`` exactly; points
    that are not whole hundredths are shared equally."""
    total = Decimal(str(points))
    cents = total * 100
    if n == 0:
        return []
    if cents != cents.to_integral_value():
        return [total / n] * n
    q, r = divmod(int(cents), n)
    return [Decimal(q + (i < r)).scaleb(-2) for i in range(n)]


def points_text(points: Decimal) -> str:
    """Points as Canvas reads them: a plain decimal (``7.5``, ``0.34``, ``0``)."""
    text = format(points.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib) -> ET.Element:
    el = ET.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = text
    return el


def _html(parent: ET.Element, html: str) -> None:
    """<material><mattext texttype="text/html"> with the HTML escaped as text
    (Canvas's converter drops unescaped tags)."""
    _sub(_sub(parent, "material"), "mattext", html, texttype="text/html")


def _start(section: ET.Element, ident: str, title: str, qtype: str, points: Decimal,
           answer_ids: str) -> ET.Element:
    item = _sub(section, "item", ident=ident, title=title)
    meta = _sub(_sub(item, "itemmetadata"), "qtimetadata")
    for label, entry in (("question_type", qtype), ("points_possible", points_text(points)),
                         ("original_answer_ids", answer_ids),
                         ("assessment_question_identifierref", f"{ident}_ref")):
        field = _sub(meta, "qtimetadatafield")
        _sub(field, "fieldlabel", label)
        _sub(field, "fieldentry", entry)
    return item


def _resprocessing(item: ET.Element, general: bool) -> ET.Element:
    rp = _sub(item, "resprocessing")
    _sub(_sub(rp, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE",
         vartype="Decimal")
    if general:
        cond = _sub(rp, "respcondition", **{"continue": "Yes"})
        _sub(_sub(cond, "conditionvar"), "other")
        _sub(cond, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    return rp


def _feedback(item: ET.Element, ident: str, html: str) -> None:
    _html(_sub(_sub(item, "itemfeedback", ident=ident), "flow_mat"), html)


def numerical_item(section: ET.Element, ident: str, title: str, text: str, points: Decimal,
                   bounds: tuple[str, str], feedback: str = "") -> ET.Element:
    """A ``numerical_question`` worth ``points`` whose one (range) answer is
    ``bounds`` (low, high), with ``feedback`` (HTML) shown after any answer."""
    item = _start(section, ident, title, "numerical_question", points, "1")
    pres = _sub(item, "presentation")
    _html(pres, text)
    fib = _sub(_sub(pres, "response_str", ident=RESPONSE, rcardinality="Single"),
               "render_fib", fibtype="Decimal")
    _sub(fib, "response_label", ident="answer1")
    rp = _resprocessing(item, bool(feedback))
    cond = _sub(rp, "respcondition", **{"continue": "No"})
    var = _sub(cond, "conditionvar")
    _sub(var, "vargte", bounds[0], respident=RESPONSE)
    _sub(var, "varlte", bounds[1], respident=RESPONSE)
    _sub(cond, "setvar", "100", action="Set", varname="SCORE")
    if feedback:
        _feedback(item, "general_fb", feedback)
    return item


def choice_item(section: ET.Element, ident: str, title: str, text: str, points: Decimal,
                choices, feedback: str = "") -> ET.Element:
    """A ``multiple_choice_question`` worth ``points`` of ``choices``
    (:class:`derive.variants.choices.Choices`, exactly one right), each
    option's feedback shown when it is picked, ``feedback`` after any answer.
    The options are numbered from 1 in their order (Canvas keeps numeric
    answer ids)."""
    right = [i for i, c in enumerate(choices.options, 1) if c.right]
    if len(right) != 1:
        raise ValueError(f"{choices.qid}: {len(right)} right options (a multiple choice "
                         "question has one)")
    ids = [str(i) for i in range(1, len(choices.options) + 1)]
    item = _start(section, ident, title, "multiple_choice_question", points, ",".join(ids))
    pres = _sub(item, "presentation")
    _html(pres, text)
    render = _sub(_sub(pres, "response_lid", ident=RESPONSE, rcardinality="Single"),
                  "render_choice")
    for i, c in zip(ids, choices.options):
        _html(_sub(render, "response_label", ident=i), c.html)
    rp = _resprocessing(item, bool(feedback))
    for i, c in zip(ids, choices.options):
        if c.feedback:
            cond = _sub(rp, "respcondition", **{"continue": "Yes"})
            _sub(_sub(cond, "conditionvar"), "varequal", i, respident=RESPONSE)
            _sub(cond, "displayfeedback", feedbacktype="Response", linkrefid=f"{i}_fb")
    cond = _sub(rp, "respcondition", **{"continue": "No"})
    _sub(_sub(cond, "conditionvar"), "varequal", str(right[0]), respident=RESPONSE)
    _sub(cond, "setvar", "100", action="Set", varname="SCORE")
    if feedback:
        _feedback(item, "general_fb", feedback)
    for i, c in zip(ids, choices.options):
        if c.feedback:
            _feedback(item, f"{i}_fb", c.feedback)
    return item
