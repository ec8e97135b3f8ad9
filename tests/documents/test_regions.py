"""The decision regions' windows: each searched once per instance and kept,
the same as computed afresh."""

import numpy as np

from derive.documents.regions import (COARSE, candidate_windows, class_grid_of, first_window,
                                      part_params, part_window)
from derive.numerics.solve import solve_part
from derive.problem.assignment import load_assignment


def _regions_part():
    a = load_assignment("reference")
    part = next(p for p in a.parts if p.given is not None and p.network.n_inputs == 2
                and p.step_params and p.network.layers[-1].activation == "softmax")
    return part, solve_part(part)


def test_candidate_windows_are_kept_and_are_the_networks_predictions():
    part, sol = _regions_part()
    before, after = part_params(part, sol)
    first = list(candidate_windows(part.network, part.given.x, before, after))
    again = list(candidate_windows(part.network, list(part.given.x),
                                   [[np.asarray(W) for W in before[0]], list(before[1])], after))
    assert all(w is v for w, v in zip(first, again))   # the same numbers: kept
    for win in first:
        for params, grid in ((before, win.before), (after, win.after)):
            assert not grid.flags.writeable
            assert np.array_equal(grid, class_grid_of(part.network, *params, win.r, COARSE))
    # (equal, not the same object: another test may have asked for this part's window
    # earlier, and its candidates have left the cache since)
    shown, chosen = part_window(part, sol), first_window(first)
    assert shown.r == chosen.r and shown.classes == chosen.classes
    assert np.array_equal(shown.before, chosen.before) and np.array_equal(shown.after, chosen.after)
    assert part_window(part, sol) is shown   # kept: a build asks twice


def test_other_weights_are_other_windows():
    part, sol = _regions_part()
    before, after = part_params(part, sol)
    W1 = np.asarray(before[0][0], float) * -1
    other = ([W1, *before[0][1:]], before[1])
    a = next(candidate_windows(part.network, part.given.x, before, after))
    b = next(candidate_windows(part.network, part.given.x, other, after))
    assert a is not b and not np.array_equal(a.before, b.before)


def test_the_plots_grids_are_computed_once_and_read_only():
    from derive.documents.regions import GRID, part_regions
    part, sol = _regions_part()
    first, again = part_regions(part, sol), part_regions(part, sol)
    before, after = part_params(part, sol)
    for name, params in (("before", before), ("after", after)):
        assert first[name] is again[name] and not first[name].flags.writeable
        assert np.array_equal(first[name],
                              class_grid_of(part.network, *params, first["r"], GRID))
