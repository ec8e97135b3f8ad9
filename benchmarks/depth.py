"""Cold derive + lambdify of deep networks, composed against layer by layer.

ReLU hidden layers, softmax with NLLM: composed is every layer inlined into the
next (as before), layer by layer is the steps of :func:`derive_layers` (as now)."""

import json
import os
import subprocess
import sys

# sizes: inputs-hidden…-outputs; ReLU hidden layers, softmax with NLLM
ARCHITECTURES = ["2-4-2", "4-6-6-6-4", "10-10-10-10-10", "10-10-10-10-10-10-10"]
# the composed forms of a net this deep take minutes: measured only on request
COMPOSED_LIMIT = int(os.environ.get("HANDOUTS_BENCH_COMPOSED_LAYERS", "4"))

_CHILD = """
import json, sys, time
from derive.calculus.backprop import derive_backprop, derive_layers
from derive.numerics.evaluate import _lambdify, compile_network
from derive.problem.spec import Layer, Network
sizes = [int(s) for s in sys.argv[1].split("-")]
net = Network(sizes[0], tuple(Layer(n, "relu") for n in sizes[1:-1])
              + (Layer(sizes[-1], "softmax"),), "nllm")
t0 = time.perf_counter()
if sys.argv[2] == "composed":
    bp = derive_backprop(net, stable=True)
    t1 = time.perf_counter()
    outputs = [e for v in bp.z + bp.a for e in v] + [bp.loss]
    outputs += [e for v in bp.delta for e in v] + [e for W in bp.dL_dW for e in W]
    outputs += [e for v in bp.back + bp.f_prime for e in v]
    _lambdify(bp.symbols.flat(), outputs)
    _lambdify(bp.symbols.flat()[:-len(bp.symbols.y)], [e for v in bp.z + bp.a for e in v])
else:
    derive_layers(net, stable=True)
    t1 = time.perf_counter()
    compile_network(net, use_cache=False)
print(json.dumps([t1 - t0, time.perf_counter() - t1]))
"""


def cold(sizes: str, way: str) -> tuple[float, float]:
    """(derive, lambdify) seconds in a fresh process, with the code cache off."""
    env = {**os.environ, "HANDOUTS_CACHE": "off"}
    out = subprocess.run([sys.executable, "-c", _CHILD, sizes, way], capture_output=True,
                         text=True, check=True, env=env)
    return tuple(json.loads(out.stdout))


def run() -> None:
    print(f"{'network':>22}  {'composed (s)':>20}  {'layer by layer (s)':>20}  ratio")
    for sizes in ARCHITECTURES:
        new = cold(sizes, "layers")
        if sizes.count("-") <= COMPOSED_LIMIT:
            old = cold(sizes, "composed")
            before = f"{old[0]:.2f} + {old[1]:.2f}"
            ratio = f"{sum(old) / sum(new):.0f}x"
        else:
            before, ratio = "(skipped)", "-"
        print(f"{sizes:>22}  {before:>20}  {new[0]:.2f} + {new[1]:.2f}{'':>8}  {ratio}")
    print("(derive + lambdify, each in a fresh process; composed forms of deeper nets: "
          "HANDOUTS_BENCH_COMPOSED_LAYERS=6)")
