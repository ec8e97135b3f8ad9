"""The figures' captions: what to see in each figure, as LaTeX, every clause
that depends on the numbers chosen by the numbers (so that no caption is
false on a variant) and every number printed by a
:class:`derive.documents.context.Formatter`.
"""

from __future__ import annotations

import numpy as np

from derive.documents.checks import numbered, series
from derive.documents.figures import class_name
from derive.documents.insights import change_verb
from derive.documents.regions import TIE, Window, shown_classes, ties_show, uniform_class_of
from derive.documents.render import Latex
from derive.documents.numbers import Formatter, Given


def _m(tex: str) -> str:
    return f"${tex}$"


def _value(fmt, v: float) -> str:
    """A computed number in prose: ``$0.5$``, or ``$\\approx 0.0066$`` when rounded."""
    return _m(fmt.number(v) if fmt.is_exact(v) else rf"\approx {fmt.number(v)}")


def _change(fmt, before: float, after: float) -> str:
    """How a number changed, in words: rises/falls from … to …, or stays."""
    verb = change_verb(fmt, before, after, "present")
    if verb == "stays":
        return f"stays at {_value(fmt, before)}"
    return f"{verb} from {_value(fmt, before)} to {_value(fmt, after)}"


def activation_caption(name: str, f_tex: str, df_tex: str, fmt, z, df, slope,
                       saturated: float) -> Latex:
    """An activation (``name`` in prose, ``f_tex`` its f(z)) and its
    derivative ``df_tex`` plotted over ``z`` (``df`` its values there,
    ``slope`` a function giving f′ anywhere), what to see chosen by the
    numbers: a slope the same everywhere; a slope that jumps at a kink (and
    the value taken there, the filled dot); else where the slope is largest
    and how small it is at ``saturated``."""
    z, df = np.asarray(z, float), np.asarray(df, float)
    head = f"{name[0].upper()}{name[1:]} ${f_tex}$ (solid) and its derivative ${df_tex}$ (dashed)."
    given = Given()
    jumps = activation_jumps(z, df)
    if np.ptp(df) == 0:
        said = (f"The slope is {_value(fmt, df[0])} everywhere: the unit passes the gradient "
                "back unchanged.")
    elif jumps:
        at, value, limit = jumps[0]
        kink = given.number(at)
        said = (f"The slope is {_value(fmt, df[z < at][-1])} for $z < {kink}$ and "
                f"{_value(fmt, limit)} for "
                f"$z > {kink}$; at the kink $z = {kink}$ it is taken to be {_value(fmt, value)} "
                "(the filled dot), as the frameworks have it")
        said += (f": a unit with $z \\le {kink}$ passes no gradient back." if value == 0 else ".")
    else:
        k = int(np.argmax(df))
        said = (f"The slope is largest at $z = {given.number(z[k])}$, where it is "
                f"{_value(fmt, df[k])}; at $z = {given.number(saturated)}$ it is only "
                f"{_value(fmt, slope(saturated))}: a saturated unit passes almost no gradient back.")
    return Latex(f"{head} {said}")


def activation_jumps(z, df) -> list[tuple[float, float, float]]:
    """Where a derivative sampled at ``z`` jumps (a kink): (z there, the value
    taken there, the value just after), by jumps of more than half its range."""
    steps = np.flatnonzero(np.abs(np.diff(df)) > 0.5 * np.ptp(df)) if np.ptp(df) else []
    return [(float(z[i]), float(df[i]), float(df[i + 1])) for i in steps]


def edge_legend(weights) -> str:
    """What the edges' colours say, naming only the kinds of weight present."""
    w = np.concatenate([np.ravel(W) for W in weights])
    kinds = [k for k, present in (("blue for positive", (w > 0).any()),
                                  ("red for negative", (w < 0).any()),
                                  ("dotted grey for zero", (w == 0).any())) if present]
    return f"{series(kinds)}; the thicker the edge, the larger the weight's magnitude"


def class_probabilities_caption(fmt, target: int, a, a_new) -> Latex:
    """The probabilities of a softmax output before and after the step: how
    the target's (0-based ``target``) changed, and which of the other classes
    rose and which fell."""
    a, a_new = np.asarray(a, float), np.asarray(a_new, float)
    others = [j for j in range(len(a)) if j != target]
    parts = [f"the target {class_name(target)}'s probability {_change(fmt, a[target], a_new[target])}"]
    parts += [f"{class_name(j)}'s {_change(fmt, a[j], a_new[j])}" for j in others]
    return Latex(
        "The probability of each class before the step (blue, $a$) and after it "
        f"(orange, $a_{{\\text{{new}}}}$): {'; '.join(parts)}.")


