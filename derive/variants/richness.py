"""What makes a drawn instance of any part worth setting (docs/ASSIGNMENTS.md,
"Richness"), as data.

Each :class:`Richness` has a name, a description, a default setting, which
parts it concerns (by their network and questions) and a check of one
candidate: the part, its numbers (:class:`derive.numerics.solve.PartSolution`),
its data, the setting and the precision contract's figures. ``screen``
checks are cheap and run on every candidate of a batch; the others (the
mistakes, which recompute the part once per mistake) only on a candidate
that passed the screen. The config's ``[variants.constraints]`` switches
each off or sets it (:func:`derive.variants.constraints.parse_constraints`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Callable

import numpy as np

from derive.problem import precision
from derive.variants import unit_checks as u

FACTOR = 10.0   # tolerances beyond which a number is not "rounded too early"
STEPPED = u.STEPPED
OUTPUT_PROBABILITIES = ("softmax", "sigmoid")


@dataclass(frozen=True)
class Richness:
    """One named constraint on a part's instance."""

    name: str
    description: str
    default: Any
    applies: Callable[[Any], bool]                       # part -> bool
    check: Callable[[Any, Any, Any, Any, int], bool]     # part, solution, data, setting, figures
    screen: bool = True


def _activations(part) -> list[str]:
    return [layer.activation for layer in part.network.layers]


def _asks(part, *kinds: str) -> list:
    return [q for q in part.questions if q.kind in kinds]


def _far(given, expected, figures: int, factor: float = FACTOR) -> bool:
    """Some entry of ``given`` farther than ``factor`` tolerances from ``expected``."""
    g, e = np.asarray(given, float), np.asarray(expected, float)
    return g.shape != e.shape or bool((~(precision.gap(g, e, figures) <= factor)).any())


# --------------------------------------------------------------------------
# The checks


def _kink_margin(part, s, data, margin, figures) -> bool:
    passes = [s] + ([s.after] if s.after is not None else [])
    return all((np.abs(p.z[l]) >= margin).all() for p in passes for l in u.relu_layers(part))


def _active_units(part, s, data, setting, figures) -> bool:
    return all((s.z[l] > 0).any() for l in u.relu_layers(part))


def _slope(act: str, z: np.ndarray) -> np.ndarray:
    """f′(z) / f′(0): how much of its steepest slope a unit keeps."""
    if act == "sigmoid":
        e = np.exp(-np.abs(z))
        return 4 * e / (1 + e) ** 2
    return 1 - np.tanh(z) ** 2


def _saturable(part) -> list[int]:
    """The sigmoid/tanh layers whose slope enters the gradients: every hidden
    one, and the output under squared error."""
    acts = _activations(part)
    last = len(acts) - 1
    return [l for l, act in enumerate(acts) if act in ("sigmoid", "tanh")
            and (l < last or part.network.loss == "mse")]


def _unsaturated(part, s, data, least, figures) -> bool:
    acts = _activations(part)
    return all((_slope(acts[l], np.asarray(s.z[l], float)) >= least).all()
               for l in _saturable(part))


def _nonzero_gradients(part, s, data, setting, figures) -> bool:
    return all((np.abs(s.grad(q.get("param"))) > precision.ZERO_TOL).any()
               for q in _asks(part, "gradient", *STEPPED))


def _probability_answers(part, s) -> list[np.ndarray]:
    """Every probability the part asks for: a class's (before or after the
    step) and a softmax or sigmoid output asked as a whole."""
    out = []
    for q in _asks(part, "probability"):
        source = s.after if q.get("after") else s
        if source is not None:
            out.append(np.asarray(source.a[-1], float))   # every class's, not only the one asked
    if _activations(part)[-1] in OUTPUT_PROBABILITIES:
        for q in _asks(part, "forward", "after-step"):
            source = s.after if q.kind == "after-step" else s
            if q.get("value") in _output_names(part) and source is not None:
                out.append(np.asarray(source.a[-1], float))
    return out


def _output_names(part) -> tuple[str, str]:
    return ("output", f"a{len(part.network.layers)}")


