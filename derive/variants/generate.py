"""The reference's schema-1 variants: candidate generation and selection.

Left only for the tests of the bespoke documents and grading, which read
schema-1 keys; ``handouts variants`` and ``handouts stress`` draw the
reference from its assignment file (:mod:`derive.variants.instances`).
This module goes with the bespoke documents.

Variant ``k`` of seed ``S`` draws its candidates from its own random stream,
``numpy.random.SeedSequence(S, spawn_key=(k,))`` (the k-th child of
``SeedSequence(S).spawn``), and takes the first candidate that meets every
switched-on constraint and is not alike any of variants 0..k-1. So variant k
depends only on (S, k) and the settings: ``--count 40`` extends ``--count 30``.

Candidates are drawn and screened a batch at a time: the batch-level
constraints run on the whole batch through :func:`derive.numerics.evaluate.evaluate_network`;
the answer-key check (common mistakes) runs only on the screened survivors,
in stream order, until one passes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from derive.problem import precision
from derive.variants.constraints import BY_NAME
from derive.variants.selection import Stats, Stream, Unmeetable
from derive.variants.settings import VariantSettings, check_count, check_seed, variant_id

BATCH = 128           # candidates drawn per stream and round (fixed: part of the stream)
CHUNK = 256           # variants generated together (bounds memory; never changes a variant)


# --------------------------------------------------------------------------
# Candidates


@dataclass
class Candidates:
    """A batch of drawn instances, batch axis first."""

    nllm_a: np.ndarray    # (B, c) probabilities in tenths
    nllm_y: np.ndarray
    W: np.ndarray         # (B, m, n)
    b: np.ndarray
    x: np.ndarray
    y: np.ndarray
    lr: np.ndarray
    query_class: np.ndarray
    W1: np.ndarray        # (B, m, h)
    b1: np.ndarray
    W2: np.ndarray        # (B, h, o)
    b2: np.ndarray
    net_x: np.ndarray
    net_y: np.ndarray
    net_lr: np.ndarray

    def __len__(self) -> int:
        return len(self.lr)

    def take(self, index) -> "Candidates":
        return Candidates(**{k: v[index] for k, v in self.__dict__.items()})

    @staticmethod
    def concat(parts: Sequence["Candidates"]) -> "Candidates":
        return Candidates(**{k: np.concatenate([getattr(p, k) for p in parts])
                             for k in parts[0].__dict__})


def _tenths(rng, count: int, n: int) -> np.ndarray:
    """Probability vectors of n parts, each a positive number of tenths."""
    # n - 1 distinct cuts from 1..9: the first n - 1 of a random permutation
    cuts = np.sort(rng.random((count, 9)).argsort(axis=1)[:, :n - 1] + 1, axis=1)
    edges = np.concatenate([np.zeros((count, 1), int), cuts, np.full((count, 1), 10)], axis=1)
    return np.diff(edges, axis=1)


def _fields(s: VariantSettings) -> list[tuple[str, tuple[int, ...], Any]]:
    """(name, shape, values) of every integer-valued field of a candidate:
    ``values`` is a range (lo, hi) or an array to choose from (one-hot
    targets, step sizes, classes, non-zero inputs)."""
    L, N = s.softmax_layer, s.network

    def inputs(r):
        # nonzero_inputs by construction: the same distribution as rejecting zeros
        values = [v for v in range(r[0], r[1] + 1) if v]
        return np.array(values) if "nonzero_inputs" in s.constraints and values else r

    return [("nllm_y", (), np.eye(L.classes, dtype=np.int64)),
            ("W", (L.inputs, L.classes), L.W), ("b", (L.classes,), L.b),
            ("x", (L.inputs,), inputs(L.x)), ("y", (), np.eye(L.classes, dtype=np.int64)),
            ("lr", (), np.array(L.lr, object)), ("query_class", (), np.arange(L.classes)),
            ("W1", (N.inputs, N.hidden), N.W1), ("b1", (N.hidden,), N.b1),
            ("W2", (N.hidden, N.outputs), N.W2), ("b2", (N.outputs,), N.b2),
            ("net_x", (N.inputs,), inputs(N.x)), ("net_y", (), np.eye(N.outputs, dtype=np.int64)),
            ("net_lr", (), np.array(N.lr, object))]


def draw(rng: np.random.Generator, s: VariantSettings, count: int = BATCH) -> Candidates:
    """``count`` candidates from one stream (always drawn in the same order):
    every integer field in one call of the generator, then q5's tenths."""
    fields = _fields(s)
    sizes = [int(np.prod(shape)) for _, shape, _ in fields]
    lows = np.repeat([v[0] if isinstance(v, tuple) else 0 for _, _, v in fields], sizes)
    highs = np.repeat([v[1] + 1 if isinstance(v, tuple) else len(v) for _, _, v in fields],
                      sizes)
    drawn = rng.integers(lows, highs, size=(count, len(lows)))
    out, start = {}, 0
    for (name, shape, values), size in zip(fields, sizes):
        block = drawn[:, start:start + size].reshape(count, *shape)
        out[name] = block if isinstance(values, tuple) else values[block]
        start += size
    return Candidates(nllm_a=_tenths(rng, count, s.softmax_layer.classes), **out)


