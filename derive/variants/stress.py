"""The stress test of the variant generator (like R/exams' ``stresstest_exercise``)
of any assignment, and an audit of the variants it accepts
(:mod:`derive.variants.audit`)."""

from __future__ import annotations

import time
from dataclasses import dataclass

AUDIT_CHUNK = 100   # variants audited between two updates of the progress bar


def _bar(total: int, desc: str, enabled: bool | None):
    import sys

    from tqdm import tqdm
    enabled = sys.stderr.isatty() if enabled is None else enabled
    return tqdm(total=total, desc=desc, unit="variant", file=sys.stderr, leave=False,
                disable=not enabled)


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
    variants, the answers' ranges, the audit, and the time each took."""

    name: str
    seed: int
    count: int
    stats: object                            # derive.variants.selection.Stats
    ranges: dict[str, tuple[float, float]]
    seconds: float                           # generating the variants and their keys
    audit: object = None                     # derive.variants.audit.Audit
    audit_seconds: float = 0.0


def stress_assignment(assignment, seed: int, count: int, s,
                      progress: bool | None = None) -> AssignmentStress:
    """Generate ``count`` variants of ``assignment`` (settings ``s``) and
    report how each part's constraints treated the candidates, and audit
    the accepted variants (a progress bar on a terminal, or as ``progress`` says)."""
    from derive.variants.audit import Audit
    from derive.variants.instances import generate_assignment_keys
    from derive.variants.richness import BY_NAME
    from derive.variants.selection import Stats
    stats = Stats()
    t0 = time.perf_counter()
    with _bar(count, "generate", progress) as bar:
        keys = generate_assignment_keys(assignment, seed, count, s, stats, bar.update)
    ranges: dict[str, tuple[float, float]] = {}
    add_ranges(ranges, keys)
    seconds = time.perf_counter() - t0
    audit = Audit(figures=s.figures,
                  margin=s.constraints.get("kink_margin", BY_NAME["kink_margin"].default))
    with _bar(count, "audit", progress) as bar:
        for start in range(0, count, AUDIT_CHUNK):
            audit.add(assignment, keys[start:start + AUDIT_CHUNK])
            bar.update(len(keys[start:start + AUDIT_CHUNK]))
    return AssignmentStress(assignment.name, seed, count, stats, ranges, seconds, audit,
                            time.perf_counter() - t0 - seconds)
