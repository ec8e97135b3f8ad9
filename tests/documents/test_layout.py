"""Page breaks, footers and fonts, read from the PDFs page by page with
pdftotext: a question is on one page unless it is longer than one (the log
says which are), a page never starts with an answer box nor ends with a
heading, every footer says "Page k of n" and the variant id, the exam sheet
has its name and ID fields and answer grids shaped like the answers, and the
maths is set in the text's Palatino family."""

import re
import subprocess
from pathlib import Path

import numpy as np
import pytest

from derive.documents.assignment_build import build_assignment
from derive.documents.build import compile_pdf, pdf_pages
from derive.numerics.key import build_assignment_key
from derive.problem.assignment import SHIPPED, load_assignment
from derive.problem.config import Config, Documents

EXAM = Config(documents=Documents(sheet="exam"))
REFERENCE = "Assignment reference"

QUESTION = re.compile(r"^\s*Question (\d+)\s+[\d.]+ points\s*$")
HEADING = re.compile(r"^\s*(Part \d+ \S.*|Summary of the answers|Instructions|Notation)\s*$")
BLOCK = re.compile(r"^handouts: block (.+) needs ([\d.]+)pt, a page has ([\d.]+)pt$", re.M)


# --------------------------------------------------------------------------
# Reading the pages


