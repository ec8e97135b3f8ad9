import sympy as sp

from derive.calculus.steps import Derivation, Step, check, partial, partial_key, product

x = sp.Symbol("x")


def test_a_sound_chain_passes_and_a_broken_one_is_found():
    steps = (Step("a", (x + 1) ** 2), Step("b", x**2 + 2 * x + 1), Step("c", x**2 + 1))
    assert check(Derivation("t", x, steps)) == [2]


def test_definitions_unfold_placeholders():
    d = sp.Symbol("D")
    steps = (Step("a", product(d, 2)), Step("b", 2 * sp.cos(x)))
    assert check(Derivation("t", x, steps, {d: sp.Derivative(sp.sin(x), x)})) == []


def test_indexed_partials_unfold_with_their_indices():
    i, n = sp.symbols("i n", integer=True)
    y = sp.IndexedBase("y")
    steps = (Step("a", sp.Sum(partial("L", "y_i", i), (i, 1, n))),
             Step("b", sp.Sum(2 * y[i], (i, 1, n))))
    defs = {partial_key("L", "y_i"): lambda k: 2 * y[k]}
    assert check(Derivation("t", x, steps, defs), at={n: 3}) == []


def test_product_keeps_its_factors_in_order():
    from derive.calculus.latex import latex
    assert latex(product(x + 1, sp.Symbol("a"))) == "(1 + x) a"
    assert latex(product(sp.Symbol("a"), x + 1)) == "a (1 + x)"
