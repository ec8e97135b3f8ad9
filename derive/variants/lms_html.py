"""What a learning-management system shows of a variant's questions, as HTML
for any of them (Moodle, Canvas): each question's text with its maths for
MathJax, its worked solution as general feedback, and the figures both
refer to. Every question's text starts with its :func:`marker`, which the
LMS reports carry back to :func:`read_marker` (``handouts grade``)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape
from pathlib import PurePosixPath
from typing import Mapping

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


def question_html(assignment, key: dict, config, *, base: str = "",
                  rendered: Mapping[str, Mapping[str, QuestionHtml]] | None = None
                  ) -> dict[str, QuestionHtml]:
    """Per question id of ``key`` (an instance of ``assignment`` under
    ``config``), the question as an LMS shows it; figures are referred to as
    ``base + name``. Every question of the key, formula kinds too: the text
    as the problem sheet states it (with its part's data and network
    figure), the feedback the handout's worked solution. ``rendered`` (variant
    id -> :func:`rendered_questions`, as a set's variant folders keep them)
    spares rendering a variant again."""
    mine = rendered.get(key["variant"]) if rendered else None
    if mine is None:
        mine = rendered_questions(assignment, key, config)
    at = escape(base)   # as the template would have written it
    return {qid: QuestionHtml(q.text.replace(_BASE, at), q.feedback.replace(_BASE, at), dict(q.files))
            for qid, q in mine.items()}


def rendered_questions(assignment, key: dict, config) -> dict[str, QuestionHtml]:
    """The questions of :func:`question_html` with a placeholder for the base
    (one rendering serves every LMS). Each export of a set (moodle.xml,
    canvas-qti.zip) asks for the same variants: a variant is rendered once
    (the last :data:`CACHE_SIZE` kept, by the assignment object, the key and
    the config)."""
    cache_key = (id(assignment), json.dumps(key, sort_keys=True, default=str), repr(config))
    if cache_key in _RENDERED and _RENDERED[cache_key][0] is assignment:
        _RENDERED.move_to_end(cache_key)
    else:
        _RENDERED[cache_key] = (assignment, _render(assignment, key, config))
        if len(_RENDERED) > CACHE_SIZE:
            _RENDERED.popitem(last=False)
    return _RENDERED[cache_key][1]


def questions_json(questions: Mapping[str, QuestionHtml]) -> bytes:
    """:func:`rendered_questions` as a variant folder keeps them (``lms.json``)."""
    return (json.dumps({qid: {"text": q.text, "feedback": q.feedback,
                              "files": {n: base64.b64encode(b).decode("ascii")
                                        for n, b in sorted(q.files.items())}}
                        for qid, q in questions.items()}, indent=1, ensure_ascii=False)
            + "\n").encode("utf-8")


def read_questions_json(data: bytes) -> dict[str, QuestionHtml] | None:
    """What :func:`questions_json` wrote, or None when it is not that."""
    try:
        return {qid: QuestionHtml(q["text"], q["feedback"],
                                  {n: base64.b64decode(b, validate=True) for n, b in q["files"].items()})
                for qid, q in json.loads(data.decode("utf-8")).items()}
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error):
        return None


CACHE_SIZE = 256
_RENDERED: OrderedDict[tuple, tuple] = OrderedDict()
_BASE = "@@LMS-BASE@@"   # where the base goes: rendered once, for any base


def _render(assignment, key: dict, config) -> dict[str, QuestionHtml]:
    from derive.variants.instances import instance_context
    return questions_of(*instance_context(assignment, key, config), key, config)


def questions_of(variant, solutions: dict, ctx: dict, key: dict, config,
                 pngs: dict[str, bytes] | None = None) -> dict[str, QuestionHtml]:
    """:func:`rendered_questions` from a variant's solutions and render
    context (:func:`derive.variants.instances.instance_context`), as the
    worker that builds its documents has them (``pngs``: its figures, as
    :func:`derive.variants.lms_figures.variant_pngs` draws them)."""
    from derive.variants.lms_figures import png_name, variant_pngs
    if pngs is None:
        pngs = variant_pngs(variant, solutions)
    names = {path: png_name(key["variant"], path) for path in pngs}
    alts = {path: _alt(path) for path in pngs}
    env = _env()
    contract = escape(precision.statement(config.course.figures), quote=False)
    numeric = {item.id for item in numeric_items(key)}   # the others: multiple choice
    out = {}
    for number, (part, spec) in enumerate(zip(ctx["parts"], variant.parts), start=1):
        network = names.get(part["figure"], "")
        for q, qid in zip(part["questions"], [q.id for q in spec.questions]):
            text = env.get_template("question.html.j2").render(
                marker=marker(key["variant"], qid), q=q, part=part, number=number,
                network=network, base=_BASE, precision=contract, numbers=qid in numeric)
            feedback = env.get_template("feedback.html.j2").render(
                q=q, base=_BASE, names=names, alts=alts,
                mistakes=ctx["documents"]["mistakes"])
            shown = {n for n in names.values() if f'src="{_BASE}{n}"' in text + feedback}
            out[qid] = QuestionHtml(_tidy(text), _tidy(feedback),
                                    {n: pngs[p] for p, n in names.items() if n in shown})
    return out


# what each kind of figure shows, for its alt text (the caption follows it)
_ALTS = {"network": "The network of this part with the given weights",
         "activation": "The activation function and its derivative",
         "probabilities": "The class probabilities before and after the step",
         "regions": "The decision regions before and after the step"}


def _alt(path: str) -> str:
    stem = PurePosixPath(path).stem
    return next((alt for kind, alt in _ALTS.items() if kind in stem), "A figure")


def _tidy(html: str) -> str:
    """The template's lines joined without a newline: Moodle's XML parser
    drops the newlines of a text (the lines are whole elements)."""
    return "".join(line.strip() for line in html.splitlines())


@lru_cache(maxsize=1)
def _env():
    """The Jinja2 environment of templates/lms: HTML escaped, and filters
    that turn the render context's LaTeX into HTML (:mod:`derive.variants.lms_tex`)."""
    import jinja2
    from markupsafe import Markup

    from derive.documents.render import template_dir
    from derive.variants import lms_tex
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(template_dir() / "lms")),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=False)
    env.filters.update(
        tex=lambda t: Markup(lms_tex.text(t)), para=lambda t: Markup(lms_tex.paragraphs(t)),
        math=lambda t: Markup(lms_tex.inline(t if t.lstrip().startswith(r"\displaystyle")
                                             else r"\displaystyle " + t) if t.strip() else ""),
        display=lambda t: Markup(lms_tex.display(t)))
    return env
