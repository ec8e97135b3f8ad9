"""A notebook's markdown cells from the documents' render context
(:func:`derive.variants.instances.instance_context`): the problem sheet's
text, data and statements as Jupyter markdown (templates/notebook/*.md.j2),
LaTeX text turned into markdown by :mod:`derive.variants.lms_tex` with
``dollars`` (maths in ``$ … $`` and ``$$ … $$``, which JupyterLab renders;
never ``\\(``)."""

from __future__ import annotations

from functools import lru_cache

from derive.documents.render import Latex
from derive.problem import precision


@lru_cache(maxsize=1)
def _env():
    import jinja2

    from derive.documents.render import template_dir
    from derive.variants import lms_tex
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(template_dir() / "notebook")),
                             autoescape=False, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=False)
    env.filters.update(tex=lambda t: lms_tex.text(t, dollars=True),
                       para=lambda t: lms_tex.paragraphs(t, dollars=True),
                       math=lms_tex.math)
    return env


def _render(name: str, **context) -> str:
    return _env().get_template(name).render(**context).strip() + "\n"


def notation(n: dict) -> Latex:
    """The problem sheet's notation paragraph, as its template writes it
    (templates/assignment/notation.tex.j2)."""
    from derive.documents.render import render
    return Latex(render("assignment/notation.tex.j2", {"v": {"notation": n}}).strip())


def intro(ctx: dict, figures: int) -> str:
    """The first cell: title, variant, how to work and hand in, the precision
    contract and the notation."""
    return _render("intro.md.j2", course=ctx["course"], variant=ctx["variant"],
                   precision=precision.statement(figures, natural_log=False),
                   notation=notation(ctx["notation"]))


def part(ctx_part: dict, number: int, figure: str) -> str:
    """A part's cell; ``figure`` the name of its network figure's attachment ("" for none)."""
    return _render("part.md.j2", part=ctx_part, number=number, figure=figure)


def question(ctx_question: dict, qid: str) -> str:
    """A question's cell: its heading and its statement."""
    return _render("question.md.j2", q=ctx_question, id=qid)
