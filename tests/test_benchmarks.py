"""`make bench` runs every module of benchmarks/: each imports against the
current code and has its run() (a deleted or renamed function breaks it here,
not at the next `make bench`)."""

import importlib
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MODULES = runpy.run_path(str(ROOT / "benchmarks" / "__main__.py"), run_name="benchmarks")["MODULES"]


def test_there_are_benchmarks():
    assert "benchmarks.grade" in MODULES and "benchmarks.variants" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_each_benchmark_imports_and_has_a_run_function(name):
    module = importlib.import_module(name)
    assert callable(module.run) and module.__doc__.strip()


def test_rows_and_the_summary():
    from benchmarks._table import Row, summary
    rows = [Row("a", 3.0, 2.0, 1.5), Row("b", 3.1, 2.0, 1.5), Row("c", 9.0, 1.0, None), "a note"]
    assert [r.verdict() for r in rows[:3]] == ["ok", "over", "-"]
    text = summary(rows)
    assert "1.50x" in text and "1.55x" in text and text.endswith("a note")


def test_alternate_keeps_the_best_of_each_in_turn():
    from benchmarks._table import alternate
    calls = []
    now = iter([5.0, 3.0, 4.0])
    floor = iter([2.0, 1.0, 1.5])
    best = alternate(lambda: calls.append("m") or next(now),
                     lambda: calls.append("f") or next(floor), 3)
    assert best == (3.0, 1.0) and calls == ["m", "f"] * 3


def test_peak_memory_is_of_the_whole_process_tree():
    # the parent holds little, its child 150 MB: the peak counts the child
    import sys
    from benchmarks._table import run_sampled
    child = "b = bytearray(150 * 2**20); import time; time.sleep(1.5)"
    parent = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {child!r}])"
    wall, peak = run_sampled([sys.executable, "-c", parent])
    assert peak > 150 * 2**20 and wall >= 1.5
