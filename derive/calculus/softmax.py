"""Part 2: softmax, its Jacobian, multiclass NLL and the softmax layer's gradient.

The steps are written with general indices (i, j, k over n classes) for
printing. :func:`check_for` proves them for a fixed n (2 to 6 in the tests)
and every i, j, k, which expands the sums into explicit scalar symbols;
:func:`check_general` proves them for a symbolic n where SymPy can.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp

from derive.calculus.steps import Derivation, Step, partial, partial_key, product

n = sp.Symbol("n", integer=True, positive=True)
i, j, k = sp.symbols("i j k", integer=True, positive=True)
a, y, z = sp.IndexedBase("a"), sp.IndexedBase("y"), sp.IndexedBase("z")
x, w = sp.IndexedBase("x"), sp.IndexedBase("w")
c = sp.Symbol("c", integer=True, positive=True)  # the target class
M = sp.Symbol("M", real=True)  # any shift, in practice max_k z_k
m = sp.Symbol("m", integer=True, positive=True)  # inputs of the layer
q = sp.Symbol("q", integer=True, positive=True)


def _sum(expr, idx=k):
    return sp.Sum(expr, (idx, 1, n))


def softmax_of(idx) -> sp.Expr:
    """a_idx written out: e^(z_idx) / Σ_k e^(z_k)."""
    return sp.exp(z[idx]) / _sum(sp.exp(z[k]))


def nllm(a_, y_) -> sp.Expr:
    """NLLM(a, y) = −Σⱼ yⱼ ln aⱼ for explicit sequences a, y."""
    return -sp.Add(*[yj * sp.log(aj) for aj, yj in zip(a_, y_)])


# Σ y = 1: the last target entry is 1 minus the others
def _one_hot_sum(n_: int) -> dict:
    return {y[n_]: 1 - sp.Add(*[y[q] for q in range(1, n_)])}


@lru_cache(maxsize=None)
def derive_softmax() -> Derivation:
    """Question 4: aⱼ = e^(zⱼ) / Σₖ e^(zₖ), and the shifted form used to compute it."""
    return Derivation(
        name="softmax", lhs=a[j],
        steps=(Step("Definition of the softmax", softmax_of(j)),
               Step(r"Multiply numerator and denominator by $e^{-M}$; with "
                    r"$M = \max_k z_k$ no exponential exceeds 1",
                    sp.exp(z[j] - M) / _sum(sp.exp(z[k] - M)))),
        definitions={a: softmax_of})


@lru_cache(maxsize=None)
def derive_softmax_jacobian() -> Derivation:
    """∂aᵢ/∂zⱼ = aᵢ(δᵢⱼ − aⱼ), by the quotient rule."""
    S = _sum(sp.exp(z[k]))
    quotient = (sp.KroneckerDelta(i, j) * sp.exp(z[i]) * S
                - sp.exp(z[i]) * sp.exp(z[j])) / S**2
    split = product(sp.exp(z[i]) / S, sp.KroneckerDelta(i, j) - sp.exp(z[j]) / S)
    return Derivation(
        name="softmax_jacobian", lhs=partial("a_i", "z_j"),
        steps=(Step(r"Quotient rule; $\frac{\partial e^{z_i}}{\partial z_j} = "
                    r"\delta_{ij} e^{z_i}$ and $\frac{\partial}{\partial z_j} "
                    r"\sum_k e^{z_k} = e^{z_j}$", quotient),
               Step(r"Take out the factor $e^{z_i} / \sum_k e^{z_k}$", split),
               Step("Recognise the softmax outputs", product(a[i], sp.KroneckerDelta(i, j) - a[j]))),
        definitions={a: softmax_of},
        direct=sp.Derivative(softmax_of(i), z[j]))


@lru_cache(maxsize=None)
def derive_nllm() -> Derivation:
    """Question 5: NLLM(a, y) = −Σⱼ yⱼ ln aⱼ, which for one-hot y is −ln a_c."""
    return Derivation(
        name="nllm", lhs=sp.Function(r"\operatorname{NLLM}")(sp.Symbol("a"), sp.Symbol("y")),
        steps=(Step("Definition", -_sum(product(y[j], sp.log(a[j])), j)),
               Step("Only the target class $c$ has $y_c = 1$; every other term is 0",
                    -sp.log(a[c]))),
        definitions={y: lambda q: sp.KroneckerDelta(q, c)})


@lru_cache(maxsize=None)
def derive_nllm_dz() -> Derivation:
    """∂NLLM/∂zⱼ = aⱼ − yⱼ, through the softmax Jacobian and Σ y = 1."""
    nl = r"\operatorname{NLLM}"
    chain = _sum(product(partial(nl, "a_i", i), partial("a_i", "z_j", i, j)), i)
    plugged = _sum(product(-y[i] / a[i], a[i], sp.KroneckerDelta(i, j) - a[j]), i)
    cancelled = _sum(-y[i] * (sp.KroneckerDelta(i, j) - a[j]), i)
    spread = -y[j] + product(a[j], _sum(y[i], i))
    return Derivation(
        name="nllm_dz", lhs=partial(r"\operatorname{NLLM}", "z_j"),
        steps=(Step(r"Chain rule: $z_j$ reaches the loss through every $a_i$", chain),
               Step(r"$\frac{\partial \operatorname{NLLM}}{\partial a_i} = -\frac{y_i}{a_i}$ "
                    r"and the softmax Jacobian", plugged),
               Step("Cancel $a_i$", cancelled),
               Step(r"The Kronecker delta picks $i = j$", spread),
               Step(r"$y$ is one-hot, so $\sum_i y_i = 1$", a[j] - y[j])),
        definitions={partial_key(nl, "a_i"): lambda i_: -y[i_] / a[i_],
                     partial_key("a_i", "z_j"):
                         lambda i_, j_: a[i_] * (sp.KroneckerDelta(i_, j_) - a[j_]),
                     a: softmax_of},
        direct=sp.Derivative(-_sum(y[k] * sp.log(softmax_of(k)), k), z[j]))


@lru_cache(maxsize=None)
def derive_softmax_layer_gradient() -> Derivation:
    """Question 6: ∂NLLM/∂w_kj = x_k (aⱼ − yⱼ), for zⱼ = Σₖ w_kj xₖ + w0ⱼ."""
    w0 = sp.IndexedBase("w_0")
    z_of = lambda col: sp.Sum(w[q, col] * x[q], (q, 1, m)) + w0[col]  # noqa: E731
    return Derivation(
        name="softmax_layer_gradient", lhs=partial(r"\operatorname{NLLM}", "w_{kj}"),
        steps=(Step(r"Only $z_j$ depends on $w_{kj}$",
                    product(partial(r"\operatorname{NLLM}", "z_j"), partial("z_j", "w_{kj}"))),
               Step(r"$\frac{\partial z_j}{\partial w_{kj}} = x_k$ and the result above",
                    product(a[j] - y[j], x[k])),
               Step(r"In matrix form, $\nabla_W \operatorname{NLLM} = x\,(a - y)^T$ "
                    r"has the shape of $W$", product(x[k], a[j] - y[j]))),
        definitions={partial(r"\operatorname{NLLM}", "z_j"): a[j] - y[j],
                     partial("z_j", "w_{kj}"): sp.Derivative(z_of(j), w[k, j]),
                     a: lambda col: sp.exp(z_of(col)) / _sum(sp.exp(z_of(k)))},
        direct=sp.Derivative(-_sum(y[k] * sp.log(sp.exp(z_of(k)) / _sum(sp.exp(z_of(i)), i)), k),
                             w[k, j]))


def check_for(derivation: Derivation, n_: int, m_: int = 1) -> list[tuple]:
    """Check ``derivation`` for n classes, m inputs, every class i, j and input k.

    Returns the (j, i, k, failing steps) that do not hold; empty when sound.
    """
    from derive.calculus.steps import check

    with_sum_y = Derivation(derivation.name, derivation.lhs, derivation.steps,
                            derivation.definitions,
                            {**derivation.assumptions, **_one_hot_sum(n_)},
                            derivation.direct)
    free = derivation.lhs.free_symbols | set().union(
        *(s.expr.free_symbols for s in derivation.steps))
    ranges = [range(1, n_ + 1) if s in free else [1] for s in (j, i)]
    ranges.append(range(1, m_ + 1) if k in free else [1])
    bad = []
    for jj in ranges[0]:
        for ii in ranges[1]:
            for kk in ranges[2]:
                failing = check(with_sum_y, {n: n_, m: m_, j: jj, i: ii, k: kk, c: jj})
                if failing:
                    bad.append((jj, ii, kk, failing))
    return bad


def _general_form(expr: sp.Expr, definitions: dict) -> sp.Expr:
    """Unfold, evaluate the sums for symbolic n, and use Σ yᵢ = 1 and 1 ≤ j ≤ n."""
    from derive.calculus.steps import _substitute

    for _ in range(3):
        expr = _substitute(expr.doit(), definitions)
    expr = sp.simplify(sp.expand(expr.doit()))
    expr = expr.replace(
        lambda e: isinstance(e, sp.Sum) and len(e.variables) == 1
        and e.function == y[e.variables[0]] and tuple(e.limits[0][1:]) == (1, n),
        lambda e: sp.Integer(1))
    # free indices are in range: classes i, j, c ≤ n, inputs k ≤ m (1 ≤ each is
    # already true: the indices are positive integers)
    for idx, top in ((i, n), (j, n), (c, n), (k, m)):
        expr = expr.subs(sp.Le(idx, top), True)
    return sp.simplify(expr)


def check_general(derivation: Derivation, symbolic_softmax: bool = False) -> list[int]:
    """Check ``derivation`` for a symbolic number of classes n.

    Shorthand aᵢ stays a symbol unless ``symbolic_softmax`` unfolds it into
    e^(zᵢ) / Σₖ e^(zₖ). Returns the indices of steps that do not follow (0 for
    a first step that differs from ``direct``).
    """
    defs = {k: v for k, v in derivation.definitions.items()
            if symbolic_softmax or k is not a}
    forms = [_general_form(s.expr, defs) for s in derivation.steps]
    bad = []
    if derivation.direct is not None and symbolic_softmax and \
            sp.simplify(_general_form(derivation.direct, defs) - forms[0]) != 0:
        bad.append(0)
    return bad + [q for q in range(1, len(forms))
                  if sp.simplify(forms[q] - forms[q - 1]) != 0]
