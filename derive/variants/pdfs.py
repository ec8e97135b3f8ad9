"""The print collections of a variant set: every variant's PDF joined in
order by poppler's pdfunite (a blank page after an odd count), with a
reproducible trailer /ID. Page counts and sizes are read in Python
(:mod:`derive.documents.pdf_facts`; pdfinfo only for a PDF it cannot read);
the blank page is compiled once per process and size (:func:`blank_page`,
which the set build calls ahead, while the variants compile)."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Sequence

from derive.documents.pdf_facts import pdf_facts
from derive.files import TEMP_PREFIX


class BuildFailed(RuntimeError):
    """A document did not compile: one line naming the variant, file, line, message."""


# A blank page of a given size: after a variant with an odd number of pages,
# so each variant starts on a new sheet when printed on both sides.
BLANK_PAGE = r"""\pdftrailerid{}
\documentclass{article}
\pdfpagewidth=((( width )))bp \pdfpageheight=((( height )))bp
\pagestyle{empty}
\begin{document}
\null
\end{document}
"""
_PAGES = re.compile(r"^Pages:\s+(\d+)$", re.M)
_SIZE = re.compile(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", re.M)


def _pdfinfo(pdf: Path) -> tuple[int, tuple[str, str]]:
    """(pages, (width, height) in points) of a PDF, by poppler's pdfinfo."""
    text = _poppler(["pdfinfo", str(pdf)]).decode("latin-1")
    pages, size = _PAGES.search(text), _SIZE.search(text)
    if not pages or not size:
        raise BuildFailed(f"{pdf}: pdfinfo cannot read it")
    return int(pages[1]), (size[1], size[2])


def page_facts(pdf: Path) -> tuple[int, tuple[str, str]]:
    """(pages, (width, height) in points, as pdfinfo prints them) of a PDF:
    read in Python, by pdfinfo where that cannot tell."""
    try:
        facts = pdf_facts(pdf.read_bytes())
    except OSError:
        facts = None
    return facts if facts is not None else _pdfinfo(pdf)


# blank pages compiled in this process: (width, height, SOURCE_DATE_EPOCH) -> PDF bytes
_blanks: dict[tuple[str, str, str], bytes] = {}
_blank_lock = threading.Lock()


def blank_page(size: tuple[str, str], where: Path) -> bytes:
    """The PDF of one blank page of ``size`` (points), compiled in a
    temporary folder in ``where`` the first time this process asks for it."""
    from derive.documents.build import compile_pdf, latex_env
    from derive.documents.render import make_env
    entry = (*size, latex_env()["SOURCE_DATE_EPOCH"])
    with _blank_lock:
        if entry not in _blanks:
            work = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}blank-", dir=where))
            try:
                tex = work / "blank.tex"
                tex.write_text(make_env().from_string(BLANK_PAGE).render(
                    width=size[0], height=size[1]), encoding="utf-8")
                _blanks[entry] = compile_pdf(tex).read_bytes()
            finally:
                shutil.rmtree(work, ignore_errors=True)
        return _blanks[entry]


class BlankAhead:
    """Compiles the collections' blank page in a thread while the variants
    compile, as soon as a built variant has a document with an odd page count."""

    def __init__(self, out: Path):
        self.out, self.thread = out, None

    def see(self, files: dict, stems) -> None:
        """Look at a built variant's files (relative path -> bytes), whose
        documents are ``stems``."""
        if self.thread is not None:
            return
        for stem in stems:
            facts = pdf_facts(files.get(f"{stem}.pdf", b""))
            if facts and facts[0] % 2:
                self.thread = threading.Thread(target=self._compile, args=(facts[1],),
                                               daemon=True)
                self.thread.start()
                return

    def _compile(self, size) -> None:
        try:
            blank_page(size, self.out)
        except Exception:  # the merge compiles it again, and reports what fails
            pass

    def join(self) -> None:
        """Wait for the compile (if one started)."""
        if self.thread is not None:
            self.thread.join()


def _poppler(cmd: list[str]) -> bytes:
    try:
        return subprocess.run(cmd, capture_output=True, check=True, timeout=120).stdout
    except FileNotFoundError:
        raise BuildFailed(f"{cmd[0]} not found; install poppler-utils "
                          "(make setup installs it)") from None
    except subprocess.CalledProcessError as e:
        raise BuildFailed(f"{cmd[0]} failed: "
                          f"{e.stderr.decode('latin-1').strip().splitlines()[-1:]}") from None


def merge_collection(out: Path, ids: Sequence[str], stem: str) -> bytes:
    """One print-ready PDF of every variant's ``<stem>.pdf``, in order, the
    pages as compiled (each with its variant id in the header), joined by
    poppler's pdfunite; a blank page after a variant with an odd number of
    pages."""
    work = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}merge-{stem}-", dir=out))
    try:
        parts, blanks = [], {}
        for vid in ids:
            pdf = out / vid / f"{stem}.pdf"
            pages, size = page_facts(pdf)
            parts.append(str(pdf))
            if pages % 2:
                if size not in blanks:
                    blanks[size] = work / f"blank{len(blanks)}.pdf"
                    blanks[size].write_bytes(blank_page(size, out))
                parts.append(str(blanks[size]))
        _poppler(["pdfunite", *parts, str(work / "all.pdf")])
        return fixed_id((work / "all.pdf").read_bytes())
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fixed_id(pdf: bytes) -> bytes:
    """The PDF with its trailer's /ID (which pdfunite draws from the clock)
    replaced by the MD5 of the rest of the file, so equal inputs give equal
    bytes. The trailer follows the cross-reference table, so no offset moves."""
    start = pdf.rfind(b"/ID [")
    if start < 0:
        return pdf
    end = _end_of_array(pdf, start + len(b"/ID ["))
    digest = hashlib.md5(pdf[:start] + pdf[end:]).hexdigest().encode()
    return pdf[:start] + b"/ID [<" + digest + b"> <" + digest + b">]" + pdf[end:]


def _end_of_array(pdf: bytes, i: int) -> int:
    """Index just past the ``]`` closing the array whose content starts at i,
    skipping PDF literal strings (escapes, balanced parentheses) and hex strings."""
    depth = 0
    while i < len(pdf):
        ch = pdf[i:i + 1]
        if depth:
            if ch == b"\\":
                i += 1
            elif ch == b"(":
                depth += 1
            elif ch == b")":
                depth -= 1
        elif ch == b"(":
            depth = 1
        elif ch == b"<":
            i = pdf.index(b">", i)
        elif ch == b"]":
            return i + 1
        i += 1
    raise BuildFailed("pdfunite wrote a PDF without a complete /ID")
