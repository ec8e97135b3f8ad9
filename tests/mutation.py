"""`make mutate`: mutation testing of the core modules with mutmut.

    python -m tests.mutation [--max-children N] [--survivors] [--report | --save] [MODULE ...]

MODULE is a folder or file of derive/ (``derive/calculus``,
``derive/grading/compare.py``); none means every core module. mutmut keeps
its state in ``mutants/``, so a run goes on where the last one stopped: only
mutants with no verdict yet (new, or of a function that changed) are run.
mutants/ is not kept in git, and a full run takes hours: each run writes its
verdicts into tests/mutation-verdicts.jsonl (one line per function, with the
hash mutmut gives its code), which a new checkout starts from, so that it runs
only the mutants of functions changed since.
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
import gc
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
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
STATS = "mutmut-stats.json"      # in MUTANTS: mutmut's record of which tests call what, and their times
UNTESTED = "untested-functions"   # in MUTANTS: those no test called at the last full stats run
LISTED = ROOT / "tests" / "MUTANTS.md"
# the verdicts of the last runs, kept in git: a new checkout runs only the
# mutants of functions changed since (mutants/ is not kept)
STORE = ROOT / "tests" / "mutation-verdicts.jsonl"
KILLERS = "killers"   # in mutants/: per mutated function, the tests that killed its mutants
FIRST = "first-tests"  # in mutants/: each mutant run's first test and its seconds

GROUPS = {
    "calculus": ("derive/calculus/",),
    "numerics and key": ("derive/numerics/", "derive/problem/precision.py"),
    "grading": ("derive/grading/",),
    "variants and exports": ("derive/variants/",),
}
# the tests of the core modules (pyproject's selection is all of tests/)
TESTED = ("tests/calculus", "tests/numerics", "tests/problem/test_precision.py",
          "tests/problem/test_precision_edges.py", "tests/grading", "tests/variants")
# test files of those folders that mutants cannot reach
# or that only repeat slowly what the in-process tests check: they start commands
# (a subprocess imports the unmutated package), compile LaTeX or run PHP
LEFT_OUT = {
    "tests/grading/test_boundaries.py", "tests/grading/test_feedback.py",
    "tests/grading/test_feedback_steps.py", "tests/grading/test_lms_reports.py",
    "tests/grading/test_notebook_run.py", "tests/variants/test_build_set.py",
    "tests/variants/test_moodle_choice.py", "tests/variants/test_moodle_import.py",
    "tests/variants/test_pdfs.py",
}
# each of these takes 8-50 s (CPU, one process): every surviving mutant would run them
SLOW = {
    "tests/calculus/test_backprop.py::test_recursion_holds_for_any_hidden_activation",
    "tests/calculus/test_backprop.py::test_recursion_holds_for_any_activation_in_three_layers",
    "tests/calculus/test_backprop.py::test_recursion_equals_direct_differentiation_at_40_digit_points",
    "tests/calculus/test_softmax.py::test_layer_gradient_holds_for_inputs_and_classes",
    "tests/calculus/test_softmax.py::test_steps_hold_for_every_class_count",
    "tests/variants/test_choices.py::test_losses_and_the_jacobian",
    "tests/variants/test_choices.py::test_every_formula_question_of_the_shipped_assignments",
    "tests/variants/test_generate.py::test_same_seed_same_keys_and_count_40_extends_30",
    "tests/variants/test_generate.py::test_ranges_and_choices_are_respected",
    "tests/variants/test_instances.py::test_variants_are_unique_and_reproducible_and_extend",
    "tests/variants/test_instances.py::test_every_variant_is_rich_from_its_own_numbers",
}
TIMEOUT = {36, 24, -24, 152, 255}             # cut off at the time limit (see pyproject)
KILLED = {1, 3, 37} | TIMEOUT                 # a test failed, a timeout, the type checker
NO_TESTS = 33                                 # no test calls the function
SURVIVED = {0, 5, NO_TESTS}                   # no test failed, or no test reached it


def core_files() -> list[str]:
    """The files mutmut mutates (pyproject's only_mutate less do_not_mutate)."""
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    files = sorted({str(p.relative_to(ROOT)) for pattern in conf["only_mutate"]
                    for p in ROOT.glob(pattern)})
    return [f for f in files if not any(fnmatch.fnmatch(f, d) for d in conf["do_not_mutate"])]


def group_of(path: str) -> str:
    return next(g for g, prefixes in GROUPS.items() if path.startswith(prefixes))


def _meta(path: str) -> dict | None:
    """mutmut's record of one core file (mutants/<file>.meta), or None when it has none."""
    meta = MUTANTS / (path + ".meta")
    for attempt in range(20):   # a running mutmut rewrites the file in place
        if not meta.exists():
            return None
        try:
            return json.loads(meta.read_text())
        except json.JSONDecodeError:
            if attempt == 19:
                raise
            time.sleep(0.1)


def verdicts(files: list[str]) -> dict[str, dict[str, int | None]]:
    """file -> {mutant name: exit code (None: not run yet)}; files never mutated are left out."""
    return {f: meta["exit_code_by_key"] for f in files if (meta := _meta(f)) is not None}


def _module(path: str) -> str:
    return path[:-3].replace("/", ".")


def _stored() -> dict[str, list[dict]]:
    """STORE's rows (one per function: file, function, hash, verdicts) by file."""
    rows: dict[str, list[dict]] = {}
    if STORE.exists():
        for line in STORE.read_text().splitlines():
            row = json.loads(line)
            rows.setdefault(row["file"], []).append(row)
    return rows


def save_verdicts(files: list[str]) -> None:
    """Write the verdicts in mutants/ into STORE, with the hash mutmut gives each
    function; the rows of files with no record in mutants/ are kept."""
    rows = _stored()
    for f in files:
        meta = _meta(f)
        if meta is None:
            continue
        prefix = _module(f) + "."
        by_function: dict[str, dict[str, list[int]]] = {func: {} for func in meta["hash_by_function_name"]}
        for name, code in meta["exit_code_by_key"].items():
            if code is not None:
                func, n = name.removeprefix(prefix).rsplit("__mutmut_", 1)
                by_function.setdefault(func, {}).setdefault(str(code), []).append(int(n))
        rows[f] = [{"file": f, "function": func, "hash": h,
                    "verdicts": {c: sorted(ns) for c, ns in sorted(by_function[func].items())}}
                   for func, h in sorted(meta["hash_by_function_name"].items())]
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for f in sorted(rows) for row in rows[f])
    partial = STORE.with_suffix(".partial")
    partial.write_text(text)
    partial.replace(STORE)


