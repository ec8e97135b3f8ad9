"""Decision regions: the class a network predicts at each point of its
input plane, before and after the step, and the window of the plane worth
showing (searched once per instance).

Any network with 2 inputs and a classifying output has them: a softmax
output predicts its largest entry, a one-unit sigmoid output class 1 where
a > 0.5 (z > 0) and class 0 below. :func:`part_regions` finds them for a part
of an assignment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Any, Iterable, Iterator, Sequence

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


def classifies(network) -> bool:
    """Whether a network's output names a class at each point: a softmax, or
    a one-unit sigmoid with labels 0 and 1 (the loss nll; class 1 where a > 0.5)."""
    out = network.layers[-1]
    return out.activation == "softmax" or (out.activation == "sigmoid" and out.size == 1
                                           and network.loss == "nll")


def class_names(network) -> list[str]:
    """The classes a grid's values 0, 1, … stand for, as the sheets name them:
    a softmax's from class 1 (classes count from 1); a one-unit sigmoid's by
    its label y, label 0 (a < 0.5) and label 1."""
    out = network.layers[-1]
    if out.size == 1:
        return ["label 0", "label 1"]
    return [f"class {k + 1}" for k in range(out.size)]


def scores(z_out: np.ndarray) -> np.ndarray:
    """Scores whose largest entry is the predicted class, from the output
    layer's pre-activations (classes first): a softmax's zᴸ, for a one-unit
    sigmoid (0, zᴸ), so that class 1 wins where z > 0."""
    z_out = np.asarray(z_out, float)
    return np.concatenate([np.zeros_like(z_out), z_out]) if len(z_out) == 1 else z_out


def predicted(s: np.ndarray) -> np.ndarray:
    """The class with the largest score (0-based), :data:`TIE` where the two
    largest are equal."""
    ranked = np.sort(s, axis=0)
    return np.where(ranked[-1] > ranked[-2], np.argmax(s, axis=0), TIE)


def class_grid_of(network, Ws: Sequence, bs: Sequence, r: float, size: int) -> np.ndarray:
    """The class ``network`` with weights ``Ws`` and biases ``bs`` predicts
    (0-based, :func:`class_names`) at each point of a ``size`` × ``size``
    grid over [−r, r]² (rows: x₂ upwards); :data:`TIE` where the scores tie
    (where every hidden ReLU is off and the output biases are equal, a
    whole region ties)."""
    from derive.numerics.evaluate import forward_network
    u = np.linspace(-r, r, size)
    X1, X2 = np.meshgrid(u, u)
    pts = np.stack([X1.ravel(), X2.ravel()])
    zs, _ = forward_network(network, pts, [np.asarray(W, float)[..., None] for W in Ws],
                            [np.asarray(b, float)[:, None] for b in bs])
    return predicted(scores(zs[-1])).reshape(X1.shape)


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


def candidate_windows(network, x, before, after) -> Iterator[Window]:
    """The candidate windows of the regions plot around the input ``x``,
    smallest first, each computed when asked for (and kept: a build asks
    again for the last when none shows a boundary; its grids are
    read-only); ``before`` and ``after`` are the (weights, biases) of the
    network before and after the step."""
    params = _key({"before": before, "after": after})
    for r in nice_windows(x):
        yield _window(network, params, r)


def _key(data) -> str:
    """Numbers (NumPy arrays, tuples) as a key: JSON keeps every float exactly."""
    return json.dumps(data, default=lambda v: np.asarray(v).tolist())


@lru_cache(maxsize=64)
def _window(network, params: str, r: float) -> Window:
    data = json.loads(params)
    return _read_only(Window(r, class_grid_of(network, *data["before"], r, COARSE),
                             class_grid_of(network, *data["after"], r, COARSE),
                             len(class_names(network))))


def first_window(candidates: Iterable[Window]) -> Window | None:
    """The first window that shows a boundary (two classes,
    :func:`shown_classes`) in both panels, else the first that shows one in
    either; ``None`` when none does."""
    first_one = None
    for win in candidates:
        shown = [len(shown_classes(g, win.classes)) > 1 for g in (win.before, win.after)]
        if all(shown):
            return win
        if any(shown) and first_one is None:
            first_one = win
    return first_one


def _read_only(win: Window | None) -> Window | None:
    if win is not None:
        for grid in (win.before, win.after):
            grid.setflags(write=False)
    return win


# --------------------------------------------------------------------------
# A part of an assignment


def has_regions(part) -> bool:
    """Whether a part can have a regions figure: given data, 2 inputs, a
    classifying output (:func:`classifies`) and a step to compare with."""
    return (part.given is not None and part.network.n_inputs == 2
            and classifies(part.network) and bool(part.step_params))


def part_params(part, sol) -> tuple[tuple, tuple]:
    """(weights, biases) of a part's network before and after its step."""
    L = len(part.network.layers)
    return ((list(part.given.W), list(part.given.b)),
            ([sol.new[f"W{l}"] for l in range(1, L + 1)], [sol.new[f"b{l}"] for l in range(1, L + 1)]))


