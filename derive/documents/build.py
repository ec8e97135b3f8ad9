"""Build: the safe, reproducible LaTeX runner, and the PDFs of one instance.

An assignment file's documents (the reference's too: `handouts report`) are
built by :func:`derive.documents.assignment_build.build_assignment` with
:func:`compile_sources` and :func:`_drawing_process` of this module. Every
compile runs pdflatex without shell escape,
with ``openin_any=p``/``openout_any=p``, a fixed ``SOURCE_DATE_EPOCH`` and a
timeout, in the .tex file's own folder, in its own process group (ended
with its worker); a PDF is accepted only when it is a whole PDF with the
page count of the log. Outputs are built in a stage inside the output folder
and moved into place only when whole (:func:`derive.files.commit`).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import subprocess
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Callable, Iterator, Sequence

from derive.documents.pdf_facts import pdf_facts
from derive.executors import die_with_parent, track_child, untrack_child, worker_pool
from derive.files import write_atomic

PDFLATEX = "pdflatex"
FLAGS = ("-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
         "-no-shell-escape")
# Fixed timestamp for reproducible PDFs (2026-01-01 00:00 UTC) unless the
# caller's environment sets one.
DEFAULT_EPOCH = "1767225600"
MAX_PASSES = 3


class LatexError(RuntimeError):
    """pdflatex failed: ``file:line: message``, the log kept at ``log_path``."""

    def __init__(self, file: str, line: int | None, message: str, log_path: Path | None):
        self.file = file
        self.line = line
        self.message = message
        self.log_path = log_path
        where = f"{file}:{line}" if line else file
        super().__init__(f"{where}: {message}")

    def with_log(self) -> str:
        """The one line for the user: ``file:line: message (log: …)``."""
        return f"{self} (log: {self.log_path})" if self.log_path else str(self)


def latex_env(base: dict | None = None) -> dict[str, str]:
    """The compiler's environment: paranoid file access, fixed dates, long
    log lines (so an error line is never wrapped)."""
    env = dict(os.environ if base is None else base)
    env.update({
        "openin_any": "p", "openout_any": "p", "shell_escape": "f",
        "SOURCE_DATE_EPOCH": env.get("SOURCE_DATE_EPOCH", DEFAULT_EPOCH),
        "FORCE_SOURCE_DATE": "1",
        "max_print_line": "10000", "error_line": "254", "half_error_line": "238",
        "TEXMFOUTPUT": "", "LC_ALL": "C",
    })
    return env


_FILE_LINE = re.compile(r"^(?P<file>[^\s:][^:\n]*\.(?:tex|sty|cls|def|cfg|fd|aux)):(?P<line>\d+): (?P<msg>.*)$",
                        re.M)
_BANG = re.compile(r"^! (?P<msg>.*)$", re.M)
_LINE_NO = re.compile(r"^l\.(?P<line>\d+) ", re.M)


def parse_log(log: str, tex_name: str) -> tuple[str, int | None, str]:
    """The first error of a pdflatex log as (file, line, message)."""
    m = _FILE_LINE.search(log)
    if m:
        file = m["file"][2:] if m["file"].startswith("./") else m["file"]
        return file, int(m["line"]), _first_sentence(m["msg"])
    m = _BANG.search(log)
    if m:
        n = _LINE_NO.search(log, m.end())
        return tex_name, int(n["line"]) if n else None, _first_sentence(m["msg"])
    return tex_name, None, "pdflatex failed without an error message (see the log)"


def _first_sentence(msg: str) -> str:
    return msg.strip().rstrip(".") + "."


def compile_pdf(tex_path: str | Path, *, timeout: float = 120) -> Path:
    """Compile ``tex_path`` with pdflatex in its own folder; returns the PDF.

    Runs one pass, and another only when the log asks for a rerun. A document
    of this project (:func:`document_kind`) prints "page k of n" in one pass
    when n is guessed right: without an .aux of its own it gets one that says
    the page counts the same kind of document had in this process's last
    compile, or :data:`FIRST_GUESS` (:func:`seed_aux`); a wrong count asks for
    a rerun. The PDF is the same whatever the guess. Raises
    :class:`LatexError` (with the log kept beside the .tex) on a TeX error or
    after ``timeout`` seconds.
    """
    tex_path = Path(tex_path).resolve()
    folder, name = tex_path.parent, tex_path.name
    log_path = tex_path.with_suffix(".log")
    env = latex_env()
    kind = document_kind(tex_path)
    aux = tex_path.with_suffix(".aux")
    if kind and not aux.exists():
        seed_aux(aux, _last_pages.get(kind) or [FIRST_GUESS.get(kind, 1)])
    for _ in range(MAX_PASSES):
        _run_pdflatex([PDFLATEX, *FLAGS, name], folder, env, timeout, name, log_path)
        log = log_path.read_text(encoding="latin-1") if log_path.exists() else ""
        if not re.search(r"Rerun to get|Label\(s\) may have changed", log):
            break
    if kind and (counted := section_pages(log)):
        _last_pages[kind] = counted
    pdf = tex_path.with_suffix(".pdf")
    problem = pdf_problem(pdf, log)
    if problem:
        raise LatexError(name, None, problem, log_path if log_path.exists() else None)
    return pdf


# The page counts each kind of document had when this process last compiled
# one (the guess for the next), and the first guesses (the reference
# assignment's: `handouts report` builds it by default)
_last_pages: dict[str, list[int]] = {}
FIRST_GUESS = {"feedback": 2,
               "assignment-problems": 4, "assignment-exam": 8, "assignment-handout": 17}
_KIND = re.compile(rb"%% handouts document: (\S+)")
_SECTION_PAGES = re.compile(r"^handouts: section (\d+) has (\d+) pages$", re.M)


def document_kind(tex_path: Path) -> str | None:
    """The kind a document of this project names on its first line
    (``%% handouts document: handout``); ``None`` for any other .tex."""
    with open(tex_path, "rb") as f:
        m = _KIND.match(f.readline())
    return m[1].decode("ascii") if m else None


def section_pages(log: str) -> list[int]:
    """The page count of each section (a document, or one variant of a
    collection), as the document wrote them to ``log``."""
    return [int(m[2]) for m in _SECTION_PAGES.finditer(log)]


def seed_aux(aux: Path, pages: list[int]) -> None:
    """An .aux that gives section i ``pages[i]`` pages, and any later section
    the last of them (read by base.tex.j2 before the first pass)."""
    lines = [r"\relax", rf"\handouts@guess{{{pages[-1]}}}"]
    lines += [rf"\handouts@setpages{{{i}}}{{{n}}}" for i, n in enumerate(pages, 1)]
    aux.write_text("\n".join(lines) + "\n", encoding="ascii")


_OUTPUT = re.compile(r"^Output written on (?P<file>.+) \((?P<pages>\d+) pages?, \d+ bytes\)",
                     re.M)


def pdf_problem(pdf: Path, log: str) -> str | None:
    """Why ``pdf`` is not what pdflatex's ``log`` says it wrote (``None`` when
    it is): missing, not a whole PDF (``%PDF-`` header, ``%%EOF``), or another
    page count than the log's (read in Python, :func:`pdf_pages`)."""
    stated = _OUTPUT.search(log)
    if stated is None or Path(stated["file"]).name != pdf.name:
        return f"pdflatex wrote no {pdf.name} (its log names no output)"
    try:
        data = pdf.read_bytes()
    except FileNotFoundError:
        return f"pdflatex wrote no {pdf.name}"
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        return f"{pdf.name} is not a whole PDF"
    pages = pdf_pages(pdf, data)
    if pages is not None and pages != int(stated["pages"]):
        return f"{pdf.name} has {pages} pages, the log says {stated['pages']}"
    return None


