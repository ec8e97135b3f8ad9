"""Seeded variant problem sets: settings, candidate generation, constraints.

Variant ``k`` of seed ``S`` draws its candidates from its own random stream,
``numpy.random.SeedSequence(S, spawn_key=(k,))`` (the k-th child of
``SeedSequence(S).spawn``), and takes the first candidate that meets every
switched-on constraint and is not alike any of variants 0..k-1. So variant k
depends only on (S, k) and the settings: ``--count 40`` extends ``--count 30``.

Candidates are drawn and screened a batch at a time: the batch-level
constraints run on the whole batch through :func:`derive.numerics.evaluate.evaluate_network`;
the answer-key check (common mistakes) runs only on the screened survivors,
in stream order, until one passes.

:func:`build_set` turns the keys into a set folder: each variant is compiled
by a worker (:mod:`derive.executors`), written to a temporary folder and
moved into place whole, with a stamp of its content hash (key, .tex sources,
drawing code) so an unchanged variant is never rebuilt; the collections are
the variants' PDFs joined (``collection = "merge"``, default) or typeset
anew by :func:`derive.documents.build.build_collection` (``"typeset"``, on the
workers); the exports come last, the manifest very last.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from derive.numerics import precision
from derive.variants.constraints import BY_NAME, parse_constraints
from derive.files import (TEMP_PREFIX, commit, files_digest, sha256_file, swap_in,
                          temp_folder, umask, updating)
from derive.problem.spec import InputError, check_decimals

BATCH = 128           # candidates drawn per stream and round (fixed: part of the stream)
CHUNK = 256           # variants generated together (bounds memory; never changes a variant)
MAX_COUNT = 100_000
MAX_SIZE = 8
MAX_ENTRY = 100
COLLECTION_MODES = ("merge", "typeset")


def variant_id(seed: int, k: int, count: int) -> str:
    """``s<seed>-<k>``, k zero-padded to the width of the count (ANSWER_KEY.md):
    ``s7-03`` in a set of 30. Extending a set keeps its ids while the count
    keeps its number of digits; the variants themselves never change."""
    return f"s{seed}-{k:0{len(str(count))}d}"


# --------------------------------------------------------------------------
# Settings: the [variants] table of the config


@dataclass(frozen=True)
class LayerRanges:
    """Questions 6-9: sizes, integer ranges [lo, hi] and step sizes."""

    inputs: int = 2
    classes: int = 3
    W: tuple[int, int] = (-2, 2)
    b: tuple[int, int] = (0, 0)
    x: tuple[int, int] = (-2, 2)
    lr: tuple[float, ...] = (0.1, 0.25, 0.5, 1)


@dataclass(frozen=True)
class NetworkRanges:
    """Questions 10-14: sizes, integer ranges [lo, hi] and step sizes."""

    inputs: int = 2
    hidden: int = 4
    outputs: int = 2
    W1: tuple[int, int] = (-2, 2)
    b1: tuple[int, int] = (-2, 2)
    W2: tuple[int, int] = (-1, 1)
    b2: tuple[int, int] = (-1, 1)
    x: tuple[int, int] = (-2, 3)
    lr: tuple[float, ...] = (0.1, 0.25, 0.5, 1)


@dataclass(frozen=True)
class VariantSettings:
    """Everything the generator reads from ``[variants]``."""

    softmax_layer: LayerRanges = LayerRanges()
    network: NetworkRanges = NetworkRanges()
    constraints: dict = field(default_factory=lambda: parse_constraints({}))
    max_candidates: int = 20_000
    collection: str = "merge"   # or "typeset" (see build_set)
    figures: int = precision.FIGURES   # [course] figures: the precision contract


_SIZES = {"inputs": 1, "classes": 2, "hidden": 1, "outputs": 2}  # name -> minimum


def _size(value, field: str, least: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= MAX_SIZE:
        raise InputError(field, f"expected a whole number from {least} to {MAX_SIZE}, "
                         f"got {value!r}")
    return value


def _range(value, field: str) -> tuple[int, int]:
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, int) for v in value)):
        raise InputError(field, f"expected an integer range [lowest, highest], got {value!r}")
    lo, hi = value
    if lo > hi:
        raise InputError(field, f"empty range [{lo}, {hi}]: lowest is above highest")
    if max(abs(lo), abs(hi)) > MAX_ENTRY:
        raise InputError(field, f"range [{lo}, {hi}] too wide (entries up to ±{MAX_ENTRY})")
    return lo, hi


def _choices(value, field: str) -> tuple[float, ...]:
    if not isinstance(value, (list, tuple)):
        raise InputError(field, f"expected a list of step sizes, got {value!r}")
    if not value:
        raise InputError(field, "empty list of step sizes")
    for i, v in enumerate(value):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 100:
            raise InputError(f"{field}[{i}]", f"expected a step size in (0, 100], got {v!r}")
        check_decimals(v, f"{field}[{i}]")
    return tuple(value)


def _group(data, section: str, cls):
    if not isinstance(data, dict):
        raise InputError(section, "expected a table")
    defaults = cls()
    names = tuple(cls.__dataclass_fields__)
    values = {}
    for name, value in data.items():
        field_name = f"{section}.{name}"
        if name not in names:
            raise InputError(field_name, "unknown field; expected " + ", ".join(names))
        if name in _SIZES:
            values[name] = _size(value, field_name, _SIZES[name])
        elif name == "lr":
            values[name] = _choices(value, field_name)
        else:
            values[name] = _range(value, field_name)
    return type(defaults)(**{**defaults.__dict__, **values})


def parse_settings(data: Any, section: str = "variants",
                   figures: int = precision.FIGURES) -> VariantSettings:
    """Validate the ``[variants]`` table (every field optional); ``figures``
    is the config's ``[course] figures`` (see :func:`settings_of`)."""
    if not isinstance(data, dict):
        raise InputError(section, "expected a table")
    known = tuple(VariantSettings.__dataclass_fields__)
    for name in data:
        if name not in known:
            raise InputError(f"{section}.{name}", "unknown field; expected " + ", ".join(known))
    out = {}
    if "softmax_layer" in data:
        out["softmax_layer"] = _group(data["softmax_layer"], f"{section}.softmax_layer",
                                      LayerRanges)
    if "network" in data:
        out["network"] = _group(data["network"], f"{section}.network", NetworkRanges)
    if "constraints" in data:
        out["constraints"] = parse_constraints(data["constraints"], f"{section}.constraints")
    if "max_candidates" in data:
        m = data["max_candidates"]
        if isinstance(m, bool) or not isinstance(m, int) or not 1 <= m <= 10**7:
            raise InputError(f"{section}.max_candidates",
                             f"expected a whole number from 1 to 10^7, got {m!r}")
        out["max_candidates"] = m
    if "collection" in data:
        if data["collection"] not in COLLECTION_MODES:
            raise InputError(f"{section}.collection", f"expected one of "
                             f"{', '.join(map(repr, COLLECTION_MODES))}, got {data['collection']!r}")
        out["collection"] = data["collection"]
    settings = VariantSettings(**out, figures=figures)
    if settings.softmax_layer.classes > 10:
        raise InputError(f"{section}.softmax_layer.classes", "at most 10 (question 5 "
                         "uses probabilities in tenths)")
    return settings


