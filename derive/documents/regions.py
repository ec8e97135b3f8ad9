"""The decision regions of the reference network: the class predicted at each
point of the input plane, before and after the step, and the window of the
plane worth showing (searched once per instance).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Any, Iterator

import numpy as np

TIE = -1            # on a class grid: the two largest outputs are equal
GRID = 240      # points per axis of the decision-region plots
COARSE = 96     # points per axis when choosing their window
# The regions' window is [−r, r]² with r = ZOOMS[i] times the least NICE
# number ≥ 1.5 max(|x|, 1): the first that shows a boundary in both panels,
# else in one. None within 8 times (the input then sits in the middle eighth
# of the square, its neighbourhood a few pixels): no figure, and a sentence
# says what the network predicts instead (derive.documents.captions.no_regions_note):
# two flat colours would only repeat that sentence, in half a page.
ZOOMS = (1, 2, 4, 8)
NICE = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8)
MIN_SHARE = 0.005   # a class shows in a panel when it covers this much of it


def class_grid(pn, W1, W2, r: float, size: int) -> np.ndarray:
    """The class the network predicts (0-based) at each point of a
    ``size`` × ``size`` grid over [−r, r]² (rows: x₂ upwards); :data:`TIE`
    where the two largest outputs are equal (where every hidden unit is off
    and the output biases are equal, a whole region ties)."""
    from derive.numerics.evaluate import forward_network
    u = np.linspace(-r, r, size)
    X1, X2 = np.meshgrid(u, u)
    pts = np.stack([X1.ravel(), X2.ravel()])
    _, (_, a2) = forward_network(pn.network, pts,
                                 [np.asarray(W1, float)[..., None], np.asarray(W2, float)[..., None]],
                                 [np.asarray(pn.b1, float)[:, None], np.asarray(pn.b2, float)[:, None]])
    ranked = np.sort(a2, axis=0)
    cls = np.where(ranked[-1] > ranked[-2], np.argmax(a2, axis=0), TIE) if len(a2) > 1 \
        else np.zeros(a2.shape[1], int)
    return cls.reshape(X1.shape)


def shares(grid: np.ndarray, classes: int) -> np.ndarray:
    """The fraction of a grid each class covers, then the ties' fraction."""
    counts = np.bincount(grid.ravel() % (classes + 1), minlength=classes + 1)
    return counts / grid.size  # TIE (−1) counts last


def ties_show(grids, classes: int) -> bool:
    """Whether ties cover enough of any panel to be seen (:data:`MIN_SHARE`):
    only then do the legend and the caption name them."""
    return any(TIE in shown_classes(g, classes) for g in grids)


def shown_classes(grid: np.ndarray, classes: int) -> list[int]:
    """The classes (and :data:`TIE`) that cover at least :data:`MIN_SHARE` of a grid."""
    share = shares(grid, classes)
    return [int(k) if k < classes else TIE for k in np.flatnonzero(share >= MIN_SHARE)]


@dataclass(frozen=True)
class Window:
    """The regions' window [−r, r]² and, on a coarse grid over it, the class
    predicted at each point before and after the step (for choosing the
    window and for the caption's shares of it)."""

    r: float
    before: np.ndarray
    after: np.ndarray
    classes: int

    def shares(self, grid: np.ndarray) -> np.ndarray:
        """The fraction of the window each class covers (then the ties')."""
        return shares(grid, self.classes)


def nice_windows(x) -> list[float]:
    """Half sides of the regions' windows, largest last: :data:`ZOOMS` times the
    least of :data:`NICE` × 10^k that is at least 1.5 max(|x|, 1), each built
    from its decimal digits so that it prints short (20, 0.3, 1.2)."""
    v = 1.5 * max(float(np.abs(np.asarray(x, float)).max()), 1.0)
    exp = int(np.floor(np.log10(v)))
    m = next(m for m in NICE + (10,) if float(f"{m}e{exp}") >= v)
    return [float(f"{zoom * m}e{exp}") for zoom in ZOOMS]