def restore_verdicts(files: list[str]) -> int:
    """Give each core file with no record in mutants/ the verdicts STORE keeps for
    it (as mutmut's own record); mutmut then keeps those of every function whose
    hash is unchanged and runs the rest. Returns how many verdicts it restored."""
    stored, count = _stored(), 0
    for f in files:
        meta = MUTANTS / (f + ".meta")
        if meta.exists() or f not in stored:
            continue
        prefix = _module(f) + "."
        codes = {f"{prefix}{row['function']}__mutmut_{n}": int(code)
                 for row in stored[f] for code, ns in row["verdicts"].items() for n in ns}
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps({
            "exit_code_by_key": codes, "type_check_error_by_key": {}, "durations_by_key": {},
            "estimated_durations_by_key": {},
            "hash_by_function_name": {row["function"]: row["hash"] for row in stored[f]}}))
        count += len(codes)
    return count


# mutmut's own first step (`mutmut run` does it too): copy the sources into
# mutants/ and write each core file's mutants, merging the verdicts there
GENERATE = """
import os
from mutmut.__main__ import create_mutants
from mutmut.mutation.trampoline import set_mutant_under_test
from mutmut.utils.file_utils import copy_also_copy_files, copy_src_dir, setup_source_paths
set_mutant_under_test("mutant_generation")
os.makedirs("mutants", exist_ok=True)
copy_src_dir(); copy_also_copy_files(); setup_source_paths(); create_mutants(2)
"""


