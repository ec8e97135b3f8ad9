"""The Jinja2 environment and the LaTeX escaper (table-driven)."""

import pytest
import jinja2

from derive.documents.render import ESCAPES, Latex, UnsettableText, escape_latex, make_env

CASES = [
    ("plain text", "plain text"),
    (r"\input{/etc/passwd}", r"\textbackslash{}input\{/etc/passwd\}"),
    ("^^5cinput{/etc/passwd}", r"\textasciicircum{}\textasciicircum{}5cinput\{/etc/passwd\}"),
    (r"\immediate\write18{touch /tmp/x}",
     r"\textbackslash{}immediate\textbackslash{}write18\{touch /tmp/x\}"),
    ("$ % # _ & ~ { }", r"\$ \% \# \_ \& \textasciitilde{} \{ \}"),
    ("a<b>c|d\"e", r"a\textless{}b\textgreater{}c\textbar{}d\textquotedbl{}e"),
    ("Müller, Straße, Łódź, café", "Müller, Straße, Łódź, café"),
    ("x − y", "x - y"),
    ("5 × 3", r"5 \texttimes{} 3"),
    # Latin Extended-A letters without a T1 glyph: their plain spelling
    ("ſoŀ Ħŧ ŉ", r"sol\textperiodcentered{} Ht \textquotesingle{}n"),
    # T1 ligatures: every character must stay itself
    ("a--b---c", "a-{}-b-{}-{}-c"),
    ("x-y, z", "x-y, z"),
    ("``q''", r"\textasciigrave{}\textasciigrave{}q\textquotesingle{}\textquotesingle{}"),
    (",,,low", ",{},{},low"),
    ("!`?`", r"!\textasciigrave{}?\textasciigrave{}"),
    ("<<>>", r"\textless{}\textless{}\textgreater{}\textgreater{}"),
    ("O'Brien", r"O\textquotesingle{}Brien"),
    # a long run without spaces may break every 8 characters; short ones never
    ("x" * 24, "x" * 24),
    ("x" * 25, r"xxxxxxxx\allowbreak{}xxxxxxxx\allowbreak{}xxxxxxxx\allowbreak{}x"),
    ("ab " + "y" * 26, r"ab yyyyyyyy\allowbreak{}yyyyyyyy\allowbreak{}yyyyyyyy\allowbreak{}yy"),
    ("\\" * 26, r"\allowbreak{}".join([r"\textbackslash{}" * 8] * 3 + [r"\textbackslash{}" * 2])),
]


@pytest.mark.parametrize("text, expected", CASES)
def test_escape_table(text, expected):
    assert escape_latex(text) == expected


def test_every_special_character_is_in_the_table():
    for ch in "\\{}$&%#_^~":
        assert ch in ESCAPES


@pytest.mark.parametrize("text", ["Нейронные сети", "神经网络", "Νευρωνικά"])
def test_unsettable_characters_are_a_clear_error(text):
    with pytest.raises(UnsettableText, match="cannot be typeset"):
        escape_latex(text)


def test_trusted_latex_passes_unchanged():
    assert escape_latex(Latex(r"\frac{1}{2}")) == r"\frac{1}{2}"


def render_string(source, **ctx):
    return make_env().from_string(source).render(**ctx)


def test_variables_are_escaped_by_default_and_latex_is_not():
    out = render_string("((( a ))) ((( b ))) ((( n )))", a="50% & $", b=Latex(r"\alpha"), n=2.5)
    assert out == r"50\% \& \$ \alpha 2.5"


def test_strings_the_context_did_not_escape_get_no_break_points():
    path = "figures/a-very-long-figure-name-for-a-test.pdf"
    assert render_string("((( p )))", p=path) == path
    assert r"\allowbreak" in escape_latex(path)


def test_delimiters_and_comments():
    assert render_string("((= hidden =))((* if t *))yes((* endif *)){x}", t=True) == "yes{x}"


def test_undefined_variables_fail():
    with pytest.raises(jinja2.UndefinedError):
        render_string("((( missing )))")


def test_extra_dirs_override_shipped_templates(tmp_path):
    (tmp_path / "base.tex.j2").write_text("custom")
    assert make_env([tmp_path]).get_template("base.tex.j2").render() == "custom"


def test_a_changed_template_is_never_served_from_the_bytecode_cache(tmp_path):
    from derive.documents.render import _env
    (tmp_path / "t.tex.j2").write_text("old ((( x )))")
    assert make_env([tmp_path]).get_template("t.tex.j2").render(x=1) == "old 1"
    (tmp_path / "t.tex.j2").write_text("new ((( x )))")
    _env.cache_clear()  # a new process: only the bytecode cache remains
    assert make_env([tmp_path]).get_template("t.tex.j2").render(x=1) == "new 1"


# ---------------------------------------------------------------------------
# Through pdflatex: what the PDF's text layer shows

LITERAL = ["a--b---c", "``q''", ",,low", "!`inverted?`", "<<guillemets>>", "O'Brien",
           "`tick`", "x-y", "-1", "a,,b''c``d", "A & B -- 50% of $x_1$ ~ {y}"]
LONG_TITLE = "".join(chr(ord("A") + i % 26) for i in range(200))
CHILD = ("((* extends 'base.tex.j2' *))((* block body *))"
         "((* for t in texts *))((( t )))\\par\n((* endfor *))((* endblock *))")


@pytest.fixture(scope="module")
def literal_pdf(tmp_path_factory):
    from derive.documents.build import compile_pdf
    from derive.problem.config import Course
    from derive.documents.context import course_context
    folder = tmp_path_factory.mktemp("literal")
    (folder / "child.tex.j2").write_text(CHILD)
    course = course_context(Course(title=LONG_TITLE, course="C", term="", instructor=""))
    tex = folder / "t.tex"
    tex.write_text(make_env([folder]).get_template("child.tex.j2").render(
        course=course, solutions=False, texts=LITERAL), encoding="utf-8")
    return compile_pdf(tex)


def _pdftotext(*args) -> str:
    import subprocess
    return subprocess.run(["pdftotext", *args, "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize("text", LITERAL)
def test_ligature_strings_print_literally(literal_pdf, text):
    assert text in _pdftotext(str(literal_pdf)).splitlines()


def test_a_long_title_breaks_and_stays_on_the_page(literal_pdf):
    import xml.etree.ElementTree as ET
    lines = _pdftotext(str(literal_pdf)).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("ABCDEFGH"))
    title = "".join(lines[start:start + 6])
    assert title.startswith(LONG_TITLE)  # every character, in order, over several lines
    assert lines[start] != LONG_TITLE
    # every word box inside the page, and no overfull line
    bbox = _pdftotext("-bbox", str(literal_pdf)).replace(' xmlns="http://www.w3.org/1999/xhtml"', "")
    page = ET.fromstring(bbox).find(".//page")
    width = float(page.get("width"))
    words = page.findall("word")
    assert words and all(0 <= float(w.get("xMin")) and float(w.get("xMax")) <= width
                         for w in words)
    assert "Overfull" not in literal_pdf.with_suffix(".log").read_text(errors="replace")