@dataclass
class Evaluated:
    """The numbers the batch constraints read (batch axis first)."""

    figures: int          # of the precision contract
    nllm_a: np.ndarray    # question 5's probabilities
    x: np.ndarray         # the softmax layer's input
    net_x: np.ndarray     # the network's input
    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    dL_dW1: np.ndarray    # (B, m, h)
    a: np.ndarray
    a_new: np.ndarray
    loss: np.ndarray
    loss_new: np.ndarray
    z1: np.ndarray
    z1_new: np.ndarray
    a2: np.ndarray
    a2_new: np.ndarray
    net_loss: np.ndarray
    net_loss_new: np.ndarray


def _last(a) -> np.ndarray:
    return np.moveaxis(np.asarray(a, float), 0, -1)


def evaluate(c: Candidates, s: VariantSettings) -> Evaluated:
    """Forward pass, gradient step and forward pass again, for the whole batch."""
    from derive.numerics.evaluate import step_layer, step_network
    from derive.problem.spec import Layer, Network
    L, N = s.softmax_layer, s.network
    layer = Network(L.inputs, (Layer(L.classes, "softmax"),), "nllm")
    net = Network(N.inputs, (Layer(N.hidden, "relu"), Layer(N.outputs, "softmax")), "nllm")
    S = step_layer(layer, *(_last(v) for v in (c.x, c.W, c.b, c.y)), c.lr.astype(float))
    P = step_network(net, *(_last(v) for v in (c.net_x, c.W1, c.b1, c.W2, c.b2, c.net_y)),
                     c.net_lr.astype(float))
    T = np.transpose
    return Evaluated(figures=s.figures, nllm_a=c.nllm_a / 10, x=c.x, net_x=c.net_x,
                     W1=c.W1, b1=c.b1, W2=c.W2, dL_dW1=np.moveaxis(P.dL_dW1, -1, 0),
                     a=T(S.a), a_new=T(S.a_new), loss=S.loss, loss_new=S.loss_new,
                     z1=T(P.z1), z1_new=T(P.z1_new), a2=T(P.a2), a2_new=T(P.a2_new),
                     net_loss=P.loss, net_loss_new=P.loss_new)


def batch_checks(c: Candidates, s: VariantSettings) -> dict[str, np.ndarray]:
    """Each switched-on batch constraint's verdict on every candidate."""
    active = [BY_NAME[n] for n in _batch_names(s)]
    if not active:
        return {}
    e = evaluate(c, s)
    return {con.name: con.batch(e, s.constraints[con.name]) for con in active}


def _number(v):
    return v.item() if hasattr(v, "item") else v


def to_params(c: Candidates, i: int):
    """Candidate ``i`` as validated :class:`~derive.problem.spec.Params`."""
    from derive.problem.spec import parse_params
    return parse_params({
        "nllm_example": {"a": [p / 10 for p in c.nllm_a[i].tolist()], "y": c.nllm_y[i].tolist()},
        "softmax_layer": {"W": c.W[i].tolist(), "b": c.b[i].tolist(), "x": c.x[i].tolist(),
                          "y": c.y[i].tolist(), "lr": _number(c.lr[i]),
                          "query_class": int(c.query_class[i])},
        "network": {"W1": c.W1[i].tolist(), "b1": c.b1[i].tolist(), "W2": c.W2[i].tolist(),
                    "b2": c.b2[i].tolist(), "x": c.net_x[i].tolist(),
                    "y": c.net_y[i].tolist(), "lr": _number(c.net_lr[i])}})


def _identity(c: Candidates, i: int) -> tuple[tuple, tuple]:
    """What 'alike' compares: the softmax-layer and the network parameters."""
    layer = (c.W[i].tobytes(), c.b[i].tobytes(), c.x[i].tobytes(), c.y[i].tobytes(),
             float(c.lr[i]), int(c.query_class[i]))
    net = tuple(getattr(c, f)[i].tobytes() for f in ("W1", "b1", "W2", "b2", "net_x", "net_y")) \
        + (float(c.net_lr[i]),)
    return layer, net


# --------------------------------------------------------------------------
# Selection


def _batch_names(s: VariantSettings) -> list[str]:
    """The switched-on batch constraints, in the order of CONSTRAINTS."""
    return [n for n in s.constraints if n in BY_NAME and BY_NAME[n].batch]


def _screen(streams: list[Stream], s: VariantSettings, names: Sequence[str]) -> None:
    """Draw the next batch of every stream and screen them all in one evaluation."""
    parts = [draw(st.rng, s) for st in streams]
    verdicts = batch_checks(Candidates.concat(parts), s)
    matrix = np.stack([verdicts[n] for n in names], axis=1) if names else \
        np.ones((BATCH * len(parts), 0), bool)
    for j, (st, part) in enumerate(zip(streams, parts)):
        st.refill(part, matrix[j * BATCH:(j + 1) * BATCH])


