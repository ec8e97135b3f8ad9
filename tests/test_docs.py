"""The README's sample pages: they exist, and docs/pages.py finds them in a handout."""

import re
import runpy
from pathlib import Path

from derive.documents.assignment_build import build_assignment
from derive.problem.config import Config
from derive.problem.reference import reference_assignment

ROOT = Path(__file__).resolve().parents[1]


def test_the_readme_shows_pages_that_exist():
    images = re.findall(r'<img src="(docs/[^"]+\.png)"', (ROOT / "README.md").read_text())
    assert len(images) == 2
    for image in images:
        assert (ROOT / image).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", image


def test_pages_finds_each_sample_page(tmp_path):
    pages = runpy.run_path(str(ROOT / "docs" / "pages.py"))
    build_assignment(reference_assignment(), Config(), tmp_path)  # as `make report`
    assert pages["main"](str(tmp_path / "handout.pdf"), str(tmp_path)) == 0
    for name, _ in pages["PAGES"]:
        assert (tmp_path / f"{name}.png").stat().st_size > 10_000


def test_assignments_md_lists_every_richness_constraint_with_its_default():
    from derive.variants.richness import RICHNESS
    text = (ROOT / "docs" / "ASSIGNMENTS.md").read_text().split("## Richness", 1)[1]
    rows = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|", text, re.M))
    assert set(rows) == {r.name for r in RICHNESS}
    for r in RICHNESS:
        default = "on" if r.default is True else \
            f"[{r.default[0]}, {r.default[1]}]" if isinstance(r.default, tuple) else f"{r.default:g}"
        assert rows[r.name].strip() == default, r.name
