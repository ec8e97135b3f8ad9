"""10,000 answer keys (schema 2) in one batch, against the numbers alone.

Measure: :func:`derive.numerics.key.build_assignment_keys` of the reference
assignment for COUNT instances. Floor: the lambdified batch evaluation it
does (:func:`derive.numerics.solve.solve_parts` without the per-instance
solutions it returns): per part, its data stacked into arrays, the decided
forward and backward pass, the step, the pass after it. CPU time of this process; measure and floor alternate, the best of
RUNS each, after a warm-up (derivation and lambdify are not timed)."""

import time

from benchmarks._table import Row, alternate, timed
from derive.numerics.key import build_assignment_keys
from derive.numerics.evaluate import stack
from derive.numerics.solve import decided_pass
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


def numbers(part, datas) -> None:
    """Every number of ``part`` for ``datas``, in arrays (batch axis last)."""
    L = len(part.network.layers)
    x, y, lr = (stack([getattr(d, f) for d in datas]) for f in ("x", "y", "lr"))
    Ws = [stack([d.W[l] for d in datas]) for l in range(L)]
    bs = [stack([d.b[l] for d in datas]) for l in range(L)]
    before = decided_pass(part.network, x, Ws, bs, y)
    for name in part.step_params:
        l = int(name[1:]) - 1
        grad = before["dL_dW"][l] if name[0] == "W" else before["delta"][l]
        (Ws if name[0] == "W" else bs)[l] = (Ws if name[0] == "W" else bs)[l] - lr * grad
    if part.step_params:
        decided_pass(part.network, x, Ws, bs, y)


def run() -> list[Row]:
    reference = load_assignment("reference")
    data = instances(COUNT)
    ids = [f"b{k}" for k in range(COUNT)]
    build_assignment_keys(reference, data[:2], ids[:2], 0)  # derive and lambdify first
    parts = [p for p in reference.parts if p.given is not None]

    def keys() -> float:
        return timed(lambda: build_assignment_keys(reference, data, ids, 0), time.process_time)

    def alone() -> float:
        return timed(lambda: [numbers(p, [d.get(p.id, p.given) for d in data])
                              for p in parts], time.process_time)

    now, floor = alternate(keys, alone, RUNS)
    row = Row(f"{COUNT:,} keys in one batch (CPU)", now, floor, 3)
    print(row.line())
    return [row]
