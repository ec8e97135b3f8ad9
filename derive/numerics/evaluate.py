"""Numbers: the derived expressions, lambdified once, evaluated on whole batches.

Arrays carry the batch on their last axis: ``x`` is (m, B), ``W`` is
(m, n, B), a bias or target is (n, B). :func:`solve` turns problem instances
into every number the answer key and the handout need, evaluating all
instances of the same shape in one call.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np
import sympy as sp

from derive.numerics import codecache
from derive.calculus.backprop import LOSS, cached_layers
from derive.calculus.rules import LOSSES
from derive.problem.spec import Network, Params


@dataclass(frozen=True)
class NetworkFunctions:
    """The lambdified forward pass and gradients of one network."""

    network: Network
    full: Callable
    forward: Callable


class _Max(sp.Function):
    """Max that never compares its arguments (SymPy's Max compares them pairwise
    each time cse rebuilds it: most of the time for a large network); printed
    exactly as Max."""

    def _numpycode(self, printer):
        return printer._print_Max(self)


def _without_max(expr: sp.Basic, memo: dict) -> sp.Basic:
    """``expr`` with every Max as :class:`_Max`; ``memo`` visits each shared
    subexpression once (the expressions of a network are DAGs, not trees)."""
    if expr in memo:
        return memo[expr]
    args = [_without_max(a, memo) for a in expr.args]
    if isinstance(expr, sp.Max):
        out = _Max(*args)
    elif any(new is not old for new, old in zip(args, expr.args)):
        out = expr.func(*args)
    else:
        out = expr
    memo[expr] = out
    return out


def _lambdify(args: Sequence[sp.Symbol], exprs: Sequence[sp.Expr]) -> Callable:
    memo: dict = {}
    exprs = [_without_max(e, memo) for e in exprs]
    # use_imps=False: no implemented_function is used, and looking for one walks
    # the whole expression tree without memo
    # order="none": cse's canonical order counts the nodes of every subtree anew
    return sp.lambdify(list(args), exprs, modules="numpy", use_imps=False,
                       cse=lambda e: sp.cse(e, order="none"))


def _lambdify_steps(args: Sequence[sp.Symbol], steps: Sequence[tuple[Sequence, Sequence]],
                    outputs: Sequence[sp.Expr]) -> Callable:
    """One function that evaluates the steps (symbols, expressions) in order,
    each step's common subexpressions shared within it, and returns ``outputs``:
    the code grows with the number of steps, not with their composition."""
    memo: dict = {}
    names = sp.numbered_symbols("c")
    lines: list = []
    for symbols, exprs in steps:
        shared, reduced = sp.cse([_without_max(e, memo) for e in exprs], symbols=names,
                                 order="none")
        lines += shared + list(zip(symbols, reduced))
    return sp.lambdify(list(args), list(outputs), modules="numpy", use_imps=False,
                       cse=lambda e: (lines, e))


@lru_cache(maxsize=None)
def compile_network(net: Network, use_cache: bool = True) -> NetworkFunctions:
    """Derive the steps of each layer (stable forms) and lambdify them once per
    process for each network; the printed code is kept on disk for the next
    process (:mod:`derive.numerics.codecache`)."""
    if use_cache:
        full, fwd = codecache.load(net, "full"), codecache.load(net, "forward")
        if full is not None and fwd is not None:
            return NetworkFunctions(net, full, fwd)
    layers = cached_layers(net, stable=True)
    s, names = layers.symbols, layers.names
    n_params = len(s.flat()) - len(s.y)
    forward = [v for vec in names["z"] + names["a"] for v in vec]
    outputs = forward + [LOSS] + [v for vec in names["d"] for v in vec]
    outputs += [e for W in layers.dL_dW() for e in W]
    outputs += [v for vec in names["g"] + names["fp"] for v in vec]
    full = layers.forward_steps(loss=True) + layers.backward_steps()
    fns = NetworkFunctions(net, _lambdify_steps(s.flat(), full, outputs),
                           _lambdify_steps(s.flat()[:n_params], layers.forward_steps(), forward))
    if use_cache:
        codecache.store(net, "full", fns.full)
        codecache.store(net, "forward", fns.forward)
    return fns


@dataclass(frozen=True)
class Pass:
    """One forward and backward pass over a batch (batch axis last)."""

    z: tuple[np.ndarray, ...]
    a: tuple[np.ndarray, ...]
    loss: np.ndarray
    delta: tuple[np.ndarray, ...]
    dL_dW: tuple[np.ndarray, ...]
    back: tuple[np.ndarray, ...]      # Wˡ⁺¹ δˡ⁺¹ for each hidden layer
    f_prime: tuple[np.ndarray, ...]   # fˡ′(zˡ) for each hidden layer


def _flat_args(x, Ws, bs, y=None) -> list[np.ndarray]:
    args = list(np.asarray(x, float))
    for W in Ws:
        W = np.asarray(W, float)
        args.extend(W.reshape(W.shape[0] * W.shape[1], -1))
    for b in bs:
        args.extend(np.asarray(b, float))
    if y is not None:
        args.extend(np.asarray(y, float))
    return args


def _take(values: list, sizes: Sequence[int], batch: int):
    """Split the flat outputs into arrays of the given sizes, each (size, B)."""
    out, pos = [], 0
    for size in sizes:
        chunk = [np.broadcast_to(np.asarray(v, float), (batch,)) for v in values[pos:pos + size]]
        out.append(np.stack(chunk) if chunk else np.empty((0, batch)))
        pos += size
    return out, values[pos:]


def evaluate_network(net: Network, x, Ws, bs, y) -> Pass:
    """Forward pass, loss, δ for every layer and ∂L/∂W for every layer."""
    fns = compile_network(net)
    x = np.asarray(x, float)
    batch = x.shape[-1]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        values = fns.full(*_flat_args(x, Ws, bs, y))
    units = net.sizes[1:]
    zs, rest = _take(values, units, batch)
    as_, rest = _take(rest, units, batch)
    (loss,), rest = _take(rest, [1], batch)
    deltas, rest = _take(rest, units, batch)
    grads, rest = _take(rest, [m * n for m, n in zip(net.sizes[:-1], units)], batch)
    grads = [g.reshape(m, n, batch) for g, m, n in zip(grads, net.sizes[:-1], units)]
    hidden = units[:-1]
    backs, rest = _take(rest, hidden, batch)
    f_primes, _ = _take(rest, hidden, batch)
    return Pass(z=tuple(zs), a=tuple(as_), loss=loss[0], delta=tuple(deltas),
                dL_dW=tuple(grads), back=tuple(backs), f_prime=tuple(f_primes))


def forward_network(net: Network, x, Ws, bs) -> tuple[tuple[np.ndarray, ...], ...]:
    """(z, a) of every layer for a batch of inputs and weights."""
    fns = compile_network(net)
    x = np.asarray(x, float)
    units = net.sizes[1:]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        values = fns.forward(*_flat_args(x, Ws, bs))
    zs, rest = _take(values, units, x.shape[-1])
    as_, _ = _take(rest, units, x.shape[-1])
    return tuple(zs), tuple(as_)


@lru_cache(maxsize=None)
def _sigmoid_function() -> Callable:
    from derive.calculus.sigmoid import derive_sigmoid, derive_sigmoid_prime, z
    exprs = [derive_sigmoid().lhs, derive_sigmoid_prime().result.doit()]
    return _lambdify([z], [e.rewrite(sp.tanh) for e in exprs])  # tanh: no overflow


def evaluate_sigmoid(z) -> tuple[np.ndarray, np.ndarray]:
    """σ(z) and σ′(z) = σ(z)(1 − σ(z)) on an array, from the derived expressions."""
    s, ds = _sigmoid_function()(np.asarray(z, float))
    return s, ds


@lru_cache(maxsize=None)
def loss_function(loss: str, n: int) -> Callable:
    """ℓ(a₁…aₙ, y₁…yₙ) of a loss of :mod:`derive.calculus.rules`, lambdified
    from its definition."""
    a = sp.symbols(f"a_1:{n + 1}", positive=True)
    y = sp.symbols(f"y_1:{n + 1}", real=True)
    return _lambdify(list(a) + list(y), [LOSSES[loss].L(a, y)])


def evaluate_nllm(a, y) -> np.ndarray:
    """NLLM(a, y) for a batch of probability vectors a (n, B) and targets y."""
    a, y = np.asarray(a, float), np.asarray(y, float)
    (value,) = loss_function("nllm", a.shape[0])(*a, *y)
    return np.broadcast_to(np.asarray(value, float), (a.shape[-1],))


# --------------------------------------------------------------------------
# Problem instances


@dataclass(frozen=True)
class LayerSolution:
    """Questions 6-9 for one instance: before, gradient, step, after."""

    z: np.ndarray
    a: np.ndarray
    loss: np.ndarray
    dL_dz: np.ndarray
    dL_dW: np.ndarray
    W_new: np.ndarray
    z_new: np.ndarray
    a_new: np.ndarray
    loss_new: np.ndarray


@dataclass(frozen=True)
class NetworkSolution:
    """Questions 10-14 for one instance, with every intermediate of backprop."""

    z1: np.ndarray
    a1: np.ndarray
    z2: np.ndarray
    a2: np.ndarray
    loss: np.ndarray
    delta2: np.ndarray
    W2_delta2: np.ndarray   # W² δ², before the ReLU mask
    mask: np.ndarray        # f¹′(z¹) = 1[z¹ > 0]
    delta1: np.ndarray
    dL_dW2: np.ndarray
    dL_dW1: np.ndarray
    W1_new: np.ndarray
    W2_new: np.ndarray
    z1_new: np.ndarray
    a1_new: np.ndarray
    z2_new: np.ndarray
    a2_new: np.ndarray
    loss_new: np.ndarray


@dataclass(frozen=True)
class Solution:
    """Every number of one problem instance."""

    params: Params
    nllm_value: float
    layer: LayerSolution
    network: NetworkSolution


def stack(rows: Sequence) -> np.ndarray:
    """Instances → one array with the batch axis last."""
    return np.moveaxis(np.asarray(rows, dtype=float), 0, -1)


def stack_fields(groups: Sequence, names: Sequence[str]) -> list[np.ndarray]:
    """The fields ``names`` of parameter groups (one per instance), each
    stacked with the batch axis last; ``lr`` comes as a (B,) array."""
    return [stack([getattr(g, name) for g in groups]) for name in names]


def group_indices(items: Sequence, key) -> dict:
    """``key(item)`` -> the indices of the items that share it, in order."""
    out: dict = {}
    for index, item in enumerate(items):
        out.setdefault(key(item), []).append(index)
    return out


def step_layer(net: Network, x, W, b, y, lr) -> LayerSolution:
    """Questions 6-9 on arrays (batch axis last, ``lr`` of shape (B,)):
    forward (z from its exact value), gradient, one step, forward again."""
    from derive.numerics.solve import decided_pass  # solve builds on this module
    before = decided_pass(net, x, [W], [b], y)
    W_new = W - lr * before["dL_dW"][0]
    after = evaluate_network(net, x, [W_new], [b], y)
    return LayerSolution(
        z=before["z"][0], a=before["a"][0], loss=before["loss"], dL_dz=before["delta"][0],
        dL_dW=before["dL_dW"][0], W_new=W_new, z_new=after.z[0], a_new=after.a[0],
        loss_new=after.loss)


def _solve_layer(group: list[Params]) -> LayerSolution:
    p = [g.softmax_layer for g in group]
    return _batch_first(step_layer(p[0].network,
                                   *stack_fields(p, ("x", "W", "b", "y", "lr"))))


def _solve_network(group: list[Params]) -> NetworkSolution:
    p = [g.network for g in group]
    return _batch_first(step_network(
        p[0].network, *stack_fields(p, ("x", "W1", "b1", "W2", "b2", "y", "lr"))))


def step_network(net: Network, x, W1, b1, W2, b2, y, lr) -> NetworkSolution:
    """Questions 10-14 on arrays (batch axis last, ``lr`` of shape (B,)):
    forward, backprop with the exact decisions (ReLU′(0) = 0 at the kink, an
    exactly-zero W²δ² is 0: :func:`derive.numerics.solve.decided_pass`), one
    step for both weights, forward again."""
    from derive.numerics.solve import decided_pass  # solve builds on this module
    before = decided_pass(net, x, [W1, W2], [b1, b2], y)
    # both steps use the gradients of the forward pass (W² before its update)
    W1_new = W1 - lr * before["dL_dW"][0]
    W2_new = W2 - lr * before["dL_dW"][1]
    after = evaluate_network(net, x, [W1_new, W2_new], [b1, b2], y)
    return NetworkSolution(
        z1=before["z"][0], a1=before["a"][0], z2=before["z"][1], a2=before["a"][1],
        loss=before["loss"], delta2=before["delta"][1], W2_delta2=before["back"][0],
        mask=before["f_prime"][0], delta1=before["delta"][0], dL_dW2=before["dL_dW"][1],
        dL_dW1=before["dL_dW"][0], W1_new=W1_new, W2_new=W2_new, z1_new=after.z[0],
        a1_new=after.a[0], z2_new=after.z[1], a2_new=after.a[1], loss_new=after.loss)


def _batch_first(solution):
    """The same solution with the batch axis first (and no negative zeros)."""
    return type(solution)(**{f.name: np.moveaxis(getattr(solution, f.name), -1, 0) + 0.0
                             for f in fields(solution)})


def _split(batch, k: int):
    return type(batch)(**{f.name: getattr(batch, f.name)[k] for f in fields(batch)})


@dataclass(frozen=True)
class Batches:
    """Solved instances, grouped by shape; arrays have the batch axis first."""

    nllm_value: np.ndarray
    layer: list[tuple[list[int], LayerSolution]]
    network: list[tuple[list[int], NetworkSolution]]


def solve_batches(instances: Sequence[Params]) -> Batches:
    """Every number of every instance; instances of one shape share one batch."""
    instances = list(instances)
    layer_shape = lambda q: (len(q.softmax_layer.x), len(q.softmax_layer.b))  # noqa: E731
    net_shape = lambda q: (len(q.network.x), len(q.network.b1), len(q.network.b2))  # noqa: E731
    layers = [(idx, _solve_layer([instances[i] for i in idx]))
              for idx in group_indices(instances, layer_shape).values()]
    networks = [(idx, _solve_network([instances[i] for i in idx]))
                for idx in group_indices(instances, net_shape).values()]
    nllm = np.empty(len(instances))
    for idx in group_indices(instances, lambda q: len(q.nllm_example.a)).values():
        a = stack([instances[i].nllm_example.a for i in idx])
        y = stack([instances[i].nllm_example.y for i in idx])
        nllm[idx] = evaluate_nllm(a, y)
    return Batches(nllm, layers, networks)


def solve(instances: Sequence[Params]) -> list[Solution]:
    """Every number of every instance, one :class:`Solution` each."""
    instances = list(instances)
    b = solve_batches(instances)
    layers: list = [None] * len(instances)
    networks: list = [None] * len(instances)
    for idx, batch in b.layer:
        for k, i in enumerate(idx):
            layers[i] = _split(batch, k)
    for idx, batch in b.network:
        for k, i in enumerate(idx):
            networks[i] = _split(batch, k)
    return [Solution(p, float(v), l, n)
            for p, v, l, n in zip(instances, b.nllm_value, layers, networks)]
