"""An audit of accepted variants (``handouts stress``): how often each
degeneracy that makes a variant poorer than the reference occurs, in any
assignment.

It reads the variants' schema 2 keys (their data, and the answers they
give), the solver's numbers and the mistake library, and is written apart
from the constraints (:mod:`derive.variants.richness`,
:mod:`derive.variants.unit_checks`) on purpose: it checks them rather than
repeating them, so with the default constraints every rate is 0. A
degeneracy counts once per variant (in any of its parts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from derive.problem import precision

# degeneracy -> what it means (the rows of the report, in this order)
DEGENERACIES = {
    "zero_input": "an input entry is 0",
    "zero_gradient": "a gradient asked for is 0 (its step changes nothing)",
    "one_unit_learns": "fewer than two units of a hidden layer learn (with different "
                       "rows of the next W)",
    "sparse_gradient": "fewer than two columns of a hidden layer's weight gradient with "
                       "two non-zero entries",
    "twin_units": "two units of a hidden layer alike (W column and w₀ entry)",
    "dead_or_live_layer": "a ReLU layer with every unit off, or every unit active",
    "tied_probabilities": "two class probabilities tie at the precision asked",
    "near_kink": "a ReLU pre-activation within the kink margin of 0",
    "loss_rises": "the step does not lower the loss",
    "mistake_unseen": "a common mistake changes an answer of a kind it enters only "
                      "within rounding, or no answer beyond it",
}


@dataclass
class Audit:
    """How many accepted variants show each degeneracy; ``unseen`` breaks
    ``mistake_unseen`` down by (mistake, question), each counted once per
    variant whichever parts show it."""

    figures: int = precision.FIGURES
    margin: float = 0.5
    variants: int = 0
    found: dict = field(default_factory=lambda: dict.fromkeys(DEGENERACIES, 0))
    unseen: dict = field(default_factory=dict)

    def rates(self) -> dict[str, float]:
        return {name: n / max(self.variants, 1) for name, n in self.found.items()}

    def add(self, assignment, keys: list[dict]) -> None:
        """Audit the keys of variants of ``assignment``."""
        from derive.numerics.key import part_instance
        from derive.variants.draw import varies
        for key in keys:
            found: set[str] = set()
            unseen: set[tuple[str, str]] = set()
            for part in assignment.parts:
                if varies(part) and part.id in key["params"]:
                    data = part_instance(key, part.id)[1]
                    found |= self._part(part, data, key["answers"], unseen)
            for name in found:
                self.found[name] += 1
            for pair in unseen:   # once per variant, as a degeneracy: not once per part
                self.unseen[pair] = self.unseen.get(pair, 0) + 1
            self.variants += 1

    def _part(self, part, data, answers: dict, unseen: set) -> set[str]:
        """The degeneracies of one part's instance; its unseen mistakes go to ``unseen``."""
        from derive.numerics.solve import solve_part
        s = solve_part(part, data)
        layers = part.network.layers
        passes = [s] + ([s.after] if s.after is not None else [])
        hidden = [l for l in range(len(layers) - 1) if layers[l].size >= 2]
        asked = _asked_gradients(part, answers)
        found = set()
        if any(v == 0 for v in data.x):
            found.add("zero_input")
        if any(precision.within(0.0, g).all() for g in asked.values()):
            found.add("zero_gradient")
        for l in hidden:
            W, b = np.asarray(data.W[l], float), np.asarray(data.b[l], float)
            if len({tuple(W[:, j]) + (b[j],) for j in range(len(b))}) < len(b):
                found.add("twin_units")
            if f"W{l + 1}" in asked:
                g = ~precision.within(0.0, asked[f"W{l + 1}"])
                rows = {tuple(data.W[l + 1][j]) for j in range(len(b)) if g[:, j].any()}
                if len(rows) < 2:
                    found.add("one_unit_learns")
                if int((g.sum(axis=0) >= min(2, g.shape[0])).sum()) < 2:
                    found.add("sparse_gradient")
        for l, layer in enumerate(layers):
            if layer.activation != "relu":
                continue
            on = np.asarray(s.z[l], float) > 0
            if layer.size >= 2 and (on.all() or not on.any()):
                found.add("dead_or_live_layer")
            if any((np.abs(np.asarray(p.z[l], float)) < self.margin).any() for p in passes):
                found.add("near_kink")
        if layers[-1].activation == "softmax" and any(
                _tied(p.a[-1], self.figures) for p in passes):
            found.add("tied_probabilities")
        if s.after is not None and not s.after.loss < s.loss:
            found.add("loss_rises")
        mine = _unseen(part, data, s, self.figures)
        unseen |= mine
        if mine:
            found.add("mistake_unseen")
        return found


def _asked_gradients(part, answers: dict) -> dict[str, np.ndarray]:
    """The weight or bias gradients the part asks for, by parameter, as the key gives them."""
    out = {}
    for q in part.questions:
        if q.kind in ("gradient", "gradient-step") and q.id in answers:
            a = answers[q.id]
            out[q.get("param")] = np.asarray(a["grad"] if isinstance(a, dict) else a, float)
    return out


def _tied(p, figures: int) -> bool:
    """Two entries, either within the rounded-too-early band of the other."""
    return any(precision.within(u, v, figures - 1) or precision.within(v, u, figures - 1)
               for u, v in combinations(np.asarray(p, float).tolist(), 2))


def _unseen(part, data, s, figures: int) -> set[tuple[str, str]]:
    """(mistake, question) where a mistake changes an answer of a kind it
    enters only within one unit of the second-to-last figure asked."""
    from derive.numerics.kind_mistakes import applicable, part_answers
    from derive.numerics.mistake_kinds import MISTAKE_KINDS
    right = part_answers(part, data, f_prime=s.f_prime)
    out = set()
    for code in applicable(part):
        wrong = part_answers(part, data, (code,), f_prime=s.f_prime)
        shown = False
        for q in part.questions:
            if q.id not in wrong or q.id not in right:
                continue
            w, r = _leaves(wrong[q.id]), _leaves(right[q.id])
            near = all(a.shape == b.shape and precision.within(a, b, figures - 1).all()
                       for a, b in zip(w, r))
            shown = shown or not near
            changed = any(a.shape != b.shape or not np.array_equal(a, b) for a, b in zip(w, r))
            if near and changed and q.kind in MISTAKE_KINDS[code].kinds:
                out.add((code, q.id))
        if not shown:
            out.add((code, ""))   # no answer shows it
    return out


def _leaves(answer) -> list[np.ndarray]:
    if isinstance(answer, dict):
        return [np.asarray(answer[k], float) for k in sorted(answer)]
    return [np.asarray(answer, float)]
