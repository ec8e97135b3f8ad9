"""The panel of common mistakes: each value is the mistake library's
recomputation for the instance, shown only where it differs from the answer."""

import numpy as np
import pytest

from derive.documents import panel
from derive.problem import precision
from derive.documents.build import render_documents
from derive.problem.config import Config, Documents
from derive.documents.context import build_context
from derive.documents.numbers import Formatter
from derive.documents.figures import FIGURES, figure_path
from derive.numerics.key import build_key, build_keys
from derive.numerics.mistakes import MISTAKES
from tests.factories import varied


@pytest.fixture(scope="module")
def keys():
    ps = varied(40, seed=5)
    return [build_key()] + build_keys(ps, [f"t{i}" for i in range(len(ps))])


def _differs(wrong, right) -> bool:
    w, r = np.asarray(wrong, float), np.asarray(right, float)
    return w.shape != r.shape or not np.all(np.isfinite(w)) or \
        not np.all(np.abs(w - r) <= precision.tolerance(r) * precision.SLACK)


def test_values_are_the_librarys_recomputation(keys):
    fmt = Formatter(4)
    for key in keys:
        shown = build_context(key, Config())["explain"]
        for m in MISTAKES:
            sheet = m.recompute(key)
            for q in panel.NUMERIC:
                rows = [r for r in shown[q]["mistakes"] if r["code"] == m.code]
                if q not in sheet:
                    assert not rows
                    continue
                wrong, right = sheet[q], key["answers"][q]
                if q == "q5":
                    wrong, right = wrong["value"], right["value"]
                if isinstance(right, dict):
                    expected = [panel.value(fmt, wrong[part]) for part in ("grad", "W")
                                if _differs(wrong[part], right[part])]
                    got = [r for row in rows for r in row["parts"]]
                    assert len(got) == len(expected), (key["variant"], m.code, q)
                    got = [g[len(g) - len(x):] if g.endswith(x) else g
                           for g, x in zip(got, expected)]
                else:
                    expected = [panel.value(fmt, wrong)] if _differs(wrong, right) else []
                    got = [r for row in rows for r in row["parts"]]
                assert got == expected, (key["variant"], m.code, q)


def test_the_reference_panel():
    e = build_context(build_key(), Config())["explain"]
    codes = {q: [r["code"] for r in e[q]["mistakes"]] for q in panel.NUMERIC}
    assert codes["q8"] == ["sign-flipped", "transposed", "ascent", "not-normalised"]
    assert "missing-relu-mask" in codes["q13"] and "updated-weights-in-backprop" in codes["q13"]
    assert codes["q10"] == []   # no mistake of the library changes a¹
    assert e["q8"]["mistakes"][2]["what"] == "The step went up the gradient"


def test_short_diagnosis_is_the_librarys_first_clause():
    for m in MISTAKES:
        assert m.tex.startswith(panel.short(m)) and ": " not in panel.short(m)


def test_an_overflow_is_said_not_printed():
    assert panel.value(Formatter(4), [1.0, np.inf]) == r"\text{overflows}"
    assert panel.value(Formatter(4), 0.5) == "= 0.5"


def test_the_switch_turns_the_panel_off():
    key = build_key()
    heading = "Common mistakes, on these numbers"
    figures = {name: figure_path(name) for name in FIGURES}
    on = render_documents(key, Config(), figures=figures)
    assert on["handout.tex"].count(heading) == 9 and heading not in on["problems.tex"]
    off = Config(documents=Documents(mistakes=False))
    assert all(not v["mistakes"] for q, v in build_context(key, off)["explain"].items()
               if q.startswith("q"))
    assert heading not in render_documents(key, off, figures=figures)["handout.tex"]
