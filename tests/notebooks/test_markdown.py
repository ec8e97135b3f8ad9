"""The render context's LaTeX as Jupyter markdown (lms_tex with ``dollars``):
maths in $ … $ and $$ … $$ as Jupyter reads them (it escapes &, < and > in
maths itself), plain text's markdown characters as entities."""

from derive.documents.render import Latex
from derive.notebooks import markdown
from derive.variants import lms_tex
from tests.notebooks.notebooks import instance


def test_maths_is_in_dollars_and_not_escaped():
    tex = Latex(r"If $a < b$ then \[ \begin{bmatrix*}[r] 1 & -1 \end{bmatrix*} \] and \(x\).")
    assert lms_tex.text(tex, dollars=True) == \
        r"If $a < b$ then $$\begin{bmatrix} 1 & -1 \end{bmatrix}$$ and $x$."
    assert lms_tex.text(tex) == (r"If \(a &lt; b\) then \[\begin{bmatrix} 1 &amp; -1 "
                                 r"\end{bmatrix}\] and \(x\).")


def test_paragraphs_and_markup():
    tex = Latex("One \\emph{two}_3.\n\nA \\texttt{a[2]} \\$5 \\# and 50\\%.")
    assert lms_tex.paragraphs(tex, dollars=True) == \
        "One <em>two</em>&#95;3.\n\nA <code>a&#91;2&#93;</code> &#36;5 &#35; and 50%."
    assert lms_tex.paragraphs(tex).startswith("<p>One <em>two</em>_3.</p><p>")
    assert lms_tex.paragraphs(Latex(""), dollars=True) == ""


def test_the_notation_paragraph_is_the_sheets():
    from derive.problem.config import Config
    from derive.variants.instances import instance_context
    assignment, key = instance("tanh-mse")
    ctx = instance_context(assignment, key, Config())[2]
    text = lms_tex.text(markdown.notation(ctx["notation"]), dollars=True)
    assert text.startswith("Layer $l$ of a network has a linear part "
                           "$z^{l} = (W^{l})^{T} a^{l-1} + w_0^{l}$")
    assert "(<code>x&#91;2&#93;</code> in NumPy)" in text
    assert text.endswith("the identity $z$ and the hyperbolic tangent $\\tanh(z)$; the loss is "
                         "half the squared error, $\\ell = \\tfrac{1}{2} \\lVert a - y \\rVert^{2}$.")
