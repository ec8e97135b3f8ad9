"""A report's key, sources and figures kept by everything they are made from
(derive.documents.report_cache): a second run on the same inputs compiles the
same sources without deriving; any changed input derives anew."""

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest

from derive.documents import assignment_build, figure_cache, report_cache
from derive.documents.assignment_build import build_assignment
from derive.problem.config import Config, parse_config
from derive.problem.reference import reference_assignment

FILES = ("answer-key.json", "problems.tex", "handout.tex", "problems.pdf", "handout.pdf")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOUTS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _outputs(folder):
    figures = sorted((folder / "figures").iterdir())
    return {**{name: (folder / name).read_bytes() for name in FILES},
            **{f"figures/{p.name}": p.read_bytes() for p in figures}}


def _no_derivation(*args, **kwargs):
    raise AssertionError("derived again")


def test_a_second_run_compiles_what_the_first_made_without_deriving(cache, tmp_path,
                                                                     monkeypatch):
    a = reference_assignment()
    build_assignment(a, Config(), tmp_path / "first")
    assert len(list((cache / report_cache.FOLDER).iterdir())) == 1
    monkeypatch.setattr(assignment_build, "_derive", _no_derivation)
    build_assignment(a, Config(), tmp_path / "second")
    assert _outputs(tmp_path / "first") == _outputs(tmp_path / "second")


def test_a_kept_figure_gone_derives_again(cache, tmp_path, monkeypatch):
    a = reference_assignment()
    build_assignment(a, Config(), tmp_path / "first")
    gone = sorted((cache / figure_cache.FOLDER).iterdir())[0]
    gone.unlink()
    assert report_cache.load(report_cache.entry(a, Config())) is None
    build_assignment(a, Config(), tmp_path / "second")     # drawn again and kept
    assert gone.is_file()
    assert _outputs(tmp_path / "first") == _outputs(tmp_path / "second")


def _entry_text(key="{}", sources=None, figures=None):
    return json.dumps({"key": key, "sources": sources or {"problems.tex": "x"},
                       "figures": figures or {}})


@pytest.mark.parametrize("text", [
    "", "{", "[]", "null", '{"key": "{}"}',
    _entry_text(sources={"../problems.tex": "x"}), _entry_text(sources={"a/b.tex": "x"}),
    _entry_text(figures={"../a.pdf": "e.pdf"}), _entry_text(figures={"figures/../../a.pdf": "e.pdf"}),
    _entry_text(key=3), _entry_text(sources={"problems.tex": 1}),
    _entry_text(figures={"figures/a.pdf": "no-such-entry.pdf"}),
    _entry_text()[:-5],
])
def test_a_damaged_entry_is_a_miss(cache, text):
    path = cache / report_cache.FOLDER / "report-x.json"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    assert report_cache.load(path) is None


def test_a_whole_entry_without_figures_is_read(cache):
    path = cache / report_cache.FOLDER / "report-x.json"
    path.parent.mkdir(parents=True)
    path.write_text(_entry_text())
    assert report_cache.load(path) == report_cache.Kept("{}", {"problems.tex": "x"}, {})


def _config(title):
    return parse_config({"course": {"title": title}}, digest=title)


@pytest.mark.parametrize("change", [
    lambda a, c: (replace(a, title=a.title + "!"), c),
    lambda a, c: (replace(a, parts=a.parts[:-1]), c),
    lambda a, c: (a, _config("Another course")),
])
def test_every_input_names_its_own_entry(cache, change):
    a, c = reference_assignment(), _config("A course")
    assert report_cache.entry(*change(a, c)) != report_cache.entry(a, c)
    assert report_cache.entry(a, c) == report_cache.entry(reference_assignment(), _config("A course"))


def test_override_templates_their_files_their_places_and_the_code_name_their_own_entries(cache, tmp_path,
                                                                          monkeypatch):
    a, c = reference_assignment(), Config()
    plain = report_cache.entry(a, c)
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "macros.tex.j2").write_text("one")
    one = report_cache.entry(a, c, [tmp_path / "t"])
    (tmp_path / "t" / "macros.tex.j2").write_text("two")
    two = report_cache.entry(a, c, [tmp_path / "t"])
    (tmp_path / "t" / "assignment").mkdir()
    (tmp_path / "t" / "macros.tex.j2").rename(tmp_path / "t" / "assignment" / "macros.tex.j2")
    moved = report_cache.entry(a, c, [tmp_path / "t"])     # the same file, another place
    monkeypatch.setattr(report_cache, "source_digest", lambda: "another version of the code")
    code = report_cache.entry(a, c)
    monkeypatch.setattr(figure_cache, "fingerprint", lambda: "other fonts")
    fonts = report_cache.entry(a, c)
    assert len({plain, one, two, moved, code, fonts}) == 6


def test_off_or_unwritable_keeps_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOUTS_CACHE", "off")
    assert report_cache.entry(reference_assignment(), Config()) is None
    blocked = tmp_path / "blocked"
    blocked.write_text("")      # a file where the folder would be
    monkeypatch.setenv("HANDOUTS_CACHE", str(blocked))
    path = report_cache.entry(reference_assignment(), Config())
    report_cache.store(path, "{}", {"problems.tex": "x"}, {})
    assert blocked.read_text() == "" and report_cache.load(path) is None


def test_a_figure_without_an_entry_keeps_no_build(cache):
    path = report_cache.entry(reference_assignment(), Config())
    report_cache.store(path, "{}", {"problems.tex": "x"}, {"figures/a.pdf": None})
    assert not path.exists()


CHECK = """
import sys
from derive.cli import main
assert main(["report", "--out", sys.argv[1]]) == 0
print(*sorted(m for m in ("sympy", "matplotlib") if m in sys.modules))
"""


def test_a_warm_report_imports_neither_sympy_nor_matplotlib(tmp_path):
    env = {**os.environ, "HANDOUTS_CACHE": str(tmp_path / "cache")}
    run = [sys.executable, "-c", CHECK, str(tmp_path / "out")]
    first = subprocess.run(run, env=env, check=True, capture_output=True, text=True)
    assert "sympy" in first.stdout.split()
    second = subprocess.run(run, env=env, check=True, capture_output=True, text=True)
    assert second.stdout.splitlines()[-1] == ""
    # the figures alone kept: derived again, still without matplotlib
    for entry in (tmp_path / "cache" / report_cache.FOLDER).iterdir():
        entry.unlink()
    third = subprocess.run(run, env=env, check=True, capture_output=True, text=True)
    assert third.stdout.splitlines()[-1] == "sympy"        # and not matplotlib