def generate() -> None:
    """Make (or bring up to date) the mutants, so that the verdicts read next are current."""
    subprocess.run([sys.executable, "-c", GENERATE], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def _function(name: str) -> str:
    return name.rsplit("__mutmut_", 1)[0]


def _functions(known: dict[str, dict[str, int | None]]) -> set[str]:
    """The mutated functions of :func:`verdicts`' records."""
    return {_function(name) for codes in known.values() for name in codes}


def _called() -> set[str] | None:
    """The functions mutmut's stats have tests for, or None without stats."""
    stats = MUTANTS / STATS
    if not stats.exists():
        return None
    return set(json.loads(stats.read_text())["tests_by_mangled_function_name"])


def refresh_stats(files: list[str]) -> list[str]:
    """The mutated functions of ``files`` that mutmut's stats (which tests call
    what) have no tests for and had none at their last full collection: new or
    renamed since, as mutmut collects again only for new tests, so their mutants
    would be "no tests". The stats are then dropped (this run collects them
    whole) and those functions' "no tests" verdicts cleared; returns them."""
    called = _called()
    if called is None:
        return []
    untested = MUTANTS / UNTESTED
    untested = set(untested.read_text().split()) if untested.exists() else set()
    known = verdicts(files)
    stale = sorted(_functions(known) - called - untested)
    if not stale:
        return []
    (MUTANTS / STATS).unlink()
    for f, codes in known.items():
        cleared = {n: None for n, code in codes.items() if code == NO_TESTS and _function(n) in stale}
        if cleared:
            meta = _meta(f)
            meta["exit_code_by_key"].update(cleared)
            (MUTANTS / (f + ".meta")).write_text(json.dumps(meta))
    return stale


def note_untested(files: list[str]) -> None:
    """After a full stats collection: the mutated functions no test calls."""
    called = _called()
    if called is not None:
        (MUTANTS / UNTESTED).write_text(
            "".join(f + "\n" for f in sorted(_functions(verdicts(files)) - called)))


def listed() -> set[str]:
    """Mutant names tests/MUTANTS.md lists as equivalent (first column of its table)."""
    if not LISTED.exists():
        return set()
    return set(re.findall(r"^\|\s*`?([\w.ǁ]+__mutmut_\d+)`?\s*\|", LISTED.read_text(), re.M))


def run_mutmut(files: list[str], max_children: int, survivors: bool = False) -> None:
    """Run mutmut on the mutants of ``files`` that have no verdict yet (and, with
    ``survivors``, again on those that survived and are not listed: after new tests);
    :func:`generate` has made them."""
    known = verdicts(files)
    again = SURVIVED if survivors else set()
    equivalent = listed() if survivors else set()
    names = [n for f in known.values() for n, code in f.items()
             if code is None or (code in again and n not in equivalent)]
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
                c["timeout"] += code in TIMEOUT
            elif code in SURVIVED and name in equivalent:
                c["listed"] += 1
            elif code in SURVIVED:
                c["survived"] += 1
                survivors.append(name)
            else:
                c["other"] += 1
    total = sum(rows.values(), Counter())
    print(f"\n{'group':22} {'mutants':>8} {'killed':>7} {'timeout':>8} {'listed':>7} {'survived':>9}"
          f" {'not run':>8} {'score':>7} {'+listed':>8}")
    for name, c in [*rows.items(), ("all", total)]:
        done = c["mutants"] - c["not run"]
        score = f"{c['killed'] / done:7.1%}" if done else f"{'-':>7}"
        with_listed = f"{(c['killed'] + c['listed']) / done:8.1%}" if done else f"{'-':>8}"
        print(f"{name:22} {c['mutants']:8} {c['killed']:7} {c['timeout']:8} {c['listed']:7} {c['survived']:9}"
              f" {c['not run']:8} {score} {with_listed}")
    print("\nscore: killed (a timeout included) / mutants run;"
          " +listed: counting those tests/MUTANTS.md lists as equivalent")
    if survivors:
        print(f"{len(survivors)} survivors not in tests/MUTANTS.md (`.venv/bin/mutmut show NAME`):")
        for name in survivors:
            print("  ", name)
    print(f"this run: {seconds:.0f} s wall, {cpu:.0f} s CPU (mutmut and its workers)")
    done = total["mutants"] - total["not run"]
    return total["killed"] / done if done else 0.0


def pytest_ignore_collect(collection_path, config):
    """Collect only TESTED, less LEFT_OUT's files (see above)."""
    try:
        relative = collection_path.relative_to(config.rootpath).as_posix()
    except ValueError:
        return None
    inside = any(relative == t or relative.startswith(t + "/") for t in TESTED)
    above = any(t.startswith(relative + "/") for t in TESTED)   # a folder on the way
    return True if relative in LEFT_OUT or not (inside or above) else None


def pytest_collection_modifyitems(config, items):
    """Leave out SLOW's tests (see above); in a mutant's run, order the tests by
    how likely each is to end the run soon: the kills it made among the
    function's other mutants, for its time (see _cost)."""
    slow = [item for item in items if item.nodeid.split("[")[0] in SLOW]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if item not in slow]
    function = _function_under_test()
    if function:
        kills = Counter(_lines(config.rootpath / KILLERS / function))
        cost = _cost(config.rootpath)
        items.sort(key=lambda item: -(kills[item.nodeid] + 0.5) / (cost(item.nodeid) + 0.05))


def _function_under_test() -> str | None:
    """The mutated function of this run (``MUTANT_UNDER_TEST``), or ``None`` outside a mutant's run."""
    mutant = os.environ.get("MUTANT_UNDER_TEST", "")
    return mutant.rsplit("__mutmut_", 1)[0] if "__mutmut_" in mutant else None


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text().splitlines()
    except OSError:
        return []


