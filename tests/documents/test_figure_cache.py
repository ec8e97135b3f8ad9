"""The figure cache: a hit gives the kept bytes, a miss draws and keeps
them, a changed datum is another entry, a truncated or corrupt entry is
drawn again, an unwritable folder or HANDOUTS_CACHE=off leaves it off, the
folder is trimmed, and a report whose figures all hit never imports
matplotlib nor forks a drawing process."""

import os
import subprocess
import sys

import pytest

from derive.documents import figure_cache
from derive.documents.figures import draw
from derive.documents.kind_figures import activation_data

NAME = "activation"


@pytest.fixture
def data():
    return activation_data("relu")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOUTS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / figure_cache.FOLDER


class Counting:
    """A drawing function that counts its calls."""

    def __init__(self, data):
        self.data, self.calls = data, 0

    def __call__(self) -> bytes:
        self.calls += 1
        return draw(NAME, self.data)


def test_a_miss_draws_and_keeps_a_hit_does_not_draw(cache, data):
    make = Counting(data)
    first = figure_cache.cached("pdf", NAME, data, make)
    assert make.calls == 1 and first == draw(NAME, data)
    assert [p.suffix for p in cache.iterdir()] == [".pdf"]
    assert figure_cache.cached("pdf", NAME, data, make) == first and make.calls == 1
    assert figure_cache.kept_pdf(NAME, data) == first
    assert figure_cache.pdf(NAME, data) == first


def test_the_key_is_every_datum_the_format_and_the_extra(cache, data):
    other = dict(data, labels=["f", "f'"])
    entries = {figure_cache.entry("pdf", NAME, data), figure_cache.entry("png", NAME, data),
               figure_cache.entry("pdf", NAME, other), figure_cache.entry("pdf", "x", data),
               figure_cache.entry("pdf", NAME, data, ("poppler 1",)),
               figure_cache.entry("pdf", NAME, data, ("poppler 2",))}
    assert len(entries) == 6
    figure_cache.pdf(NAME, data)
    assert figure_cache.kept_pdf(NAME, other) is None


@pytest.mark.parametrize("damage", [lambda b: b[: len(b) // 2], lambda b: b"",
                                    lambda b: b"junk" + b, lambda b: b.replace(b"%%EOF", b"%%EOX")])
def test_a_truncated_or_corrupt_entry_is_a_miss_and_is_replaced(cache, data, damage):
    good = figure_cache.pdf(NAME, data)
    path = figure_cache.entry("pdf", NAME, data)
    path.write_bytes(damage(good))
    assert figure_cache.kept_pdf(NAME, data) is None
    make = Counting(data)
    assert figure_cache.cached("pdf", NAME, data, make) == good and make.calls == 1
    assert path.read_bytes() == good


def test_png_entries_are_checked_whole(cache):
    png = figure_cache.PNG_SIGNATURE + b"data" + figure_cache.PNG_END
    path = figure_cache.entry("png", "x", {})
    assert figure_cache.cached("png", "x", {}, lambda: png) == png and path.read_bytes() == png
    path.write_bytes(png[:-3])
    assert figure_cache.load(path, "png") is None
    assert not figure_cache.whole("png", b"%PDF-1.4 %%EOF") and not figure_cache.whole("pdf", png)


def test_bytes_that_are_not_whole_are_not_kept(cache):
    assert figure_cache.cached("pdf", "x", {}, lambda: b"%PDF-1.4 cut") == b"%PDF-1.4 cut"
    assert not cache.exists() or not list(cache.iterdir())


def test_off_keeps_nothing(monkeypatch, data):
    monkeypatch.setenv("HANDOUTS_CACHE", "off")
    make = Counting(data)
    figure_cache.cached("pdf", NAME, data, make)
    figure_cache.cached("pdf", NAME, data, make)
    assert make.calls == 2 and figure_cache.entry("pdf", NAME, data) is None


def test_an_unwritable_folder_leaves_the_cache_off_silently(tmp_path, monkeypatch, data):
    blocked = tmp_path / "a-file"     # a folder under a file cannot be made, not even by root
    blocked.write_text("")
    monkeypatch.setenv("HANDOUTS_CACHE", str(blocked / "cache"))
    make = Counting(data)
    assert figure_cache.cached("pdf", NAME, data, make) == draw(NAME, data)
    figure_cache.cached("pdf", NAME, data, make)
    assert make.calls == 2 and blocked.read_text() == ""


def test_a_hit_makes_an_entry_recently_used(cache, data):
    figure_cache.pdf(NAME, data)
    path = figure_cache.entry("pdf", NAME, data)
    os.utime(path, (1000, 1000))
    figure_cache.kept_pdf(NAME, data)
    assert path.stat().st_mtime > 1000


def test_the_fingerprint_covers_the_drawing_code_and_the_fonts():
    from derive.documents.plotting import font_paths
    assert figure_cache.fingerprint() is not None
    assert "documents/figures.py" in figure_cache.DRAWING and len(font_paths()) == 4


CHECK = """
import os, sys
from derive.cli import main
forks = []
real_fork = os.fork
os.fork = lambda: forks.append(1) or real_fork()
assert main(["report", "--out", sys.argv[1]]) == 0
print("matplotlib" in sys.modules, len(forks))
"""


def test_a_report_whose_figures_all_hit_imports_no_matplotlib(tmp_path):
    env = {**os.environ, "HANDOUTS_CACHE": str(tmp_path / "cache")}
    run = [sys.executable, "-c", CHECK, str(tmp_path / "out")]
    first = subprocess.run(run, env=env, check=True, capture_output=True, text=True)
    assert first.stdout.split()[-1] == "1"      # the drawing process, which keeps the figures
    assert any((tmp_path / "cache" / figure_cache.FOLDER).iterdir())
    second = subprocess.run(run, env=env, check=True, capture_output=True, text=True)
    assert second.stdout.split()[-2:] == ["False", "0"]
