"""handouts report (warm) against one bare pdflatex pass over the same .tex,
and what bounds the Python side: the SymPy import and the answer key alone
(`handouts key`: every import plus the derivation and lambdify)."""

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from derive.documents.build import FLAGS, PDFLATEX, latex_env

RUNS = 3


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _best(cmd: list[str], **kw) -> float:
    """The fastest of RUNS runs of ``cmd`` (the least disturbed by other load)."""
    return min(_timed(lambda: subprocess.run(cmd, check=True, capture_output=True, **kw))
               for _ in range(RUNS))


def run() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    out = work / "reports"
    report = [sys.executable, "-m", "derive", "report", "--out", str(out)]
    subprocess.run(report, check=True, capture_output=True)  # warm the caches
    t_report = _best(report)
    t_sympy = _best([sys.executable, "-c", "import sympy"])
    t_key = _best([sys.executable, "-m", "derive", "key"])
    bare = work / "bare"
    shutil.copytree(out, bare)
    env = latex_env()
    t_handout = _best([PDFLATEX, *FLAGS, "handout.tex"], cwd=bare, env=env)
    t_problems = _best([PDFLATEX, *FLAGS, "problems.tex"], cwd=bare, env=env)
    t_both = t_handout + t_problems
    print(f"handouts report (warm, both PDFs + figures + key): {t_report:.2f} s")
    print(f"one bare pdflatex pass: handout.tex {t_handout:.2f} s, problems.tex "
          f"{t_problems:.2f} s (sum {t_both:.2f} s)")
    print(f"ratio report / handout pass: {t_report / t_handout:.2f}x; "
          f"report / both passes: {t_report / t_both:.2f}x "
          f"(target: Python side adds at most 50%, i.e. ≤ 1.5x)")
    print(f"floor of the Python side: python -c 'import sympy' {t_sympy:.2f} s; "
          f"handouts key (imports + derivation + lambdify) {t_key:.2f} s; "
          f"report beyond the key and one handout pass: "
          f"{max(t_report - t_key - t_handout, 0):.2f} s")
    shutil.rmtree(work, ignore_errors=True)