def pdf_pages(pdf: Path, data: bytes | None = None) -> int | None:
    """Pages of a PDF (``data``: its bytes, when read already): read in
    Python (:func:`derive.documents.pdf_facts.pdf_facts`), else by poppler's
    pdfinfo; ``None`` when neither can tell (no pdfinfo), 0 when pdfinfo
    cannot read the file."""
    try:
        facts = pdf_facts(pdf.read_bytes() if data is None else data)
    except OSError:
        facts = None
    if facts is not None:
        return facts[0]
    try:
        proc = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, timeout=60)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        return None
    m = re.search(rb"^Pages:\s+(\d+)", proc.stdout, re.M)
    return int(m[1]) if proc.returncode == 0 and m else 0


def _run_pdflatex(cmd: list[str], folder: Path, env: dict, timeout: float,
                  name: str, log_path: Path) -> None:
    try:
        # its own session (a timeout kills the group); dies with this process
        proc = subprocess.Popen(cmd, cwd=folder, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True, preexec_fn=die_with_parent)
    except FileNotFoundError:
        raise LatexError(name, None, f"{PDFLATEX} not found; install TeX "
                         "(make setup installs the Debian packages)", None) from None
    track_child(proc.pid)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise LatexError(name, None, f"pdflatex did not finish within {timeout:g} s",
                         log_path) from None
    except BaseException:  # Ctrl-C: pdflatex runs in its own session, stop it too
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    finally:
        untrack_child(proc.pid)
    if proc.returncode != 0:
        log = log_path.read_text(encoding="latin-1") if log_path.exists() else \
            out.decode("latin-1", "replace")
        file, line, message = parse_log(log, name)
        raise LatexError(file, line, message, log_path if log_path.exists() else None)


