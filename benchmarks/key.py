"""10,000 answer keys (schema 2) in one batch, against the numbers alone.

Measure: :func:`derive.numerics.key.build_assignment_keys` of the reference
assignment for COUNT instances. Floor: the lambdified batch evaluation it
does (:func:`derive.numerics.solve.solve_batch`: per part, its data
stacked into arrays, the decided forward and backward pass, the step, the
pass after it; no object per instance). CPU time of this process; measure
and floor alternate, the best of RUNS each, after a warm-up (derivation and lambdify are not timed)."""

import time

from benchmarks._table import Row, alternate, timed
from derive.numerics.key import build_assignment_keys
from derive.numerics.solve import solve_batch
from derive.problem.assignment import load_assignment
from derive.problem.reference import reference_instance
from tests.factories import varied

COUNT = 10_000
RUNS = 3


def instances(count: int, seed: int = 0) -> list[dict]:
    """``count`` instances of the reference (part id -> its data), drawn
    fast: small integers of the reference's shapes, no constraints."""
    return [{p.id: p.given for p in reference_instance(params).parts if p.given is not None}
            for params in varied(count, seed, lr_layer=0.5, lr_network=0.5)]


def run() -> list[Row]:
    reference = load_assignment("reference")
    data = instances(COUNT)
    ids = [f"b{k}" for k in range(COUNT)]
    build_assignment_keys(reference, data[:2], ids[:2], 0)  # derive and lambdify first
    parts = [p for p in reference.parts if p.given is not None]

    def keys() -> float:
        return timed(lambda: build_assignment_keys(reference, data, ids, 0), time.process_time)

    def alone() -> float:
        return timed(lambda: [solve_batch(p, [d.get(p.id, p.given) for d in data])
                              for p in parts], time.process_time)

    now, floor = alternate(keys, alone, RUNS)
    row = Row(f"{COUNT:,} keys in one batch (CPU)", now, floor, 3)
    print(row.line())
    return [row]
