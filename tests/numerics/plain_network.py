"""An independent reference for the tests: a plain NumPy forward pass and
loss (no SymPy, nothing from derive.numerics), central finite differences of
it, and random networks and instances. Arrays have the batch axis last."""

import numpy as np

from derive.problem.assignment import Part, PartData, Question
from derive.problem.spec import Layer, Network


def _softmax(z):
    e = np.exp(z - z.max(axis=0))
    return e / e.sum(axis=0)


# σ(z) = 1 / (1 + e^(−z)) = e^(−ln(1 + e^(−z))), which never overflows
ACT = {"identity": lambda z: z, "sigmoid": lambda z: np.exp(-np.logaddexp(0, -z)),
       "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "softmax": _softmax}


def forward(net, x, Ws, bs):
    """zˡ and aˡ of every layer."""
    zs, as_, a = [], [], x
    for layer, W, b in zip(net.layers, Ws, bs):
        z = np.einsum("ijb,ib->jb", W, a) + b
        a = ACT[layer.activation](z)
        zs.append(z)
        as_.append(a)
    return zs, as_


def loss(net, a, y, name=None):
    """ℓ(a, y) of the network's loss (or the loss ``name``)."""
    name = name or net.loss
    if name == "nllm":
        return -(y * np.log(a)).sum(axis=0)
    if name == "nll":
        return -(y * np.log(a) + (1 - y) * np.log(1 - a)).sum(axis=0)
    return 0.5 * ((a - y) ** 2).sum(axis=0)


def total_loss(net, x, Ws, bs, y):
    return loss(net, forward(net, x, Ws, bs)[1][-1], y)


def finite_differences(net, x, Ws, bs, y, h=1e-6):
    """Central differences of the loss in every weight and bias entry, for
    the whole batch at once: (dW per layer, db per layer)."""
    def partials(params, rebuild):
        out = []
        for l, P in enumerate(params):
            D = np.empty_like(P)
            for idx in np.ndindex(P.shape[:-1]):
                plus, minus = P.copy(), P.copy()
                plus[idx] += h
                minus[idx] -= h
                D[idx] = (total_loss(net, x, *rebuild(l, plus), y)
                          - total_loss(net, x, *rebuild(l, minus), y)) / (2 * h)
            out.append(D)
        return out
    dW = partials(Ws, lambda l, P: (Ws[:l] + [P] + Ws[l + 1:], bs))
    db = partials(bs, lambda l, P: (Ws, bs[:l] + [P] + bs[l + 1:]))
    return dW, db


PAIRS = [("softmax", "nllm"), ("sigmoid", "nll"), ("identity", "mse"), ("sigmoid", "mse"),
         ("tanh", "mse"), ("relu", "mse")]
HIDDEN = ["identity", "sigmoid", "tanh", "relu"]


def random_network(i: int, rng) -> Network:
    """Network ``i`` of a covering family: output pairs cycle through
    :data:`PAIRS`, then depth through 1-4 (24 networks: every pair at every
    depth), hidden activations through :data:`HIDDEN`; sizes are random in
    1..6 (2..6 for softmax)."""
    out, loss_name = PAIRS[i % len(PAIRS)]
    depth = 1 + (i // len(PAIRS)) % 4
    layers = [Layer(int(rng.integers(1, 7)), HIDDEN[(i + l) % 4]) for l in range(depth - 1)]
    layers.append(Layer(int(rng.integers(2 if out == "softmax" else 1, 7)), out))
    return Network(int(rng.integers(1, 7)), tuple(layers), loss_name)


def random_targets(net, rng, batch):
    n = net.sizes[-1]
    if net.loss == "nllm":
        return np.eye(n)[rng.integers(0, n, batch)].T
    if net.loss == "nll":
        return rng.integers(0, 2, (n, batch)).astype(float)
    return rng.normal(0, 1, (n, batch))


def random_instances(net, rng, batch, scale=1.0):
    """x, Ws, bs, y, lr of ``batch`` random instances."""
    s = net.sizes
    x = rng.normal(0, scale, (s[0], batch))
    Ws = [rng.normal(0, scale, (s[l], s[l + 1], batch)) for l in range(len(s) - 1)]
    bs = [rng.normal(0, scale, (s[l + 1], batch)) for l in range(len(s) - 1)]
    return x, Ws, bs, random_targets(net, rng, batch), rng.choice([0.1, 0.25, 0.5, 1.0], batch)


def to_datas(x, Ws, bs, y, lr) -> list[PartData]:
    """Batch-last arrays as one PartData an instance."""
    def tup(a):
        return tuple(tup(v) for v in a) if np.ndim(a) else float(a)
    return [PartData(W=tuple(tup(W[..., i]) for W in Ws), b=tuple(tup(b[..., i]) for b in bs),
                     x=tup(x[..., i]), y=tup(y[..., i]), lr=float(lr[i]))
            for i in range(x.shape[-1])]


def stacked(datas, field):
    """One field of many PartData, batch axis last (``W`` and ``b``: a list by layer)."""
    if field in ("W", "b"):
        return [np.moveaxis(np.array([getattr(d, field)[l] for d in datas], float), 0, -1)
                for l in range(len(getattr(datas[0], field)))]
    return np.moveaxis(np.array([getattr(d, field) for d in datas], float), 0, -1)


def part_with_steps(net, steps, given=None, extra=()) -> Part:
    """A part whose step updates ``steps`` (gradient-step questions), plus ``extra`` questions."""
    qs = tuple(Question(f"s{p}", "gradient-step", 1, (("param", p),)) for p in steps)
    return Part("p", "p", qs + tuple(extra), net, given)
