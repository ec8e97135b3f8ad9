"""Page counts and sizes read in Python agree with poppler's pdfinfo, and a
PDF this reader cannot read is said so (``None``), never guessed."""

import re
import subprocess
from pathlib import Path

import pytest

import derive.documents.build
from derive.documents.build import compile_pdf, pdf_problem
from derive.documents.pdf_facts import pdf_facts

DOC = r"""\pdftrailerid{}
\documentclass{article}
\pdfpagewidth=%sbp \pdfpageheight=%sbp
\begin{document}
%s
\end{document}
"""


def _compiled(tmp_path: Path, name: str, pages: int, size=("595.276", "841.89")) -> Path:
    tex = tmp_path / f"{name}.tex"
    tex.write_text(DOC % (*size, r"\null\newpage" * pages), encoding="utf-8")
    return compile_pdf(tex)


def _pdfinfo(pdf: Path):
    text = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", text, re.M)
    return int(re.search(r"^Pages:\s+(\d+)", text, re.M)[1]), size.groups()


@pytest.mark.parametrize("pages,size", [(1, ("595.276", "841.89")), (7, ("612", "792")),
                                        (13, ("419.528", "595.276"))])
def test_pages_and_size_as_pdfinfo_gives_them(tmp_path, pages, size):
    pdf = _compiled(tmp_path, "doc", pages, size)
    assert pdf_facts(pdf.read_bytes()) == _pdfinfo(pdf) == (pages, size)


def test_a_matplotlib_pdf_is_read_too(tmp_path):
    from derive.documents.figures import warm_up  # noqa: F401 (matplotlib with its settings)
    import matplotlib.pyplot as plt
    fig = plt.figure(figsize=(3, 2))
    fig.savefig(tmp_path / "f.pdf")
    plt.close(fig)
    assert pdf_facts((tmp_path / "f.pdf").read_bytes()) == _pdfinfo(tmp_path / "f.pdf")


def test_what_it_cannot_read_is_none(tmp_path):
    pdf = _compiled(tmp_path, "doc", 3).read_bytes()
    assert pdf_facts(b"") is None and pdf_facts(b"%PDF-1.5\n%%EOF\n") is None
    assert pdf_facts(pdf[:len(pdf) // 3]) is None  # the page tree cut off
    # pages of two sizes: pdfinfo's "Page size" is the first page's; not guessed here
    tex = tmp_path / "two.tex"
    tex.write_text(DOC % ("595.276", "841.89", r"\null\newpage\global\pdfpagewidth=612bp \null"),
                   encoding="utf-8")
    two = compile_pdf(tex)
    assert _pdfinfo(two) == (2, ("595.276", "841.89")) and pdf_facts(two.read_bytes()) is None


def test_the_page_count_is_checked_against_the_log_without_pdfinfo(tmp_path, monkeypatch):
    pdf = _compiled(tmp_path, "doc", 3)

    def no_process(*args, **kwargs):
        raise AssertionError("a process was started")
    monkeypatch.setattr(derive.documents.build.subprocess, "run", no_process)
    log = f"Output written on {pdf.name} (%d pages, 1234 bytes)."
    assert pdf_problem(pdf, log % 3) is None
    assert pdf_problem(pdf, log % 4) == "doc.pdf has 3 pages, the log says 4"


def test_pdfinfo_counts_what_this_reader_cannot(tmp_path):
    a = _compiled(tmp_path, "a4", 1)
    b = _compiled(tmp_path, "letter", 2, ("612", "792"))
    subprocess.run(["pdfunite", a, b, tmp_path / "both.pdf"], check=True)
    assert derive.documents.build.pdf_pages(tmp_path / "both.pdf") == 3
