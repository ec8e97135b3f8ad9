"""The figures' captions: what to see in each figure, as LaTeX, every clause
that depends on the numbers chosen by the numbers (so that no caption is
false on a variant) and every number printed by a
:class:`derive.documents.context.Formatter`.
"""

from __future__ import annotations

import numpy as np

from derive.documents.checks import numbered, series
from derive.documents.figures import class_name
from derive.documents.regions import (TIE, Window, regions_window, shown_classes, ties_show,
                                      uniform_class, windows)
from derive.documents.render import Latex
from derive.documents.numbers import Formatter, Given


ACTIVATION_NAMES = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh",
                    "identity": "identity", "softmax": "softmax"}


def _run(symbol: str, count: int) -> str:
    """``$x_1, x_2$``, or ``$x_1, \\dots, x_{n}$`` for more than three."""
    shown = [f"{symbol}_{{{i}}}" for i in range(1, count + 1)]
    if count > 3:
        shown = [shown[0], r"\dots", shown[-1]]
    return _m(", ".join(shown))


def _m(tex: str) -> str:
    return f"${tex}$"


def _value(fmt, v: float) -> str:
    """A computed number in prose: ``$0.5$``, or ``$\\approx 0.0066$`` when rounded."""
    return _m(fmt.number(v) if fmt.is_exact(v) else rf"\approx {fmt.number(v)}")


def _change(fmt, before: float, after: float) -> str:
    """How a number changed, in words: rises/falls from … to …, or stays."""
    if fmt.number(before) == fmt.number(after):
        return f"stays at {_value(fmt, before)}"
    verb = "rises" if after > before else "falls"
    return f"{verb} from {_value(fmt, before)} to {_value(fmt, after)}"


def sigmoid_caption(fmt) -> Latex:
    """The σ/σ′ plot: where σ′ peaks and how small it is where σ saturates."""
    from derive.documents.context import derivations
    from derive.numerics.evaluate import evaluate_sigmoid
    d = derivations()
    _, ds = evaluate_sigmoid(np.array([0.0, 5.0]))
    return Latex(
        f"The sigmoid {_m(d['sigmoid']['lhs'])} (solid) and its derivative "
        f"{_m(d['sigmoid_prime']['lhs'] + ' = ' + d['sigmoid_prime']['result'])} (dashed). "
        f"The slope is largest at $z = 0$, where it is {_value(fmt, ds[0])}; at $z = 5$ it is "
        f"only {_value(fmt, ds[1])}: a saturated unit passes almost no gradient back.")


def edge_legend(weights) -> str:
    """What the edges' colours say, naming only the kinds of weight present."""
    w = np.concatenate([np.ravel(W) for W in weights])
    kinds = [k for k, present in (("blue for positive", (w > 0).any()),
                                  ("red for negative", (w < 0).any()),
                                  ("dotted grey for zero", (w == 0).any())) if present]
    return f"{series(kinds)}; the thicker the edge, the larger the weight's magnitude"


def softmax_layer_caption(pl) -> Latex:
    """The softmax layer: what the edges and their labels are."""
    m, n = np.shape(pl.W)
    return Latex(
        f"The softmax layer: inputs {_run('x', m)} on the left, outputs "
        f"{_run('a', n)} on the right. The edge from $x_k$ to $a_j$ carries the "
        f"weight $w_{{kj}}$ ({edge_legend([pl.W])}), and the label above each output is "
        f"its bias $w_0$.")


def probabilities_caption(fmt, pl, lay) -> Latex:
    """The probabilities before and after the step: how the target's changed,
    and which of the other classes rose and which fell."""
    target = int(np.argmax(pl.y))
    a, a_new = np.asarray(lay.a, float), np.asarray(lay.a_new, float)
    others = [j for j in range(len(a)) if j != target]
    parts = [f"the target {class_name(target)}'s probability {_change(fmt, a[target], a_new[target])}"]
    parts += [f"{class_name(j)}'s {_change(fmt, a[j], a_new[j])}" for j in others]
    return Latex(
        "The probability of each class before the step (blue, $a$) and after it "
        f"(orange, $a_{{\\text{{new}}}}$): {'; '.join(parts)}.")


def network_caption(pn, sol) -> tuple[Latex, Latex]:
    """The network: what the edges are; and, for the worked solution only
    (it answers part of question 10), which hidden units the input turns on."""
    m1, n1, n2 = len(pn.x), len(pn.b1), len(pn.b2)
    acts = [layer.activation for layer in pn.network.layers]
    text = (f"The network: inputs {_run('x', m1)}, hidden units {_run('a^1', n1)} "
            f"({ACTIVATION_NAMES[acts[0]]}), outputs {_run('a^2', n2)} "
            f"({ACTIVATION_NAMES[acts[-1]]}). Each edge carries its weight $w^l_{{kj}}$ "
            f"({edge_legend([pn.W1, pn.W2])}); the label above each unit is its bias $w_0$.")
    solution = ""
    if acts[0] == "relu":
        mask = np.asarray(sol.network.mask, float) > 0
        on, off = np.flatnonzero(mask), np.flatnonzero(~mask)
        state = []
        if len(on):
            state.append(f"{numbered(on, 'unit')} {'is' if len(on) == 1 else 'are'} active ($z^1 > 0$)")
        if len(off):
            state.append(f"{numbered(off, 'unit')} {'is' if len(off) == 1 else 'are'} off")
        solution = f"For the given input, hidden {'; '.join(state)}."
    return Latex(text), Latex(solution)


