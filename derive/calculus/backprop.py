"""Backpropagation for a network described as data (:class:`derive.spec.Network`).

Everything is built from explicit scalar symbols (SymPy's ``MatrixSymbol``
calculus can silently return 0): ``x_i``, ``W{l}_{i}_{j}`` (row = input i,
column = unit j, as in the assignment), ``b{l}_{j}`` (the bias w0ˡ), ``y_j``.

The gradients come from the textbook recursion, built from the local rules of
:mod:`derive.calculus.rules`:

    δᴸ = ∂L/∂zᴸ,   δˡ = (Wˡ⁺¹ δˡ⁺¹) ⊙ fˡ′(zˡ),   ∂L/∂Wˡ = aˡ⁻¹ (δˡ)ᵀ,   ∂L/∂w0ˡ = δˡ

and :func:`direct_gradients` differentiates the composed loss instead, so the
two can be compared entry by entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from derive.calculus.rules import ACTIVATIONS, LOSSES, Elementwise, output_delta, stable_loss
from derive.spec import Network

Vec = tuple[sp.Expr, ...]


@dataclass(frozen=True)
class NetworkSymbols:
    """The scalar symbols of one network instance."""

    x: Vec
    W: tuple[sp.ImmutableMatrix, ...]
    b: tuple[Vec, ...]
    y: Vec

    def flat(self) -> list[sp.Symbol]:
        """All symbols in argument order: x, W¹…Wᴸ (row-major), w0¹…w0ᴸ, y."""
        out = list(self.x)
        for W in self.W:
            out.extend(W)
        for b in self.b:
            out.extend(b)
        return out + list(self.y)


@dataclass(frozen=True)
class Backprop:
    """Forward pass, loss and gradients of one network, all as expressions."""

    network: Network
    symbols: NetworkSymbols
    z: tuple[Vec, ...]
    a: tuple[Vec, ...]
    loss: sp.Expr
    delta: tuple[Vec, ...]
    dL_dW: tuple[sp.ImmutableMatrix, ...]
    dL_db: tuple[Vec, ...]
    # the two factors of δˡ = (Wˡ⁺¹ δˡ⁺¹) ⊙ fˡ′(zˡ) for each hidden layer
    back: tuple[Vec, ...] = ()
    f_prime: tuple[Vec, ...] = ()


def symbols_for(net: Network) -> NetworkSymbols:
    """Explicit scalar symbols for every input, weight, bias and target."""
    sizes = net.sizes
    x = sp.symbols(f"x_1:{sizes[0] + 1}", real=True)
    W = tuple(sp.ImmutableMatrix(sizes[l - 1], sizes[l],
                                 lambda i, j, l=l: sp.Symbol(f"W{l}_{i + 1}_{j + 1}", real=True))
              for l in range(1, len(sizes)))
    b = tuple(sp.symbols(f"b{l}_1:{sizes[l] + 1}", real=True) for l in range(1, len(sizes)))
    y = sp.symbols(f"y_1:{sizes[-1] + 1}", real=True)
    return NetworkSymbols(x=tuple(x), W=W, b=tuple(tuple(v) for v in b), y=tuple(y))


def forward(net: Network, s: NetworkSymbols, stable: bool = False,
            hidden: Elementwise | None = None):
    """zˡ = (Wˡ)ᵀ aˡ⁻¹ + w0ˡ and aˡ = fˡ(zˡ) for every layer, a⁰ = x.

    ``hidden`` replaces the activation of every hidden layer (see
    :func:`direct_gradients`).
    """
    zs, as_ = [], []
    a_prev: Vec = s.x
    for l, layer in enumerate(net.layers):
        W, b = s.W[l], s.b[l]
        z = tuple(sp.Add(*[W[i, j] * a_prev[i] for i in range(W.rows)]) + b[j]
                  for j in range(W.cols))
        a = tuple(_activation(net, l, hidden).forward(z, stable=stable))
        zs.append(z)
        as_.append(a)
        a_prev = a
    return tuple(zs), tuple(as_)


def _activation(net: Network, l: int, hidden: Elementwise | None):
    if hidden is not None and l < len(net.layers) - 1:
        return hidden
    return ACTIVATIONS[net.layers[l].activation]


def derive_backprop(net: Network, stable: bool = False,
                    hidden: Elementwise | None = None) -> Backprop:
    """Gradients of the loss by the δ recursion.

    ``stable`` gives the forms to evaluate numerically; ``hidden`` replaces
    every hidden activation (see :func:`direct_gradients`).
    """
    s = symbols_for(net)
    z, a = forward(net, s, stable=stable, hidden=hidden)
    out = net.layers[-1].activation
    loss = (stable_loss(out, net.loss, z[-1], a[-1], s.y) if stable
            else LOSSES[net.loss].L(a[-1], s.y))
    deltas = [tuple(output_delta(out, net.loss, z[-1], a[-1], s.y))]
    backs, f_primes = [], []
    for l in range(len(net.layers) - 2, -1, -1):
        W_next, d_next = s.W[l + 1], deltas[0]
        act = _activation(net, l, hidden)
        back = tuple(sp.Add(*[W_next[i, j] * d_next[j] for j in range(W_next.cols)])
                     for i in range(W_next.rows))
        f_prime = tuple(act.df(z[l][i], a[l][i]) for i in range(W_next.rows))
        backs.insert(0, back)
        f_primes.insert(0, f_prime)
        deltas.insert(0, tuple(bi * fi for bi, fi in zip(back, f_prime)))
    inputs = (s.x,) + a[:-1]
    dW = tuple(sp.ImmutableMatrix(len(inputs[l]), len(deltas[l]),
                                  lambda i, j, l=l: inputs[l][i] * deltas[l][j])
               for l in range(len(net.layers)))
    return Backprop(network=net, symbols=s, z=z, a=a, loss=loss,
                    delta=tuple(deltas), dL_dW=dW, dL_db=tuple(deltas),
                    back=tuple(backs), f_prime=tuple(f_primes))


def direct_gradients(net: Network, hidden: Elementwise | None = None):
    """∂L/∂Wˡ and ∂L/∂w0ˡ by differentiating the composed loss directly.

    ``hidden``, when given, replaces every hidden activation; with an undefined
    function f it proves the recursion for any elementwise activation.
    """
    s = symbols_for(net)
    z, a = forward(net, s, hidden=hidden)
    L = LOSSES[net.loss].L(a[-1], s.y)
    dW = tuple(W.applyfunc(lambda w: sp.diff(L, w)) for W in s.W)
    db = tuple(tuple(sp.diff(L, bj) for bj in b) for b in s.b)
    return s, L, dW, db


@lru_cache(maxsize=None)
def cached_backprop(net: Network, stable: bool = True) -> Backprop:
    """:func:`derive_backprop`, once per process for each network."""
    return derive_backprop(net, stable=stable)
