"""The network drawing's label placement, scored for every place along every
edge at once: the same verdicts and the same places as one label, one place
and one edge at a time (the scalar definitions below, written out here as the
oracle)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.documents import plotting
from derive.documents.network_figure import (EDGE_T, GAP, _place_labels, crossings, label_box,
                                             overlap, overlaps)

# small integers and halves: segments parallel to an axis, boxes touching an end
coord = st.integers(-8, 8).map(lambda v: v / 2)
segment = st.tuples(coord, coord, coord, coord)
box = st.tuples(coord, coord, coord, coord).map(
    lambda b: (min(b[0], b[2]), min(b[1], b[3]), max(b[0], b[2]), max(b[1], b[3])))


def _crosses(seg, b) -> bool:
    """Liang–Barsky, one segment and one box, returning as soon as it knows."""
    x0, y0, x1, y1 = seg
    dx, dy = x1 - x0, y1 - y0
    lo, hi = 0.0, 1.0
    for p, q in ((-dx, x0 - b[0]), (dx, b[2] - x0), (-dy, y0 - b[1]), (dy, b[3] - y0)):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            lo = max(lo, t)
        else:
            hi = min(hi, t)
        if lo > hi:
            return False
    return True


def _place_one_at_a_time(edges, blocked):
    """The first place along each edge with the least (labels near, edges through)."""
    placed, out, crowded = list(blocked), [], 0
    for i, (x0, y0, x1, y1, text) in enumerate(edges):
        others = [e[:4] for k, e in enumerate(edges) if k != i]
        best = None
        for t in EDGE_T:
            x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
            b = label_box(x, y, text)
            score = (sum(overlap(b, p, GAP) for p in placed), sum(_crosses(e, b) for e in others))
            if best is None or score < best[0]:
                best = (score, x, y, b)
        crowded += best[0][0] > 0
        placed.append(best[3])
        out.append((float(best[1]), float(best[2])))
    return out, crowded


@settings(max_examples=300, deadline=None)
@given(st.lists(segment, min_size=1, max_size=5), st.lists(box, min_size=1, max_size=5))
def test_crossings_gives_every_pair_the_scalar_verdict(segments, boxes):
    got = crossings(np.array(segments, float), np.array(boxes, float))
    assert got.tolist() == [[_crosses(s, b) for s in segments] for b in boxes]


@settings(max_examples=200, deadline=None)
@given(st.lists(box, min_size=1, max_size=4), st.lists(box, max_size=4),
       st.sampled_from([0.0, 0.5]))
def test_overlaps_counts_the_scalar_overlaps(boxes, others, gap):
    got = overlaps(np.array(boxes, float), np.array(others, float).reshape(-1, 4), gap)
    assert got.tolist() == [sum(overlap(b, o, gap) for o in others) for b in boxes]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(-2, 2), st.integers(-2, 2),
                          st.sampled_from(["0.5", "\u22121.25", "3"])), min_size=1, max_size=9),
       st.lists(st.tuples(st.integers(0, 6), st.integers(-3, 3)), max_size=4))
def test_labels_go_where_one_at_a_time_puts_them(layers, nodes):
    # edges between three columns of units 0.62 in apart, crowded on purpose
    edges = [(a * 1.1, y0 * 0.62, (a + 1) * 1.1, y1 * 0.62, text) for a, y0, y1, text in layers]
    blocked = [(x * 0.4 - 0.17, y * 0.62 - 0.17, x * 0.4 + 0.17, y * 0.62 + 0.17) for x, y in nodes]
    with plotting.style():
        got = _place_labels(edges, blocked)
        want = _place_one_at_a_time(edges, blocked)
    assert got == want
