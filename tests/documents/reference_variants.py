"""The reference's variants through the generic path, for the tests that
check figures and captions over many instances."""

from __future__ import annotations

from functools import lru_cache

from derive.numerics.solve import solve_part
from derive.problem.assignment import load_assignment
from derive.problem.config import Config
from derive.variants.instances import generate_instances
from derive.variants.settings import settings_of

SEED, COUNT = 20261128, 200


@lru_cache(maxsize=None)
def reference_variants(count: int = COUNT, seed: int = SEED) -> list[tuple[int, object, dict]]:
    """Variants 0..count-1 of reference.toml: (k, the assignment with the
    variant's data, part id -> the part's solution)."""
    ref = load_assignment("reference")
    out = []
    for k, data in enumerate(generate_instances(ref, seed, count, settings_of(Config()))):
        v = ref.with_given(data)
        out.append((k, v, {p.id: solve_part(p) for p in v.parts if p.given is not None}))
    return out


def part(assignment, part_id: str):
    """The part ``part_id`` of ``assignment``."""
    return next(p for p in assignment.parts if p.id == part_id)
