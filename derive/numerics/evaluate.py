"""Numbers: the derived expressions, lambdified once, evaluated on whole batches.

Arrays carry the batch on their last axis: ``x`` is (m, B), ``W`` is
(m, n, B), a bias or target is (n, B). :func:`derive.numerics.solve.solve_parts`
turns the parts of an assignment into every number the answer key and the
handout need, evaluating all instances of the same shape in one call.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence

import numpy as np
import sympy as sp

from derive.numerics import codecache
from derive.calculus.backprop import LOSS, cached_layers
from derive.calculus.rules import LOSSES
from derive.problem.spec import Network


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
def loss_function(loss: str, n: int) -> Callable:
    """ℓ(a₁…aₙ, y₁…yₙ) of a loss of :mod:`derive.calculus.rules`, lambdified
    from its definition (kept in :mod:`derive.numerics.codecache`)."""
    a = sp.symbols(f"a_1:{n + 1}", positive=True)
    y = sp.symbols(f"y_1:{n + 1}", real=True)
    args, exprs = list(a) + list(y), [LOSSES[loss].L(a, y)]
    return codecache.lambdified("loss", args, exprs, lambda: _lambdify(args, exprs))


def stack(rows: Sequence) -> np.ndarray:
    """Instances → one array with the batch axis last."""
    return np.moveaxis(np.asarray(rows, dtype=float), 0, -1)
