"""handouts variants --jobs 2, cold, against one bare pdflatex pass over the same .tex; peak memory.

Cold: a new folder and a seed never built before (a fresh random seed each
run, so no figure cache makes it warm), the code cache as a user has it
after an earlier run. Floor: one pdflatex pass over each of the 2N .tex
files of the set, JOBS at a time, in copies of the variant folders (figures
included, PDFs removed). Measure and floor alternate; the best of RUNS each.
Memory: the peak, over samples every 20 ms, of the summed RSS of the whole
process tree (the command and every worker and pdflatex under it)."""

import os
import random
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks._table import Row, run_sampled, timed
from derive.documents.build import FLAGS, PDFLATEX, latex_env

JOBS = 2
# the sizes; smaller ones (a quick look) from the environment
COUNTS = tuple(int(n) for n in os.environ.get("HANDOUTS_BENCH_COUNTS", "16,64").split(","))
MEMORY_ONLY = int(os.environ.get("HANDOUTS_BENCH_MEMORY", "256"))
RUNS = int(os.environ.get("HANDOUTS_BENCH_RUNS", "2"))
_seeds = random.SystemRandom()


def _variants(count: int, out: Path) -> tuple[float, int]:
    """(seconds, peak bytes) of a cold build of ``count`` variants into ``out``."""
    seed = _seeds.randrange(10**6, 10**12)
    return run_sampled([sys.executable, "-m", "derive", "variants", "--count", str(count),
                        "--jobs", str(JOBS), "--seed", str(seed), "--out", str(out)])


def _bare_pdflatex(out: Path, scratch: Path) -> float:
    """One pdflatex pass over every variant's .tex files, JOBS at a time."""
    jobs = []
    for d in sorted(p for p in out.iterdir() if p.is_dir()):
        copy = scratch / d.name
        shutil.copytree(d, copy)
        for pdf in copy.glob("*.pdf"):
            pdf.unlink()
        jobs += [(copy, tex.name) for tex in sorted(copy.glob("*.tex"))]
    env = latex_env()

    def one(job):
        folder, name = job
        subprocess.run([PDFLATEX, *FLAGS, name], cwd=folder, env=env, check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)

    with ThreadPoolExecutor(JOBS) as pool:
        return timed(lambda: list(pool.map(one, jobs)))


def _pair(count: int, scratch: Path, i: int) -> tuple[float, float, int]:
    out = scratch / f"set{count}-{i}"
    now, peak = _variants(count, out)
    floor = _bare_pdflatex(out, scratch / f"bare{count}-{i}")
    shutil.rmtree(out)
    shutil.rmtree(scratch / f"bare{count}-{i}")
    return now, floor, peak


def run() -> list:
    scratch = Path(tempfile.mkdtemp(prefix="bench-variants-"))
    rows, peaks = [], {}
    try:
        _variants(2, scratch / "warm-up")  # the code cache as a user has it
        for count in COUNTS:
            pairs = [_pair(count, scratch, i) for i in range(RUNS)]
            now, floor = min(p[0] for p in pairs), min(p[1] for p in pairs)
            peaks[count] = max(p[2] for p in pairs)
            rows.append(Row(f"handouts variants --count {count} --jobs {JOBS}, cold",
                            now, floor, 1.25))
            print(rows[-1].line(), flush=True)
        t, peaks[MEMORY_ONLY] = _variants(MEMORY_ONLY, scratch / f"set{MEMORY_ONLY}")
        print(f"(a cold set of {MEMORY_ONLY} for its memory: {t:.1f} s)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    memory = "peak RSS of the process tree (handouts variants --jobs 2): " + ", ".join(
        f"{n} variants {b / 2**20:.0f} MiB" for n, b in peaks.items())
    print(memory)
    return rows + [memory]