def _probabilities(part, s, data, bounds, figures) -> bool:
    lo, hi = bounds
    for p in _probability_answers(part, s):
        if not ((p >= lo) & (p <= hi)).all():
            return False
        # neither 0 nor 1 passes for it, not even as rounded too early
        if precision.within(0.0, p, figures - 1).any() or precision.within(1.0, p, figures - 1).any():
            return False
    return True


def _step_changes(part, s, data, setting, figures) -> bool:
    for q in _asks(part, *STEPPED):
        name = q.get("param")
        if not _far(s.new[name], data.param(name), figures):
            return False
    if s.after is None or s.loss <= setting:
        return True
    for q in _asks(part, "after-step"):
        if not _far(s.after.value(q.get("value")), s.value(q.get("value")), figures):
            return False
    for q in _asks(part, "probability"):
        if q.get("after") and not _far(_class_probability(s.after, q), _class_probability(s, q),
                                       figures):
            return False
    return True


def _class_probability(forward, q) -> float:
    a = np.asarray(forward.a[-1], float)
    return float(a[q.get("class") - 1] if len(a) > 1 else a[0])


def _distinct_from_mistakes(part, s, data, factor, figures) -> bool:
    return not unseen_mistakes(part, s, data, factor, figures, first=True)


def unseen_mistakes(part, s, data, factor: float = FACTOR, figures: int = precision.FIGURES,
                    first: bool = False) -> list[tuple[str, str]]:
    """(mistake code, question id or "") for each common mistake of the
    part's question kinds (:mod:`derive.numerics.kind_mistakes`) that a
    student could make unnoticed on this instance: an answer of a kind the
    mistake enters (its ``kinds``) that it changes by no more than
    ``factor`` tolerances (it looks like rounding), an answer it changes to
    one that shows no work (zeros, a copy of the given data, what doing
    nothing gives: after the step, the value before it), or ("") a
    mistake that changes no answer beyond rounding. In the other answers a
    mistake only comes through an earlier one, which the grader carries
    forward. ``first``: stop at the first one."""
    from derive.numerics.mistake_kinds import MISTAKE_KINDS
    from derive.problem.catalogue import NUMERIC_KINDS
    from derive.numerics.kind_mistakes import applicable, part_answers
    # the numeric questions only: a loss question's example is the file's, not
    # drawn, so no variant can change what a mistake does to it
    part = replace(part, questions=tuple(_asks(part, *NUMERIC_KINDS)))
    right = part_answers(part, data, (), f_prime=s.f_prime)
    given = [np.asarray(v, float) for v in (*data.W, *data.b, data.x, data.y)]
    out: list[tuple[str, str]] = []
    for code in applicable(part):
        wrong = part_answers(part, data, (code,), f_prime=s.f_prime)
        changed = {qid for qid, v in wrong.items() if qid in right and _differs(v, right[qid])}
        shown = {qid for qid in changed if _far_answer(wrong[qid], right[qid], figures, factor)}
        own = MISTAKE_KINDS[code].kinds
        for q in part.questions:
            if q.id in changed and ((q.kind in own and q.id not in shown)
                                    or _blank(wrong[q.id], given + _nothing(s, q), figures)):
                out.append((code, q.id))
        if not shown:
            out.append((code, ""))
        if first and out:
            break
    return out


def _leaves(answer) -> list[np.ndarray]:
    if isinstance(answer, dict):
        return [np.asarray(answer[k], float) for k in sorted(answer)]
    return [np.asarray(answer, float)]


def _differs(wrong, right) -> bool:
    return any(w.shape != r.shape or not np.array_equal(w, r)
               for w, r in zip(_leaves(wrong), _leaves(right)))


def _far_answer(wrong, right, figures: int, factor: float) -> bool:
    return any(_far(w, r, figures, factor) for w, r in zip(_leaves(wrong), _leaves(right)))


