"""Figures: vector PDFs, reproducible, one set per instance, set in the
document's font at its size, labels that collide with nothing (matplotlib's
own extents, over 200 variants), a regions window that shows a boundary,
matplotlib imported only to draw."""

import pickle
import re
import subprocess
import sys
from itertools import combinations

import numpy as np
import pytest

from derive.documents import plotting
from derive.documents.figures import build_figure, draw
from derive.documents.kind_figures import assignment_figures, question_figures, regions_question
from derive.documents.network_figure import NODE_R, network_layout, overlap
from derive.documents.regions import class_grid_of, part_window, shown_classes
from derive.numerics.solve import solve_part
from derive.problem.assignment import load_assignment
from tests.documents.reference_variants import COUNT, part, reference_variants

CHUNKS = 4


def _plans(assignment, solutions) -> dict[str, tuple[str, dict]]:
    """Every figure of an instance: path -> (name, data), as the build draws them."""
    return assignment_figures(assignment, solutions)


@pytest.fixture(scope="module")
def reference():
    ref = load_assignment("reference")
    return ref, {p.id: solve_part(p) for p in ref.parts if p.given is not None}


@pytest.fixture(scope="module")
def plans(reference):
    return _plans(*reference)


def _named(plans, name, part_no=None):
    """The data of the figures called ``name`` (``network``: the part
    ``part_no``'s, counted from 1)."""
    if name == "network":
        return plans[f"figures/part-{part_no}-network.pdf"][1]
    return [d for n, d in plans.values() if n == name]


@pytest.fixture(scope="module")
def variants200():
    return reference_variants()


def test_figures_are_reproducible_vector_pdfs(plans):
    for path, (name, data) in plans.items():
        first, second = draw(name, data), draw(name, data)
        assert first.startswith(b"%PDF") and first == second, path
        assert b"CreationDate" not in first


def test_figure_data_is_plain_and_picklable(plans):
    # drawing runs in another process: its input must cross a process boundary
    again = pickle.loads(pickle.dumps(plans))
    for path, (name, data) in plans.items():
        assert draw(name, again[path][1]) == draw(name, data), path


def _fonts(pdf: bytes) -> set[str]:
    return {m.decode() for m in re.findall(rb"/BaseFont /(?:[A-Z]{6}\+)?([\w-]+)", pdf)}


def test_figures_are_set_in_the_documents_palatino(plans):
    palatino = {"URWPalladioL-Roma", "URWPalladioL-Ital", "URWPalladioL-Bold", "Rpxmi"}
    for name, pdf in ((name, draw(name, data)) for name, data in plans.values()):
        fonts = _fonts(pdf)
        # nothing else: no DejaVu, no STIX or Computer Modern fallback glyph
        assert "URWPalladioL-Roma" in fonts and fonts <= palatino, (name, fonts)
    # the σ of the sigmoid plot is the Greek of pxfonts, not a sans-serif one
    [sigmoid] = [data for name, data in plans.values()
                 if name == "activation" and "sigma" in data["labels"][0]]
    assert "Rpxmi" in _fonts(draw("activation", sigmoid))


def _texts(fig):
    from matplotlib.text import Text
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def test_labels_are_at_the_documents_small_sizes_and_figures_fit_the_page(plans):
    for name, data in plans.values():
        with plotting.style():
            fig = build_figure(name, data)
            sizes = {t.get_fontsize() for t in _texts(fig)}
        # \footnotesize and \small of the 11 pt document
        assert sizes <= {9.0, 10.0}, (name, sizes)
        width, height = fig.get_size_inches()
        assert width <= plotting.MAX_WIDTH and height < 4, name


def test_a_missing_font_names_its_package():
    # an OSError with the file name: the command line prints it as one line
    with pytest.raises(FileNotFoundError, match="texlive-fonts-recommended") as e:
        plotting.font_path("no-such-font.pfb")
    assert e.value.filename == "no-such-font.pfb" and "\n" not in str(e.value)


# --------------------------------------------------------------------------
# No colliding labels: matplotlib's own extents