def settings_of(config) -> VariantSettings:
    """The generator settings of a course config: its ``[variants]`` table
    and its ``[course] figures``."""
    return parse_settings(config.variants, figures=config.course.figures)


def check_seed(seed: Any, field: str = "--seed") -> int:
    """A seed is a non-negative integer (NumPy's SeedSequence entropy)."""
    if isinstance(seed, str):
        try:
            seed = int(seed, 10)
        except ValueError:
            raise InputError(field, f"expected a whole number, got {seed!r}") from None
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise InputError(field, f"expected a whole number >= 0, got {seed!r}")
    return seed


def check_count(count: Any, field: str = "--count") -> int:
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        raise InputError(field, f"expected a whole number from 1 to {MAX_COUNT}, got {count!r}")
    return count


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
    active = [BY_NAME[n] for n in s.constraints if BY_NAME[n].batch]
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


@dataclass
class Stats:
    """What ``handouts stress`` reports: how the constraints treated the
    candidates examined (up to each accepted one)."""

    examined: int = 0
    accepted: int = 0
    rejected: dict = field(default_factory=dict)   # name -> candidates it rejected
    checked: dict = field(default_factory=dict)    # name -> candidates it was checked on
    seconds: float = 0.0

    def count(self, name: str, rejected: int, checked: int) -> None:
        self.rejected[name] = self.rejected.get(name, 0) + int(rejected)
        self.checked[name] = self.checked.get(name, 0) + int(checked)