def part_window(part, sol) -> Window | None:
    """The regions' window of a part (:func:`first_window` of its
    :func:`candidate_windows`); ``None`` without regions (:func:`has_regions`)
    or a boundary. Kept by what it depends on: a build asks twice (the
    figure's data, its caption); its grids are read-only."""
    if not has_regions(part):
        return None
    before, after = part_params(part, sol)
    return _part_window(part.network, _key({"x": part.given.x, "before": before, "after": after}))


@lru_cache(maxsize=64)
def _part_window(network, inputs: str) -> Window | None:
    data = json.loads(inputs)
    return first_window(candidate_windows(network, data["x"], data["before"], data["after"]))


def part_regions(part, sol) -> dict[str, Any] | None:
    """The decision regions of a part before and after its step on the
    window of :func:`part_window` (``None`` when there is none): the half
    side ``r``, both grids, the input ``point`` and the :func:`class_names`."""
    win = part_window(part, sol)
    if win is None:
        return None
    before, after = _grids(part.network, _key(part_params(part, sol)), win.r)
    return {"r": win.r, "before": before, "after": after,
            "point": np.asarray(part.given.x, float), "classes": class_names(part.network)}


@lru_cache(maxsize=16)
def _grids(network, params: str, r: float) -> tuple[np.ndarray, np.ndarray]:
    # the plot's grids, before and after the step (kept: the PDF figure and the
    # PNG of the LMS questions draw the same; read-only)
    out = tuple(class_grid_of(network, *ps, r, GRID) for ps in json.loads(params))
    for grid in out:
        grid.setflags(write=False)
    return out


def uniform_class_of(network, Ws, bs, r: float) -> int | None:
    """The class a piecewise-affine network predicts at every point of
    [−r, r]², exactly, or ``None`` when it predicts more than one there (or
    the network is not one layer, or one ReLU layer and an output, where this
    cannot be decided so). The scores are affine on each cell that the hidden
    units' lines cut the square into, so a class wins everywhere if and only
    if it wins, strictly, at every corner of every cell: the crossings of
    those lines and the square's sides inside the square."""
    Ws, bs = [np.asarray(W, float) for W in Ws], [np.asarray(b, float) for b in bs]
    if len(Ws) > 2 or (len(Ws) == 2 and network.layers[0].activation != "relu"):
        return None
    # lines n · x = c: each hidden unit's kink, and the square's four sides
    lines = [(Ws[0][:, j], -bs[0][j]) for j in range(Ws[0].shape[1])
             if len(Ws) == 2 and Ws[0][:, j].any()]
    lines += [(np.array(n, float), c) for n in ((1, 0), (0, 1)) for c in (-r, r)]
    corners = []
    for (n1, c1), (n2, c2) in combinations(lines, 2):
        A = np.array([n1, n2])
        if abs(np.linalg.det(A)) > 1e-12:
            p = np.linalg.solve(A, [c1, c2])
            if np.all(np.abs(p) <= r * (1 + 1e-12)):
                corners.append(p)
    a = np.array(corners).T
    for l, (W, b) in enumerate(zip(Ws, bs)):
        a = W.T @ a + b[:, None]
        a = np.maximum(a, 0) if l < len(Ws) - 1 else a
    top = predicted(scores(a))
    return int(top[0]) if len(set(top.tolist())) == 1 and top[0] != TIE else None
