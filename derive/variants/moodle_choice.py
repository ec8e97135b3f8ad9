"""A formula question in moodle.xml: a single-answer ``multichoice`` question
(Moodle's own type, graded without plugins) from its
:class:`~derive.variants.choices.Choices`: the right option 100 %, each wrong
one 0 % with its diagnosis as feedback, the options shuffled by Moodle."""

from __future__ import annotations

import base64
import xml.etree.ElementTree as ET
from fractions import Fraction
from typing import Mapping
from urllib.parse import quote

from derive.variants.choices import Choices

PLUGINFILE = "@@PLUGINFILE@@/"   # how Moodle's HTML refers to a question's own files


def _text(parent: ET.Element, tag: str, text: str, **attrib) -> ET.Element:
    el = ET.SubElement(parent, tag, attrib)
    ET.SubElement(el, "text").text = text
    return el


def _number(value) -> str:
    """A mark or penalty as Moodle reads it: whole numbers without a point."""
    value = Fraction(value).limit_denominator(10 ** 7) if isinstance(value, float) else Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.7g}"


def _refers(html: str, name: str) -> bool:
    return any(PLUGINFILE + n in html for n in (name, quote(name)))


def multichoice(quiz: ET.Element, name: str, text_html: str, choices: Choices, mark,
                penalty: float, feedback_html: str = "",
                files: Mapping[str, bytes] | None = None) -> ET.Element:
    """Append to ``quiz`` a Moodle XML ``<question type="multichoice">``:
    one answer to pick, options shuffled, numbered a, b, c; ``mark`` the
    default mark, ``penalty`` the share of it a wrong try costs (interactive
    mode); ``feedback_html`` the general feedback (the worked solution).
    Each of ``files`` (name -> bytes, referred to as ``@@PLUGINFILE@@/name``)
    is embedded base64 in every text that refers to it, one that none refers
    to in the question text. Returns the question element."""
    if sum(c.right for c in choices.options) != 1 or len(choices.options) < 2:
        raise ValueError(f"{name}: a multiple-choice question needs exactly one right option "
                         f"and at least two options, got {len(choices.options)} options")
    files = dict(files or {})
    q = ET.SubElement(quiz, "question", type="multichoice")
    _text(q, "name", name)
    texts = [text_html, feedback_html] + [t for c in choices.options for t in (c.html, c.feedback)]
    unused = [f for f in sorted(files) if not any(_refers(t, f) for t in texts)]

    def embed(el: ET.Element, html: str, extra=()) -> None:
        for f in sorted(files):
            if _refers(html, f) or f in extra:
                ET.SubElement(el, "file", name=f, path="/", encoding="base64").text = \
                    base64.b64encode(files[f]).decode("ascii")

    embed(_text(q, "questiontext", text_html, format="html"), text_html, unused)
    embed(_text(q, "generalfeedback", feedback_html, format="html"), feedback_html)
    ET.SubElement(q, "defaultgrade").text = _number(mark)
    ET.SubElement(q, "penalty").text = _number(penalty)
    ET.SubElement(q, "hidden").text = "0"
    ET.SubElement(q, "single").text = "true"
    ET.SubElement(q, "shuffleanswers").text = "1"
    ET.SubElement(q, "answernumbering").text = "abc"
    ET.SubElement(q, "showstandardinstruction").text = "0"
    for c in choices.options:
        answer = _text(q, "answer", c.html, fraction="100" if c.right else "0", format="html")
        embed(answer, c.html)
        embed(_text(answer, "feedback", c.feedback, format="html"), c.feedback)
    return q
