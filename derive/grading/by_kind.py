"""Schema 2 keys, prepared for grading: any assignment, by question kind.

A :class:`KindVariant` holds one key's questions with their expected answers,
its parts (rebuilt from the key), the data the sheet gives, what doing
nothing gives, and the mistake library's answers for this instance
(:mod:`derive.numerics.kind_mistakes`, alone and in combinations).
:class:`KindStudent` is one submission against one variant: its own answers,
and what its later answers should be given its own earlier ones (error
carried forward). Nothing here knows a question by its id: everything is
by kind and by the part's network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from typing import Any, Sequence

import numpy as np
import sympy as sp

from derive.grading.kind_answers import Item, items_of, parts_of
from derive.grading.mistake_table import MistakeTable
from derive.grading.rules import Rules
from derive.grading.scoring import Student
from derive.numerics import kind_mistakes as km
from derive.numerics.mistake_kinds import MISTAKE_KINDS, ORDER
from derive.numerics.evaluate import forward_network
from derive.numerics.baselines import nothing_done_all
from derive.problem.assignment import Question
from derive.problem.spec import InputError, Layer, Network


@dataclass
class KindVariant:
    """One schema 2 key, ready to compare."""

    key: dict
    items: dict[str, Item]
    parts: dict[str, Any]                      # part id -> Part (with its data as given)
    sheets: list[tuple[tuple[str, ...], dict[str, Any]]] = field(default_factory=list)
    affects: dict[str, set[str]] = field(default_factory=dict)   # code -> question ids
    given: list[np.ndarray] = field(default_factory=list)
    nothing: dict[str, np.ndarray] = field(default_factory=dict)  # id or id.new -> baseline

    order: tuple[str, ...] = ORDER

    def __post_init__(self):
        self.expected = {q: i.expected for q, i in self.items.items()}


def prepare_kind(keys: Sequence[dict], rules: Rules) -> list[KindVariant]:
    """Each key's questions, parts and the mistake library's answers."""
    out = []
    for key in keys:
        try:
            listed = items_of(key)
            items = {i.id: i for i in listed}
            parts = {p.id: p for p in parts_of(key, listed)}
        except (KeyError, TypeError, ValueError) as e:
            raise InputError(f"key {key.get('variant', '?')!s:.40}",
                             f"not an answer key of schema 2: {e}") from None
        v = KindVariant(key, items, parts)
        for part in parts.values():
            if part.given is not None:
                v.given += [np.asarray(a, float) for a in part.given.W + part.given.b]
                v.given += [np.asarray(part.given.x, float), np.asarray(part.given.y, float)]
        out.append(v)
    table = MistakeTable(out)
    for v, nothing in zip(out, nothing_done_all(keys)):
        v.nothing = {k: np.asarray(a, float) for k, a in nothing.items()}
        _sheets(v, rules, table)
    return out


def _picks(part) -> int:
    """How many other classes a wrong-class reading of ``part`` can take."""
    return max([part.network.layers[-1].size - 1 if part.network else 1] +
               [len(km.example_of(q)[1]) - 1 for q in part.questions
                if q.kind == "loss" and q.get("example")] + [1])


@lru_cache(maxsize=256)
def _formula_mistakes(kind: str, activation: str | None, expected: sp.Expr) -> dict:
    """:func:`km.formula_mistakes` (the same for every variant: worked out once)."""
    return km.formula_mistakes(Question("", kind, 0, (("activation", activation),)), expected)


def _sheets(v: KindVariant, rules: Rules, table: MistakeTable) -> None:
    """The library's wrong answers: per mistake set (and per class read, for
    wrong-class) one sheet over every part, as a student making those
    mistakes consistently answers (each part with the mistakes that apply
    to it), only the answers that differ from the key's."""
    parts = list(v.parts.values())
    codes_of = {p.id: set(km.applicable(p)) for p in parts}
    formulas = {q.id: _formula_mistakes(q.kind, q.get("activation"), v.items[q.id].expected)
                for p in parts for q in p.questions if v.items[q.id].formula}
    known = set().union(*codes_of.values(), *(set(f) for f in formulas.values()))
    codes = [c for c in ORDER if c in known]
    sets = [c for r in range(1, rules.combinations + 1) for c in combinations(codes, r)]
    picks = max([_picks(p) for p in parts] + [1])
    answers_of: dict[tuple, dict] = {}   # (part, mistakes, class read) -> its wrong answers
    for mistakes in sets:
        for pick in range(picks) if "wrong-class" in mistakes else [None]:
            sheet = {}
            for p in parts:
                sub = tuple(c for c in mistakes if c in codes_of[p.id])
                if not sub or ("wrong-class" in sub and pick >= _picks(p)):
                    continue
                other = pick if "wrong-class" in sub else None
                if (p.id, sub, other) not in answers_of:
                    answers_of[p.id, sub, other] = table.answers(v, p, sub, other)
                sheet.update(answers_of[p.id, sub, other])
            for qid, wrong in formulas.items():
                found = [wrong[c] for c in mistakes if c in wrong]
                if len(found) == 1:
                    sheet[qid] = found[0]
            if sheet:
                v.sheets.append((mistakes, sheet))
                if len(mistakes) == 1:
                    v.affects.setdefault(mistakes[0], set()).update(sheet)


# --------------------------------------------------------------------------
# One student


