"""Variant sets: cold build against bare pdflatex, peak memory, unchanged rebuild."""

import json
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from derive.documents.build import FLAGS, PDFLATEX, latex_env

SEED = 20261128
COLD = 16
JOBS = 2


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _build(count: int, out: Path) -> None:
    from derive.problem.config import Config
    from derive.variants.build_set import build_set
    build_set(count, SEED, Config(), out, jobs=JOBS, progress=False, recipe=_recipe())


def _recipe():
    """The reference's recipe as `handouts variants` makes it (notebooks too)."""
    from derive.notebooks.build import VariantNotebooks
    from derive.problem.assignment import load_assignment
    from derive.problem.config import Config
    from derive.variants.recipes import AssignmentRecipe
    return AssignmentRecipe.of(load_assignment("reference"), Config(), VariantNotebooks())


def _bare_pdflatex(out: Path, scratch: Path) -> float:
    """One pdflatex pass over every variant's .tex files, JOBS at a time, in
    copies of the variant folders (figures included)."""
    folders = []
    for d in sorted(p for p in out.iterdir() if p.is_dir()):
        copy = scratch / d.name
        shutil.copytree(d, copy)
        for pdf in copy.glob("*.pdf"):
            pdf.unlink()
        folders.append(copy)
    jobs = [(f, tex.name) for f in folders for tex in sorted(f.glob("*.tex"))]
    env = latex_env()

    def one(job):
        folder, name = job
        subprocess.run([PDFLATEX, *FLAGS, name], cwd=folder, env=env, check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)

    with ThreadPoolExecutor(JOBS) as pool:
        return _timed(lambda: list(pool.map(one, jobs)))


# run in a fresh process: peak RSS of a whole build whose compile is a stand-in
_MEMORY = """
import resource, sys
from pathlib import Path
import derive.documents.build
import derive.variants.build_set
from derive.problem.config import Config
from derive.variants.build_set import build_set

def compile_sources(work, sources, figures, timeout):
    paths = []
    for name in sources:
        for ext in ("tex", "pdf"):
            p = (Path(work) / name).with_suffix("." + ext)
            p.write_bytes(b"x" * 200_000 if ext == "pdf" else b"tex")
            paths.append(p)
    return paths

derive.documents.build.compile_sources = compile_sources
derive.variants.build_set.merge_collection = lambda out, ids, stem: b"x" * 1000
from derive.notebooks.build import VariantNotebooks
from derive.problem.assignment import load_assignment
from derive.variants.recipes import AssignmentRecipe
recipe = AssignmentRecipe.of(load_assignment("reference"), Config(), VariantNotebooks())
build_set(int(sys.argv[1]), 1, Config(), sys.argv[2], jobs=2, progress=False, recipe=recipe)
self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(self, kids)
"""


def _peak_memory(count: int, scratch: Path) -> tuple[int, int]:
    out = subprocess.run([sys.executable, "-c", _MEMORY, str(count), str(scratch / f"m{count}")],
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]), int(out[1])


def run() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="bench-variants-"))
    try:
        from derive.problem.assignment import load_assignment
        from derive.variants.instances import generate_assignment_keys
        from derive.variants.settings import parse_settings
        # derive and lambdify outside the timing
        generate_assignment_keys(load_assignment("reference"), SEED, 2, parse_settings({}))
        # alternate the two, twice, and keep the best of each: the machine is shared
        cold, bare = [], []
        for i in range(2):
            out = scratch / f"cold{i}"
            cold.append(_timed(lambda: _build(COLD, out)))
            bare.append(_bare_pdflatex(out, scratch / f"bare{i}"))
        cold, bare = min(cold), min(bare)
        print(f"cold build of {COLD} variants, {JOBS} jobs: {cold:.1f} s; one bare pdflatex "
              f"pass over the same {2 * COLD} .tex files, {JOBS} at a time: {bare:.1f} s; "
              f"ratio {cold / bare:.2f} (target <= 1.25, aim 1.10; the build also generates the "
              f"keys, draws the figures, reruns pdflatex when asked and merges the 2 "
              f"collections)")
        for d in out.iterdir():
            if d.is_dir():
                shutil.rmtree(d)
        variants_only = _timed(lambda: _build(COLD, out))
        print(f"the same {COLD} variants rebuilt with the collections up to date: "
              f"{variants_only:.1f} s; ratio {variants_only / bare:.2f}")

        m16, m128 = _peak_memory(16, scratch), _peak_memory(128, scratch)
        print(f"peak memory (compile replaced by a stand-in writing 200 kB PDFs): 16 variants "
              f"{m16[0] / 1024:.0f} MB main, {m16[1] / 1024:.0f} MB per worker; 128 variants "
              f"{m128[0] / 1024:.0f} MB main, {m128[1] / 1024:.0f} MB per worker; "
              f"ratio {m128[0] / m16[0]:.2f} (must not grow with the count)")

        _peak_memory(100, scratch)  # a set of 100 (stand-in compile) to rebuild
        rebuild_dir = scratch / "m100"
        code = ("import time; t = time.perf_counter(); from derive.cli import main; "
                f"main(['variants', '--count', '100', '--seed', '1', '--out', '{rebuild_dir}']); "
                "print(time.perf_counter() - t)")
        t = time.perf_counter()
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             check=True)
        wall = time.perf_counter() - t
        inside = float(res.stdout.split()[-1])
        manifest = json.loads((rebuild_dir / "manifest.json").read_text())
        print(f"rebuild of 100 unchanged variants: {wall:.2f} s wall (a new Python process), "
              f"{inside:.2f} s inside `handouts variants`, of which the command line's "
              f"imports are most; target under 2 s ({len(manifest['variants'])} in manifest)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
