"""The Jinja2 environment and the LaTeX escaper (table-driven)."""

import pytest
import jinja2

from derive.render import ESCAPES, Latex, UnsettableText, escape_latex, make_env

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


def test_delimiters_and_comments():
    assert render_string("((= hidden =))((* if t *))yes((* endif *)){x}", t=True) == "yes{x}"


def test_undefined_variables_fail():
    with pytest.raises(jinja2.UndefinedError):
        render_string("((( missing )))")


def test_extra_dirs_override_shipped_templates(tmp_path):
    (tmp_path / "base.tex.j2").write_text("custom")
    assert make_env([tmp_path]).get_template("base.tex.j2").render() == "custom"


def test_a_changed_template_is_never_served_from_the_bytecode_cache(tmp_path):
    from derive.render import _env
    (tmp_path / "t.tex.j2").write_text("old ((( x )))")
    assert make_env([tmp_path]).get_template("t.tex.j2").render(x=1) == "old 1"
    (tmp_path / "t.tex.j2").write_text("new ((( x )))")
    _env.cache_clear()  # a new process: only the bytecode cache remains
    assert make_env([tmp_path]).get_template("t.tex.j2").render(x=1) == "new 1"