class KindStudent(Student):
    """One submission's answers against one schema 2 variant."""

    def __init__(self, sub, variant, rules: Rules):
        super().__init__(sub, variant, rules)
        self._used: list[str] = []                # answers a carried value rests on
        self._sources: dict[str, list[str]] = {}  # question id -> those of its carried value

    def item(self, qid: str) -> Item:
        return self.v.items[qid]

    def manual(self, qid: str) -> bool:
        return self.v.items[qid].manual

    def acts_on(self, code: str, qid: str) -> bool:
        return self.item(qid).kind in MISTAKE_KINDS[code].kinds

    def describe(self, codes) -> str:
        return km.describe(codes)

    def carried_text(self, qid: str) -> str:
        """Names the student's answers that ``qid`` followed from."""
        used = self._sources.get(qid) or []
        said = ", ".join(used[:-1]) + " and " + used[-1] if len(used) > 1 else "".join(used)
        return (f"Wrong, but it follows correctly from your answer{'s' * (len(used) > 1)} to "
                f"{said}." if used else
                "Wrong, but it follows correctly from your own earlier answers.")

    def source(self, item: str, part: str | None = None):
        value = super().source(item, part)
        if value is not None and self.own(item, part) is not None:
            self._used.append(item)
        return value

    def _find(self, pid: str, kinds: tuple[str, ...], test) -> list[Item]:
        return [i for i in self.v.items.values()
                if i.part == pid and i.kind in kinds and test(i.question)]

    def _own_param(self, pid: str, name: str, kinds, part_of_pair: str):
        for i in self._find(pid, kinds, lambda q: q.get("param") == name):
            value = self.source(i.id, part_of_pair if i.kind == "gradient-step" else None)
            if value is not None:
                return value
        return None

    def carried(self, qid: str, part: str | None = None):
        """What ``qid`` should be given the student's own genuine earlier
        answers, or None when it rests on none of them (the answers it
        rests on are kept for :meth:`carried_text`)."""
        outer, self._used = self._used, []
        try:
            value = self._carried(qid, part)
        except (FloatingPointError, OverflowError):
            # earlier answers so large that the rest of the pass overflows:
            # nothing follows from them, and ``qid`` is graded on its own
            value = None
        finally:
            used, self._used = self._used, outer + self._used
        if part is None:
            self._sources[qid] = sorted(set(used), key=list(self.v.items).index)
        return value

    def _carried(self, qid: str, part: str | None):
        item = self.item(qid)
        p = self.v.parts[item.part]
        q, data = item.question, p.given
        if data is None or p.network is None:
            return None
        name = q.get("param")
        if q.kind == "step" or (q.kind == "gradient-step" and part == "new"):
            g = self.source(qid, "grad") if q.kind == "gradient-step" else \
                self._own_param(p.id, name, ("gradient", "gradient-step"), "grad")
            return None if g is None else np.asarray(data.param(name), float) - data.lr * g
        if q.kind == "after-step" or (q.kind == "probability" and q.get("after")):
            own = {n: self._own_param(p.id, n, ("step", "gradient-step"), "new")
                   for n in p.step_params}
            own = {n: w for n, w in own.items() if w is not None}
            if not own:
                return None
            keyed = {n: self._key_new(p, n) for n in p.step_params}
            run = km.forward_with(p, data, {**keyed, **own})
            return self._read(p, q, run)
        if q.kind in ("forward", "probability"):
            return self._from_layer_below(p, q)
        return None

    def _key_new(self, p, name: str):
        for i in self._find(p.id, ("step", "gradient-step"), lambda q: q.get("param") == name):
            return self.expected(i.id, "new" if i.kind == "gradient-step" else None)
        return np.asarray(km.run_part(p, p.given).new[name])

    def _read(self, p, q, run):
        if q.kind == "probability":
            return np.asarray(km.probability(p, run, q.get("class")), float)
        return np.asarray(km._value(run, q.get("value")), float)

    def _from_layer_below(self, p, q):
        """A forward quantity (or a probability) from the student's own
        genuine activation of a lower layer: the rest of the forward pass
        (the loss and a probability from their own output)."""
        L = len(p.network.layers)
        value = "output" if q.kind == "probability" else q.get("value")
        top = L if value in ("output", "loss") else int(value[1:])
        z, out = None, None
        if value == "loss" or q.kind == "probability":
            out = self._own_forward(p, L)
        for k in range(top - 1, 0, -1) if out is None else ():
            a = self._own_forward(p, k)
            if a is not None:
                z, out = _forward_from(p, k, a, top)
                break
        if out is None:
            return None
        if q.kind == "probability":
            return np.asarray(km.probability(p, km._Run([], [out], 0.0, {}, {}),
                                             q.get("class")), float)
        if value == "loss":
            return np.asarray(km._loss(p.network.loss, out, np.asarray(p.given.y)))
        return np.asarray(z if value[0] == "z" else out)

    def _own_forward(self, p, layer: int):
        L = len(p.network.layers)
        names = {f"a{layer}"} | ({"output"} if layer == L else set())
        for i in self._find(p.id, ("forward",), lambda q: q.get("value") in names):
            value = self.source(i.id)
            if value is not None:
                return value
        return None


def _forward_from(p, k: int, a: np.ndarray, top: int):
    """(z, a) of layer ``top`` from the activation of layer ``k`` below it."""
    layers = p.network.layers[k:top]
    loss = "nllm" if layers[-1].activation == "softmax" else \
        "nll" if layers[-1].activation == "sigmoid" else "mse"
    net = Network(p.network.layers[k - 1].size, tuple(Layer(l.size, l.activation)
                                                      for l in layers), loss)
    Ws = [np.asarray(W, float)[..., None] for W in p.given.W[k:top]]
    bs = [np.asarray(b, float)[:, None] for b in p.given.b[k:top]]
    zs, acts = forward_network(net, np.asarray(a, float)[:, None], Ws, bs)
    return zs[-1][:, 0], acts[-1][:, 0]
