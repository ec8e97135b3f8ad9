"""LaTeX fragments of the documents' render context as HTML for an LMS:
text with its LaTeX markup turned into HTML (escaped, ``\\emph`` as
``<em>``, ``quotes'' as “quotes”, ``--`` as –, ``~`` as a no-break
space …) and maths for MathJax (Moodle's MathJax filter, Canvas): inline
``\\( … \\)``, display ``\\[ … \\]``, never ``$``. The maths keeps only what
MathJax 2 (TeX-AMS) and MathJax 3 both know (:data:`MATHJAX`): the
project's own macros (``\\dims``) are expanded and mathtools' starred
matrices written as amsmath's ``bmatrix``/``smallmatrix``.

With ``dollars=True`` the same text is Jupyter markdown instead: maths as
``$ … $`` and ``$$ … $$`` (JupyterLab's markdown eats the backslash of
``\\(``), not HTML-escaped (Jupyter escapes it itself), the characters
markdown reads in plain text as entities, paragraphs split by a blank line."""

from __future__ import annotations

import re
from html import escape

from derive.documents.render import Latex

# The control sequences the maths may use: what MathJax 2's TeX input with
# AMSmath/AMSsymbols and MathJax 3's base/ams packages both define (a subset:
# what the documents' maths uses, checked by the tests)
MATHJAX = frozenset("""
    approx begin end frac tfrac dfrac sum prod partial nabla odot cdot times to in le leq ge geq
    ne neq ell delta Delta sigma eta alpha beta gamma epsilon varepsilon lambda mu pi theta tau
    phi varphi omega Sigma ln log exp max min tanh operatorname text mathrm mathbf mathtt
    left right lVert rVert lvert rvert vert Vert displaystyle textstyle quad qquad dots ldots
    cdots top prime infty mid big Big bigl bigr
""".split()) | {"{", "}", ",", ";", "!", " ", "\\", "|"}
# the environments it may use
ENVIRONMENTS = frozenset({"bmatrix", "pmatrix", "matrix", "smallmatrix", "aligned", "array"})

_STARRED = re.compile(r"\\begin\{(b|p|)matrix\*\}(?:\[[lcr]\])?")
_SMALL = re.compile(r"\\begin\{(b|p)smallmatrix\*?\}(?:\[[lcr]\])?")
_SMALL_END = re.compile(r"\\end\{(b|p)smallmatrix\*?\}")
_FENCES = {"b": ("[", "]"), "p": ("(", ")")}


class TexError(ValueError):
    """A LaTeX fragment with markup that has no HTML form here."""


def group(tex: str, i: int) -> tuple[str, int]:
    """The braced group starting at ``tex[i]`` (``{``): its content and the index after it."""
    if i >= len(tex) or tex[i] != "{":
        raise TexError(f"expected {{ at {i} in {tex!r}")
    depth = 0
    j = i
    while j < len(tex):
        c = tex[j]
        if c == "\\":
            j += 2
            continue
        depth += c == "{"
        depth -= c == "}"
        if depth == 0:
            return tex[i + 1:j], j + 1
        j += 1
    raise TexError(f"unbalanced braces in {tex!r}")


def math(tex: str) -> str:
    """Math-mode LaTeX as MathJax reads it (not yet HTML-escaped): starred
    and small matrices as amsmath's, ``\\dims{$d$}`` as ``\\quad (d)``,
    ``\\texttt`` as ``\\mathtt``."""
    tex = _STARRED.sub(lambda m: rf"\begin{{{m[1]}matrix}}", tex)
    tex = re.sub(r"\\end\{(b|p|)matrix\*\}", lambda m: rf"\end{{{m[1]}matrix}}", tex)
    tex = _SMALL.sub(lambda m: rf"\left{_FENCES[m[1]][0]}\begin{{smallmatrix}}", tex)
    tex = _SMALL_END.sub(lambda m: rf"\end{{smallmatrix}}\right{_FENCES[m[1]][1]}", tex)
    tex = tex.replace(r"\texttt{", r"\mathtt{")
    out, i = [], 0
    for m in re.finditer(r"\\dims(?=\{)", tex):
        if m.start() < i:
            continue
        inner, end = group(tex, m.end())
        inner = inner.strip()
        if inner.startswith("$") and inner.endswith("$"):
            inner = inner[1:-1]
        else:
            inner = rf"\text{{{inner}}}"
        out += [tex[i:m.start()], rf"\quad ({inner})"]
        i = end
    # one line: an LMS may drop a text's newlines (Moodle's XML parser does)
    return re.sub(r"\s+", " ", "".join(out) + tex[i:]).strip()


def inline(tex: str, dollars: bool = False) -> str:
    """Maths in the text: ``\\( … \\)``, HTML-escaped (``$ … $`` with ``dollars``)."""
    if dollars:
        return "$" + math(tex) + "$"
    return r"\(" + escape(math(tex), quote=False) + r"\)"


def display(tex: str, dollars: bool = False) -> str:
    """Displayed maths: ``\\[ … \\]``, HTML-escaped (``$$ … $$`` with ``dollars``)."""
    if dollars:
        return "$$" + math(tex) + "$$"
    return r"\[" + escape(math(tex), quote=False) + r"\]"


