"""Figures: vector PDFs, reproducible, one set per instance."""

from derive.figures import FIGURES, draw_figures, sigmoid_pdf, write_figures
from derive.key import build_key


def test_figures_are_reproducible_vector_pdfs(tmp_path):
    key = build_key()
    first, second = draw_figures(key), draw_figures(key)
    assert set(first) == set(FIGURES)
    for name, data in first.items():
        assert data.startswith(b"%PDF") and data == second[name], name
        assert b"CreationDate" not in data
    paths = write_figures(key, tmp_path, prefix="v1-")
    assert paths["network"] == "figures/v1-network.pdf"
    assert (tmp_path / paths["regions"]).read_bytes() == first["regions"]


def test_sigmoid_figure_is_shared():
    assert sigmoid_pdf() is sigmoid_pdf()
