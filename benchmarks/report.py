"""handouts report, warm, against bare pdflatex on its handout.tex and problems.tex.

Warm: a second run into the same folder (every cache as a user has it: the
report's own entry hits, so the key, sources and figures are not derived).
Changed: the same, but every run with a config it has never seen (a new
course title), so the key, sources and figures' data are derived anew (the
figures themselves and the lambdified code still kept): what an instructor
waits for after editing an input. Floor: one pdflatex pass over each of the
two .tex files, in sequence, in a copy of the folder. Measure and floor
alternate; the best of RUNS each."""

import itertools
import shutil
import sys
import tempfile
from pathlib import Path

from benchmarks._table import Row, alternate, run as run_cmd
from derive.documents.build import FLAGS, PDFLATEX, latex_env

RUNS = 3


def run() -> list[Row]:
    work = Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        out = work / "reports"
        report = [sys.executable, "-m", "derive", "report", "--out", str(out)]
        run_cmd(report)  # the first run: the caches as a user has them after it
        bare = work / "bare"
        shutil.copytree(out, bare)
        for pdf in bare.glob("*.pdf"):
            pdf.unlink()
        env = latex_env()

        def floor() -> float:
            return sum(run_cmd([PDFLATEX, *FLAGS, name], cwd=bare, env=env)
                       for name in ("handout.tex", "problems.tex"))

        now, base = alternate(lambda: run_cmd(report), floor, RUNS)
        rows = [Row("handouts report, warm", now, base, 1.5)]
        titles = itertools.count()

        def changed() -> float:
            config = work / "course.toml"
            config.write_text(f'[course]\ntitle = "Course {next(titles)}"\n', encoding="utf-8")
            return run_cmd([*report, "--config", str(config)])

        now, base = alternate(changed, floor, RUNS)
        rows.append(Row("the same after an input change (no goal)", now, base, None))
        for row in rows:
            print(row.line())
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)
