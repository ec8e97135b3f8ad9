"""`pip install .` (not only editable) gives a working tool: templates ship inside."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-q", "-w", str(tmp / "dist"), str(ROOT)], check=True,
                   capture_output=True)
    wheel, = (tmp / "dist").glob("handouts-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q",
                    "--target", str(tmp / "site"), str(wheel)], check=True, capture_output=True)
    return tmp / "site"


def test_the_wheel_holds_the_templates(installed):
    names = {p.name for p in (installed / "derive" / "templates").iterdir()}
    assert {"base.tex.j2", "handout.tex.j2"} <= names
    # and those of the assignment files' documents
    assignment = {p.name for p in (installed / "derive" / "templates" / "assignment").iterdir()}
    assert {"handout.tex.j2", "questions.tex.j2", "blocks.tex.j2"} <= assignment
    # and the LMS questions' HTML (moodle.xml, canvas-qti.zip)
    lms = {p.name for p in (installed / "derive" / "templates" / "lms").iterdir()}
    assert {"question.html.j2", "feedback.html.j2"} <= lms


def test_the_installed_package_builds_the_report_outside_the_checkout(installed, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(installed)}
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, "-c",
                        "import derive, sys; print(derive.__file__); "
                        "from derive.cli import main; sys.exit(main(['report', '--out', sys.argv[1]]))",
                        str(out)], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(str(installed))
    assert (out / "handout.pdf").stat().st_size > 10_000
    assert (out / "problems.pdf").exists() and (out / "answer-key.json").exists()