def _batch_names(s: VariantSettings) -> list[str]:
    """The switched-on batch constraints, in the order of CONSTRAINTS."""
    return [n for n in s.constraints if BY_NAME[n].batch]


class _Stream:
    """One variant's candidates, drawn and screened a batch at a time and
    examined in stream order, at most ``max_candidates`` of them."""

    def __init__(self, seed: int, k: int, s: VariantSettings):
        self.rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(k,)))
        self.s = s
        self.tried = 0      # candidates examined
        self.batch: tuple[Candidates, np.ndarray] | None = None  # with its verdicts (B, n)
        self.pos = 0        # the next candidate of the batch to examine

    def refill(self, c: Candidates, verdicts: np.ndarray) -> None:
        self.batch, self.pos = (c, verdicts), 0

    def next(self, stats: Stats, names: Sequence[str]) -> int | None:
        """Examine candidates up to the next that passes every batch check
        (its index in the batch), or to the end of the batch or of the
        allowance (None)."""
        if self.batch is None:
            return None
        c, ok = self.batch
        limit = min(len(c), self.pos + self.s.max_candidates - self.tried)
        passing = np.flatnonzero(ok[self.pos:limit].all(axis=1))
        end = self.pos + int(passing[0]) + 1 if len(passing) else limit
        seen = ok[self.pos:end]
        stats.examined += len(seen)
        for name, rejected in zip(names, (~seen).sum(axis=0)):
            stats.count(name, rejected, len(seen))
        self.tried += end - self.pos
        self.pos = end
        return end - 1 if len(passing) else None


def _screen(streams: list[_Stream], s: VariantSettings, names: Sequence[str]) -> None:
    """Draw the next batch of every stream and screen them all in one evaluation."""
    parts = [draw(st.rng, s) for st in streams]
    verdicts = batch_checks(Candidates.concat(parts), s)
    matrix = np.stack([verdicts[n] for n in names], axis=1) if names else \
        np.ones((BATCH * len(parts), 0), bool)
    for j, (st, part) in enumerate(zip(streams, parts)):
        st.refill(part, matrix[j * BATCH:(j + 1) * BATCH])


class Unmeetable(InputError):
    """No candidate met the constraints within ``max_candidates``."""


def _unmeetable(vid: str, stats: Stats, limit: int) -> Unmeetable:
    rates = sorted(((stats.rejected.get(n, 0) / max(stats.checked.get(n, 1), 1), n)
                    for n in stats.checked), reverse=True)
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
    streams = {k: _Stream(seed, k, s) for k in range(len(chosen), stop)}
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
                elif st.tried >= s.max_candidates:
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


# --------------------------------------------------------------------------
# The set build: every variant's PDFs and key, the collections, the exports

DOCUMENTS = {"problems": "problems", "solutions": "solutions"}  # kind -> file stem
STAMP = ".content-hash"   # in each variant folder: its content hash and its files' sha256
COLLECTIONS = (("all-problems.pdf", False), ("all-solutions.pdf", True))
# the set's files besides the variants, each with its sha256 in the manifest
SHARED = ("keys.json", "keys.csv", "moodle.xml", "all-problems.pdf", "all-solutions.pdf")


def default_out(seed: int) -> Path:
    return Path("reports") / "variants" / f"s{seed}"


@lru_cache(maxsize=None)
def source_digest() -> str:
    """sha256 of the package's code and templates: a new version of either can
    change every document, so it is part of what a build was made from."""
    from derive.documents.render import template_dir
    package = Path(__file__).resolve().parent.parent
    files = sorted(package.rglob("*.py")) + sorted(
        p for p in Path(template_dir()).rglob("*") if p.is_file())
    return files_digest(f for f in files if "__pycache__" not in f.parts)


def inputs_digest(seed: int, s: VariantSettings, config) -> str:
    """What a set is made from: the seed, the generator settings, the config
    and the code. Equal digests give equal keys and equal .tex sources."""
    text = json.dumps([seed, repr(s), config.digest, repr(config.course), source_digest()])
    return hashlib.sha256(text.encode()).hexdigest()


