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