def hidden_states(layers) -> str:
    """Which units of each hidden ReLU layer the input turns on, by its
    pre-activations: ``layers`` is (l, zˡ) of each such layer. A unit is
    active when zˡ > 0; one exactly at the kink (zˡ = 0) is off, by the
    convention ReLU′(0) = 0, and says so; a layer with every unit off passes
    nothing on."""
    said = []
    for l, z in layers:
        on, off, kink = np.flatnonzero(z > 0), np.flatnonzero(z <= 0), np.flatnonzero(z == 0)
        where = f"in layer {l} " if len(layers) > 1 else "hidden "
        if not len(on):
            every = f"in layer {l} every unit" if len(layers) > 1 else "every hidden unit"
            said.append(f"{every} is off ($z^{l} \\le 0$), so $a^{{{l}}} = 0$ and "
                        f"nothing of $x$ passes this layer")
            continue
        state = [f"{where}{numbered(on, 'unit')} {'is' if len(on) == 1 else 'are'} active "
                 f"($z^{l} > 0$)"]
        if len(off):
            state.append(f"{numbered(off, 'unit')} {'is' if len(off) == 1 else 'are'} off")
        if len(kink):
            at = f"z^{{{l}}}_{{{kink[0] + 1}}}" if len(kink) == 1 else f"z^{{{l}}}_{{j}}"
            state[-1] += (f" ({numbered(kink, 'unit')} at the kink, ${at} = 0$, where ReLU$'$ "
                          "is 0 by convention)")
        said.append("; ".join(state))
    return f"For the given input, {'; '.join(said)}." if said else ""


def _where(a: np.ndarray, names=None) -> str:
    """Which class's region a point with outputs (or scores) ``a`` lies in;
    ``names`` (default: from class 1) name the classes."""
    names = names or [class_name(j) for j in range(len(a))]
    top = np.flatnonzero(a == a.max())
    if len(top) > 1:
        return f"where {series([names[int(j)] for j in top])} tie"
    return f"in {names[int(top[0])]}'s region"


def _moved(a: np.ndarray, a_new: np.ndarray, names=None) -> str:
    """Where the input lies before and after the step, in one sentence."""
    before, after = _where(a, names), _where(a_new, names)
    if before == after:
        return f"The input lies {before} both before and after the step."
    return f"Before the step the input lies {before}; after it, {after}."


def _percent(share: float) -> str:
    if 0 < share < 0.005:
        return "under $1\\,\\%$"
    if 0.995 <= share < 1:
        return "over $99\\,\\%$"
    return f"${Formatter(0).number(100 * share)}\\,\\%$"


def _everywhere(network, params, win: Window, grid, names) -> str | None:
    """``class k everywhere in the square`` when one value fills the (coarse)
    grid but for less than :data:`~derive.documents.regions.MIN_SHARE`:
    "everywhere" where :func:`derive.documents.regions.uniform_class_of`
    proves it, else "nearly everywhere"; ``None`` when the grid shows more
    than one. ``params``: the network's (weights, biases)."""
    shown = shown_classes(grid, win.classes)
    if len(shown) > 1:
        return None
    exact = uniform_class_of(network, *params, win.r) == shown[0]
    what = "no class (its outputs tie)" if shown[0] == TIE else names[shown[0]]
    return f"{what} {'everywhere' if exact else 'nearly everywhere'} in the square"


def regions_text(network, names, target: int, at_input, win: Window, params) -> Latex:
    """The decision regions of ``network`` (classes ``names``, the input's
    0-based ``target``): where the input lies before and after the step
    (``at_input``: its scores or outputs before and after), how the target
    class's region changed, a panel of one colour said in words, ties named;
    ``params``: the (weights, biases) before and after the step."""
    r = Given().number(win.r)
    text = [f"The class the network predicts at each point $(x_1, x_2)$ of the square "
            f"$[-{r}, {r}]^2$, before and after the step; the star is the input $x$, whose "
            f"target is {names[target]}. " + _moved(*at_input, names)]
    if network.layers[-1].size == 1:
        text.append("A one-unit sigmoid output predicts label 1 where $a > 0.5$ ($z > 0$) "
                    "and label 0 where $a < 0.5$.")
    for when, ps, grid in (("Before", params[0], win.before), ("After", params[1], win.after)):
        every = _everywhere(network, ps, win, grid, names)
        if every:
            text.append(f"{when} the step the network predicts {every}.")
    if ties_show((win.before, win.after), win.classes):
        text.append("Grey marks where the two largest outputs tie: no class is predicted there.")
    b, n = win.shares(win.before)[target], win.shares(win.after)[target]
    name = f"{names[target].capitalize()}'s region"
    if _percent(b) == _percent(n):
        text.append(f"{name} covers about {_percent(b)} of the square before and after.")
    else:
        verb = "grows" if n > b else "shrinks"
        text.append(f"{name} {verb} from about {_percent(b)} to about {_percent(n)} of the square.")
    return Latex(" ".join(text))


def no_regions_text(network, names, win: Window, params) -> Latex:
    """Where a 2-input network shows no decision boundary in the largest
    window ``win`` (so there is no regions figure): what it predicts there
    instead; ``params``: the (weights, biases) before and after the step."""
    r = Given().number(win.r)
    b, a = (_everywhere(network, ps, win, grid, names)
            for ps, grid in ((params[0], win.before), (params[1], win.after)))
    square = f"$[-{r}, {r}]^2$ (which holds the input)"
    said = (f"both before and after the step the network predicts {b} {square}" if b == a else
            f"before the step the network predicts {b} {square}, and after it {a}")
    return Latex(f"No decision-regions figure: {said}; no decision boundary lies near "
                 "the input to be drawn.")
