"""The reasoning of the numeric solutions of the reference assignment as
`handouts report` builds it (derive/assignments/reference.toml): the sentences
chosen by the numbers say what the numbers say, on the reference and on
unconstrained instances of it (dead units, zero inputs, kinks); the handout
shows the reasoning; exact values print exactly, never −0. (The sentences of
each kind have their own tests of every alternative: test_worked*.py.)"""

import re
from fractions import Fraction

import numpy as np
import pytest

from derive.documents.assignment_build import render_assignment
from derive.documents.checks import numbered
from derive.documents.explain import activity, loss_change, shapes
from derive.documents.numbers import Formatter
from derive.numerics.key import build_assignment_key
from derive.problem.assignment import SHIPPED, load_assignment
from derive.problem.config import Config
from derive.problem.spec import REFERENCE
from tests.explain_cases import reference_instances


@pytest.fixture(scope="module")
def cases():
    """(params or None, assignment, key, {question number: its solution's text})
    of the reference and 80 unconstrained instances of it."""
    return [(p, a, key, {q["number"]: " ".join(b.get("text", "") for b in q["blocks"])
                         for part in ctx["parts"] for q in part["questions"]})
            for p, a, key, ctx in reference_instances(80, seed=7)]


# --------------------------------------------------------------------------
# independent numbers: exact fractions, not derive.numerics


def _exact(values):
    return np.array([[Fraction(str(v)) for v in row] for row in np.atleast_2d(values)], object)


def _z1(p, W1=None):
    W1 = _exact(p.network.W1 if W1 is None else W1)
    x, b1 = _exact(p.network.x)[0], _exact(p.network.b1)[0]
    return [sum(W1[k, j] * x[k] for k in range(len(x))) + b1[j] for j in range(len(b1))]


def _units(sentence: str, state: str) -> set[int]:
    """The 0-based units a sentence says are in ``state`` ("active", "off")."""
    m = re.search(rf"((?:Units?|units?) [\d, and]+) (?:is|are) {state}", sentence)
    if m is None:
        return set()
    return {int(d) - 1 for d in re.findall(r"\d+", m.group(1))}


# --------------------------------------------------------------------------
# small pieces


@pytest.mark.parametrize("indices, expected", [
    ([2], "unit 3"), ([2, 3], "units 3 and 4"), ([0, 1, 3], "units 1, 2 and 4")])
def test_units_are_numbered_from_1(indices, expected):
    assert numbered(indices, "unit") == expected


def test_shapes_of_a_product():
    assert shapes((2, 1), (1, 3)) == r"2 \times 1 \cdot 1 \times 3 \to 2 \times 3"
    assert shapes((4, 2), (2, 1)) == r"4 \times 2 \cdot 2 \times 1 \to 4 \times 1"


def test_a_loss_that_rises_is_called_an_overshoot():
    f = Formatter(4)
    assert "rises" in loss_change(f, 0.25, 0.5) and "overshoots" in loss_change(f, 0.25, 0.5)
    assert "overshoot." in loss_change(f, 0.25, 0.5, steps=2)
    assert "falls" in loss_change(f, 0.5, 0.25) and "rises" not in loss_change(f, 0.5, 0.25)
    assert "stays" in loss_change(f, 0.5, 0.5)


def test_activity_sentences():
    assert activity([1, 2]) == r"Every hidden unit is active ($z^{1} > 0$)."
    assert activity([0, -1]) == r"Every hidden unit is off ($z^{1} \leq 0$)."
    assert _units(activity([3, 0, -1, 2]), "active") == {0, 3}
    assert _units(activity([3, 0, -1, 2]), "off") == {1, 2}


# --------------------------------------------------------------------------
# the sentences on every instance


def test_the_cases_cover_every_alternative(cases):
    texts = [t[10] for *_, t in cases]
    assert any(_units(t, "off") for t in texts) and any(_units(t, "active") for t in texts)
    assert any("Every hidden unit is active" in t for t in texts)
    assert any("Every hidden unit is off" in t for t in texts)