def windows(key: dict) -> Iterator[Window]:
    """The candidate windows of the regions plot, smallest first, each
    computed when asked for (none for a network without 2 inputs)."""
    from derive.problem.spec import parse_params
    pn, ans = parse_params(key["params"]).network, key["answers"]
    if len(pn.x) != 2:
        return
    for r in nice_windows(pn.x):
        yield Window(r, class_grid(pn, pn.W1, pn.W2, r, COARSE),
                     class_grid(pn, ans["q13"]["W"], ans["q12"]["W"], r, COARSE), len(pn.b2))


def regions_window(key: dict) -> Window | None:
    """The regions' window: the first of :data:`ZOOMS` that shows a boundary
    (two classes, :func:`shown_classes`) in both panels, else the first that
    shows one in either; ``None`` when the network has not 2 inputs or
    neither panel shows a boundary in the largest window.

    Searched once per instance: a build asks for it three times (the figure
    names, the captions, the figure data), so it is kept by what it depends on
    (the params and the updated weights); its grids are read-only."""
    ans = key["answers"]
    return _regions_window(json.dumps({"params": key["params"], "q12": ans["q12"]["W"],
                                       "q13": ans["q13"]["W"]}, sort_keys=True,
                                      default=lambda v: np.asarray(v).tolist()))


@lru_cache(maxsize=64)
def _regions_window(inputs: str) -> Window | None:
    data = json.loads(inputs)
    key = {"params": data["params"],
           "answers": {"q12": {"W": data["q12"]}, "q13": {"W": data["q13"]}}}
    win = _search_window(key)
    if win is not None:
        for grid in (win.before, win.after):
            grid.setflags(write=False)
    return win


def _search_window(key: dict) -> Window | None:
    first_one = None
    for win in windows(key):
        shown = [len(shown_classes(g, win.classes)) > 1 for g in (win.before, win.after)]
        if all(shown):
            return win
        if any(shown) and first_one is None:
            first_one = win
    return first_one


def uniform_class(pn, W1, W2, r: float) -> int | None:
    """The class a ReLU network predicts at every point of [−r, r]², exactly,
    or ``None`` when it predicts more than one there (or the hidden layer is
    not ReLU, where this cannot be decided so). The outputs are affine on each
    cell that the hidden units' lines cut the square into, so a class wins
    everywhere if and only if it wins, strictly, at every corner of every cell:
    the crossings of those lines and the square's sides inside the square."""
    if pn.network.layers[0].activation != "relu":
        return None
    W1, W2 = np.asarray(W1, float), np.asarray(W2, float)
    b1, b2 = np.asarray(pn.b1, float), np.asarray(pn.b2, float)
    # lines n · x = c: each hidden unit's kink, and the square's four sides
    lines = [(W1[:, j], -b1[j]) for j in range(W1.shape[1]) if W1[:, j].any()]
    lines += [(np.array(n, float), c) for n in ((1, 0), (0, 1)) for c in (-r, r)]
    corners = []
    for (n1, c1), (n2, c2) in combinations(lines, 2):
        A = np.array([n1, n2])
        if abs(np.linalg.det(A)) > 1e-12:
            p = np.linalg.solve(A, [c1, c2])
            if np.all(np.abs(p) <= r * (1 + 1e-12)):
                corners.append(p)
    z2 = W2.T @ np.maximum(W1.T @ np.array(corners).T + b1[:, None], 0) + b2[:, None]
    top = np.argmax(z2, axis=0)
    runner_up = np.sort(z2, axis=0)[-2]
    if len(set(top.tolist())) == 1 and np.all(z2.max(axis=0) > runner_up):
        return int(top[0])
    return None


def regions_data(key: dict) -> dict[str, Any] | None:
    """The decision regions before and after the step on the window of
    :func:`regions_window` (``None`` when there is none): the window's half
    side ``r``, both grids, and the input."""
    from derive.problem.spec import parse_params
    win = regions_window(key)
    if win is None:
        return None
    pn, ans = parse_params(key["params"]).network, key["answers"]
    return {"r": win.r, "before": class_grid(pn, pn.W1, pn.W2, win.r, GRID),
            "after": class_grid(pn, ans["q13"]["W"], ans["q12"]["W"], win.r, GRID),
            "point": np.asarray(pn.x, float)}