def content_hash(key_text: str, sources: dict[str, str]) -> str:
    """sha256 of a variant's key, its .tex sources and the code that draws
    its figures and compiles it (which the .tex does not show)."""
    h = hashlib.sha256(key_text.encode() + b"\0" + _drawing_digest().encode())
    for name in sorted(sources):
        h.update(b"\0" + name.encode() + b"\0" + sources[name].encode())
    return h.hexdigest()


@lru_cache(maxsize=None)
def _drawing_digest() -> str:
    import derive.documents.build
    import derive.documents.figures
    import derive.documents.network_figure
    import derive.documents.plotting
    return files_digest(m.__file__ for m in (derive.documents.build, derive.documents.figures,
                                             derive.documents.network_figure, derive.documents.plotting))


def _sources(keys: Sequence[dict], config) -> list[dict[str, str]]:
    """The .tex sources of every variant, rendered without drawing anything
    (the figures are named, not drawn: their content follows from the key)."""
    from derive.documents.build import render_documents
    from derive.documents.figures import figure_names, figure_path
    # as build_documents names them
    return [render_documents(k, config, figures={name: figure_path(name)
                                                 for name in figure_names(k)})
            for k in keys]


def build_variant_files(key: dict, config) -> dict[str, bytes] | str:
    """Worker task: one variant's documents, as {relative path: bytes}, or the
    one-line LaTeX error (exceptions with extra fields do not cross process
    or cluster boundaries reliably)."""
    from derive.documents.build import LatexError, build_documents
    try:
        with temp_folder("handouts-variant-") as out:
            paths = build_documents(key, config, out, names=DOCUMENTS)
            return {str(p.relative_to(out)): p.read_bytes() for p in paths}
    except LatexError as e:
        return f"{key['variant']}: {e.with_log()}"


def build_collection_file(keys: list[dict], config, solutions: bool) -> bytes | str:
    """Worker task: all-problems.pdf or all-solutions.pdf, as bytes."""
    from derive.documents.build import LatexError, build_collection
    try:
        with temp_folder("handouts-collection-") as out:
            return build_collection(keys, config, out / "collection.pdf",
                                    solutions=solutions).read_bytes()
    except LatexError as e:
        return f"{'all-solutions' if solutions else 'all-problems'}: {e.with_log()}"


class BuildFailed(RuntimeError):
    """A document did not compile: one line naming the variant, file, line, message."""


@dataclass
class SetReport:
    """What a build did."""

    out: Path
    built: list[str]
    skipped: list[str]
    collections: bool
    seconds: float


def _install_variant(out: Path, vid: str, files: dict[str, bytes], key_text: str,
                     digest: str) -> None:
    """Write a variant to a temporary folder, with its stamp (content hash and
    the sha256 of every file), then swap it in whole."""
    files = {**files, "key.json": key_text.encode()}
    stamp = {"content": digest,
             "files": {rel: hashlib.sha256(data).hexdigest() for rel, data in sorted(files.items())}}
    tmp = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{vid}-", dir=out))
    try:
        os.chmod(tmp, 0o777 & ~umask())  # mkdtemp makes it private
        for rel, data in files.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_bytes(data)
        (tmp / STAMP).write_text(json.dumps(stamp, indent=1) + "\n", encoding="utf-8")
        swap_in(tmp, out / vid)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


REQUIRED = tuple(f"{stem}.{ext}" for stem in DOCUMENTS.values() for ext in ("tex", "pdf")) \
    + ("key.json",)


def variant_damage(folder: Path, digest: str) -> str | None:
    """What is wrong with a variant folder built from content ``digest``
    (``None`` when every file its stamp lists is there, byte for byte)."""
    if not folder.is_dir():
        return "missing"
    try:
        stamp = json.loads((folder / STAMP).read_text(encoding="utf-8"))
        recorded = stamp["files"]
        content = stamp["content"]
    except (OSError, ValueError, TypeError, KeyError):
        return f"no readable {STAMP}"
    if content != digest:
        return "built from other content (another key, sources or code)"
    if not isinstance(recorded, dict) or not set(REQUIRED) <= set(recorded):
        return f"{STAMP} lists no " + ", ".join(sorted(set(REQUIRED) - set(recorded or ())))
    for rel, sha in recorded.items():
        found = sha256_file(folder / rel)
        if found != sha:
            return f"{rel} {'missing' if found is None else 'changed'}"
    return None