# text-mode commands without an argument (the ``{}`` after them is dropped)
_SYMBOLS = {
    "textbackslash": "\\\u2060",   # a word joiner: no "\(" for MathJax to read
    "textasciicircum": "^", "textasciitilde": "~", "textless": "<", "textgreater": ">",
    "textbar": "|", "textquotedbl": '"', "textquotesingle": "'", "textasciigrave": "`",
    "textpm": "±", "texttimes": "×", "textdiv": "÷", "textmu": "µ",
    "textperiodcentered": "·", "textlnot": "¬", "textdegree": "°", "allowbreak": "",
    "ldots": "…", "dots": "…", "enspace": "\u2002", "quad": "\u2003", "qquad": "\u2003\u2003",
    "par": "\n\n", "newline": "\n", "noindent": "", "smallskip": "", "medskip": "",
}
# text-mode commands with one argument -> (opening tag, closing tag)
_WRAPS = {"emph": ("<em>", "</em>"), "textit": ("<em>", "</em>"),
          "textbf": ("<strong>", "</strong>"), "texttt": ("<code>", "</code>"),
          "textsf": ("", ""), "textrm": ("", ""), "text": ("", ""), "mbox": ("", "")}
# one character after a backslash -> its HTML
_ESCAPED = {"%": "%", "&": "&amp;", "#": "#", "_": "_", "{": "{", "}": "}", "$": "&#36;",
            ",": "\u2009", " ": " ", "\\": "<br />", "-": ""}
# what T1 fonts make of runs of plain characters (ligatures, curly quotes, ~)
_PLAIN = [("---", "—"), ("--", "–"), ("``", "“"), ("''", "”"), ("`", "‘"), ("'", "’"),
          ("~", "\u00a0")]


# what markdown reads in plain text, as entities (with ``dollars``)
_MARKDOWN = {c: f"&#{ord(c)};" for c in "\\`*_[]#|~$^"}


def _plain(chars: str, dollars: bool = False) -> str:
    for old, new in _PLAIN:
        chars = chars.replace(old, new)
    return _markdown(escape(chars, quote=False), dollars)


def _markdown(html: str, dollars: bool) -> str:
    """HTML with the characters markdown reads as entities (those of an entity kept)."""
    if not dollars:
        return html
    return re.sub(r"&#?\w+;|(.)", lambda m: _MARKDOWN.get(m[1], m[1]) if m[1] else m[0], html,
                  flags=re.S)


def _closing(tex: str, i: int, close: str) -> int:
    """Index of the unescaped ``close`` delimiter at or after ``i``."""
    j = i
    while j < len(tex):
        if tex.startswith(close, j):
            return j
        j += 2 if tex[j] == "\\" and close != "\\" else 1
    raise TexError(f"unclosed maths in {tex!r}")


def text(tex: str, dollars: bool = False) -> str:
    """A LaTeX text fragment as inline HTML (its maths for MathJax); a blank
    line is a paragraph break (``</p><p>``). A str that is not
    :class:`~derive.documents.render.Latex` is plain text: only escaped.
    With ``dollars``: Jupyter markdown (see the module's docstring)."""
    if not isinstance(tex, Latex):
        return _markdown(escape(str(tex), quote=False), dollars)
    out, i, plain = [], 0, []

    def flush():
        out.append(_plain("".join(plain), dollars))
        plain.clear()

    while i < len(tex):
        c = tex[i]
        if c == "$":
            flush()
            j = _closing(tex, i + 1, "$")
            out.append(inline(tex[i + 1:j], dollars))
            i = j + 1
        elif tex.startswith((r"\[", r"\("), i):
            flush()
            close = r"\]" if tex[i + 1] == "[" else r"\)"
            j = _closing(tex, i + 2, close)
            out.append((display if close == r"\]" else inline)(tex[i + 2:j], dollars))
            i = j + 2
        elif c == "\\":
            m = re.match(r"\\([A-Za-z]+)\s*|\\(.)", tex[i:], re.S)
            name, i = m[1], i + m.end()
            flush()   # a command ends a run of plain characters: no ligature across it
            if name is None:
                if m[2] not in _ESCAPED:
                    raise TexError(f"no HTML for \\{m[2]} in {tex!r}")
                out.append(_markdown(_ESCAPED[m[2]], dollars))
            elif name in _SYMBOLS:
                out.append(_markdown(escape(_SYMBOLS[name], quote=False), dollars))
                if tex.startswith("{}", i):
                    i += 2
            elif name in _WRAPS:
                inner, i = group(tex, i)
                opening, closing = _WRAPS[name]
                out.append(opening + text(Latex(inner), dollars) + closing)
            else:
                raise TexError(f"no HTML for \\{name} in {tex!r}")
        elif c in "{}":
            flush()   # a group's braces end a run too ("-{}-" is two hyphens)
            i += 1
        else:
            plain.append(c)
            i += 1
    flush()
    html = "".join(out)
    html = re.sub(r"\n[ \t]*\n\s*", "\n\n" if dollars else "</p><p>", html)
    if dollars:
        return "\n\n".join(re.sub(r"\s*\n\s*", " ", p) for p in html.split("\n\n"))
    return re.sub(r"\s*\n\s*", " ", html)


def paragraphs(tex: str, dollars: bool = False) -> str:
    """A LaTeX text as HTML paragraphs (markdown ones, split by a blank
    line, with ``dollars``)."""
    body = text(tex, dollars).strip()
    return body if dollars else f"<p>{body}</p>" if body else ""