def page_texts(pdf: Path) -> list[str]:
    """The text of each page, as laid out (``pdftotext -f p -l p -layout``)."""
    return [subprocess.run(["pdftotext", "-f", str(p), "-l", str(p), "-layout", str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout
            for p in range(1, pdf_pages(pdf) + 1)]


def header_body_footer(page: str) -> tuple[str, list[str], str]:
    lines = [line.rstrip() for line in page.splitlines() if line.strip()]
    return lines[0], lines[1:-1], lines[-1]


def units(pages: list[str]) -> dict[str, list[int]]:
    """The pages (1-based) each unit of text is on: a question from its
    heading to the next heading, a part or section from its heading."""
    where: dict[str, list[int]] = {}
    current = "title"
    for k, page in enumerate(pages, 1):
        for line in header_body_footer(page)[1]:
            if m := QUESTION.match(line):
                current = f"question {m[1]}"
            elif m := HEADING.match(line):
                current = m[1]
            pages_of = where.setdefault(current, [])
            if k not in pages_of:
                pages_of.append(k)
    return where


def long_blocks(log: str) -> set[str]:
    """The blocks the log says are longer than a page (they may be split)."""
    return {m[1] for m in BLOCK.finditer(log) if float(m[2]) > float(m[3])}


def break_problems(pages: list[str], long: set[str] = frozenset()) -> list[str]:
    """What is wrong with the page breaks: a question on more than one page
    though it fits on one; a page that starts with an answer box; a page
    that ends with a heading."""
    problems = [f"{unit} is on pages {ps}" for unit, ps in units(pages).items()
                if unit.startswith("question ") and len(ps) > 1 and unit not in long]
    for k, page in enumerate(pages, 1):
        body = header_body_footer(page)[1]
        top = next((i for i, line in enumerate(body[:3]) if line.lstrip().startswith("Answer.")),
                   None)
        if top is not None and not any(QUESTION.match(line) or "Worked solution" in line
                                       for line in body[:top]):
            problems.append(f"page {k} starts with an answer box")
        if body and (QUESTION.match(body[-1]) or HEADING.match(body[-1])):
            problems.append(f"page {k} ends with the heading {body[-1].strip()!r}")
    return problems


def footer_problems(pages: list[str], variant: str) -> list[str]:
    """Footers that do not say the variant and "Page k of n" (n the count)."""
    n = len(pages)
    return [f"page {k}: {footer.strip()!r}" for k, page in enumerate(pages, 1)
            for footer in [header_body_footer(page)[2]]
            if variant not in footer or not footer.rstrip().endswith(f"Page {k} of {n}")]


# --------------------------------------------------------------------------
# The documents: every shipped assignment, the reference's exam sheet


def _compile_instance(folder: Path, name: str, config: Config) -> dict[str, tuple]:
    """Each document of the shipped assignment ``name`` as ``handouts report``
    builds it into ``folder``, compiled there again for its log:
    document name -> (pages, log, tex, pdf)."""
    build_assignment(load_assignment(name), config, folder)
    out = {}
    for doc in ("problems", "handout"):
        tex = folder / f"{doc}.tex"
        pdf = compile_pdf(tex)
        out[doc] = (page_texts(pdf), tex.with_suffix(".log").read_text("latin-1"),
                    tex.read_text(encoding="utf-8"), pdf)
    return out


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """(label, footer's instance text, document name) -> (pages, log, tex source, pdf):
    every shipped assignment, and the reference's exam sheet."""
    out = {}
    builds = [(name, name, Config()) for name in SHIPPED] + [("exam", "reference", EXAM)]
    for label, name, config in builds:
        built = _compile_instance(tmp_path_factory.mktemp(label), name, config)
        for doc, value in built.items():
            out[label, f"Assignment {name}", doc] = value
    return out


def test_no_question_is_split_unless_longer_than_a_page(documents):
    for (label, _, name), (pages, log, *_) in documents.items():
        assert break_problems(pages, long_blocks(log)) == [], (label, name)


def test_every_footer_says_the_variant_and_page_k_of_n(documents):
    for (label, variant, name), (pages, *_) in documents.items():
        assert footer_problems(pages, variant) == [], (label, name)


def test_no_page_overflows(documents):
    # a part longer than a page with no place to break would run into the footer
    for (label, _, name), (_, log, *_) in documents.items():
        assert "Overfull \\vbox" not in log, (label, name)


def test_the_checks_see_a_split_question_and_a_wrong_footer():
    # a question whose answer box went to the next page, a heading at a page's
    # foot, a footer with a wrong total: each is reported
    head, foot = "Neural Networks        Worked solutions", "Reference assignment    Page {} of {}"
    pages = ["\n".join([head, "Question 6        7.5 points", "Give the matrix.", foot.format(1, 3)]),
             "\n".join([head, "Answer. W = 3", "Question 7        5 points", "Text.",
                        "Part 3 — A two-layer network", foot.format(2, 3)]),
             "\n".join([head, "The network has 2 inputs.", foot.format(3, 4)])]
    assert break_problems(pages) == ["question 6 is on pages [1, 2]",
                                     "page 2 starts with an answer box",
                                     "page 2 ends with the heading 'Part 3 — A two-layer network'"]
    assert break_problems(pages, {"question 6"})[0] == "page 2 starts with an answer box"
    assert footer_problems(pages, "Reference assignment") == [
        "page 3: 'Reference assignment    Page 3 of 4'"]
    assert footer_problems(pages, "Variant s1-2") != []


def test_long_blocks_are_read_from_the_log():
    log = ("handouts: block question 6 needs 765.6pt, a page has 714.2pt\n"
           "handouts: block question 7 needs 94.8pt, a page has 714.2pt\n")
    assert long_blocks(log) == {"question 6"}


def test_every_question_reports_its_height(documents):
    for (label, _, name), (_, log, tex, _) in documents.items():
        blocks = {m[1] for m in BLOCK.finditer(log)}
        numbers = re.findall(r"\\begin\{question\}\{(\d+)\}", tex)
        assert numbers and {f"question {k}" for k in numbers} <= blocks, (label, name)


def test_a_question_longer_than_a_page_breaks_only_between_paragraphs(tmp_path):
    # 40 paragraphs of three lines, every fourth with a display mid-sentence:
    # each page starts with a paragraph's first line and ends with its last
    words = "and the sentence goes on with more words to fill its lines " * 3
    paragraphs = [rf"Paragraph {k} begins here {words}" +
                  (rf"as \[ a_{{{k}}} = {k} \] shows, " if k % 4 == 0 else "") + "and ends here."
                  for k in range(40)]
    body = r"\begin{question}{1}{5}" + "\n\n".join(paragraphs) + r"\end{question}"
    pages = page_texts(_compile_body(tmp_path, body))
    assert len(pages) > 2
    for k, page in enumerate(pages, 1):
        lines = header_body_footer(page)[1]
        if k > 1:
            assert lines[0].lstrip().startswith("Paragraph"), (k, lines[0])
        assert lines[-1].rstrip().endswith("ends here."), (k, lines[-1])


def _compile_body(folder: Path, body: str) -> Path:
    """A document of the base template with ``body`` (trusted LaTeX), compiled."""
    from derive.documents.render import Latex, make_env
    source = make_env().from_string(
        '((* extends "base.tex.j2" *))((* block body *))((( body )))((* endblock *))').render(
        course={"course": "C", "title": "T", "term": "", "instructor": ""}, body=Latex(body))
    tex = folder / "body.tex"
    tex.write_text(source, encoding="utf-8")
    return compile_pdf(tex)


WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</word>')


def gaps_under(pdf: Path, first: str, second: str) -> list[float]:
    """The blank space (mm) between each heading ``first second`` and the top
    of the nearest text below it (``pdftotext -bbox``)."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                         check=True).stdout
    gaps = []
    for page in out.split("<page ")[1:]:
        words = [(float(top), float(bottom), text) for _, top, bottom, text in WORD.findall(page)]
        for (_, bottom, text), (*_, after) in zip(words, words[1:]):
            below = [top for top, _, _ in words if top > bottom + 0.5]
            if text == first and after == second and below:
                gaps.append((min(below) - bottom) * 25.4 / 72)
    return gaps


def test_no_blank_gap_under_the_worked_solution_heading(documents):
    # a build once left 8.6-9.9 mm under the heading when a derivation followed
    for (label, _, name), (_, _, tex, pdf) in documents.items():
        if name == "handout":
            gaps = gaps_under(pdf, "Worked", "solution")
            assert len(gaps) == len(re.findall(r"^\\solutionheading$", tex, re.M)) and max(gaps) < 5, (label, gaps)


# --------------------------------------------------------------------------
# The exam sheet


def test_exam_sheet_has_name_and_id_fields_and_the_total(documents):
    pages = documents["exam", REFERENCE, "problems"][0]
    first = " ".join(pages[0].split())
    assert "Name" in first and "Student ID" in first
    assert "Exam" in header_body_footer(pages[0])[0]
    assert re.search(r"Points 5 5 5 7\.5 7\.5 7\.5 5 7\.5 5 10 10 10 10 5 100", first)
    homework = " ".join(documents["reference", REFERENCE, "problems"][0][0].split())
    assert "Student ID" not in homework and "Score" not in homework


_GRID = re.compile(r"\\begin\{array\}\{@\{\\;\}\*\{(\d+)\}\{c\}@\{\\;\}\}(.*?)\\end\{array\}", re.S)


def grids(tex: str) -> dict[str, list[tuple[int, int]]]:
    """The answer grids of each question in an exam .tex, as (rows, cells per row)."""
    out = {}
    for m in re.finditer(r"\\begin\{question\}\{(\d+)\}(.*?)\\end\{question\}", tex, re.S):
        shapes = []
        for g in _GRID.finditer(m[2]):
            rows = g[2].split(r"\\[3pt]")
            cells = {row.count(r"\answercell") for row in rows}
            assert cells == {int(g[1])}, m[1]
            shapes.append((len(rows), int(g[1])))
        out[f"q{m[1]}"] = shapes
    return out


def test_exam_answer_grids_have_the_shapes_of_the_answers(documents):
    tex = documents["exam", REFERENCE, "problems"][2]
    answers = build_assignment_key(load_assignment("reference"))["answers"]
    shapes = grids(tex)

    def shape(value):
        s = np.shape(value)
        return (s + (1, 1))[:2] if len(s) < 2 else s

    for number, (q, value) in enumerate(answers.items(), 1):
        got = shapes[f"q{number}"]
        if isinstance(value, dict) and "grad" in value:
            assert got == [shape(value["grad"]), shape(value["new"])], q
        elif isinstance(value, dict):
            assert got == ([(1, 1)] if "value" in value else []), q
        else:
            assert got == [shape(value)], q
    assert shapes["q6"] == [(2, 3)] and shapes["q10"] == [(4, 1)] and shapes["q13"] == [(2, 4), (2, 4)]
    # a free box for each formula answer; none on the homework sheet or the handout
    assert tex.count(r"\freebox{") == 5
    for (label, _, name), (_, _, source, _) in documents.items():
        if label != "exam" or name == "handout":
            assert r"\answercell" not in source, (label, name)


# --------------------------------------------------------------------------
# Fonts


COMPUTER_MODERN = re.compile(r"\+CM(R|MI|SY|EX|BX|TI|SS|TT)\d", re.I)


def tex_fonts(pdf: Path) -> list[str]:
    """The Type 1 fonts of a PDF (TeX's own; the figures' fonts are Type 3)."""
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    return [line.split()[0] for line in out.splitlines()[2:] if " Type 1 " in line]


def test_maths_is_set_in_palatino_without_computer_modern(tmp_path):
    body = (r"$a = b + (c) - \sigma(z) \left[\begin{matrix}1\\2\\3\\4\end{matrix}\right]"
            r"\sum_{j=1}^n \frac{e^{z_j}}{\sum_k e^{z_k}} \ln x \approx 0.5 \times 10^{-3}"
            r"\nabla_W \mathbf{1}[z > 0] \partial\ell \in \{0, 1\} \odot \cdot$"
            r"\[ \left(\frac{\frac{a}{b}}{\frac{c}{d}}\right) \Bigl[\sqrt{x}\Bigr] \]")
    fonts = tex_fonts(_compile_body(tmp_path, body))
    assert not [f for f in fonts if COMPUTER_MODERN.search(f)], fonts
    assert any("Rpxmi" in f for f in fonts) and any("Pxsy" in f for f in fonts), fonts


def test_documents_use_no_computer_modern(documents):
    for (label, _, name), (*_, pdf) in documents.items():
        fonts = tex_fonts(pdf)
        assert not [f for f in fonts if COMPUTER_MODERN.search(f)], (label, name, fonts)


def test_first_page_count_guesses_are_the_references(documents):
    # `handouts report` compiles each document once when these are right; after
    # a change that adds or removes a page, update derive.documents.build.FIRST_GUESS
    from derive.documents.build import FIRST_GUESS
    for label, kind, name in [("reference", "assignment-handout", "handout"),
                              ("reference", "assignment-problems", "problems"),
                              ("exam", "assignment-exam", "problems")]:
        pages = documents[label, REFERENCE, name][0]
        assert len(pages) == FIRST_GUESS[kind], (kind, len(pages))
