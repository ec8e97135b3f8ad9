"""Each command imports only what it uses, and a second process finds every
lambdified function in the code cache: run as a user runs them, each in a
fresh interpreter, checking ``sys.modules`` after the command."""

import json
import os
import subprocess
import sys

import pytest

from derive.problem.assignment import SHIPPED

# runs a command (argv from the command line) and prints the modules it imported
RUN = """
import contextlib, io, json, sys
from derive.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        status = main(sys.argv[1:])
    except SystemExit as e:
        status = e.code
print(json.dumps({"status": status, "modules": sorted(sys.modules)}))
"""


def _modules(argv, tmp_path, env=None) -> set[str]:
    env = {**os.environ, "HANDOUTS_CACHE": str(tmp_path / "cache"), **(env or {})}
    done = subprocess.run([sys.executable, "-c", RUN, *argv], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["status"] == 0, done.stderr
    return set(result["modules"])


def _packages(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_help_imports_no_pipeline(tmp_path):
    modules = _modules(["--help"], tmp_path)
    assert not _packages(modules) & {"numpy", "sympy", "matplotlib", "jinja2", "mpmath"}
    assert not {m for m in modules if m.startswith(("derive.numerics", "derive.grading",
                                                    "derive.documents", "derive.calculus"))}


def test_key_imports_its_stage_only(tmp_path):
    modules = _modules(["key"], tmp_path)
    assert "derive.numerics.key" in modules
    assert not _packages(modules) & {"matplotlib", "jinja2", "nbformat", "PIL", "tqdm"}
    assert not {m for m in modules if m.startswith(("derive.grading", "derive.documents",
                                                    "derive.variants", "derive.notebooks"))}


@pytest.fixture(scope="module")
def class_files(tmp_path_factory):
    """A key and two students' answers to it (one right, one with a wrong number)."""
    from derive.grading.kind_answers import key_submission
    from derive.numerics.key import reference_key
    folder = tmp_path_factory.mktemp("class")
    key = json.loads(json.dumps(reference_key()))
    (folder / "key.json").write_text(json.dumps(key))
    ann = key_submission(key, "ann", {})
    bob = key_submission(key, "bob", {})
    bob["answers"]["q5"] = 1.0
    students = [ann, bob]
    (folder / "answers.json").write_text(json.dumps(students))
    return folder


def test_grade_without_pdfs_imports_no_documents(tmp_path, class_files):
    modules = _modules(["grade", "--answers", str(class_files / "answers.json"),
                        "--key", str(class_files / "key.json"), "--out", str(tmp_path / "out"),
                        "--no-pdf"], tmp_path)
    assert "derive.grading.kind_grade" in modules and (tmp_path / "out" / "grades.csv").is_file()
    assert not _packages(modules) & {"matplotlib", "jinja2", "nbformat", "PIL", "tqdm"}
    assert not {m for m in modules if m.startswith(("derive.documents", "derive.variants",
                                                    "derive.notebooks"))}


# a second process with sympy.lambdify made to fail: every function comes from the cache
NO_LAMBDIFY = """
import sys, sympy
def refuse(*args, **kwargs):
    raise AssertionError("sympy.lambdify called")
if sys.argv[1] == "cached":
    sympy.lambdify = refuse
import contextlib, io, json
import numpy as np
from derive.cli import main
from derive.calculus.activations import FUNCTION
from derive.documents.kind_figures import activation_curves
out = io.StringIO()
with contextlib.redirect_stdout(out):
    for name in sys.argv[2:]:
        assert main(["key", "--assignment", name]) == 0
curves = {f: [c.tolist() for c in activation_curves(f, np.linspace(-4, 4, 9))] for f in FUNCTION}
print(json.dumps({"keys": out.getvalue(), "curves": curves}))
"""


def test_a_second_process_lambdifies_nothing(tmp_path):
    env = {**os.environ, "HANDOUTS_CACHE": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", NO_LAMBDIFY, how, *SHIPPED], capture_output=True,
                           text=True, env=env, timeout=600) for how in ("fresh", "cached")]
    for done in runs:
        assert done.returncode == 0, done.stderr
    assert runs[0].stdout == runs[1].stdout
    assert {p.name.split("-")[0] for p in (tmp_path / "cache").iterdir()} >= {"loss", "slope"}
