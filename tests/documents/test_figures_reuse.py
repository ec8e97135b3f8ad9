"""Each kind's figure is made once per process and reused with only its
size, margins and data changed: the bytes of every figure are those of a
figure made anew, whatever was drawn before it (other sizes, other class
counts, ties or none)."""

import pytest

from derive.documents import plotting
from derive.documents.figures import draw
from derive.documents.kind_figures import assignment_figures
from derive.numerics.solve import solve_part
from derive.problem.assignment import load_assignment


@pytest.fixture(scope="module")
def plans():
    out = []
    for name in ("reference", "logistic", "sigmoid-softmax"):
        a = load_assignment(name)
        sols = {p.id: solve_part(p) for p in a.parts if p.given is not None}
        out += [(f"{name} {path}", kind, data)
                for path, (kind, data) in assignment_figures(a, sols).items() if kind != "activation"]
    return out


def test_a_reused_figure_gives_the_bytes_of_a_new_one(plans):
    assert {kind for _, kind, _ in plans} == {"network", "probabilities", "regions"}
    anew = {}
    for path, kind, data in plans:
        plotting._KEPT.clear()
        anew[path] = draw(kind, data)
    plotting._KEPT.clear()
    # every figure after every other kind and size: forwards, then backwards
    for path, kind, data in plans + plans[::-1]:
        assert draw(kind, data) == anew[path], path
    assert set(plotting._KEPT) == {"network", "probabilities", "regions"}
