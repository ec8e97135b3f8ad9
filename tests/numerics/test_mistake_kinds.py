"""The mistakes by kind, as data: complete, and about kinds the catalogue has."""

from derive.documents.render import escape_latex
from derive.numerics.mistake_kinds import MISSING_DERIVATIVE, MISTAKE_KINDS
from derive.problem.catalogue import KINDS


def test_every_mistake_has_its_words_and_known_kinds():
    for code, m in MISTAKE_KINDS.items():
        assert m.code == code and m.title and m.text.endswith(".") and m.tex.endswith(".")
        assert set(m.kinds) <= set(KINDS), code
    assert set(MISSING_DERIVATIVE.values()) <= set(MISTAKE_KINDS)


def test_the_latex_words_are_settable_where_the_plain_ones_are_not():
    """The feedback PDFs print ``tex``: plain Latin text outside maths."""
    for m in MISTAKE_KINDS.values():
        outside = "".join(part for i, part in enumerate(m.tex.split("$")) if i % 2 == 0)
        escape_latex(outside.replace("``", "").replace("''", ""))   # raises on δ, ∂, ℓ
