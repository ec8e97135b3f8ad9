"""What a learning-management system shows of a variant's questions, as HTML
for any of them (Moodle, Canvas): each question's text with its maths for
MathJax, its worked solution as general feedback, and the figures both
refer to. Every question's text starts with its :func:`marker`, which the
LMS reports carry back to :func:`read_marker` (``handouts grade``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from derive.problem import precision
from derive.variants.exports import numeric_items


@dataclass(frozen=True)
class QuestionHtml:
    """One question as an LMS shows it: the text (HTML, starting with its
    marker), the general feedback (HTML) and the files both refer to (name ->
    bytes, referred to as ``base + name``)."""

    text: str
    feedback: str = ""
    files: dict[str, bytes] = field(default_factory=dict)


_MARKER = re.compile(r"Problem sheet (?P<variant>[A-Za-z0-9_-]+), question "
                     r"(?P<question>[A-Za-z0-9_-]+)(?:\.(?P<part>[a-z]+))?"
                     r"(?:\[(?P<entry>[0-9]+(?:,[0-9]+)?)\])?")


def marker(variant: str, question: str) -> str:
    """The words that name a question in an LMS: its variant and its id, or
    a column of keys.csv (``q6[1,2]``, ``q12.new[2]``) for a question of one entry."""
    return f"Problem sheet {variant}, question {question}"


def read_marker(text: str) -> tuple[str, str, str, tuple[int, ...]] | None:
    """(variant, question id, part, entry counted from 1) of the first marker
    in ``text`` (a question text or a report's column), or None."""
    m = _MARKER.search(text)
    if m is None:
        return None
    entry = tuple(int(i) for i in m["entry"].split(",")) if m["entry"] else ()
    return m["variant"], m["question"], m["part"] or "", entry


def question_html(assignment, key: dict, config, *, base: str = "") -> dict[str, QuestionHtml]:
    """Per question id of ``key`` (an instance of ``assignment`` under
    ``config``), the question as an LMS shows it; figures are referred to as
    ``base + name``."""
    figures = config.course.figures
    contract = f"<p>{escape(precision.statement(figures), quote=False)}</p>"
    out = {}
    for item in numeric_items(key):
        intro = (f"{marker(key['variant'], item.id)}: {item.prompt}. Given: {item.given}.")
        out[item.id] = QuestionHtml(f"<p>{escape(intro, quote=False)}</p>" + contract)
    return out