def _clean_leftovers(out: Path) -> None:
    """Remove what an interrupted run left behind (never a finished variant)."""
    for p in out.iterdir():
        if p.name.startswith(TEMP_PREFIX):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)


def _read_manifest(out: Path) -> dict:
    try:
        data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _intact_shared(out: Path, manifest: dict) -> set[str]:
    """The set's shared files whose bytes are those the manifest recorded."""
    recorded = manifest.get("files")
    if not isinstance(recorded, dict):
        return set()
    return {name for name in SHARED if recorded.get(name) and
            sha256_file(out / name) == recorded[name]}


def _cached_keys(out: Path, manifest: dict, inputs: str, seed: int, count: int):
    """The keys and content hashes of an earlier build from the same inputs
    (no derivation, no rendering), or None."""
    if manifest.get("inputs") != inputs or not isinstance(manifest.get("count"), int) \
            or manifest["count"] < count or "keys.json" not in _intact_shared(out, manifest):
        return None
    try:
        keys = json.loads((out / "keys.json").read_text(encoding="utf-8"))[:count]
    except (OSError, ValueError):
        return None
    ids = [variant_id(seed, k, count) for k in range(count)]
    hashes = manifest.get("variants", {})
    if [k.get("variant") for k in keys] != ids or any(i not in hashes for i in ids):
        return None
    return keys, [hashes[i] for i in ids]


def _progress(total: int, enabled: bool | None):
    from tqdm import tqdm
    enabled = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(total=total, disable=not enabled or total == 0, unit="doc",
                desc="variants", file=sys.stderr, leave=False)


def _check_options(executor: str, jobs, scheduler):
    from derive import executors as ex
    if executor == "local":
        jobs = ex.check_jobs(ex.default_jobs() if jobs is None else jobs)
    elif executor not in ex.EXECUTORS:
        raise InputError("--executor", f"unknown executor {executor!r}; choose one of "
                         + ", ".join(ex.EXECUTORS))
    if executor == "dask" and not scheduler:
        raise InputError("--scheduler", "--executor dask needs the scheduler's address "
                         "(for example tcp://10.0.0.5:8786)")
    if executor == "local" and scheduler:
        raise InputError("--scheduler", "only used with --executor dask")
    return jobs


def build_set(count: int, seed: int, config, out: str | Path | None = None, *,
              jobs: int | None = None, executor: str = "local",
              scheduler: str | None = None, progress: bool | None = None) -> SetReport:
    """Build a variant set into ``out``: per variant problems/solutions .tex
    and .pdf and key.json; keys.json, keys.csv, all-problems.pdf,
    all-solutions.pdf, moodle.xml and manifest.json. A variant whose files
    are those its stamp records, from the same content, is not rebuilt;
    anything damaged or missing is. Each variant folder is swapped in whole;
    the shared files are committed together at the end (a second run into
    the same folder is refused meanwhile)."""
    t0 = time.perf_counter()
    seed, count = check_seed(seed), check_count(count)
    settings = settings_of(config)
    jobs = _check_options(executor, jobs, scheduler)
    out = Path(out) if out is not None else default_out(seed)
    made = not out.exists()
    try:
        with updating(out) as stage:
            _clean_leftovers(out)
            built, skipped, collections = _build_in_set(
                out, stage, count, seed, config, settings, jobs, executor, scheduler, progress)
    except BaseException:
        if made and not any(out.glob("[!.]*")):  # say, unmeetable constraints: leave nothing
            shutil.rmtree(out, ignore_errors=True)
        raise
    return SetReport(out, built, skipped, collections, time.perf_counter() - t0)


