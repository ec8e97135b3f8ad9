"""LaTeX fragments of the render context as HTML with MathJax maths."""

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.documents.render import Latex, escape_latex
from derive.variants.lms_tex import MATHJAX, TexError, display, inline, math, paragraphs, text


def test_matrices_become_amsmath_ones():
    tex = r"W = \begin{bmatrix*}[r] 1 & -2 \\ 3 & 4 \end{bmatrix*}\dims{$2 \times 2$}"
    assert math(tex) == r"W = \begin{bmatrix} 1 & -2 \\ 3 & 4 \end{bmatrix}\quad (2 \times 2)"
    small = r"\approx \begin{bsmallmatrix*}[r] 7 \\ 0.5 \end{bsmallmatrix*}"
    assert math(small) == r"\approx \left[\begin{smallmatrix} 7 \\ 0.5 \end{smallmatrix}\right]"
    assert math(r"\dims{rows}") == r"\quad (\text{rows})"
    assert math(r"\texttt{a[2]}") == r"\mathtt{a[2]}"


def test_maths_is_html_escaped_and_delimited_for_mathjax():
    assert inline("a < b & c > d") == r"\(a &lt; b &amp; c &gt; d\)"
    assert display(r"\frac{1}{2}") == r"\[\frac{1}{2}\]"


def test_text_markup():
    tex = Latex(r"\emph{Note}: ``class 3'' is $a_{3}$ -- the 3rd~entry (50\%, \textbf{b} \& c).")
    assert text(tex) == ("<em>Note</em>: “class 3” is \\(a_{3}\\) – the 3rd\u00a0entry "
                         "(50%, <strong>b</strong> &amp; c).")
    assert text(Latex(r"see \texttt{a[2]} in NumPy")) == "see <code>a[2]</code> in NumPy"
    assert text(Latex("x\n\\[ y = 1, \\]\nso")) == r"x \[y = 1,\] so"
    assert paragraphs(Latex("one\n\ntwo")) == "<p>one</p><p>two</p>"
    assert paragraphs(Latex("")) == ""


def test_plain_str_is_only_escaped():
    assert text("a <b> & $c$ -- 'd'") == "a &lt;b&gt; &amp; $c$ -- 'd'"


@pytest.mark.parametrize("tex", [r"\unknown{x}", r"$a", r"\emph{a", r"\@"])
def test_what_has_no_html_form_is_an_error(tex):
    with pytest.raises(TexError):
        text(Latex(tex))


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from([chr(c) for c in range(32, 127)] + list("äßéñ€–—“”‘’…\u00a0·×±Œ")),
               max_size=60))
def test_escaped_text_reads_back_as_itself(s):
    """Text from an assignment file, escaped for LaTeX (escape_latex), comes
    back as the same characters, HTML-escaped: no ligature, quote or maths made."""
    got = text(escape_latex(s)).replace("\\\u2060", "\\").replace("&#36;", "$")
    want = html.escape(re.sub(r"[^\S\u00a0]+", " ", s), quote=False)
    assert re.sub(r"\s+", " ", got) == re.sub(r"\s+", " ", want)
    assert "$" not in text(escape_latex(s)) and r"\(" not in text(escape_latex(s))


def test_mathjax_list_names_control_sequences():
    assert {"frac", "operatorname", "begin", "approx"} <= MATHJAX
    assert "dims" not in MATHJAX and "bsmallmatrix" not in MATHJAX