def _where(a: np.ndarray) -> str:
    """Which class's region a point with outputs ``a`` lies in."""
    top = np.flatnonzero(a == a.max())
    if len(top) > 1:
        return f"where {series([class_name(int(j)) for j in top])} tie"
    return f"in {class_name(int(top[0]))}'s region"


def _moved(a: np.ndarray, a_new: np.ndarray) -> str:
    """Where the input lies before and after the step, in one sentence."""
    before, after = _where(a), _where(a_new)
    if before == after:
        return f"The input lies {before} both before and after the step."
    return f"Before the step the input lies {before}; after it, {after}."


def _percent(share: float) -> str:
    if 0 < share < 0.005:
        return "under $1\\,\\%$"
    if 0.995 <= share < 1:
        return "over $99\\,\\%$"
    return f"${Formatter(0).number(100 * share)}\\,\\%$"


def _predicts(v: int) -> str:
    """What a grid value of :func:`derive.documents.regions.class_grid` predicts."""
    return "no class (its outputs tie)" if v == TIE else class_name(v)


def _everywhere(pn, W1, W2, win: Window, grid) -> str | None:
    """``class k everywhere in the square`` when one value fills the (coarse)
    grid but for less than :data:`~derive.documents.regions.MIN_SHARE`: "everywhere"
    where :func:`derive.documents.regions.uniform_class` proves it, else "nearly
    everywhere"; ``None`` when the grid shows more than one."""
    shown = shown_classes(grid, win.classes)
    if len(shown) > 1:
        return None
    exact = uniform_class(pn, W1, W2, win.r) == shown[0]
    return f"{_predicts(shown[0])} {'everywhere' if exact else 'nearly everywhere'} in the square"


def _panels(key: dict, pn, win: Window):
    ans = key["answers"]
    return (("before", pn.W1, pn.W2, win.before),
            ("after", ans["q13"]["W"], ans["q12"]["W"], win.after))


def regions_caption(key: dict, pn, sol, win: Window | None) -> Latex | None:
    """The decision regions: where the input lies before and after the step,
    how the target class's region changed, a panel of one colour said in
    words, ties named; ``None`` when there is no regions figure."""
    if win is None:
        return None
    target = int(np.argmax(pn.y))
    a, a_new = np.asarray(sol.network.a2, float), np.asarray(key["answers"]["q14"], float)
    r = Given().number(win.r)
    text = [f"The class the network predicts at each point $(x_1, x_2)$ of the square "
            f"$[-{r}, {r}]^2$, before and after the step; the star is the input $x$, whose "
            f"target is {class_name(target)}. " + _moved(a, a_new)]
    for when, W1, W2, grid in _panels(key, pn, win):
        every = _everywhere(pn, W1, W2, win, grid)
        if every:
            text.append(f"{when.capitalize()} the step the network predicts {every}.")
    if ties_show((win.before, win.after), len(pn.b2)):
        text.append("Grey marks where the two largest outputs tie: no class is predicted there.")
    b, n = win.shares(win.before)[target], win.shares(win.after)[target]
    name = f"{class_name(target).capitalize()}'s region"
    if _percent(b) == _percent(n):
        text.append(f"{name} covers about {_percent(b)} of the square before and after.")
    else:
        verb = "grows" if n > b else "shrinks"
        text.append(f"{name} {verb} from about {_percent(b)} to about {_percent(n)} of the square.")
    return Latex(" ".join(text))


def no_regions_note(key: dict, win: Window | None) -> Latex | None:
    """Where a 2-input network shows no decision boundary in the largest
    window (so there is no regions figure), what it predicts there instead;
    ``None`` otherwise."""
    from derive.problem.spec import parse_params
    if win is not None:
        return None
    candidates = list(windows(key))
    if not candidates:
        return None
    win, pn = candidates[-1], parse_params(key["params"]).network
    r = Given().number(win.r)
    (_, *before), (_, *after) = _panels(key, pn, win)
    b, a = _everywhere(pn, *before[:2], win, before[2]), _everywhere(pn, *after[:2], win, after[2])
    square = f"$[-{r}, {r}]^2$ (which holds the input)"
    said = (f"both before and after the step the network predicts {b} {square}" if b == a else
            f"before the step the network predicts {b} {square}, and after it {a}")
    return Latex(f"No decision-regions figure: {said}; no decision boundary lies near "
                 "the input to be drawn.")


def figure_captions(key: dict, sol, fmt) -> dict[str, dict[str, Latex]]:
    """The caption of every figure of one instance, by figure name: its
    ``text``, and a ``solution`` sentence that only the worked solution shows
    (empty where there is none); ``no_regions``: :func:`no_regions_note`,
    where a 2-input network has no regions figure."""
    from derive.problem.spec import parse_params
    p = parse_params(key["params"])
    win = regions_window(key)
    network, network_solution = network_caption(p.network, sol)
    out = {"sigmoid": sigmoid_caption(fmt),
           "softmax_layer": softmax_layer_caption(p.softmax_layer),
           "probabilities": probabilities_caption(fmt, p.softmax_layer, sol.layer),
           "network": network, "regions": regions_caption(key, p.network, sol, win)}
    extra = {"network": network_solution}
    captions = {name: {"text": text, "solution": extra.get(name, Latex(""))}
                for name, text in out.items() if text is not None}
    note = no_regions_note(key, win)
    if note is not None:
        captions["no_regions"] = {"text": note, "solution": Latex("")}
    return captions