def _build_in_set(out: Path, stage: Path, count: int, seed: int, config, settings,
                  jobs, executor: str, scheduler, progress):
    from derive import executors as ex
    from derive.variants.exports import keys_csv, manifest_json, moodle_xml
    from derive.numerics.key import dumps
    inputs = inputs_digest(seed, settings, config)
    manifest = _read_manifest(out)
    intact = _intact_shared(out, manifest)
    cached = _cached_keys(out, manifest, inputs, seed, count)
    if cached:
        keys, hashes = cached
    else:
        keys = generate_keys(seed, count, settings)
        hashes = [content_hash(dumps(k), sources) for k, sources in
                  zip(keys, _sources(keys, config))]
    ids = [k["variant"] for k in keys]

    todo = [i for i, (vid, h) in enumerate(zip(ids, hashes)) if variant_damage(out / vid, h)]
    collection = hashlib.sha256(json.dumps([ids, hashes, settings.collection]).encode()).hexdigest()
    collections = [(name, sol) for name, sol in COLLECTIONS
                   if manifest.get("collection") != collection or name not in intact]
    if todo or collections:
        with ex.open_executor(executor, jobs, scheduler) as pool:
            _run(pool, out, stage, keys, [dumps(k) for k in keys], hashes, todo, collections,
                 config, progress, settings.collection)

    shared = {name: stage / name for name, _ in collections}
    if not (cached and manifest.get("count") == count and {
            "keys.json", "keys.csv", "moodle.xml"} <= intact):
        for name, text in (("keys.json", dumps(keys)), ("keys.csv", keys_csv(keys)),
                           ("moodle.xml", moodle_xml(keys, config.course.figures))):
            (stage / name).write_text(text, encoding="utf-8")
            shared[name] = stage / name
    files = {name: sha256_file(shared.get(name, out / name)) for name in SHARED}
    (stage / "manifest.json").write_text(manifest_json(
        seed=seed, count=count, config_digest=config.digest, inputs=inputs,
        variants=dict(zip(ids, hashes)), collection=collection,
        extra={"files": files}), encoding="utf-8")
    shared["manifest.json"] = stage / "manifest.json"
    # only what changed is moved in: an unchanged set keeps every file as it was
    commit(stage, out, [name for name, path in shared.items()
                        if sha256_file(path) != sha256_file(out / name)])
    return [ids[i] for i in todo], [v for i, v in enumerate(ids) if i not in set(todo)], \
        bool(collections)


def check_set(count: int, seed: int, out: str | Path | None = None) -> list[str]:
    """What is damaged or missing in the set at ``out`` (empty when whole):
    every file against the hashes the manifest and the variants' stamps
    recorded. Builds nothing, writes nothing."""
    seed, count = check_seed(seed), check_count(count)
    out = Path(out) if out is not None else default_out(seed)
    if out.exists() and not out.is_dir():
        raise InputError("--out", f"{out} exists and is not a folder")
    manifest = _read_manifest(out)
    if not manifest:
        return [f"{out}: no readable manifest.json (no set, or one never finished)"]
    damage = []
    if manifest.get("seed") != seed or not isinstance(manifest.get("count"), int) \
            or manifest["count"] < count:
        damage.append(f"manifest.json: a set of {manifest.get('count')} variants of seed "
                      f"{manifest.get('seed')}, not {count} of seed {seed}")
    intact = _intact_shared(out, manifest)
    damage += [f"{name}: changed or missing" for name in SHARED if name not in intact]
    hashes = manifest.get("variants") if isinstance(manifest.get("variants"), dict) else {}
    for k in range(count):
        vid = variant_id(seed, k, manifest.get("count") if isinstance(
            manifest.get("count"), int) and manifest["count"] >= count else count)
        problem = variant_damage(out / vid, hashes[vid]) if vid in hashes else \
            "not in manifest.json"
        if problem:
            damage.append(f"{vid}: {problem}")
    return damage


def _run(pool, out: Path, stage: Path, keys, key_texts, hashes, todo, collections, config,
         progress, mode: str = "merge") -> None:
    """Submit every variant (and, to typeset them, the collections first: the
    longest tasks); install each result as it arrives; then merge the
    collections from the finished PDFs. Collections go to ``stage``."""
    pending = {}
    if mode == "typeset":
        for name, solutions in collections:
            pending[pool.submit(build_collection_file, keys, config, solutions)] = ("set", name)
    for i in todo:
        pending[pool.submit(build_variant_files, keys[i], config)] = ("variant", i)
    merges = collections if mode == "merge" else []
    bar = _progress(len(pending) + len(merges), progress)
    try:
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            # keep what finished before raising what failed
            for f in sorted(done, key=lambda f: f.exception() is not None):
                kind, what = pending.pop(f)
                result = f.result()
                if isinstance(result, str):
                    raise BuildFailed(result)
                if kind == "set":
                    (stage / what).write_bytes(result)
                else:
                    _install_variant(out, keys[what]["variant"], result, key_texts[what],
                                     hashes[what])
                bar.update(1)
        if merges:
            from concurrent.futures import ThreadPoolExecutor
            ids = [k["variant"] for k in keys]
            with ThreadPoolExecutor(len(merges)) as threads:
                for name, data in zip([n for n, _ in merges], threads.map(
                        lambda m: merge_collection(out, ids, DOCUMENTS[
                            "solutions" if m[1] else "problems"]), merges)):
                    (stage / name).write_bytes(data)
                    bar.update(1)
    finally:
        for f in pending:
            f.cancel()
        bar.close()