# --------------------------------------------------------------------------
# Compiling an instance's documents, and moving built files into place


def compile_sources(work: Path, sources: dict[str, str], figures: dict[str, Callable[[], bytes]],
                    timeout: float) -> list[Path]:
    """Write each .tex of ``sources`` (file name -> source, in order) into
    ``work`` and compile it as soon as the figures it shows are written
    (``figures``: path relative to ``work`` -> a function giving its bytes,
    each called once); returns the figure files, then each .tex and its PDF."""
    (work / "figures").mkdir(exist_ok=True)
    written: list[Path] = []
    texs, jobs = [], []
    with ThreadPoolExecutor(max_workers=2) as compiler:
        for name, source in sources.items():
            for path, make in figures.items():
                fig = work / path
                if path in source and fig not in written:
                    fig.write_bytes(make())
                    written.append(fig)
            tex = work / name
            tex.write_text(source, encoding="utf-8")
            texs.append(tex)
            jobs.append(compiler.submit(compile_pdf, tex, timeout=timeout))
        pdfs = [job.result() for job in jobs]
    return written + [p for pair in zip(texs, pdfs) for p in pair]


def install(work: Path, files: Sequence[Path], out_dir: Path,
            rename: dict[str, str] | None = None) -> list[Path]:
    """Move built ``files`` (paths under ``work``) into ``out_dir``, keeping
    their relative paths; each file replaces its old version atomically."""
    rename = rename or {}
    out_dir.mkdir(parents=True, exist_ok=True)
    moved = []
    for f in files:
        rel = f.relative_to(work)
        dest = out_dir / rename.get(str(rel), str(rel))
        dest.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(dest, f.read_bytes())
        moved.append(dest)
    return moved


@contextmanager
def _drawing_process() -> Iterator[Executor | None]:
    """A forked process (it needs nothing imported again, and runs no main
    module) that draws the figures while this one derives the key; forked
    at the first figure submitted to it, and importing matplotlib at once
    (so never where every figure is in the figure cache). ``None`` where no
    child process can be forked (no fork on the platform, or this is a
    daemonic worker): the figures are then drawn in this process."""
    if "fork" not in multiprocessing.get_all_start_methods() \
            or multiprocessing.current_process().daemon:
        yield None
        return
    with ExitStack() as stack:
        pool: list[Executor] = []

        def submit(fn, /, *args, **kwargs):
            from derive.documents.figures import warm_up
            if not pool:
                pool.append(stack.enter_context(worker_pool(1, "fork")))
                pool[0].submit(warm_up)
            return pool[0].submit(fn, *args, **kwargs)
        yield SimpleNamespace(submit=submit)
