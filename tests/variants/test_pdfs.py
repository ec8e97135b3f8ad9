"""The print collections: page counts read without pdfinfo, one blank page
compiled per process and size (ahead, while the variants compile), the same
bytes either way."""

import subprocess

import pytest

import derive.documents.build
import derive.variants.pdfs as pdfs
from derive.documents.build import compile_pdf
from derive.documents.pdf_facts import pdf_facts

DOC = r"""\pdftrailerid{}
\documentclass{article}
\pdfpagewidth=595.276bp \pdfpageheight=841.89bp
\begin{document}
%s
\end{document}
"""


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    """A set folder of three variants whose problems.pdf has 1, 2 and 3 pages."""
    out = tmp_path_factory.mktemp("set")
    for k, pages in enumerate((1, 2, 3)):
        (out / f"v{k}").mkdir()
        tex = out / f"v{k}" / "problems.tex"
        tex.write_text(DOC % (rf"\null\newpage" * pages), encoding="utf-8")
        compile_pdf(tex)
    return out


@pytest.fixture
def compiles(monkeypatch):
    """The .tex files compile_pdf is asked for; a fresh process's blank pages."""
    monkeypatch.setattr(pdfs, "_blanks", {})
    seen = []
    real = derive.documents.build.compile_pdf

    def counted(tex, **kw):
        seen.append(tex.name)
        return real(tex, **kw)
    monkeypatch.setattr(derive.documents.build, "compile_pdf", counted)
    return seen


def test_merge_reads_pages_without_pdfinfo_and_compiles_one_blank(variants, compiles,
                                                                  monkeypatch):
    monkeypatch.setattr(pdfs, "_pdfinfo", lambda pdf: pytest.fail(f"pdfinfo on {pdf}"))
    ids = ["v0", "v1", "v2"]
    merged = pdfs.merge_collection(variants, ids, "problems")
    assert pdfs.merge_collection(variants, ids, "problems") == merged
    assert compiles == ["blank.tex"]
    (variants / "all.pdf").write_bytes(merged)
    info = subprocess.run(["pdfinfo", variants / "all.pdf"], capture_output=True, text=True,
                          check=True).stdout
    assert "Pages:           8" in info  # 1 + blank, 2, 3 + blank
    assert not [p for p in variants.iterdir() if p.name.startswith(".")]


def test_the_blank_made_ahead_gives_the_same_collection(variants, compiles):
    ids = ["v0", "v1", "v2"]
    merged = pdfs.merge_collection(variants, ids, "problems")
    pdfs._blanks.clear()
    ahead = pdfs.BlankAhead(variants)
    ahead.see({"problems.pdf": (variants / "v1" / "problems.pdf").read_bytes()}, ["problems"])
    assert ahead.thread is None  # an even count needs no blank page
    ahead.see({"problems.pdf": (variants / "v0" / "problems.pdf").read_bytes()}, ["problems"])
    ahead.join()
    assert len(pdfs._blanks) == 1
    compiles.clear()
    assert pdfs.merge_collection(variants, ids, "problems") == merged
    assert compiles == []


def test_page_facts_falls_back_to_pdfinfo(variants, monkeypatch):
    monkeypatch.setattr(pdfs, "pdf_facts", lambda data: None)
    assert pdfs.page_facts(variants / "v2" / "problems.pdf") == (3, ("595.276", "841.89"))
    assert pdf_facts((variants / "v2" / "problems.pdf").read_bytes()) == \
        (3, ("595.276", "841.89"))


def test_a_blank_that_fails_ahead_is_compiled_by_the_merge(variants, compiles, monkeypatch):
    ahead = pdfs.BlankAhead(variants)
    monkeypatch.setattr(pdfs, "blank_page", lambda size, where: 1 / 0)
    ahead.see({"problems.pdf": (variants / "v0" / "problems.pdf").read_bytes()}, ["problems"])
    ahead.join()  # the error is the merge's to report
    monkeypatch.undo()
    monkeypatch.setattr(pdfs, "_blanks", {})
    assert pdfs.merge_collection(variants, ["v0"], "problems").startswith(b"%PDF-")