# A blank page of a given size: after a variant with an odd number of pages,
# so each variant starts on a new sheet when printed on both sides.
BLANK_PAGE = r"""\pdftrailerid{}
\documentclass{article}
\pdfpagewidth=((( width )))bp \pdfpageheight=((( height )))bp
\pagestyle{empty}
\begin{document}
\null
\end{document}
"""
_PAGES = re.compile(r"^Pages:\s+(\d+)$", re.M)
_SIZE = re.compile(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", re.M)


def _pdfinfo(pdf: Path) -> tuple[int, tuple[str, str]]:
    """(pages, (width, height) in points) of a PDF, by poppler's pdfinfo."""
    text = _poppler(["pdfinfo", str(pdf)]).decode("latin-1")
    pages, size = _PAGES.search(text), _SIZE.search(text)
    if not pages or not size:
        raise BuildFailed(f"{pdf}: pdfinfo cannot read it")
    return int(pages[1]), (size[1], size[2])


def _poppler(cmd: list[str]) -> bytes:
    try:
        return subprocess.run(cmd, capture_output=True, check=True, timeout=120).stdout
    except FileNotFoundError:
        raise BuildFailed(f"{cmd[0]} not found; install poppler-utils "
                          "(make setup installs it)") from None
    except subprocess.CalledProcessError as e:
        raise BuildFailed(f"{cmd[0]} failed: "
                          f"{e.stderr.decode('latin-1').strip().splitlines()[-1:]}") from None


def merge_collection(out: Path, ids: Sequence[str], stem: str) -> bytes:
    """One print-ready PDF of every variant's ``<stem>.pdf``, in order, the
    pages as compiled (each with its variant id in the header), joined by
    poppler's pdfunite; a blank page after a variant with an odd number of
    pages."""
    from derive.documents.build import compile_pdf
    from derive.documents.render import make_env
    work = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}merge-{stem}-", dir=out))
    try:
        parts, blanks = [], {}
        for vid in ids:
            pdf = out / vid / f"{stem}.pdf"
            pages, size = _pdfinfo(pdf)
            parts.append(str(pdf))
            if pages % 2:
                if size not in blanks:
                    tex = work / f"blank{len(blanks)}.tex"
                    tex.write_text(make_env().from_string(BLANK_PAGE).render(
                        width=size[0], height=size[1]), encoding="utf-8")
                    blanks[size] = str(compile_pdf(tex))
                parts.append(blanks[size])
        _poppler(["pdfunite", *parts, str(work / "all.pdf")])
        return fixed_id((work / "all.pdf").read_bytes())
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fixed_id(pdf: bytes) -> bytes:
    """The PDF with its trailer's /ID (which pdfunite draws from the clock)
    replaced by the MD5 of the rest of the file, so equal inputs give equal
    bytes. The trailer follows the cross-reference table, so no offset moves."""
    start = pdf.rfind(b"/ID [")
    if start < 0:
        return pdf
    end = _end_of_array(pdf, start + len(b"/ID ["))
    digest = hashlib.md5(pdf[:start] + pdf[end:]).hexdigest().encode()
    return pdf[:start] + b"/ID [<" + digest + b"> <" + digest + b">]" + pdf[end:]


def _end_of_array(pdf: bytes, i: int) -> int:
    """Index just past the ``]`` closing the array whose content starts at i,
    skipping PDF literal strings (escapes, balanced parentheses) and hex strings."""
    depth = 0
    while i < len(pdf):
        ch = pdf[i:i + 1]
        if depth:
            if ch == b"\\":
                i += 1
            elif ch == b"(":
                depth += 1
            elif ch == b")":
                depth -= 1
        elif ch == b"(":
            depth = 1
        elif ch == b"<":
            i = pdf.index(b">", i)
        elif ch == b"]":
            return i + 1
        i += 1
    raise BuildFailed("pdfunite wrote a PDF without a complete /ID")