@lru_cache(maxsize=1)
def _clean_run_times(root: Path) -> dict[str, float]:
    """Each test's time in mutmut's clean run (its call only), read once per fork server."""
    try:
        return json.loads((root / STATS).read_text())["duration_by_test"]
    except (OSError, ValueError, KeyError):
        return {}


def _cost(root: Path):
    """A test's seconds when it runs first in a mutant's run (its fixtures' setup
    included: mutmut's clean run times the test's call only), the least seen
    (FIRST); for a test not seen first yet, its time in mutmut's clean run."""
    clean = _clean_run_times(root)
    first: dict[str, float] = {}
    for line in _lines(root / FIRST):
        nodeid, _, seconds = line.rpartition("\t")
        first[nodeid] = min(float(seconds), first.get(nodeid, float("inf")))
    return lambda nodeid: first.get(nodeid, clean.get(nodeid, 0.0))


_THIS_RUN = {"first": None, "seconds": 0.0}   # a worker's own (each is forked afresh)


def pytest_runtest_logreport(report):
    """In a mutant's run: remember the test that killed the mutant (KILLERS) and
    the time of the run's first test (FIRST), for pytest_collection_modifyitems."""
    function = _function_under_test()
    if function is None:
        return
    if _THIS_RUN["first"] in (None, report.nodeid):
        _THIS_RUN["first"] = report.nodeid
        _THIS_RUN["seconds"] += report.duration
        if report.when == "teardown":
            _append(Path.cwd() / FIRST, f"{report.nodeid}\t{_THIS_RUN['seconds']:.3f}")
    if report.failed:
        _append(Path.cwd() / KILLERS / function, report.nodeid)


def _append(path: Path, line: str) -> None:
    path.parent.mkdir(exist_ok=True)
    with open(path, "a") as f:   # one short append: whole lines from each worker
        f.write(line + "\n")


def pytest_configure(config):
    """A fresh TMPDIR and code cache for this pytest run (see the module's docstring)."""
    if _function_under_test() is None:
        _clean_run_times(config.rootpath)   # the fork server: its workers inherit them
    conftest = sys.modules.get("tests.conftest")
    if conftest is None:
        return
    folder = Path(tempfile.mkdtemp(prefix="handouts-mutant-", dir="/tmp"))
    os.environ["TMPDIR"] = str(folder)
    os.environ["HANDOUTS_CACHE"] = str(folder / "cache")
    tempfile.tempdir = None
    conftest.SESSION_TMP = folder   # what its no_leftovers checks and its unconfigure removes
    # the heap this run was forked with (SymPy, the collected tests) is never
    # garbage: a collection need not walk it (a killed mutant's run: 0.4 -> 0.2 s)
    gc.freeze()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("modules", nargs="*", help="folders or files of derive/ (default: every core module)")
    p.add_argument("--max-children", type=int, default=2)
    p.add_argument("--survivors", action="store_true",
                   help="run the survivors not listed in tests/MUTANTS.md again (after new tests)")
    p.add_argument("--report", action="store_true", help="only print the scores")
    p.add_argument("--save", action="store_true",
                   help=f"only write the verdicts in mutants/ into {STORE.relative_to(ROOT)}")
    args = p.parse_args(argv)
    files = [f for f in core_files() if not args.modules
             or any(f == m or f.startswith(m.rstrip("/") + "/") for m in args.modules)]
    if not files:
        print(f"no core module under {' '.join(args.modules)} (see pyproject's [tool.mutmut])")
        return 2
    start = time.monotonic()
    if args.save:
        save_verdicts(core_files())
        return 0
    if not args.report:
        restored = restore_verdicts(core_files())
        if restored:
            print(f"{restored} verdicts from {STORE.relative_to(ROOT)}; mutmut keeps those of unchanged functions")
        generate()
        stale = refresh_stats(core_files())
        if stale:
            print(f"{len(stale)} functions new to mutmut's stats ({', '.join(stale[:3])}...):"
                  " collecting which tests call what again")
        full = not (MUTANTS / STATS).exists()
        run_mutmut(files, args.max_children, args.survivors)
        if full:
            note_untested(core_files())
        save_verdicts(core_files())
        # what workers stopped at their time limit left (see pytest_configure)
        for folder in Path("/tmp").glob("handouts-mutant-*"):
            shutil.rmtree(folder, ignore_errors=True)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    report(files, time.monotonic() - start, usage.ru_utime + usage.ru_stime)
    return 0


if __name__ == "__main__":
    sys.exit(main())
