"""The missing-derivative mistakes: the words a student reads name the
activation as the sheets do and give its derivative.

``MISTAKE_KINDS`` is built when the module is imported; these tests build the
entries again (``_missing``) so that what they check is computed in the test."""

import pytest

from derive.numerics import mistake_kinds as M

# activation -> (its name on the sheets, f'(z) in plain text, f'(z) in LaTeX)
EXPECTED = {
    "relu": ("ReLU", "1[z > 0]", "1[z > 0]"),
    "sigmoid": ("sigmoid", "σ(z)(1 − σ(z))", r"\sigma(z)(1 - \sigma(z))"),
    "tanh": ("tanh", "1 − tanh²(z)", r"1 - \tanh^2(z)"),
}


@pytest.mark.parametrize("activation", sorted(EXPECTED))
def test_a_missing_derivative_names_the_activation_and_its_derivative(activation):
    name, plain, tex = EXPECTED[activation]
    code = M.MISSING_DERIVATIVE[activation]
    m = M._missing(activation, code)
    assert m.code == code
    assert m.title == f"{name} derivative missing"
    assert m.text == (f"The {name} derivative is missing from the δ recursion: multiply the "
                      f"back-propagated error by f′(z) = {plain} of the layer, entry by entry.")
    assert m.tex == (rf"The {name} derivative is missing from the $\delta$ recursion: multiply "
                     rf"the back-propagated error by $f'(z) = {tex}$ of the layer, entry by entry.")
    # it enters the gradients' own computation (and the output layer's δ), nothing else
    assert m.kinds == ("gradient", "gradient-step", "output-gradient")
    assert M.MISTAKE_KINDS[code] == m   # the table the grader reads holds these words
