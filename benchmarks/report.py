"""handouts report (warm) against one bare pdflatex pass over the same .tex."""

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from derive.build import FLAGS, PDFLATEX, latex_env

RUNS = 3


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def run() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    out = work / "reports"
    report = [sys.executable, "-m", "derive", "report", "--out", str(out)]
    subprocess.run(report, check=True, capture_output=True)  # warm the caches
    t_report = min(_timed(lambda: subprocess.run(report, check=True, capture_output=True))
                   for _ in range(RUNS))
    bare = work / "bare"
    shutil.copytree(out, bare)
    env = latex_env()

    def one_pass(name):
        subprocess.run([PDFLATEX, *FLAGS, name], cwd=bare, env=env, check=True,
                       capture_output=True)
    t_handout = min(_timed(lambda: one_pass("handout.tex")) for _ in range(RUNS))
    t_problems = min(_timed(lambda: one_pass("problems.tex")) for _ in range(RUNS))
    t_both = t_handout + t_problems
    print(f"handouts report (warm, both PDFs + figures + key): {t_report:.2f} s")
    print(f"one bare pdflatex pass: handout.tex {t_handout:.2f} s, problems.tex "
          f"{t_problems:.2f} s (sum {t_both:.2f} s)")
    print(f"ratio report / handout pass: {t_report / t_handout:.2f}x; "
          f"report / both passes: {t_report / t_both:.2f}x "
          f"(target: Python side adds at most 50%, i.e. ≤ 1.5x)")
    shutil.rmtree(work, ignore_errors=True)