def test_active_units_are_the_ones_with_positive_z1(cases):
    for p, a, _, texts in cases:
        z1 = _z1(p or REFERENCE)
        on = {j for j, v in enumerate(z1) if v > 0}
        text = texts[10]
        if "Every hidden unit is active" in text:
            assert on == set(range(len(z1))), p
        elif "Every hidden unit is off" in text:
            assert not on, p
        else:
            assert _units(text, "active") == on, (p, text)
            assert _units(text, "off") == set(range(len(z1))) - on, (p, text)


def _loss_words(sentence: str) -> str:
    return "falls" if "falls" in sentence else "rises" if "rises" in sentence else "stays"


def test_the_loss_falls_or_rises_as_the_numbers_say(cases):
    from derive.numerics.solve import solve_part
    seen = set()
    for p, a, _, texts in cases:
        sol = solve_part(a.parts[1])  # the softmax layer: question 8 is its step
        loss, loss_new = float(sol.loss), float(sol.after.loss)
        if not np.isclose(loss, loss_new, rtol=1e-9, atol=0):
            word = "falls" if loss_new < loss else "rises"
            assert _loss_words(texts[8]) == word, (p, texts[8])
            seen.add(word)
    assert "falls" in seen


# --------------------------------------------------------------------------
# the handout


@pytest.fixture(scope="module")
def handout_text(tmp_path_factory):
    from derive.documents.assignment_build import build_assignment
    from tests.documents.test_build import text_of
    out = tmp_path_factory.mktemp("explain")
    build_assignment(load_assignment("reference"), Config(), out)
    return " ".join(text_of(out / "handout.pdf").split())


def _section(text: str, q: int) -> str:
    start = text.index(f"Question {q} ")
    end = text.find(f"Question {q + 1} ", start)
    return text[start:end if end > 0 else text.index("Summary of the answers")]


@pytest.mark.parametrize("q, words", [
    (6, ["2 × 1 · 1 × 3 → 2 × 3", "Each row sums to 0", "Finite difference in the largest entry",
         "they agree", "Common mistakes"]),
    (7, ["the most probable class is class 2, the target"]),
    (8, ["the loss indeed falls, from ℓ ≈ 0.4076 to ℓnew ≈ 0.2582"]),
    (9, ["≈ 0.7725", "≈ 0.0900", "≈ 0.0684"]),
    (10, ["Units 1 and 2 are active", "units 3 and 4 are off"]),
    (11, ["3.775 × 10−11"]),
    (12, ["4 × 1 · 1 × 2 → 4 × 2", "The rows of the inactive units 3 and 4 are exactly 0",
          "Finite difference"]),
    (13, ["4 × 2 · 2 × 1 → 4 × 1", "2 × 1 · 1 × 4 → 2 × 4",
          "The columns of the inactive units 3 and 4 are exactly 0"]),
])
def test_each_solution_shows_its_reasoning(handout_text, q, words):
    section = _section(handout_text, q).replace("\u2212", "−").replace("-", "−")
    for w in words:
        assert w.replace("-", "−") in section, (q, w)


# --------------------------------------------------------------------------
# exact values exactly, never −0


NEGATIVE_ZERO = re.compile(r"(?<![\d.])-0(?:\.0+)?(?![\d.])")
PADDED = re.compile(r"(?<![\d.])-?\d+\.\d*0(?![\d])")


@pytest.fixture(scope="module")
def sources(cases):
    """The .tex sources of the shipped assignments and 20 instances of the reference."""
    instances = [load_assignment(name) for name in SHIPPED] + [a for _, a, *_ in cases[1:21]]
    return [(a.name, name, tex) for a in instances
            for name, tex in render_assignment(a, build_assignment_key(a), Config()).items()]


def test_no_number_prints_as_minus_zero(sources):
    for where in sources:
        for line in where[2].splitlines():
            assert not NEGATIVE_ZERO.search(line), (*where[:2], line)


def test_a_padded_number_is_on_a_line_that_says_approx(sources):
    # a padded number (3.0000) is a rounded one: its line says \approx; an exact
    # one is printed short
    padded = 0
    for where in sources:
        for line in where[2].splitlines():
            if PADDED.search(line):
                padded += 1
                assert r"\approx" in line, (*where[:2], line)
    assert padded  # the test saw rounded numbers
