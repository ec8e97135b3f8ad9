"""Answer keys: lambdified batches against SymPy subs/evalf, and cold start."""

import subprocess
import sys
import time

import sympy as sp

from derive.calculus.backprop import cached_backprop
from tests.schema_1.keys import build_keys
from tests.schema_1.solve import solve_batches
from derive.problem.spec import Params
from tests.factories import varied

COUNT = 10_000


def random_instances(count: int, seed: int = 0) -> list[Params]:
    """Random small-integer instances of the reference shapes."""
    return varied(count, seed, lr_layer=0.5, lr_network=0.5)


def _subs_evalf(instance: Params) -> list:
    """The network's forward and gradient expressions by SymPy subs + evalf."""
    net = instance.network
    bp = cached_backprop(net.network, stable=False)
    s = bp.symbols
    values = list(net.x) + [v for W in net.weights for row in W for v in row] \
        + [v for b in net.biases for v in b] + list(net.y)
    point = dict(zip(s.flat(), values))
    exprs = [e for v in bp.a for e in v] + [e for W in bp.dL_dW for e in W]
    return [sp.sympify(e).subs(point).evalf() for e in exprs]


def run() -> None:
    instances = random_instances(COUNT)
    variants = [f"b{k}" for k in range(COUNT)]
    build_keys(instances[:2], variants[:2])  # derive and lambdify outside the timing
    best = min(_timed(lambda: build_keys(instances, variants)) for _ in range(3))
    numbers = min(_timed(lambda: solve_batches(instances)) for _ in range(3))
    print(f"{COUNT} answer keys in one batch: {best:.3f} s "
          f"({best / COUNT * 1e6:.1f} µs per key; target: under 0.2 s), of which "
          f"evaluating every number takes {numbers:.3f} s and the rest is building "
          f"{COUNT} JSON-ready dicts of lists")
    # the same expressions by subs/evalf, on a sample, per instance
    sample = instances[:20]
    t_subs = _timed(lambda: [_subs_evalf(p) for p in sample]) / len(sample)
    t_lamb = min(_timed(lambda: build_keys(instances[:1000], variants[:1000]))
                 for _ in range(3)) / 1000
    print(f"SymPy subs/evalf of the network alone: {t_subs * 1e3:.1f} ms per instance; "
          f"the whole key lambdified in a batch of 1000: {t_lamb * 1e6:.1f} µs; "
          f"ratio {t_subs / t_lamb:,.0f}x (expected well above 1,000x)")
    cold = _cold_start()
    print(f"cold derivation + lambdify of the whole assignment: {cold:.2f} s "
          f"(target: under 2 s)")


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def _cold_start() -> float:
    code = ("import time; t = time.perf_counter(); from derive.numerics.key import reference_key; "
            "reference_key(); print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip())
