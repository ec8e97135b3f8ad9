"""The edges of drawing a part's data: labels without a grid, targets from a
grid with every value drawn, grids mixing whole and decimal numbers (each
drawn number exactly as the file wrote it, int or float), and an input grid
of zeros only when inputs should be non-zero."""

from dataclasses import replace

import numpy as np

from derive.problem.assignment import Grid, load_assignment
from derive.variants.draw import draw_part


def _rng():
    return np.random.default_rng(np.random.SeedSequence(11, spawn_key=(0, 0)))


def _typed(values):
    """Each number with its type: 1 and 1.0 are different numbers to print."""
    return {(type(v), v) for v in values}


def _with_grids(name, **grids):
    part = load_assignment(name).parts[0]
    return replace(part, variants=tuple((k, Grid(v)) for k, v in grids.items()))


def test_binary_labels_are_drawn_without_a_grid():
    part = _with_grids("logistic", W=(-1, 1))          # nll, no y grid
    ys = {v for d in draw_part(_rng(), part, 100) for v in d.y}
    assert _typed(ys) == {(int, 0), (int, 1)}


def test_targets_come_from_their_grid_each_value_as_written():
    grid = (-0.5, 0.25, 2)                              # mse: a decimal and a whole number
    part = _with_grids("tanh-mse", W=(-1, 1), y=grid)
    ys = [v for d in draw_part(_rng(), part, 100) for v in d.y]
    assert _typed(ys) == _typed(grid)                   # every value drawn, 2 stays an int


def test_mixed_grids_keep_whole_numbers_whole():
    W, x = (-1, 0.5, 2), (0, 1, 2.5)
    part = _with_grids("logistic", W=W, x=x)
    for nonzero, inputs in [(False, x), (True, (1, 2.5))]:
        datas = draw_part(_rng(), part, 100, nonzero)
        assert _typed(v for d in datas for row in d.W[0] for v in row) == _typed(W)
        assert _typed(v for d in datas for v in d.x) == _typed(inputs)


def test_a_zero_only_input_grid_still_draws_its_zero():
    part = _with_grids("logistic", W=(-1, 1), x=(0,))
    datas = draw_part(_rng(), part, 10, nonzero_x=True)
    assert all(d.x == (0, 0) for d in datas)    # the nonzero_inputs check rejects them later
