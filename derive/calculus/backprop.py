"""Backpropagation for a network described as data (:class:`derive.problem.spec.Network`).

Everything is built from explicit scalar symbols (SymPy's ``MatrixSymbol``
calculus can silently return 0): ``x_i``, ``W{l}_{i}_{j}`` (row = input i,
column = unit j, as in the assignment), ``b{l}_{j}`` (the bias w0ˡ), ``y_j``.

The gradients come from the textbook recursion, built from the local rules of
:mod:`derive.calculus.rules`:

    δᴸ = ∂L/∂zᴸ,   δˡ = (Wˡ⁺¹ δˡ⁺¹) ⊙ fˡ′(zˡ),   ∂L/∂Wˡ = aˡ⁻¹ (δˡ)ᵀ,   ∂L/∂w0ˡ = δˡ

:func:`derive_layers` writes each step in the intermediate symbols of its own
layer (zˡ, aˡ, δˡ are symbols), so the steps stay the size of one layer and
the derivation grows linearly with depth; :mod:`derive.numerics.evaluate` evaluates them
in order. :func:`inline` substitutes the symbols back into composed forms (for
algebra on small networks), and :func:`direct_gradients` differentiates the
composed loss instead, so the two can be compared entry by entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy as sp

from derive.calculus.rules import ACTIVATIONS, LOSSES, Elementwise, output_delta, stable_loss
from derive.problem.spec import Network

Vec = tuple[sp.Expr, ...]
LOSS = sp.Symbol("loss", real=True)  # ℓ, computed beside the output layer


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


@dataclass(frozen=True)
class Layers:
    """The δ recursion as local steps: each layer's expressions in terms of the
    intermediate symbols of its neighbours (``z{l}_j``, ``a{l}_j``, ``d{l}_j``
    for δˡ, ``g{l}_j`` for Wˡ⁺¹δˡ⁺¹, ``fp{l}_j`` for fˡ′(zˡ)), so each step stays
    the size of one layer however deep the network is.

    ``z[l]`` is in aˡ⁻¹ (a⁰ = x), ``a[l]`` in zˡ, ``loss`` and ``delta[-1]`` in
    zᴸ, aᴸ and y, ``back[l]`` in Wˡ⁺² and δˡ⁺², ``f_prime[l]`` in zˡ⁺¹ and aˡ⁺¹
    (hidden layers only), and ``delta[l] = g ⊙ fp`` for a hidden layer.
    """

    network: Network
    symbols: NetworkSymbols
    names: dict[str, tuple[Vec, ...]]   # the intermediate symbols, by kind
    z: tuple[Vec, ...]
    a: tuple[Vec, ...]
    loss: sp.Expr
    delta: tuple[Vec, ...]
    back: tuple[Vec, ...]
    f_prime: tuple[Vec, ...]
    output: tuple[Vec, sp.Expr]   # aᴸ and ℓ with zᴸ composed in: in aᴸ⁻¹ and y

    def forward_steps(self, loss: bool = False) -> list[tuple[Vec, Vec]]:
        """(symbols, expressions) of zˡ, then aˡ, layer by layer: the order to
        evaluate. The output layer is one step: zᴸ, aᴸ (and with ``loss``, ℓ)
        in aᴸ⁻¹, so that a shifted softmax and log-softmax share zᴸ − max zᴸ."""
        out = []
        for l in range(len(self.z) - 1):
            out += [(self.names["z"][l], self.z[l]), (self.names["a"][l], self.a[l])]
        symbols, exprs = self.names["z"][-1] + self.names["a"][-1], self.z[-1] + self.output[0]
        if loss:
            symbols, exprs = symbols + (LOSS,), exprs + (self.output[1],)
        return out + [(symbols, exprs)]

    def backward_steps(self) -> list[tuple[Vec, Vec]]:
        """(symbols, expressions) of δᴸ, then gˡ, fpˡ and δˡ down to the first layer."""
        out = [(self.names["d"][-1], self.delta[-1])]
        for l in range(len(self.back) - 1, -1, -1):
            out += [(self.names["g"][l], self.back[l]), (self.names["fp"][l], self.f_prime[l]),
                    (self.names["d"][l], self.delta[l])]
        return out

    def inputs(self) -> tuple[Vec, ...]:
        """aˡ⁻¹ of every layer, as symbols: x, a¹, …, aᴸ⁻¹."""
        return (self.symbols.x,) + self.names["a"][:-1]

    def dL_dW(self) -> tuple[sp.ImmutableMatrix, ...]:
        """∂ℓ/∂Wˡ = aˡ⁻¹ (δˡ)ᵀ in the symbols of aˡ⁻¹ and δˡ."""
        return tuple(sp.ImmutableMatrix(len(a), len(d), lambda i, j, a=a, d=d: a[i] * d[j])
                     for a, d in zip(self.inputs(), self.names["d"]))


def _names(kind: str, sizes) -> tuple[Vec, ...]:
    return tuple(tuple(sp.symbols(f"{kind}{l + 1}_1:{n + 1}", real=True)) for l, n in
                 enumerate(sizes))


def derive_layers(net: Network, stable: bool = False,
                  hidden: Elementwise | None = None) -> Layers:
    """The forward and backward steps of every layer, each from its local rule:
    zˡ = (Wˡ)ᵀ aˡ⁻¹ + w0ˡ, aˡ = fˡ(zˡ), δᴸ = ∂ℓ/∂zᴸ, δˡ = (Wˡ⁺¹ δˡ⁺¹) ⊙ fˡ′(zˡ).

    ``stable`` gives the forms to evaluate numerically; ``hidden`` replaces
    every hidden activation (see :func:`direct_gradients`).
    """
    s = symbols_for(net)
    units = net.sizes[1:]
    names = {kind: _names(kind, units) for kind in ("z", "a", "d")}
    names.update({kind: _names(kind, units[:-1]) for kind in ("g", "fp")})
    zs, as_ = [], []
    for l, a_prev in enumerate((s.x,) + names["a"][:-1]):
        W, b = s.W[l], s.b[l]
        zs.append(tuple(sp.Add(*[W[i, j] * a_prev[i] for i in range(W.rows)]) + b[j]
                        for j in range(W.cols)))
        as_.append(tuple(_activation(net, l, hidden).forward(names["z"][l], stable=stable)))
    out, z_L, a_L = net.layers[-1].activation, names["z"][-1], names["a"][-1]
    loss = _loss(net, z_L, a_L, s.y, stable)
    # built anew, not substituted: substituting into a shifted softmax re-evaluates its max
    a_out = tuple(_activation(net, len(units) - 1, hidden).forward(zs[-1], stable=stable))
    output = (a_out, _loss(net, zs[-1], a_out, s.y, stable))
    backs, f_primes, deltas = [], [], []
    for l in range(len(net.layers) - 1):
        W_next, d_next = s.W[l + 1], names["d"][l + 1]
        act = _activation(net, l, hidden)
        backs.append(tuple(sp.Add(*[W_next[i, j] * d_next[j] for j in range(W_next.cols)])
                           for i in range(W_next.rows)))
        f_primes.append(tuple(act.df(z, a) for z, a in zip(names["z"][l], names["a"][l])))
        deltas.append(tuple(g * fp for g, fp in zip(names["g"][l], names["fp"][l])))
    deltas.append(tuple(output_delta(out, net.loss, z_L, a_L, s.y)))
    return Layers(network=net, symbols=s, names=names, z=tuple(zs), a=tuple(as_), loss=loss,
                  delta=tuple(deltas), back=tuple(backs), f_prime=tuple(f_primes),
                  output=output)


def _loss(net: Network, z: Vec, a: Vec, y: Vec, stable: bool) -> sp.Expr:
    out = net.layers[-1].activation
    return stable_loss(out, net.loss, z, a, y) if stable else LOSSES[net.loss].L(a, y)


def _activation(net: Network, l: int, hidden: Elementwise | None):
    if hidden is not None and l < len(net.layers) - 1:
        return hidden
    return ACTIVATIONS[net.layers[l].activation]


def inline(layers: Layers, stable: bool = False,
           hidden: Elementwise | None = None) -> Backprop:
    """The same recursion with every intermediate symbol replaced by its
    expression: forward pass, loss and gradients in the inputs, weights and
    targets alone (their size grows with depth: for algebra on small networks).

    The forward pass and the loss are composed directly (:func:`forward`: the
    same expressions as substituting the forward steps, but built without
    re-evaluating a shifted softmax's max); the backward steps are substituted.
    """
    net, s, names = layers.network, layers.symbols, layers.names
    z, a = forward(net, s, stable=stable, hidden=hidden)
    sub = {LOSS: _loss(net, z[-1], a[-1], s.y, stable)}
    for symbols, exprs in zip(names["z"] + names["a"], z + a):
        sub.update(zip(symbols, exprs))
    for symbols, exprs in layers.backward_steps():
        sub.update({v: e.xreplace(sub) for v, e in zip(symbols, exprs)})
    value = lambda vecs: tuple(tuple(sub[v] for v in vec) for vec in vecs)  # noqa: E731
    deltas = value(names["d"])
    return Backprop(network=net, symbols=s, z=z, a=a, loss=sub[LOSS], delta=deltas,
                    dL_dW=tuple(W.xreplace(sub) for W in layers.dL_dW()), dL_db=deltas,
                    back=value(names["g"]), f_prime=value(names["fp"]))


def derive_backprop(net: Network, stable: bool = False,
                    hidden: Elementwise | None = None) -> Backprop:
    """Gradients of the loss by the δ recursion (:func:`derive_layers`),
    inlined (:func:`inline`).

    ``stable`` gives the forms to evaluate numerically; ``hidden`` replaces
    every hidden activation (see :func:`direct_gradients`).
    """
    return inline(derive_layers(net, stable=stable, hidden=hidden), stable=stable, hidden=hidden)


def forward(net: Network, s: NetworkSymbols, stable: bool = False,
            hidden: Elementwise | None = None):
    """zˡ = (Wˡ)ᵀ aˡ⁻¹ + w0ˡ and aˡ = fˡ(zˡ) composed, a⁰ = x: every layer in the
    inputs and weights alone (for :func:`inline` and :func:`direct_gradients`)."""
    zs, as_ = [], []
    a_prev: Vec = s.x
    for l, layer in enumerate(net.layers):
        W, b = s.W[l], s.b[l]
        z = tuple(sp.Add(*[W[i, j] * a_prev[i] for i in range(W.rows)]) + b[j]
                  for j in range(W.cols))
        a_prev = tuple(_activation(net, l, hidden).forward(z, stable=stable))
        zs.append(z)
        as_.append(a_prev)
    return tuple(zs), tuple(as_)


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


@lru_cache(maxsize=None)
def cached_layers(net: Network, stable: bool = True) -> Layers:
    """:func:`derive_layers`, once per process for each network."""
    return derive_layers(net, stable=stable)
