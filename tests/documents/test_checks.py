"""The sanity checks under each gradient: computed honestly, stated only when
true (the instances of tests/explain_cases.py)."""

import re

import numpy as np
import pytest

from derive.documents import checks
from derive.problem.config import Config
from derive.documents.numbers import Formatter
from tests.schema_1.solve import solve
from derive.problem.spec import REFERENCE
from tests.factories import varied
from tests import explain_cases
from tests.documents.test_explain import _z1


@pytest.fixture(scope="module")
def cases():
    return explain_cases.reference_instances(60, seed=7)


def _checks(ctx: dict, number: int) -> list[str]:
    """The check lines under question ``number``'s gradient."""
    return [line for part in ctx["parts"] for q in part["questions"] if q["number"] == number
            for b in q["blocks"] if b["type"] == "checks" for line in b["lines"]]


@pytest.mark.parametrize("grad, avoid, expected", [
    ([[1, -3], [2, 0]], (), (0, 1)),
    ([[1, -3], [2, 0]], (1,), (1, 0)),
    ([[0, 0], [0, 0]], (0,), (0, 1)),
    ([[0, 0], [0, 0]], (0, 1), (0, 0)),   # every column avoided: the largest anyway
    ([[2, -2]], (), (0, 0)),               # ties: the first
])
def test_largest_entry(grad, avoid, expected):
    assert checks.largest_entry(grad, avoid) == expected


def test_finite_differences_match_every_gradient():
    # 100 unconstrained instances: the largest entry of ∇W NLLM, ∂ℓ/∂W² and ∂ℓ/∂W¹
    # (away from the ReLU kink) against a central difference of the loss
    ps = varied(100, seed=11)
    for p, s in zip(ps, solve(ps)):
        pl, pn, net = p.softmax_layer, p.network, s.network
        args = (pn.network, pn.x, [pn.W1, pn.W2], [pn.b1, pn.b2], pn.y)
        kinks = [j for j, v in enumerate(net.z1) if v == 0]
        fds = [checks.finite_difference(pl.network, pl.x, [pl.W], [pl.b], pl.y, 0, s.layer.dL_dW),
               checks.finite_difference(*args, 1, net.dL_dW2),
               checks.finite_difference(*args, 0, net.dL_dW1, avoid=kinks)]
        for fd in fds:
            assert fd.difference <= 1e-6 * max(1.0, abs(fd.gradient)), (p, fd)
        assert fds[2].col not in kinks or len(kinks) == len(net.z1)


def test_row_sums_and_zero_lines():
    assert checks.row_sums([[0.25, -0.25], [1, -1]]) == 0
    assert checks.zero_lines([[1, 0, 0], [2, 0, 0.5]], [1], 1)
    assert not checks.zero_lines([[1, 0, 0], [2, 0, 0.5]], [1, 2], 1)
    assert checks.zero_lines([[0, 0], [1, 2]], [0], 0)


def test_a_disagreement_at_the_kink_says_why():
    fd = checks.FiniteDifference(0, 0, 1e-5, 0.5, 0.0)
    f = Formatter(4)
    text = checks.fd_check(f, fd, "1", 3, kink=True)
    assert "they disagree" in text and "sits at the kink" in text
    assert "kink" not in checks.fd_check(f, fd, "1", 3, kink=False)
    agree = checks.FiniteDifference(0, 0, 1e-5, 0.25 + 1e-12, 0.25)
    assert "they agree" in checks.fd_check(f, agree, "1", 3, kink=True)
    assert "kink" not in checks.fd_check(f, agree, "1", 3, kink=True)


def _number(text: str) -> float:
    mantissa, _, exponent = text.partition(r" \times 10^")
    return float(mantissa + (f"e{exponent.strip('{}')}" if exponent else ""))


def test_every_printed_check_is_true(cases):
    for p, _, key, ctx in cases:
        a = key["answers"]
        grads = {"q6": np.asarray(a["q6"]), "q12": np.asarray(a["q12"]["grad"]),
                 "q13": np.asarray(a["q13"]["grad"])}
        inactive = {j for j, v in enumerate(_z1(p or REFERENCE)) if not v > 0}
        for q, grad in grads.items():
            items = _checks(ctx, int(q[1:]))
            rows = [s for s in items if s.startswith("Each row sums to 0")]
            if q != "q13":
                # softmax: the rows of the key's gradient sum to 0 up to rounding
                assert rows, (p, q)
                assert np.all(np.abs(grad.sum(axis=1)) <= 1e-12 * max(1, np.abs(grad).max()))
            else:
                assert not rows
            zero = [s for s in items if "exactly 0." in s]
            if q == "q6" or not inactive:
                assert not zero, (p, q)
            else:
                units = re.search(r"units? ([\d, and]+) (?:is|are)", zero[0]).group(1)
                named = {int(d) - 1 for d in re.findall(r"\d+", units)}
                assert named == inactive, (p, q, zero)
                lines = grad[sorted(inactive), :] if q == "q12" else grad[:, sorted(inactive)]
                assert np.all(lines == 0), (p, q)
            (fd,) = [s for s in items if s.startswith("Finite difference")]
            m = re.search(r"_\{(\d)(\d)\}", fd)
            row, col = int(m.group(1)) - 1, int(m.group(2)) - 1
            entry = re.search(r"\\partial w[^$]*\}\} (?:\\approx|=) "
                              r"(-?[\d.]+(?: \\times 10\^\{-?\d+\})?)\$", fd)
            assert np.isclose(_number(entry.group(1)), grad[row, col], rtol=1e-3, atol=1e-3)
            assert abs(grad[row, col]) == np.abs(grad).max() or q == "q13"
            assert "they agree" in fd, (p, q, fd)


def test_checks_are_printed_under_each_gradient():
    from tests.regenerate_golden import golden_sources
    tex = golden_sources()["handout.tex"]
    assert tex.count(r"{\sffamily\footnotesize\bfseries\color{muted}Checks}") == 3
    assert "Checks" not in golden_sources()["problems.tex"]
    assert Config().documents.mistakes  # the default handout shows the panel too
