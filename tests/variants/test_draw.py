"""Drawing a part's data from its grids: every drawn number from its grid
(a layer's grid before the shared one), labels by the loss, given numbers
kept where there is no grid, the same stream giving the same candidates."""

from dataclasses import replace

import numpy as np
import pytest

from derive.problem.assignment import Grid, load_assignment
from derive.variants.draw import draw_part, varies

NAMES = ("reference", "tanh-mse", "sigmoid-softmax", "logistic")


def _rng(seed=3):
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0, 0)))


def _varying_parts(name: str) -> list:
    """The parts of a shipped assignment that have variants."""
    return [part for part in load_assignment(name).parts if varies(part)]


def _grid_values(part, name):
    grid = part.grid(name)
    return None if grid is None else set(grid.values)


@pytest.mark.parametrize("name", NAMES)
def test_every_drawn_number_is_from_its_grid_or_given(name):
    for part in _varying_parts(name):
        datas = draw_part(_rng(), part, 200)
        assert len(datas) == 200
        for l in range(len(part.network.layers)):
            for group in ("W", "b"):
                param = f"{group}{l + 1}"
                values = _grid_values(part, param)
                drawn = np.array([np.ravel(d.param(param)) for d in datas])
                if values is None:
                    assert (drawn == np.ravel(part.given.param(param))).all()
                else:
                    assert set(drawn.ravel().tolist()) <= values
                    # a grid of more than one value is used: 200 draws see most of it
                    assert len(set(drawn.ravel().tolist())) >= min(len(values), 2)
        for field in ("x", "lr"):
            values = _grid_values(part, field)
            drawn = [v for d in datas for v in np.ravel(getattr(d, field))]
            assert set(drawn) <= (values if values is not None else set(np.ravel(
                getattr(part.given, field)).tolist()))


@pytest.mark.parametrize("name", NAMES)
def test_labels_follow_the_loss(name):
    for part in _varying_parts(name):
        ys = np.array([d.y for d in draw_part(_rng(), part, 300)], float)
        n = part.network.layers[-1].size
        if part.network.loss == "nllm":
            assert (ys.sum(axis=1) == 1).all() and set(ys.ravel()) == {0.0, 1.0}
            assert set(ys.argmax(axis=1)) == set(range(n))   # every class is drawn
        elif part.network.loss == "nll":
            assert set(ys.ravel()) == {0.0, 1.0}
        else:
            values = _grid_values(part, "y")
            assert set(ys.ravel()) <= (values or set(part.given.y))


def test_a_layer_grid_overrides_the_shared_one_and_missing_grids_keep_given():
    part = _varying_parts("tanh-mse")[0]
    part = replace(part, variants=(("W", Grid((-1, 1))), ("W2", Grid((7,)))))
    for d in draw_part(_rng(), part, 50):
        assert set(np.ravel(d.W[0]).tolist()) <= {-1, 1}
        assert set(np.ravel(d.W[1]).tolist()) == {7}
        assert d.b == part.given.b and d.x == part.given.x and d.lr == part.given.lr
        assert d.y == part.given.y    # mse without a y grid keeps the given target


def test_the_same_stream_draws_the_same_candidates_as_exact_grid_numbers():
    part = _varying_parts("sigmoid-softmax")[0]
    first, again = draw_part(_rng(5), part, 40), draw_part(_rng(5), part, 40)
    assert first == again
    assert draw_part(_rng(6), part, 40) != first
    # plain Python numbers, as the file wrote them: printed exactly
    for d in first:
        for v in (*np.ravel(d.W[0]).tolist(), *d.x, d.lr):
            assert type(v) in (int, float)
        assert all(type(v) is int for v in d.y)
        assert all(type(v) in (int, float) for row in d.W[0] for v in row)


def test_parts_without_grids_or_data_do_not_vary():
    a = load_assignment("reference")
    assert [varies(p) for p in a.parts] == [False, True, True]
    part = a.parts[1]
    assert not varies(replace(part, variants=()))
