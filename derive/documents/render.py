"""The Jinja2 environment for LaTeX templates, and the LaTeX escaper.

Delimiters are set once, here (nbconvert style): ``((* *))`` statements,
``((( )))`` variables, ``((= =))`` comments. Every variable a template prints
goes through :func:`escape_latex` unless it is a :class:`Latex` (trusted
LaTeX that our code produced, for example with :func:`derive.calculus.latex.latex`).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import jinja2

from derive.files import files_digest


class Latex(str):
    """Trusted LaTeX source: printed as is, never escaped."""

    __slots__ = ()


# Every character TeX would read as markup, and its literal form. Keys are
# single characters; the escaper never re-reads its own output. ``^`` covers
# ``^^5c`` (TeX's hex notation for a backslash): once escaped, ``^^`` is text.
ESCAPES: dict[str, str] = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "%": r"\%",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    '"': r"\textquotedbl{}",
    # T1 fonts set ' and ` as curly quotes (and `` '' !` ?` as ligatures)
    "'": r"\textquotesingle{}",
    "`": r"\textasciigrave{}",
    "\t": " ",
    "\u00a0": "~",
}

# Characters outside ASCII that pdflatex with T1 fonts and utf8 input can set
# (Latin-1 supplement and Latin Extended-A, typographic punctuation).
_SETTABLE_RANGES = ((0x00A0, 0x017F), (0x2013, 0x2014), (0x2018, 0x201E),
                    (0x2020, 0x2022), (0x2026, 0x2026), (0x20AC, 0x20AC))
# Characters the compiler cannot set, but whose plain-text spelling is clear
_TRANSLITERATIONS = {"\u2212": "-", "\u2010": "-", "\u2011": "-", "\u2009": " ",
                     # Latin Extended-A letters the T1 fonts lack
                     "ſ": "s", "Ŀ": r"L\textperiodcentered{}", "ŀ": r"l\textperiodcentered{}",
                     "ŉ": r"\textquotesingle{}n", "Ħ": "H", "ħ": "h", "ĸ": "k", "Ŧ": "T", "ŧ": "t"}
_MATH_TEXT = {
    "\u00b1": r"\textpm{}", "\u00d7": r"\texttimes{}", "\u00f7": r"\textdiv{}",
    "\u00b5": r"\textmu{}", "\u00b7": r"\textperiodcentered{}",
    "\u00ac": r"\textlnot{}", "\u00b0": r"\textdegree{}",
}


# The T1 ligatures the escapes leave possible (-- --- ,,; << >> are commands
# already): the first character gets {} after it, so no two characters fuse
LIGATURES = ("--", ",,")
# A run of more than LONG_TOKEN characters without a space may break after
# every BREAK_EVERY characters (a 200-character title must not run off the page)
LONG_TOKEN = 24
BREAK_EVERY = 8
BREAK = r"\allowbreak{}"


class UnsettableText(ValueError):
    """Text with a character the LaTeX setup cannot typeset."""

    def __init__(self, text: str, char: str):
        name = unicodedata.name(char, f"U+{ord(char):04X}")
        super().__init__(f"character {char!r} ({name}) cannot be typeset by pdflatex; "
                         f"use Latin letters")
        self.text = text
        self.char = char


def _settable(ch: str) -> bool:
    code = ord(ch)
    return 32 <= code < 127 or any(lo <= code <= hi for lo, hi in _SETTABLE_RANGES)


def escape_latex(text: Any, breaks: bool = True) -> Latex:
    """``text`` as LaTeX that prints it literally (``breaks``: long runs without
    a space may break across lines); raises :class:`UnsettableText` for a
    character pdflatex cannot set (for example CJK or Cyrillic)."""
    if isinstance(text, Latex):
        return text
    text = unicodedata.normalize("NFC", str(text))
    return Latex("".join(_escape_token(token, text, breaks)
                         for token in re.split(r"([^\S\u00a0]+)", text)))


def _escape_token(token: str, text: str, breaks: bool) -> str:
    """One run of spaces or of other characters, escaped; a long run gets
    break points when ``breaks``."""
    out = [_escape_char(ch, text) + ("{}" if token[i:i + 2] in LIGATURES else "")
           for i, ch in enumerate(token)]
    if not breaks or len(token) <= LONG_TOKEN or token.isspace():
        return "".join(out)
    return BREAK.join("".join(out[i:i + BREAK_EVERY]) for i in range(0, len(out), BREAK_EVERY))


def _escape_char(ch: str, text: str) -> str:
    for table in (ESCAPES, _MATH_TEXT, _TRANSLITERATIONS):
        if ch in table:
            return table[ch]
    if _settable(ch):
        return ch
    raise UnsettableText(text, ch)


def _finalize(value: Any) -> Any:
    if isinstance(value, Latex):
        return value
    if isinstance(value, bool) or value is None:
        raise TypeError(f"template printed {value!r}; pass text or a number")
    if isinstance(value, (int, float)):
        return Latex(str(value))
    # text the context did not escape itself is ours (file names, labels):
    # a break point in a file name would break \includegraphics
    return escape_latex(value, breaks=False)


def template_dir() -> Path:
    """The folder of the shipped templates: ``derive/templates`` when installed
    from a wheel, ``templates/`` beside the package in a source checkout."""
    here = Path(__file__).resolve().parent.parent
    for folder in (here / "templates", here.parent / "templates"):
        if (folder / "base.tex.j2").is_file():
            return folder
    raise FileNotFoundError(f"no templates found beside {here}")


@lru_cache(maxsize=None)
def source_digest() -> str:
    """sha256 of the package's code and templates: a new version of either can
    change every document, so it is part of what a build was made from."""
    package, templates = Path(__file__).resolve().parent.parent, Path(template_dir())
    files = [f for f in sorted(package.rglob("*.py")) + sorted(
        p for p in templates.rglob("*") if p.is_file()) if "__pycache__" not in f.parts]
    # (each file's place too: two templates of one name in two folders are two files)
    places = [str(f.relative_to(templates if f.is_relative_to(templates) else package))
              for f in files]
    return files_digest(files, *places)


def make_env(extra_dirs: Iterable[str | Path] = ()) -> jinja2.Environment:
    """The Jinja2 environment for ``*.tex.j2``: ``extra_dirs`` are searched
    before the shipped templates (a custom or test template overrides one).
    Environments are cached per folder list (templates compile once per
    process, and their bytecode once per user)."""
    return _env(tuple(str(d) for d in extra_dirs))


def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates kept between runs (in a private folder per user,
    each checked against its template's source), so that a process does not
    compile them again; none where that folder cannot be made."""
    try:
        return jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):
        return None


@lru_cache(maxsize=16)
def _env(extra_dirs: tuple[str, ...]) -> jinja2.Environment:
    dirs = list(extra_dirs) + [str(template_dir())]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(dirs),
        block_start_string="((*", block_end_string="*))",
        variable_start_string="(((", variable_end_string=")))",
        comment_start_string="((=", comment_end_string="=))",
        line_statement_prefix=None, line_comment_prefix=None,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined, finalize=_finalize, autoescape=False,
        bytecode_cache=_bytecode_cache(),
    )
    return env


def render(name: str, context: dict, extra_dirs: Iterable[str | Path] = ()) -> str:
    """Render one template with ``context``."""
    return make_env(extra_dirs).get_template(name).render(context)