def _unmeetable(vid: str, stats: Stats, limit: int) -> Unmeetable:
    rates = stats.worst()
    named = ", ".join(f"{n} rejected {r:.0%}" for r, n in rates if r > 0) or "none"
    return Unmeetable("variants.constraints",
                      f"no candidate for {vid} met every constraint in {limit} tries "
                      f"({named} of the candidates it checked); relax or switch off "
                      f"those constraints, or widen the ranges")


def _mistakes_batch(keys: list[dict], factor: float, figures: int = precision.FIGURES,
                    params: list | None = None) -> list[bool]:
    """The distinct_from_mistakes verdict on many keys (``params``: their
    parsed params, if known), with every mistake recomputed for all of them
    in one batch (:func:`derive.numerics.mistakes.recompute_params`)."""
    from derive.variants.constraints import unchanged_items
    from derive.numerics.mistakes import MISTAKES, recompute_params
    from derive.problem.spec import parse_params
    params = params if params is not None else [parse_params(k["params"]) for k in keys]
    sheets = [(m.code, recompute_params(params, (m,))) for m in MISTAKES]
    return [not unchanged_items(key, factor, figures,
                                [(code, sheet) for code, per in sheets for sheet in per[i]],
                                first=True, params=params[i])
            for i, key in enumerate(keys)]


def generate(seed: int, count: int, s: VariantSettings, stats: Stats | None = None,
             progress=None) -> list:
    """Params of variants 0..count-1 (``progress(n)`` is called as n more
    are accepted).

    Variant k takes the first candidate of its stream that passes every
    batch constraint, then the common-mistakes check, then is not alike any
    of variants 0..k-1. Variants are generated CHUNK at a time, in order, so
    memory stays bounded; the chunks never change which candidate a variant
    takes."""
    seed, count = check_seed(seed), check_count(count)
    stats = stats if stats is not None else Stats()
    t0 = time.perf_counter()
    chosen: list = []
    seen: tuple[set, set] = (set(), set())
    try:
        for start in range(0, count, CHUNK):
            _generate_chunk(seed, count, min(count, start + CHUNK), s, stats, chosen, seen,
                            progress)
    finally:
        stats.seconds += time.perf_counter() - t0
    return chosen


def _generate_chunk(seed: int, count: int, stop: int, s: VariantSettings, stats: Stats,
                    chosen: list, seen: tuple[set, set], progress) -> None:
    """Variants len(chosen)..stop-1, appended to ``chosen``. The work goes in
    waves: each wave gives every unfinished variant its next batch-screened
    candidate ("head"), checks all heads against the common mistakes in one
    batch, then accepts heads in order of k while the variants before them
    are done."""
    from derive.numerics.key import build_keys
    names = _batch_names(s)
    streams = {k: Stream(seed, (k,), s.max_candidates) for k in range(len(chosen), stop)}
    factor = s.constraints.get("distinct_from_mistakes")
    heads: dict[int, tuple] = {}   # k -> (candidates, i), passed every check but unique
    while len(chosen) < stop:
        need = [k for k in range(len(chosen), stop) if k not in heads]
        fresh = {}
        while need:
            empty = []
            for k in need:
                st = streams[k]
                i = st.next(stats, names)
                if i is not None:
                    fresh[k] = (st.batch[0], i)
                elif st.spent:
                    raise _unmeetable(variant_id(seed, k, count), stats, s.max_candidates)
                else:
                    empty.append(k)
            if empty:
                _screen([streams[k] for k in empty], s, names)
            need = empty
        if factor is not None and fresh:
            order = sorted(fresh)
            params = [to_params(*fresh[k]) for k in order]
            keys = build_keys(params, [variant_id(seed, k, count) for k in order], seed)
            for k, ok in zip(order, _mistakes_batch(keys, factor, s.figures, params)):
                stats.count("distinct_from_mistakes", not ok, 1)
                if not ok:
                    del fresh[k]
        heads.update(fresh)
        # accept in order of k; a head alike an earlier variant is dropped
        while len(chosen) in heads:
            k = len(chosen)
            c, i = heads.pop(k)
            layer, net = _identity(c, i)
            if "unique" in s.constraints:
                ok = layer not in seen[0] and net not in seen[1]
                stats.count("unique", not ok, 1)
                if not ok:
                    continue   # its next candidate comes in the next wave
            seen[0].add(layer)
            seen[1].add(net)
            chosen.append(to_params(c, i))
            stats.accepted += 1
            del streams[k]   # the rest of its batch is never used: free it
            if progress:
                progress(1)


def generate_keys(seed: int, count: int, s: VariantSettings,
                  stats: Stats | None = None, progress=None) -> list[dict]:
    """The answer keys of variants 0..count-1, evaluated in one batch."""
    from derive.numerics.key import build_keys
    params = generate(seed, count, s, stats, progress)
    return build_keys(params, [variant_id(seed, k, count) for k in range(count)], seed)
