"""The stress test of the variant generator (like R/exams' ``stresstest_exercise``)
and an audit of the variants it accepts.

The audit looks for the degeneracies that make a variant poorer than the
reference (a zero input, a hidden layer where fewer than two distinct units
learn, ties, a mistake that leaves an item looking right). It reads only the
accepted variants' answer keys and the mistake library, and is written apart
from :mod:`derive.variants.constraints` on purpose: it checks the constraints rather
than repeating them, so with the default constraints every rate must be 0.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from derive.problem import precision

AUDIT_CHUNK = 500   # keys built and audited at a time

# degeneracy -> what it means (the rows of the report, in this order)
DEGENERACIES = {
    "zero_input": "an input entry is 0 (softmax layer or network)",
    "W1_unchanged": "dL/dW1 is 0: question 13's W1 stays as it was",
    "one_unit_learns": "fewer than two hidden units learn (with different W2 rows)",
    "sparse_W1_gradient": "fewer than two columns of dL/dW1 with two non-zero entries",
    "twin_units": "two hidden units alike (W1 column and b1 entry)",
    "tied_probabilities": "two class probabilities tie at the precision asked",
    "near_kink": "a hidden pre-activation within the kink margin of 0",
    "mistake_unseen": "a common mistake leaves an item it concerns unchanged",
    "mistake_blank": "a common mistake gives zeros, a copy of the given data, or what "
                     "doing nothing gives (graded as no attempt, not as the mistake)",
}


@dataclass
class Audit:
    """How many accepted variants show each degeneracy; ``unseen`` breaks
    ``mistake_unseen`` down by (mistake, item); ``excused`` counts q14 left
    unchanged by a mistake that shows in q12 or q13 (graded as carried
    forward, so not a degeneracy)."""

    figures: int = precision.FIGURES
    margin: float = 0.5
    variants: int = 0
    found: dict = field(default_factory=lambda: dict.fromkeys(DEGENERACIES, 0))
    unseen: dict = field(default_factory=dict)
    excused: dict = field(default_factory=dict)   # q14 unchanged, q12/q13 not

    def rates(self) -> dict[str, float]:
        return {name: n / max(self.variants, 1) for name, n in self.found.items()}

    def add(self, keys: list[dict]) -> None:
        """Audit a batch of answer keys."""
        from derive.numerics.mistakes import MISTAKES, recompute_many
        sheets = {m.code: recompute_many(keys, (m,)) for m in MISTAKES}
        for i, key in enumerate(keys):
            found = _degeneracies(key, self.figures, self.margin)
            unseen, excused = set(), set()
            for code, per in sheets.items():
                for sheet in per[i]:
                    items = _unseen_items(key["answers"], sheet, self.figures)
                    for item in items:
                        # q14 follows from the student's own q12/q13 (carried forward)
                        shown = [q for q in ("q12", "q13") if q in sheet and q not in items]
                        (excused if item == "q14" and shown else unseen).add((code, item))
            found["mistake_unseen"] = bool(unseen)
            found["mistake_blank"] = _shows_no_work(
                key, [sheet for per in sheets.values() for sheet in per[i]], self.figures)
            for pair in unseen:
                self.unseen[pair] = self.unseen.get(pair, 0) + 1
            for pair in excused - unseen:
                self.excused[pair] = self.excused.get(pair, 0) + 1
            for name, bad in found.items():
                self.found[name] += bool(bad)
            self.variants += 1


def _is_zero(v) -> np.ndarray:
    """Entries a student may answer with 0 under the precision contract."""
    return precision.within(0.0, v)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def _tied(p, figures: int) -> bool:
    """Two entries, either within the rounded-too-early band of the other."""
    return any(precision.within(u, v, figures - 1) or precision.within(v, u, figures - 1)
               for u, v in combinations(np.asarray(p, float).tolist(), 2))


def _degeneracies(key: dict, figures: int, margin: float) -> dict[str, bool]:
    p, ans = key["params"], key["answers"]
    L = {k: np.asarray(v, float) for k, v in p["softmax_layer"].items()}
    N = {k: np.asarray(v, float) for k, v in p["network"].items()}
    g1 = np.asarray(ans["q13"]["grad"])
    z1 = N["W1"].T @ N["x"] + N["b1"]
    z1_new = np.asarray(ans["q13"]["W"]).T @ N["x"] + N["b1"]
    learning = [j for j in range(len(z1)) if z1[j] > 0 and not _is_zero(g1[:, j]).all()]
    units = {(tuple(N["W1"][:, j]), N["b1"][j]) for j in range(len(z1))}
    full_columns = sum(int((~_is_zero(g1[:, j])).sum()) >= min(2, g1.shape[0])
                       for j in range(g1.shape[1]))
    probabilities = (p["nllm_example"]["a"], _softmax(L["W"].T @ L["x"] + L["b"]),
                     _softmax(np.asarray(ans["q8"]).T @ L["x"] + L["b"]),
                     ans["q11"], ans["q14"])
    return {
        "zero_input": bool((L["x"] == 0).any() or (N["x"] == 0).any()),
        "W1_unchanged": bool(_is_zero(g1).all()),
        "one_unit_learns": len({tuple(N["W2"][j]) for j in learning}) < 2,
        "sparse_W1_gradient": full_columns < 2,
        "twin_units": len(units) < len(z1),
        "tied_probabilities": any(_tied(a, figures) for a in probabilities),
        "near_kink": bool(min(np.abs(z1).min(), np.abs(z1_new).min()) < margin),
    }


def _parts(answer, prefix: str) -> dict[str, np.ndarray]:
    """The numeric parts of an answer: q12 -> {q12.grad, q12.W}, q5 -> {q5}."""
    if isinstance(answer, dict):
        if "value" in answer:
            return {prefix: np.asarray(answer["value"], float)}
        return {f"{prefix}.{k}": np.asarray(v, float) for k, v in answer.items()
                if k in ("grad", "W")}
    return {prefix: np.asarray(answer, float)}


def _unseen_items(answers: dict, sheet: dict, figures: int) -> list[str]:
    """The numeric items of a mistake's sheet where every entry of every part
    is within one unit of the key's (figures - 1)-th significant figure."""
    out = []
    for item, wrong in sheet.items():
        if isinstance(wrong, dict) and "sympy" in wrong:
            continue   # a formula item (q1-q4)
        right, given = _parts(answers[item], item), _parts(wrong, item)
        if all(given[k].shape == right[k].shape
               and precision.within(given[k], right[k], figures - 1).all() for k in right):
            out.append(item)
    return out


