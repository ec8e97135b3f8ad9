"""The figures of an assignment, chosen by its questions' kinds and its numbers.

Which figures an instance has, their data (:func:`derive.documents.figures.draw`
draws each, in the drawing process) and where the handout shows them with
their captions come from the same functions, so a figure is drawn exactly
when a document shows it:

- a part with given data: its network (:func:`network_data`), above its
  questions; the caption's solution sentence names the active ReLUs;
- an ``activation-derivative`` question: the activation and its derivative;
- a ``probability`` question after the step, of a softmax output: each
  class's probability before and after the step;
- a part with decision regions (:func:`derive.documents.regions.has_regions`:
  2 inputs, a classifying output, a step): the class predicted over a square
  around the input before and after the step, at the part's last
  ``after-step`` question (else its last question); a sentence instead where
  no boundary lies near the input.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from derive.documents.captions import (activation_caption, activation_jumps,
                                       class_probabilities_caption, hidden_states,
                                       no_regions_text, regions_text)
from derive.documents.figures import (figure_path, probabilities_data, regions_figure_data)
from derive.documents.network_figure import number
from derive.documents.plotting import greek
from derive.documents.regions import (candidate_windows, class_names, has_regions, part_params,
                                      part_regions, part_window, scores)
from derive.documents.render import Latex
from derive.problem.assignment import Assignment, Part, Question

# each activation's plot: half the width of its z axis and the step of its ticks
AXIS = {"sigmoid": (6, 2), "tanh": (3, 1), "relu": (2, 1), "identity": (2, 1)}
SAMPLES = 120       # points on each side of z = 0
SATURATED = 5 / 6   # of the half width: where a saturating slope is read off (z = 5 for σ)
# each activation and its derivative as the figure's legend writes them (mathtext)
SIGMA = greek("sigma")
LEGEND = {"sigmoid": (rf"${SIGMA}(z)$", rf"${SIGMA}(z)\,(1 - {SIGMA}(z))$"),
          "tanh": (r"$\tanh(z)$", r"$1 - \tanh^2(z)$"),
          "relu": (r"$\mathrm{ReLU}(z)$", r"$\mathbf{1}[z > 0]$"),
          "identity": (r"$z$", r"$1$")}
# where each activation's legend covers no curve (matplotlib's "best", found once)
LEGEND_AT = {"sigmoid": "upper left", "tanh": "lower right", "relu": "upper left",
             "identity": "lower right"}


def network_data(part: Part) -> dict:
    """The data of a part's network drawing (:func:`derive.documents.figures.draw`
    of ``"network"``): its given weights and biases, its units' names."""
    sizes = part.network.sizes
    labels = [[f"$x_{{{i}}}$" for i in range(1, sizes[0] + 1)]]
    labels += [[f"$a^{l}_{{{j}}}$" for j in range(1, n + 1)] for l, n in enumerate(sizes[1:], 1)]
    return {"weights": list(part.given.W), "biases": list(part.given.b), "labels": labels}


def network_paths(assignment: Assignment, prefix: str = "") -> dict[str, str]:
    """Where each part's network figure goes, by part id (by position: a
    part id may hold characters a file name in TeX should not)."""
    return {p.id: figure_path(f"part-{i}-network", prefix)
            for i, p in enumerate(assignment.parts, start=1) if p.given is not None}


def network_solution(part: Part, sol) -> Latex:
    """The network caption's sentence for the worked solution: which units
    of each hidden ReLU layer the given input turns on (empty without one)."""
    relu = [(l, np.asarray(sol.z[l - 1], float)) for l, layer in enumerate(part.network.layers, 1)
            if l < len(part.network.layers) and layer.activation == "relu"]
    return Latex(hidden_states(relu))


# --------------------------------------------------------------------------
# The activation


@lru_cache(maxsize=None)
def _slope_functions(f: str):
    import sympy as sp

    from derive.calculus.activations import FUNCTION, relu_convention, z
    from derive.numerics.codecache import lambdified
    expr = FUNCTION[f]
    return lambdified("slope", [z], [expr, relu_convention(sp.diff(expr, z))])


def activation_curves(f: str, z) -> tuple[np.ndarray, np.ndarray]:
    """f(z) and f′(z) of an activation (ReLU′(0) = 0), from the catalogue's
    SymPy expression lambdified."""
    z = np.asarray(z, float)
    return tuple(np.broadcast_to(np.asarray(v, float), z.shape).copy()
                 for v in _slope_functions(f)(z))


def _ticks(values) -> list[tuple[float, str]]:
    return [(float(v), number(float(v))) for v in values]


def activation_data(f: str) -> dict[str, Any]:
    """The data of an activation's figure: f and f′ sampled over its axis
    (:data:`AXIS`), the legend, the ticks, and each jump of f′ (a kink)."""
    half, step = AXIS[f]
    z = np.arange(-SAMPLES, SAMPLES + 1) / SAMPLES * half
    fz, dfz = activation_curves(f, z)
    low, high = min(fz.min(), dfz.min()), max(fz.max(), dfz.max())
    tick = 0.5 if high - low <= 1.2 else 1.0
    # ticks from the round number nearest below (or just above) to that above (or just below)
    yticks = np.arange(np.ceil(low / tick - 0.1), np.floor(high / tick + 0.1) + 1) * tick
    return {"z": z, "f": fz, "df": dfz, "labels": list(LEGEND[f]),
            "xticks": _ticks(np.arange(-half, half + step, step)), "yticks": _ticks(yticks),
            "jumps": activation_jumps(z, dfz), "legend_at": LEGEND_AT[f]}


