"""The mistakes by question kind, as data: each with a title, a sentence for
the student (plain text and LaTeX) and the question kinds whose own
computation it enters. :mod:`derive.numerics.kind_mistakes` computes what
each gives on a part's numbers."""

from __future__ import annotations

from dataclasses import dataclass

from derive.problem.catalogue import NUMERIC_KINDS

_DERIVATIVES = {"relu": "1[z > 0]", "sigmoid": "σ(z)(1 − σ(z))", "tanh": "1 − tanh²(z)"}


@dataclass(frozen=True)
class MistakeKind:
    """One mistake: its code, a title, one sentence for the student, and the
    question kinds whose own computation it enters (``kinds``)."""

    code: str
    title: str
    text: str
    kinds: tuple[str, ...]
    tex: str = ""   # the text as LaTeX, for the feedback PDFs


_DERIVATIVES_TEX = {"relu": r"1[z > 0]", "sigmoid": r"\sigma(z)(1 - \sigma(z))",
                    "tanh": r"1 - \tanh^2(z)"}


def _missing(activation: str, code: str) -> MistakeKind:
    act = {"relu": "ReLU"}.get(activation, activation)  # as the sheets name it
    return MistakeKind(
        code, f"{act} derivative missing",
        f"The {act} derivative is missing from the δ recursion: multiply the back-propagated "
        f"error by f′(z) = {_DERIVATIVES[activation]} of the layer, entry by entry.",
        ("gradient", "gradient-step", "output-gradient"),
        rf"The {act} derivative is missing from the $\delta$ recursion: multiply the "
        rf"back-propagated error by $f'(z) = {_DERIVATIVES_TEX[activation]}$ of the layer, "
        "entry by entry.")


# ``kinds``: where the mistake enters the question's own computation; in the
# others it only comes through an earlier answer (the grader carries it forward)
_GRADIENTS = ("gradient", "gradient-step")
MISTAKE_KINDS: dict[str, MistakeKind] = {m.code: m for m in (
    MistakeKind("sign-flipped", "sign flipped",
                "The sign is flipped: the gradient of the loss points the other way "
                "(check ∂ℓ/∂z = a − y, not y − a).",
                _GRADIENTS + ("loss", "activation", "activation-derivative", "output-gradient",
                              "gradient-formula"),
                r"The sign is flipped: the gradient of the loss points the other way (check "
                r"$\partial \ell/\partial z = a - y$, not $y - a$)."),
    MistakeKind("transposed", "matrix transposed",
                "The matrix is transposed: ∂ℓ/∂W has the shape of W (rows = inputs, "
                "columns = units), ∂ℓ/∂W = a δᵀ, not δ aᵀ.", _GRADIENTS + ("step",),
                r"The matrix is transposed: $\partial \ell/\partial W$ has the shape of $W$ (rows "
                r"= inputs, columns = units), $\partial \ell/\partial W = a\,\delta^T$, not "
                r"$\delta\, a^T$."),
    MistakeKind("ascent", "step up the gradient",
                "The step went up the gradient: gradient descent subtracts it, "
                "W_new = W − η ∂ℓ/∂W.", ("step", "gradient-step"),
                r"The step went up the gradient: gradient descent subtracts it, $W_{\text{new}} = "
                r"W - \eta\, \partial \ell/\partial W$."),
    MistakeKind("updated-weights-in-backprop", "updated weights in backprop",
                "δ was back-propagated through the already-updated weights of the layer above: "
                "backpropagate with the weights of the forward pass.", _GRADIENTS,
                r"$\delta$ was back-propagated through the already-updated weights of the layer "
                r"above: backpropagate with the weights of the forward pass."),
    _missing("relu", "missing-relu-mask"),
    _missing("sigmoid", "missing-sigmoid-derivative"),
    _missing("tanh", "missing-tanh-derivative"),
    MistakeKind("wrong-class", "another class",
                "This is another class's probability: classes are numbered from 1 "
                "(\"class 3\" is a₃, the third entry).", ("probability", "loss"),
                r"This is another class's probability: classes are numbered from 1 (``class 3'' is"
                r" $a_3$, the third entry)."),
    MistakeKind("not-normalised", "softmax not normalised",
                "The softmax is not normalised: divide e^(zⱼ) by Σₖ e^(zₖ) "
                "(and subtract max z first so nothing overflows).",
                _GRADIENTS + ("forward", "probability", "after-step", "activation"),
                r"The softmax is not normalised: divide $e^{z_j}$ by $\sum_k e^{z_k}$ (and "
                r"subtract $\max_k z_k$ first so nothing overflows)."),
    MistakeKind("missing-half", "½ of the squared error missing",
                "The squared error has a ½ in front: ℓ = ½ ‖a − y‖², so that ∂ℓ/∂a = a − y.",
                ("loss",),
                r"The squared error has a $\frac{1}{2}$ in front: $\ell = \frac{1}{2} \lVert a - y"
                r" \rVert^2$, so that $\partial \ell/\partial a = a - y$."),
    MistakeKind("rounded-too-early", "rounded too early",
                "Right, but rounded too early: it agrees with the key to one significant figure "
                "fewer than the sheet asks for; keep more figures in intermediate results.",
                NUMERIC_KINDS + ("loss",),
                r"Right, but rounded too early: it agrees with the key to one significant figure "
                r"fewer than the sheet asks for; keep more figures in intermediate results."),
)}
MISSING_DERIVATIVE = {"relu": "missing-relu-mask", "sigmoid": "missing-sigmoid-derivative",
                      "tanh": "missing-tanh-derivative"}
ORDER = tuple(MISTAKE_KINDS)
