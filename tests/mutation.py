"""`make mutate`: mutation testing of the core modules with mutmut.

    python -m tests.mutation [--max-children N] [MODULE ...]

MODULE is a folder or file of derive/ (``derive/calculus``,
``derive/grading/compare.py``); none means every core module. mutmut keeps
its state in ``mutants/``, so a run goes on where the last one stopped: only
mutants with no verdict yet (new, or of a function that changed) are run.
The score of each group and of all of them is printed at the end, from the
verdicts in ``mutants/``; survivors listed in tests/MUTANTS.md (equivalent
mutants, or not worth a test) are counted apart.

The core modules are pyproject.toml's ``[tool.mutmut] only_mutate``; the
groups below split them for the report.

This module is also the pytest plugin mutmut loads (``-p tests.mutation``):
mutmut runs pytest again and again in processes forked from one, where
tests/conftest.py was imported once; each run gets a temporary folder and a
code cache of its own here, as a fresh pytest process would.
"""

import argparse
import fnmatch
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
import tempfile
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
LISTED = ROOT / "tests" / "MUTANTS.md"

GROUPS = {
    "calculus": ("derive/calculus/",),
    "numerics and key": ("derive/numerics/", "derive/problem/precision.py"),
    "grading": ("derive/grading/",),
    "variants and exports": ("derive/variants/",),
}
KILLED = {1, 3, 36, 24, -24, 152, 255, 37}   # killed, a timeout, the type checker
SURVIVED = {0, 5, 33}                         # no test failed, or no test reached it


def core_files() -> list[str]:
    """The files mutmut mutates (pyproject's only_mutate less do_not_mutate)."""
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    files = sorted({str(p.relative_to(ROOT)) for pattern in conf["only_mutate"]
                    for p in ROOT.glob(pattern)})
    return [f for f in files if not any(fnmatch.fnmatch(f, d) for d in conf["do_not_mutate"])]


def group_of(path: str) -> str:
    return next(g for g, prefixes in GROUPS.items() if path.startswith(prefixes))


def verdicts(files: list[str]) -> dict[str, dict[str, int | None]]:
    """file -> {mutant name: exit code (None: not run yet)}; files never mutated are left out."""
    out = {}
    for f in files:
        meta = MUTANTS / (f + ".meta")
        if meta.exists():
            out[f] = json.loads(meta.read_text())["exit_code_by_key"]
    return out


def listed() -> set[str]:
    """Mutant names tests/MUTANTS.md lists as equivalent (first column of its table)."""
    if not LISTED.exists():
        return set()
    return set(re.findall(r"^\|\s*`?([\w.ǁ]+__mutmut_\d+)`?\s*\|", LISTED.read_text(), re.M))


def run_mutmut(files: list[str], max_children: int) -> None:
    """Run mutmut on the mutants of ``files`` that have no verdict yet."""
    known = verdicts(files)
    names = [n for f in known.values() for n, code in f.items() if code is None]
    # files never mutated: their mutants by a pattern (mutmut makes them first)
    names += [f[:-3].replace("/", ".") + ".*" for f in files if f not in known]
    if not names:
        return
    subprocess.run([sys.executable, "-m", "mutmut", "run", "--max-children", str(max_children), *names],
                   cwd=ROOT, check=False)


def report(files: list[str], seconds: float, cpu: float) -> float:
    """Print the score per group and overall; return the overall score."""
    equivalent = listed()
    rows: dict[str, Counter] = {}
    survivors = []
    for f, codes in sorted(verdicts(files).items()):
        c = rows.setdefault(group_of(f), Counter())
        for name, code in codes.items():
            c["mutants"] += 1
            if code is None:
                c["not run"] += 1
            elif code in KILLED:
                c["killed"] += 1
            elif code in SURVIVED and name in equivalent:
                c["listed"] += 1
            elif code in SURVIVED:
                c["survived"] += 1
                survivors.append(name)
            else:
                c["other"] += 1
    total = sum(rows.values(), Counter())
    print(f"\n{'group':22} {'mutants':>8} {'killed':>7} {'listed':>7} {'survived':>9} {'not run':>8}"
          f" {'score':>7} {'+listed':>8}")
    for name, c in [*rows.items(), ("all", total)]:
        done = c["mutants"] - c["not run"]
        score = f"{c['killed'] / done:7.1%}" if done else f"{'-':>7}"
        with_listed = f"{(c['killed'] + c['listed']) / done:8.1%}" if done else f"{'-':>8}"
        print(f"{name:22} {c['mutants']:8} {c['killed']:7} {c['listed']:7} {c['survived']:9}"
              f" {c['not run']:8} {score} {with_listed}")
    print("\nscore: killed / mutants run; +listed: counting those tests/MUTANTS.md lists as equivalent")
    if survivors:
        print(f"{len(survivors)} survivors not in tests/MUTANTS.md (`.venv/bin/mutmut show NAME`):")
        for name in survivors:
            print("  ", name)
    print(f"this run: {seconds:.0f} s wall, {cpu:.0f} s CPU (mutmut and its workers)")
    done = total["mutants"] - total["not run"]
    return total["killed"] / done if done else 0.0


def pytest_configure(config):
    """A fresh TMPDIR and code cache for this pytest run (see the module's docstring)."""
    conftest = sys.modules.get("tests.conftest")
    if conftest is None:
        return
    folder = Path(tempfile.mkdtemp(prefix="handouts-mutant-", dir="/tmp"))
    os.environ["TMPDIR"] = str(folder)
    os.environ["HANDOUTS_CACHE"] = str(folder / "cache")
    tempfile.tempdir = None
    conftest.SESSION_TMP = folder   # what its no_leftovers checks and its unconfigure removes


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("modules", nargs="*", help="folders or files of derive/ (default: every core module)")
    p.add_argument("--max-children", type=int, default=2)
    p.add_argument("--report", action="store_true", help="only print the scores")
    args = p.parse_args(argv)
    files = [f for f in core_files() if not args.modules
             or any(f == m or f.startswith(m.rstrip("/") + "/") for m in args.modules)]
    if not files:
        print(f"no core module under {' '.join(args.modules)} (see pyproject's [tool.mutmut])")
        return 2
    start = time.monotonic()
    if not args.report:
        run_mutmut(files, args.max_children)
        # what workers stopped at their time limit left (see pytest_configure)
        for folder in Path("/tmp").glob("handouts-mutant-*"):
            shutil.rmtree(folder, ignore_errors=True)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    report(files, time.monotonic() - start, usage.ru_utime + usage.ru_stime)
    return 0


if __name__ == "__main__":
    sys.exit(main())
