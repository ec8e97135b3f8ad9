"""The mistake library's wrong answers for many variants at once.

:func:`derive.grading.by_kind.prepare_kind` asks, variant by variant, what
a set of mistakes gives on each part and keeps the answers that differ from
the key's. A :class:`MistakeTable` answers for every variant whose part has
the same network and questions in one batch
(:func:`derive.numerics.mistake_batch.answer_columns`), the first time any
of them asks, and compares with all their keys' answers at once; only the
sets of mistakes some variant asks for are computed.
"""

from __future__ import annotations

import json
from typing import Any, Sequence

import numpy as np
import sympy as sp

from derive.numerics import kind_mistakes as km
from derive.numerics import mistake_batch as mb


def _arrays(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: np.asarray(v, float) for k, v in value.items()}
    return np.asarray(value, float)


def differs(value: Any, expected: Any) -> bool:
    """Whether a wrong answer differs from the key's (beyond float noise)."""
    if isinstance(expected, dict):
        return any(differs(value[p], expected[p]) for p in expected)
    if isinstance(expected, sp.Basic):
        return True
    return value.shape != expected.shape or \
        not np.allclose(value, expected, rtol=1e-12, atol=1e-15)


def _differ(value: Any, expected: Sequence, count: int) -> np.ndarray:
    """:func:`differs` of each instance of a column's value (batch axis last)
    from its own expected answer, all at once where the shapes allow."""
    if isinstance(expected[0], dict):
        return np.logical_or.reduce([_differ(value[p], [e[p] for e in expected], count)
                                     for p in expected[0]])
    if any(e.shape != value.shape[:-1] for e in expected):
        return np.array([differs(value[..., i], e) for i, e in enumerate(expected)], bool)
    E = np.stack(expected, axis=-1)
    close = np.abs(value - E) <= 1e-15 + 1e-12 * np.abs(E)   # np.allclose's test
    return ~close.reshape(-1, count).all(axis=0)


class MistakeTable:
    """The wrong answers of the library for a list of prepared variants."""

    def __init__(self, variants: Sequence):
        self.groups: dict[Any, list] = {}    # (part id, network, questions) -> [(variant, part)]
        self.where: dict[tuple[int, str], tuple[Any, int]] = {}
        for v in variants:
            for p in v.parts.values():
                questions = json.dumps([[q.id, q.to_json()] for q in p.questions],
                                       sort_keys=True, default=repr)
                group = (p.id, p.network, questions)
                members = self.groups.setdefault(group, [])
                self.where[id(v), p.id] = group, len(members)
                members.append((v, p))
        self.done: dict[tuple, list[dict]] = {}
        self.f_prime: dict[Any, list] = {}    # group -> its decided fˡ′ (batch axis last)

    def answers(self, v, part, mistakes: tuple[str, ...], other: int | None) -> dict:
        """The answers of ``part`` of variant ``v`` with ``mistakes`` (and
        the ``other`` class read) that differ from its key's, by question."""
        group, index = self.where[id(v), part.id]
        if (group, mistakes, other) not in self.done:
            members = self.groups[group]
            if group not in self.f_prime:   # the key's ReLU decisions, once per group
                net = members[0][1].network
                self.f_prime[group] = None if net is None or any(
                    p.given is None for _, p in members) else \
                    mb.decided_f_prime(members[0][1], [p.given for _, p in members])
            self.done[group, mistakes, other] = _group_answers(members, mistakes, other,
                                                               self.f_prime[group])
        return self.done[group, mistakes, other][index]


def _numeric(v, qid: str) -> bool:
    item = v.items.get(qid)
    return item is not None and item.expected is not None and not item.formula


def _group_answers(members: list, mistakes: tuple[str, ...], other: int | None,
                   f_prime=None) -> list[dict]:
    """Each member's wrong answers (one batch; one by one when it cannot be
    one), with the hidden layers' fˡ′ as the key decides them (``f_prime``)."""
    part = members[0][1]
    columns = mb.answer_columns(part, [p.given for _, p in members], mistakes, other, f_prime)
    if columns is None:
        return [_one(v, p, mistakes, other, None if f_prime is None else
                     [fp[..., i] for fp in f_prime]) for i, (v, p) in enumerate(members)]
    out: list[dict] = [{} for _ in members]
    count = len(members)
    for qid, (value, ok) in columns.items():
        numeric = [_numeric(v, qid) for v, _ in members]
        if not all(numeric):   # (the keys of one set agree: none of them is)
            for i, (v, p) in enumerate(members):
                answer = mb.instance(value, i)
                if ok[i] and numeric[i] and differs(answer, v.items[qid].expected):
                    out[i][qid] = answer
            continue
        keep = ok & _differ(value, [v.items[qid].expected for v, _ in members], count)
        for i in np.flatnonzero(keep):
            out[i][qid] = mb.instance(value, i)
    return out


def _one(v, p, mistakes: tuple[str, ...], other: int | None, f_prime=None) -> dict:
    """One variant's wrong answers, by :func:`km.part_answers`."""
    answers = km.part_answers(p, p.given, mistakes, other=other, f_prime=f_prime)
    return {q: _arrays(a) for q, a in answers.items()
            if _numeric(v, q) and differs(_arrays(a), v.items[q].expected)}