def _extents(fig):
    """Every text's box (its bbox patch where it has one), the legends' boxes,
    the bars', and the figure's, in display units after a layout pass."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw_without_rendering()
    legends = fig.legends + [ax.get_legend() for ax in fig.axes if ax.get_legend()]
    in_legend = {id(t) for leg in legends for t in leg.get_texts()}
    texts = [((t.get_bbox_patch() or t).get_window_extent(renderer), t.get_text())
             for t in _texts(fig) if id(t) not in in_legend]
    bars = [p.get_window_extent(renderer) for ax in fig.axes for p in ax.patches]
    return texts, [leg.get_window_extent(renderer) for leg in legends], bars, fig.bbox


def _apart(a, b, tol=0.5) -> bool:
    return a.x1 <= b.x0 + tol or b.x1 <= a.x0 + tol or a.y1 <= b.y0 + tol or b.y1 <= a.y0 + tol


def collisions(fig) -> list[str]:
    """What collides in a figure: two labels, a label and a legend or a bar
    (a bar's value sits above its bar, touching none), or anything outside
    the figure."""
    texts, legends, bars, frame = _extents(fig)
    out = [f"{s!r} on {t!r}" for (a, s), (b, t) in combinations(texts, 2) if not _apart(a, b)]
    out += [f"{s!r} on the legend" for a, s in texts for leg in legends if not _apart(a, leg)]
    out += [f"{s!r} on a bar" for a, s in texts for bar in bars if not _apart(a, bar)]
    boxes = [(a, s) for a, s in texts] + [(leg, "legend") for leg in legends]
    out += [f"{s!r} outside" for a, s in boxes
            if a.x0 < -0.5 or a.y0 < -0.5 or a.x1 > frame.x1 + 0.5 or a.y1 > frame.y1 + 0.5]
    return out


def test_collisions_are_seen():
    # the test's own check: a label on another, on a bar, and off the figure
    from matplotlib.figure import Figure
    with plotting.style():
        fig = Figure(figsize=(2, 2))
        ax = fig.add_subplot()
        ax.bar([0], [0.5])
        ax.set_ylim(0, 1)
        ax.text(0, 0.8, "one")
        ax.text(0, 0.8, "two")
        ax.text(0, 0.3, "on the bar")
        ax.text(1.4, 0.5, "far off to the right")
        found = collisions(fig)
    assert any("'one' on 'two'" in c for c in found)
    assert any("on the bar" in c and "on a bar" in c for c in found)
    assert any("far off" in c and "outside" in c for c in found)


@pytest.mark.parametrize("chunk", range(CHUNKS))
def test_no_label_collides_over_200_variants(variants200, chunk):
    found = []
    for k, v, sols in variants200[chunk::CHUNKS]:
        for path, (name, data) in _plans(v, sols).items():
            if name in ("probabilities", "regions"):
                with plotting.style():
                    found += [f"{k} {path}: {c}" for c in collisions(build_figure(name, data))]
            # the network drawings: their layout (measured with matplotlib's text
            # metrics) keeps every label and node apart; test_network_layout_is_what_is_drawn
            # checks that the drawn extents are the layout's
            if name == "network":
                lay = network_layout(data["weights"], data["biases"], data.get("width", 3.4))
                boxes = lay.boxes()
                found += [f"{k} {path}: boxes {a} and {b}"
                          for a, b in combinations(boxes, 2) if overlap(a, b)]
                found += [f"{k} {path}: {b} outside" for b in boxes
                          if min(b[:2]) < 0 or b[2] > lay.width or b[3] > lay.height]
    assert not found, found[:10]


def test_the_reference_figures_collide_nowhere(plans):
    for path, (name, data) in plans.items():
        with plotting.style():
            assert not collisions(build_figure(name, data)), path


def test_network_layout_is_what_is_drawn(variants200):
    # the layout's boxes hold the drawn labels (matplotlib's extents) and nodes
    for k, v, sols in variants200[:12]:
        for path, (name, d) in _plans(v, sols).items():
            if name != "network":
                continue
            lay = network_layout(d["weights"], d["biases"], d.get("width", 3.4))
            with plotting.style():
                fig = build_figure(name, d)
                texts, _, _, frame = _extents(fig)
            assert abs(frame.width / fig.dpi - lay.width) < 1e-9
            drawn = {s: [] for _, s in texts}
            for box, s in texts:
                drawn[s].append([v / fig.dpi for v in (box.x0, box.y0, box.x1, box.y1)])
            nodes = [u for layer in d["labels"] for u in layer]
            reserved = lay.boxes()
            for box, text in [(b, s) for s, bs in drawn.items() for b in bs]:
                tol = 0.01  # inches
                assert any(r[0] - tol <= box[0] and box[2] <= r[2] + tol and r[1] - tol <= box[1]
                           and box[3] <= r[3] + tol for r in reserved), (k, path, text)
            assert len(texts) == len(lay.labels) + len(lay.biases) + len(nodes)


@pytest.mark.parametrize("sizes", [(2, 4, 2), (2, 3), (3, 5, 3), (2, 6, 3), (4, 6, 4)])
def test_network_labels_keep_clear_of_other_labels_and_nodes(sizes):
    rng = np.random.default_rng(sum(sizes))
    weights = [rng.integers(-3, 4, (m, n)).astype(float) for m, n in zip(sizes, sizes[1:])]
    biases = [rng.integers(-2, 3, n).astype(float) for n in sizes[1:]]
    lay = network_layout(weights, biases)
    assert len(lay.labels) == sum(W.size for W in weights)
    assert lay.width <= plotting.MAX_WIDTH
    assert not any(overlap(a, b) for a, b in combinations(lay.boxes(), 2))
    # every label sits on its own edge, nearer the source than the target
    for (x0, y0, x1, y1, _), (x, y, _) in zip(lay.edges, lay.labels):
        t = (x - x0) / (x1 - x0)
        assert 0 < t < 0.7 and np.isclose(y, y0 + t * (y1 - y0))
    # a bias sits above its own unit, clear of it
    for (x, y, _), (nx, ny) in zip(lay.biases, lay.nodes[sizes[0]:]):
        assert x == nx and y > ny + NODE_R


def test_a_bias_never_reads_as_one_with_an_edge_label():
    # "w₀ = −1" ran into the edge label "1" beside it ("w₀ = −1 1")
    from derive.documents.network_figure import GAP, label_box
    lay = network_layout([np.ones((2, 4)), -np.ones((4, 2))], [-np.ones(4), np.zeros(2)])
    for bx, by, bias in lay.biases:
        for x, y, text in lay.labels:
            assert not overlap(label_box(bx, by, bias, 0.0), label_box(x, y, text), GAP * 0.99)


# --------------------------------------------------------------------------
# The notation: inputs, units and classes counted from 1


def test_figure_labels_count_from_1(plans):
    assert _named(plans, "network", 2)["labels"] == [["$x_{1}$", "$x_{2}$"],
                                                    ["$a^1_{1}$", "$a^1_{2}$", "$a^1_{3}$"]]
    assert _named(plans, "network", 3)["labels"][2] == ["$a^2_{1}$", "$a^2_{2}$"]
    # the reference: target class 2 (y = [0, 1, 0]), the question asks for class 3
    [probabilities] = _named(plans, "probabilities")
    assert probabilities["ticks"] == ["class 1", "class 2\n(target)", "class 3\n(asked)"]
    regions = _named(plans, "regions")[-1]  # the network's
    assert regions["classes"] == ["class 1", "class 2"]
    assert regions["marker"] == "input $x$ (target: class 2)"
    assert regions["tie"] == ""  # no tie in the reference's regions


def test_bar_values_are_printed_by_the_formatter(plans):
    assert _named(plans, "probabilities")[0]["values"] == ["0.24", "0.67", "0.09"]
    from derive.documents.figures import _as_text
    assert _as_text(r"5 \times 10^{-3}") == r"$5 \times 10^{-3}$" and _as_text("-1.5") == "\u22121.5"


# --------------------------------------------------------------------------
# The decision regions


def test_regions_are_the_networks_predictions(reference, plans):
    data = _named(plans, "regions")[-1]
    # the input is class 2 (index 1) after the update (a² ≈ [0.12, 0.88])
    r, grid = data["r"], data["after"]
    x = np.asarray(part(reference[0], "network").given.x, float)
    ij = np.rint((x + r) / (2 * r) * (grid.shape[0] - 1)).astype(int)
    assert grid[ij[1], ij[0]] == 1
    assert r == 20 and data["tick_labels"] == ["\u221210", "0", "10"]


def test_the_regions_window_shows_a_boundary_over_200_variants(variants200):
    """Before: a window of 1.5 max|x| gave 13.5 % of these variants a regions
    plot of one colour in both panels. Now the window grows (×1, 2, 4, 8)
    until both panels show a boundary (between classes, or a class and a tie);
    where none shows in either panel at ×8 there is no figure."""
    both = one = omitted = 0
    for k, v, sols in variants200:
        p, sol = part(v, "network"), sols["network"]
        win = part_window(p, sol)
        if win is None:
            omitted += 1
            assert "regions" not in question_figures(p, regions_question(p), sol)
            continue
        shown = [len(shown_classes(g, win.classes)) > 1 for g in (win.before, win.after)]
        assert any(shown), k  # never one colour in both panels
        both += all(shown)
        one += not all(shown)
    assert both >= 0.85 * COUNT and omitted <= 0.1 * COUNT, (both, one, omitted)


def test_matplotlib_is_imported_only_to_draw():
    code = ("import sys, derive.documents.build, derive.documents.figures, derive.documents.captions, "
            "derive.documents.kind_figures; "
            "assert 'matplotlib' not in sys.modules, 'imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_label_avoids_edges_that_cross_its_own_where_it_can(plans):
    from derive.documents.network_figure import crosses, label_box
    assert crosses((0, 0, 2, 2), (0.9, 0.9, 1.1, 1.1))
    assert not crosses((0, 0, 2, 0), (0.9, 0.1, 1.1, 0.3))
    assert not crosses((0, 0, 0.5, 0.5), (0.9, 0.9, 1.1, 1.1))
    # the reference softmax layer: every label clear of every other edge
    d = _named(plans, "network", 2)
    lay = network_layout(d["weights"], d["biases"])
    for i, (x, y, text) in enumerate(lay.labels):
        others = [e[:4] for k, e in enumerate(lay.edges) if k != i]
        assert not any(crosses(e, label_box(x, y, text)) for e in others), text


@pytest.mark.parametrize("b2, W2, activation, expected", [
    ((1.0, 0.0), [[1, 0], [1, 0]], "relu", 0),    # class 1 wins by at least 1 everywhere
    ((0.0, 0.0), [[1, 0], [1, 0]], "relu", None),  # all units off (x₁ < 0): outputs tie
    ((0.5, 0.0), [[0, 1], [0, 1]], "relu", None),  # class 2 where x₁ > 0.5: a boundary
    ((1.0, 0.0), [[1, 0], [1, 0]], "sigmoid", None),  # not piecewise affine: undecided
])
def test_uniform_class_is_decided_exactly(b2, W2, activation, expected):
    from derive.documents.regions import uniform_class_of
    from derive.problem.spec import Layer, Network
    net = Network(2, (Layer(2, activation), Layer(2, "softmax")), "nllm")
    W1 = [[1.0, 1.0], [0.0, 0.0]]  # both units see x₁
    assert uniform_class_of(net, [W1, W2], [(0.0, -1.0), b2], 3.0) == expected


def test_ties_are_drawn_as_no_class():
    from derive.documents.regions import TIE
    from derive.problem.spec import Layer, Network
    net = Network(2, (Layer(4, "relu"), Layer(2, "softmax")), "nllm")
    # equal output biases, and (biases −1) every hidden unit off below x₁ + x₂ = 1
    grid = class_grid_of(net, [[[1.0, 1, 1, 1], [1, 1, 1, 1]], [[1.0, 0], [1, 0], [1, 0], [1, 0]]],
                         [[-1.0] * 4, [0.0, 0.0]], 4.0, 9)
    assert (grid == TIE).any() and (grid == 0).any() and not (grid == 1).any()


def test_ties_are_named_only_where_they_show():
    # a speck of tied cells on a boundary (14 of 57,600 in variant s7-1) is
    # not a region: neither the legend nor the caption names ties then
    from derive.documents.regions import MIN_SHARE, TIE, ties_show
    grid = np.zeros((240, 240), int)
    grid[0, :14] = TIE
    assert not ties_show((grid, np.ones_like(grid)), 2)
    grid[:3, :] = TIE  # 1.25 % of the panel
    assert 3 / 240 >= MIN_SHARE and ties_show((np.ones_like(grid), grid), 2)


def test_the_regions_ticks_are_matplotlibs_without_matplotlib():
    # every window nice_windows can give (and some it cannot), against MaxNLocator
    from matplotlib.ticker import MaxNLocator

    from derive.documents.figures import TICK_STEPS, _axis_ticks
    from derive.documents.regions import NICE, ZOOMS
    locator = MaxNLocator(5, steps=list(TICK_STEPS))
    for exp in range(-4, 6):
        for r in (float(f"{z * m}e{exp}") for m in NICE + (10,) for z in ZOOMS + (3, 1.7)):
            assert _axis_ticks(r) == [float(t) for t in locator.tick_values(-r, r) if -r < t < r], r


@pytest.mark.parametrize("f", ["sigmoid", "tanh", "relu", "identity"])
def test_each_activations_legend_stands_where_it_covers_no_curve(f):
    # the fixed corner is matplotlib's "best" for these curves, and no point of them is under it
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from derive.documents.kind_figures import activation_data
    data = activation_data(f)
    boxes = []
    with plotting.style():
        for at in (data["legend_at"], "best"):
            fig = build_figure("activation", dict(data, legend_at=at))
            FigureCanvasAgg(fig).draw()
            ax = fig.axes[0]
            boxes.append(ax.get_legend().get_window_extent().extents)
            for ys in (data["f"], data["df"]):
                points = ax.transData.transform(np.c_[data["z"], ys])
                x0, y0, x1, y1 = boxes[-1]
                x, y = points.T
                assert not ((x > x0) & (x < x1) & (y > y0) & (y < y1)).any(), (f, at)
    assert np.allclose(*boxes), f
