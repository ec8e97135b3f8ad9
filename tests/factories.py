"""Problem instances for tests and benchmarks: varied small-integer params of
the reference shapes (no constraints; see derive.variants.instances for real variants)."""

import numpy as np

from derive.problem.spec import REFERENCE, NetworkParams, Params, SoftmaxLayer


def varied(count: int, seed: int = 0, lr_layer: float = 0.5,
           lr_network: float = 0.25) -> list[Params]:
    """``count`` instances with weights, biases and inputs drawn from −3…3."""
    rng = np.random.default_rng(seed)

    def ints(*shape):
        v = rng.integers(-3, 4, shape).tolist()
        return tuple(map(tuple, v)) if len(shape) == 2 else tuple(v)

    out = []
    for _ in range(count):
        y3, y2 = [0, 0, 0], [0, 0]
        y3[rng.integers(3)] = 1
        y2[rng.integers(2)] = 1
        out.append(Params(
            nllm_example=REFERENCE.nllm_example,
            softmax_layer=SoftmaxLayer(W=ints(2, 3), b=ints(3), x=ints(2), y=tuple(y3),
                                       lr=lr_layer, query_class=int(rng.integers(3))),
            network=NetworkParams(W1=ints(2, 4), b1=ints(4), W2=ints(4, 2), b2=ints(2),
                                  x=ints(2), y=tuple(y2), lr=lr_network)))
    return out