def _shows_no_work(key: dict, sheets: list[dict], figures: int) -> bool:
    """Whether some mistake's sheet has an answer (a part) that shows no work."""
    from derive.numerics.key import nothing_done
    from derive.problem.spec import parse_params
    given = [np.asarray(v, float) for v in parse_params(key["params"]).given_arrays()]
    nothing = nothing_done(key)
    for sheet in sheets:
        for item, wrong in sheet.items():
            if isinstance(wrong, dict) and "sympy" in wrong:
                continue
            for part, value in _parts(wrong, item).items():
                data = given + ([np.asarray(nothing[part], float)] if part in nothing else [])
                if precision.blank(value, data, figures):
                    return True
    return False


# --------------------------------------------------------------------------
# The stress test


@dataclass
class StressReport:
    """Acceptance, rejections per constraint, answer ranges, the audit and
    the time per variant."""

    seed: int
    count: int
    stats: object                            # derive.variants.selection.Stats
    ranges: dict[str, tuple[float, float]]   # item (q12.grad, ...) -> (min, max)
    audit: Audit
    seconds: float                           # generating the variants and their keys
    audit_seconds: float


def _bar(total: int, desc: str, enabled: bool | None):
    import sys

    from tqdm import tqdm
    enabled = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(total=total, desc=desc, unit="variant", file=sys.stderr, leave=False,
                disable=not enabled)


def stress(seed: int, count: int, s, progress: bool | None = None) -> StressReport:
    """Generate ``count`` variants with settings ``s`` and report how the
    generator fared and what the accepted variants look like (a progress
    bar on a terminal, or as ``progress`` says)."""
    from derive.variants.constraints import BY_NAME
    from derive.numerics.key import build_keys
    from derive.variants.generate import generate
    from derive.variants.selection import Stats
    from derive.variants.settings import variant_id
    stats = Stats()
    t0 = time.perf_counter()
    with _bar(count, "generate", progress) as bar:
        params = generate(seed, count, s, stats, bar.update)
    audit = Audit(figures=s.figures,
                  margin=s.constraints.get("kink_margin", BY_NAME["kink_margin"].default))
    ranges: dict[str, tuple[float, float]] = {}
    seconds = time.perf_counter() - t0
    audit_seconds = 0.0
    with _bar(count, "audit", progress) as bar:
        for start in range(0, count, AUDIT_CHUNK):
            t1 = time.perf_counter()
            part = params[start:start + AUDIT_CHUNK]
            keys = build_keys(part, [variant_id(seed, start + k, count)
                                     for k in range(len(part))], seed)
            add_ranges(ranges, keys)
            t2 = time.perf_counter()
            audit.add(keys)
            seconds += t2 - t1
            audit_seconds += time.perf_counter() - t2
            bar.update(len(part))
    return StressReport(seed, count, stats, ranges, audit, seconds, audit_seconds)


def add_ranges(ranges: dict[str, tuple[float, float]], keys: list[dict]) -> None:
    """Widen ``ranges`` (item -> (min, max) of its entries) by the keys' answers."""
    from derive.variants.exports import flat_answers
    for key in keys:
        for name, v in flat_answers(key):
            item = name.split("[")[0]
            lo, hi = ranges.get(item, (v, v))
            ranges[item] = (min(lo, v), max(hi, v))


@dataclass
class AssignmentStress:
    """Acceptance and rejections per part and constraint of an assignment's
    variants, the answers' ranges, and the time it took."""

    name: str
    seed: int
    count: int
    stats: object                            # derive.variants.selection.Stats
    ranges: dict[str, tuple[float, float]]
    seconds: float


def stress_assignment(assignment, seed: int, count: int, s,
                      progress: bool | None = None) -> AssignmentStress:
    """Generate ``count`` variants of ``assignment`` (settings ``s``) and
    report how each part's constraints treated the candidates."""
    from derive.variants.instances import generate_assignment_keys
    from derive.variants.selection import Stats
    stats = Stats()
    t0 = time.perf_counter()
    with _bar(count, "generate", progress) as bar:
        keys = generate_assignment_keys(assignment, seed, count, s, stats, bar.update)
    seconds = time.perf_counter() - t0
    ranges: dict[str, tuple[float, float]] = {}
    add_ranges(ranges, keys)
    return AssignmentStress(assignment.name, seed, count, stats, ranges, seconds)