def _nothing(s, q) -> list[np.ndarray]:
    """What doing nothing gives for an answer after the step: the same
    quantity before it (a copy of an earlier answer, graded as no work)."""
    if q.kind == "after-step":
        return [np.asarray(s.value(q.get("value")), float)]
    if q.kind == "probability" and q.get("after"):
        return [np.array(_class_probability(s, q))]
    return []


def _blank(wrong, given, figures: int) -> bool:
    return any(precision.blank(w, given, figures) for w in _leaves(wrong))


# --------------------------------------------------------------------------
# The list


def _has(*kinds: str):
    return lambda part: bool(_asks(part, *kinds))


RICHNESS: tuple[Richness, ...] = (
    Richness("kink_margin", "every ReLU pre-activation at least this far from the kink at 0, "
             "before and after the step", 0.5, lambda p: bool(u.relu_layers(p)), _kink_margin),
    Richness("active_units", "at least one unit of every ReLU layer active",
             True, lambda p: bool(u.relu_layers(p)), _active_units),
    Richness("hidden_mixed", "every ReLU layer of two units or more has a unit active and "
             "a unit off", True, lambda p: bool(u.relu_layers(p, 2)), u.hidden_mixed),
    Richness("nonzero_inputs", "no input entry is 0", True, lambda p: True, u.nonzero_inputs),
    Richness("distinct_units", "no two units of a hidden layer alike (the same column of "
             "Wˡ and entry of w₀ˡ)", True, lambda p: bool(u.hidden_layers(p)),
             u.distinct_units),
    Richness("learning_units", "in every hidden layer whose weight gradient is asked, two "
             "units learn (a non-zero column of ∂ℓ/∂Wˡ) with different rows of Wˡ⁺¹", True,
             lambda p: bool(u.learning_layers(p)), u.learning_units),
    Richness("gradient_spread", "every asked weight gradient of a hidden layer has two "
             "columns with two non-zero entries each (one, with one input)", True,
             lambda p: bool(u.learning_layers(p)), u.gradient_spread),
    Richness("no_ties", "no two class probabilities of a softmax output within one unit of "
             "the second-to-last significant figure asked, before or after the step", True,
             u.softmax_output, u.no_ties),
    Richness("loss_decreases", "the step lowers the loss", True,
             lambda p: bool(p.step_params), u.loss_decreases),
    Richness("unsaturated", "every sigmoid/tanh unit whose slope enters the gradients keeps "
             "at least this share of its steepest slope (f′(z)/f′(0))", 0.01,
             lambda p: bool(_saturable(p)), _unsaturated),
    Richness("nonzero_gradients", "every gradient asked for (or stepped with) has a "
             "non-zero entry", True, _has("gradient", *STEPPED), _nonzero_gradients),
    Richness("probabilities", "every probability asked for within [lowest, highest], and "
             "neither 0 nor 1 passes for it", (0.01, 0.99),
             lambda p: bool(_probability_answers_possible(p)), _probabilities),
    Richness("step_changes", "the step changes every parameter asked after it and every "
             "answer asked after it beyond rounding (unless the loss is already below this)",
             1e-6, _has(*STEPPED, "after-step"), _step_changes),
    Richness("distinct_from_mistakes", "every common mistake of the questions' kinds changes "
             "an answer, each answer of a kind it enters by more than this many tolerances "
             "of the precision contract, and none to an answer that shows no work", FACTOR,
             lambda p: True, _distinct_from_mistakes, screen=False),
)
BY_NAME = {r.name: r for r in RICHNESS}
UNIQUE = "unique"   # applied by the generator: no two variants share a part's data


def _probability_answers_possible(part) -> bool:
    if _asks(part, "probability"):
        return True
    return _activations(part)[-1] in OUTPUT_PROBABILITIES and any(
        q.get("value") in _output_names(part) for q in _asks(part, "forward", "after-step"))


def active(part, constraints: dict) -> list[tuple[Richness, Any]]:
    """The constraints that concern ``part``, with their settings:
    ``constraints`` is the config's switched-on constraints
    (:func:`derive.variants.constraints.parse_constraints`)."""
    return [(r, constraints[r.name]) for r in RICHNESS
            if r.name in constraints and r.applies(part)]
