"""PNG figures: each the figure's PDF rasterised by pdftoppm (the PDF the
documents show, not drawn again), 64 colours, reproducible, kept in the
figure cache; a variant's worker draws each figure once."""

import io
import math
import os
import re

import pytest
from PIL import Image

from derive.documents import figure_cache
from derive.documents.figures import draw
from derive.documents.kind_figures import assignment_figures
from derive.numerics.solve import solve_part
from derive.problem.assignment import load_assignment
from derive.variants import lms_figures


@pytest.fixture(scope="module")
def plans():
    ref = load_assignment("reference")
    return ref, assignment_figures(ref, {p.id: solve_part(p) for p in ref.parts
                                         if p.given is not None})


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOUTS_CACHE", str(tmp_path / "cache"))
    lms_figures._CACHE.clear()
    yield tmp_path / "cache" / figure_cache.FOLDER
    lms_figures._CACHE.clear()


def _size_of(pdf: bytes) -> tuple[int, int]:
    """A one-page PDF's size in pixels at the PNGs' DPI (pdftoppm rounds up), from its MediaBox."""
    box = [float(v) for v in re.search(rb"/MediaBox \[([^\]]+)\]", pdf)[1].split()]
    return tuple(math.ceil((hi - lo) * lms_figures.DPI / 72) for lo, hi in zip(box[:2], box[2:]))


def test_each_png_is_its_pdf_rasterised(plans, monkeypatch):
    monkeypatch.setenv("HANDOUTS_CACHE", "off")
    for path, (name, data) in plans[1].items():
        pdf = draw(name, data)
        lms_figures._CACHE.clear()
        png = lms_figures.png(name, data, pdf)
        image = Image.open(io.BytesIO(png))
        assert png.startswith(figure_cache.PNG_SIGNATURE) and image.mode == "P", path
        assert len(image.getcolors()) <= lms_figures.COLOURS and image.size == _size_of(pdf), path
        assert not image.info.keys() - {"transparency"}    # no metadata
        lms_figures._CACHE.clear()
        assert lms_figures.png(name, data, pdf) == png == lms_figures.rasterise(pdf), path


def test_a_png_of_a_pdf_at_hand_draws_nothing(plans, cache, monkeypatch):
    name, data = plans[1]["figures/part-2-network.pdf"]
    pdf = draw(name, data)
    monkeypatch.setattr(figure_cache, "pdf", lambda *a: pytest.fail("drawn again"))
    assert lms_figures.png(name, data, pdf) == lms_figures.rasterise(pdf)


def test_without_a_pdf_the_png_is_of_the_cached_pdf_and_kept(plans, cache, monkeypatch):
    name, data = plans[1]["figures/part-2-network.pdf"]
    png = lms_figures.png(name, data)
    assert png == lms_figures.rasterise(draw(name, data))
    assert sorted(p.suffix for p in cache.iterdir()) == [".pdf", ".png"]
    lms_figures._CACHE.clear()
    monkeypatch.setattr(lms_figures, "rasterise", lambda pdf: pytest.fail("rasterised again"))
    assert lms_figures.png(name, data) == png


def test_a_missing_pdftoppm_is_one_line(plans, monkeypatch):
    monkeypatch.setenv("HANDOUTS_CACHE", "off")
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(FileNotFoundError, match="poppler-utils") as e:
        lms_figures.rasterise(b"%PDF-1.4\n%%EOF")
    assert "\n" not in str(e.value)


def test_a_pdf_pdftoppm_cannot_read_is_an_oserror():
    with pytest.raises(OSError, match="pdftoppm failed"):
        lms_figures.rasterise(b"not a pdf")


def test_a_variant_draws_each_figure_once(cache, monkeypatch):
    from derive.documents import figures
    from derive.problem.config import Config
    from derive.variants.recipes import AssignmentRecipe, build_assignment_variant
    recipe = AssignmentRecipe.of(load_assignment("reference"), Config())
    key = recipe.keys(5, 1)[0]
    from derive.documents import kind_figures
    drawn, planned = [], []
    real, plan = figures.draw, kind_figures.assignment_figures
    monkeypatch.setattr(figures, "draw", lambda name, data: drawn.append(name) or real(name, data))
    monkeypatch.setattr(kind_figures, "assignment_figures",
                        lambda *a, **k: planned.append(1) or plan(*a, **k))
    files = build_assignment_variant(recipe.assignment, key, Config())
    pdfs = [p for p in files if p.startswith("figures/")]
    assert len(drawn) == len(pdfs) == 6 and files["lms.json"]
    assert len(planned) == 1    # each figure's data computed once, for its PDF and its PNG
    assert os.path.isdir(cache)