def activation_figure_caption(f: str, fmt) -> Latex:
    """What the activation's figure shows (:func:`derive.documents.captions.activation_caption`)."""
    from derive.calculus.activations import definition, derivative
    from derive.calculus.latex import latex
    from derive.documents.kind_text import ACTIVATION_NAMES
    data, d = activation_data(f), derivative(f)
    return activation_caption(ACTIVATION_NAMES[f][0], latex(definition(f).lhs),
                              f"{latex(d.lhs)} = {latex(d.result)}", fmt, data["z"], data["df"],
                              lambda v: activation_curves(f, [v])[1][0], SATURATED * AXIS[f][0])


# --------------------------------------------------------------------------
# Which figures a question shows


def regions_question(part: Part) -> Question:
    """The question the part's decision regions go with: its last
    ``after-step`` question, else its last question."""
    after = [q for q in part.questions if q.kind == "after-step"]
    return (after or list(part.questions))[-1]


def _target(part: Part) -> int:
    """The input's class on :func:`derive.documents.regions.class_names`'s grid."""
    y = np.asarray(part.given.y, float)
    return int(round(y[0])) if len(y) == 1 else int(np.argmax(y))


def question_figures(part: Part, q: Question, sol) -> list[str]:
    """The figures question ``q`` of ``part`` shows (``sol``: the part's
    solution, None without given data), in order: ``activation``,
    ``probabilities``, ``regions``."""
    out = []
    if q.kind == "activation-derivative":
        out.append("activation")
    if sol is None:
        return out
    if q.kind == "probability" and q.get("after") and part.network.layers[-1].activation == "softmax":
        out.append("probabilities")
    if q.id == regions_question(part).id and part_window(part, sol) is not None:
        out.append("regions")
    return out


def question_figure_path(name: str, q: Question, number: int, prefix: str = "") -> str:
    """Where a question's figure goes: one activation's figure is shared."""
    if name == "activation":
        return figure_path(f"activation-{q.get('activation')}", prefix)
    return figure_path(f"question-{number}-{name}", prefix)


def question_figure_data(name: str, part: Part, q: Question, sol) -> dict[str, Any]:
    """The data :func:`derive.documents.figures.draw` draws figure ``name`` of ``q`` from."""
    if name == "activation":
        return activation_data(q.get("activation"))
    if name == "probabilities":
        return probabilities_data(sol.a[-1], sol.after.a[-1], _target(part), q.get("class") - 1)
    return regions_figure_data(part_regions(part, sol), class_names(part.network), _target(part))


def question_figure_caption(name: str, part: Part, q: Question, sol, fmt) -> Latex:
    """What figure ``name`` of ``q`` shows, chosen by the numbers (:mod:`derive.documents.captions`)."""
    if name == "activation":
        return activation_figure_caption(q.get("activation"), fmt)
    if name == "probabilities":
        return class_probabilities_caption(fmt, _target(part), sol.a[-1], sol.after.a[-1])
    at_input = (scores(sol.z[-1]), scores(sol.after.z[-1]))
    return regions_text(part.network, class_names(part.network), _target(part), at_input,
                        part_window(part, sol), part_params(part, sol))


def figure_blocks(part: Part, q: Question, number: int, sol, fmt) -> list[dict[str, Any]]:
    """The figures of question ``q`` (numbered ``number`` on the sheets) as
    blocks of its worked solution, each with its caption; where the part
    could show its decision regions but no boundary lies near the input, a
    sentence saying what the network predicts instead."""
    blocks = [{"type": "figure", "path": question_figure_path(name, q, number),
               "text": question_figure_caption(name, part, q, sol, fmt), "solution": ""}
              for name in question_figures(part, q, sol)]
    if (sol is not None and q.id == regions_question(part).id and has_regions(part)
            and part_window(part, sol) is None):
        before, after = part_params(part, sol)
        last = list(candidate_windows(part.network, part.given.x, before, after))[-1]
        blocks.append({"type": "text", "text": no_regions_text(
            part.network, class_names(part.network), last, (before, after))})
    return blocks


def assignment_figures(assignment: Assignment, solutions: dict,
                       prefix: str = "") -> dict[str, tuple[str, dict[str, Any]]]:
    """Every figure of an instance: its path -> (what :func:`derive.documents.figures.draw`
    draws, its data); ``solutions``: part id -> the part's solution (parts
    with given data)."""
    parts = {part.id: part for part in assignment.parts}
    out = {path: ("network", network_data(parts[pid]))
           for pid, path in network_paths(assignment, prefix).items()}
    number = 1
    for part in assignment.parts:
        sol = solutions.get(part.id)
        for q in part.questions:
            for name in question_figures(part, q, sol):
                out[question_figure_path(name, q, number, prefix)] = (
                    name, question_figure_data(name, part, q, sol))
            number += 1
    return out
