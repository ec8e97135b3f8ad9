"""The render context of an assignment instance (schema 2 key): strings and numbers only.

Every question is written from its kind and options
(:mod:`derive.documents.kind_text`), its worked solution from the
derivations of its kind (:func:`derive.calculus.catalogue.derivations`) and
from the numbers of its part (:func:`derive.numerics.solve.solve_part`,
written by :class:`derive.documents.worked.PartWriter`); answers come from
the key. Nothing here knows a question by its id.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp

from derive.documents import sheet
from derive.documents.captions import edge_legend
from derive.documents.checks import series
from derive.documents.kind_figures import figure_blocks, network_solution
from derive.documents.kind_panel import mistakes, part_mistakes
from derive.calculus.latex import latex
from derive.calculus.steps import partial
from derive.documents.context import course_context, derivation_context, instance_label
from derive.documents.numbers import Formatter, Given, points
from derive.documents.context import notation as context_notation
from derive.documents.formula_notes import example_sentence, formula_note, jacobian_blocks
from derive.documents.kind_text import ACTIVATION_NAMES, LOSS_NAMES, answer_labels, loss_formula, sup
from derive.documents.statements import loss_name, network_text, statement, step_text
from derive.documents.render import Latex, UnsettableText, escape_latex
from derive.documents.worked import PartWriter, text
from derive.problem import precision
from derive.problem.assignment import Assignment, Part, Question
from derive.problem.config import Config
from derive.problem.spec import InputError
from derive.problem.catalogue import NUMERIC_KINDS

# the values of a two-part answer go side by side while they take this many columns
ROW_COLUMNS = 8
# the left side of a formula answer when its derivation gives none
FORMULA_LHS = {"softmax-jacobian": r"\frac{\partial a_{i}}{\partial z_{j}}",
               "loss": r"\ell(a, y)"}


def _text(value: str, field: str) -> Latex:
    """Text from the assignment file, escaped; an unsettable character is an
    input error naming the field."""
    try:
        return escape_latex(value)
    except UnsettableText as e:
        raise InputError(field, str(e)) from None


def given_rows(part: Part, fmt: Formatter) -> list[Latex]:
    """The part's given data, each printed exactly: Wˡ (with its shape), w0ˡ, x, y, η."""
    given, d, out = Given(fmt.decimals), part.given, []
    for l in range(1, len(d.W) + 1):
        W = given.quantity(np.asarray(d.W[l - 1], float))
        out.append(Latex(rf"{sup('W', l)} = {W['value']}\dims{{${W['dims']}$}}"))
        out.append(Latex(rf"{sup('w_0', l)} = {given.matrix(d.b[l - 1])}"))
    out.append(Latex(rf"x = {given.matrix(d.x)}"))
    out.append(Latex(rf"y = {given.matrix(d.y)}"))
    out.append(Latex(rf"\eta = {given.number(d.lr)}"))
    return out


def network_caption(part: Part, labelled: bool) -> Latex:
    """What the part's network figure shows."""
    legend = edge_legend(part.given.W)
    weights = (f"each edge carries its weight ({legend}) and each unit its bias $w_0$ above it"
               if labelled else
               f"each edge is coloured by its weight ({legend}); the weights and biases are "
               "given above")
    return Latex(f"The network of this part with the given weights: inputs on the left, "
                 f"layer $l$'s units $a^{{l}}_{{j}}$ to the right; {weights}.")


def formula_answer(part: Part, q: Question, answer: dict, derivations: list) -> Latex:
    """``lhs = formula`` of a symbolic answer (the key stores the formula)."""
    tex = answer["latex"]
    if "=" in tex:
        return Latex(tex)
    if derivations:
        lhs = derivations[-1]["lhs"]
    elif q.kind in FORMULA_LHS:
        lhs = FORMULA_LHS[q.kind]
    elif q.kind == "activation":
        lhs = ACTIVATION_NAMES[q.get("activation")][1]
    elif q.kind == "activation-derivative":
        lhs = rf"\frac{{d}}{{dz}} {ACTIVATION_NAMES[q.get('activation')][1]}"
    elif q.kind == "output-gradient":
        L = len(part.network.layers)
        lhs = rf"\frac{{\partial \ell}}{{\partial z^{{{L}}}_{{j}}}}"
    else:
        lhs = rf"\frac{{\partial \ell}}{{\partial w^{{{q.get('param')[1:]}}}_{{kj}}}}"
    return Latex(f"{lhs} = {tex}")


def _columns(values: list) -> int:
    """Columns of numbers the values of an answer take side by side."""
    return sum(np.shape(v)[1] if np.ndim(v) == 2 else 1 for v in values)


def answer_values(q: Question, answer: Any) -> list:
    """The values of a numeric answer, in the order :func:`answer_labels` names them."""
    return [answer["grad"], answer["new"]] if q.kind == "gradient-step" else [answer]


def shown_values(fmt: Formatter, labels: list[str], values: list) -> list[Latex]:
    """``label ≈ value`` for each value of an answer."""
    out = []
    for label, value in zip(labels, values):
        quantity = fmt.quantity(np.asarray(value, float))
        out.append(Latex(f"{label} {quantity['rel']} {quantity['value']}"))
    return out


def _question(part: Part, q: Question, number: int, key: dict, fmt: Formatter,
              writer: PartWriter | None, config: Config, wrong: dict) -> dict[str, Any]:
    from derive.calculus.catalogue import derivations  # the key helper's catalogue of steps
    answer = key["answers"][q.id]
    labels = answer_labels(part, q)
    blocks: list[dict] = []
    if q.kind in NUMERIC_KINDS:
        if q.get("show"):  # the rule the statement asks to show, derived
            blocks += [{"type": "derivation", "d": derivation_context(d)}
                       for d in derivations(part, q)]
        blocks += writer.solution(q)
        shown = shown_values(fmt, labels, answer_values(q, answer))
        spaces = [sheet.space(v, label) for v, label in zip(answer_values(q, answer), labels)]
    else:
        ds = [derivation_context(d) for d in derivations(part, q)]
        blocks += [{"type": "derivation", "d": d} for d in ds]
        shown = [formula_answer(part, q, answer, ds)]
        if q.kind == "loss" and len(ds[-1]["steps"]) > 1:  # NLLM's -ln(a_c) too
            shown = [Latex(f"{shown[0]} = {ds[-1]['result']}")]
        spaces = [sheet.space(answer)]
        if "value" in answer:
            name, value = loss_name(part, q.get("loss")), fmt.quantity(answer["value"])
            blocks.append(text(example_sentence(name, q.get("loss"), q.get("example"), value)))
            shown.append(Latex(f"{name} {value['rel']} {value['value']}"))
            spaces.append(sheet.space(answer["value"], name))
    blocks += figure_blocks(part, q, number, writer.sol if writer else None, fmt)
    # the key's id beside the number, unless it is "q" and that number
    return {"number": number, "id_label": escape_latex(f"({q.id})"),
            "show_id": q.id != f"q{number}",
            "answer_row": q.kind in NUMERIC_KINDS and _columns(answer_values(q, answer)) <= ROW_COLUMNS,
            "points": points(q.points), "statement": statement(part, q, answer),
            "blocks": blocks, "answer": shown, "spaces": spaces,
            "answer_note": formula_note(part, q),
            "mistakes": mistakes(part, q, wrong.get(q.id, {}), answer, fmt,
                                 config.course.figures) if config.documents.mistakes else []}


def _part(part: Part, index: int, first: int, key: dict, fmt: Formatter, config: Config,
          figures: dict, solutions: dict) -> dict[str, Any]:
    numbers = {q.id: first + i for i, q in enumerate(part.questions)}
    writer = None
    if part.given is not None:
        writer = PartWriter(part, solutions[part.id], fmt, config.course.figures, numbers)
    # what each common mistake gives, for every question of the part at once
    wrong = part_mistakes(part, writer.sol if writer else None) if config.documents.mistakes else {}
    out = {"id": part.id, "title": _text(part.title, f"parts[{index}].title"),
           "text": _text(part.text, f"parts[{index}].text") if part.text else "",
           "network": network_text(part.network) if part.network else "",
           "given": given_rows(part, fmt) if part.given is not None else [],
           "step": step_text(part),
           "figure": figures.get(part.id, ""),
           "caption": network_caption(part, labelled=_labelled(part)) if part.given else "",
           "caption_solution": network_solution(part, writer.sol) if writer else "",
           "questions": [_question(part, q, numbers[q.id], key, fmt, writer, config, wrong)
                         for q in part.questions]}
    return out


def _labelled(part: Part) -> bool:
    from derive.documents.network_figure import labelled
    return labelled(part.network.sizes)


@lru_cache(maxsize=None)
def layer_notation() -> dict[str, Latex]:
    """The reference's notation (:func:`derive.documents.context.notation`) and
    the layer l forms a network of any depth needs, shapes checked by SymPy."""
    m, n = sp.symbols("m^{l} n^{l}", positive=True, integer=True)
    W, b = sp.MatrixSymbol("W^{l}", m, n), sp.MatrixSymbol("w_0^{l}", n, 1)
    prev, z = sp.MatrixSymbol("a^{l-1}", m, 1), sp.MatrixSymbol("z^{l}", n, 1)
    tex = lambda e: Latex(latex(e, order="none"))  # noqa: E731
    return {**context_notation(),
            "z_l": tex(sp.Eq(z, sp.MatAdd(W.T * prev, b, evaluate=False), evaluate=False)),
            "delta_l": Latex(r"\delta^{l} = " + partial(r"\ell", "z^{l}").name)}


def notation(assignment: Assignment) -> dict[str, Any]:
    """The notation section: the layer forms, and the activations and losses
    the assignment uses."""
    nets = [p.network for p in assignment.parts if p.network]
    acts = sorted({layer.activation for n in nets for layer in n.layers},
                  key=list(ACTIVATION_NAMES).index)
    losses = sorted({n.loss for n in nets}, key=list(LOSS_NAMES).index)
    activations = [f"{ACTIVATION_NAMES[f][0]} ${ACTIVATION_NAMES[f][1]}$" for f in acts]
    return {**layer_notation(),
            "activations": Latex(series(activations) if activations else ""),
            "losses": Latex("; ".join(f"{LOSS_NAMES[l]}, $\\ell = {loss_formula(l)}$"
                                      for l in losses)),
            "loss_count": len(losses), "indexing": indexing(assignment)}


ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth",
            "ninth", "tenth")


def indexing(assignment: Assignment) -> Latex:
    """How an entry is numbered, on a class the assignment asks of (else the
    last class of a softmax output, else the last input): ``: class 3 is
    a_3, the third entry of a (a[2] in NumPy)``; "" without a network."""
    nets = [p.network for p in assignment.parts if p.network]
    if not nets:
        return Latex("")
    asked = [q.get("class") for p, q in assignment.questions() if q.kind == "probability"
             and p.network.layers[-1].activation == "softmax"]
    softmax = [n.layers[-1].size for n in nets if n.layers[-1].activation == "softmax"]
    name, symbol, i = (("class", "a", asked[0]) if asked else ("class", "a", softmax[0])
                       if softmax else ("input", "x", max(n.n_inputs for n in nets)))
    return Latex(f": {name} {i} is ${symbol}_{{{i}}}$, the {ORDINALS[i - 1]} entry of ${symbol}$ "
                 f"(\\texttt{{{symbol}[{i - 1}]}} in NumPy)")


def build_assignment_context(assignment: Assignment, key: dict, config: Config, *,
                             figures: dict | None = None,
                             solutions: dict | None = None) -> dict[str, Any]:
    """The render context of one instance of ``assignment`` (its schema 2 ``key``);
    ``solutions`` (part id -> :func:`~derive.numerics.solve.solve_part`) saves
    solving again; ``figures``: part id -> the path of its network figure."""
    from derive.numerics.solve import solve_part
    fmt = Formatter(config.course.decimals)
    solutions = dict(solutions or {})
    for part in assignment.parts:
        if part.given is not None and part.id not in solutions:
            solutions[part.id] = solve_part(part)
    parts, first = [], 1
    for i, part in enumerate(assignment.parts, start=1):
        parts.append(_part(part, i, first, key, fmt, config, dict(figures or {}), solutions))
        first += len(part.questions)
    questions = [q for p in parts for q in p["questions"]]
    notes = jacobian_blocks(assignment, {q.id: shown["number"] for (_, q), shown
                                         in zip(assignment.questions(), questions)})
    for (_, q), shown in zip(assignment.questions(), questions):
        shown["blocks"] = shown["blocks"] + notes.get(q.id, [])
    course = course_context(config.course, assignment.title)
    return {
        "course": course,
        "documents": {"sheet": config.documents.sheet, "mistakes": config.documents.mistakes},
        "variant": key["variant"], "label": instance_label(key["variant"], assignment.name),
        "decimals": config.course.decimals,
        "precision": escape_latex(precision.statement(config.course.figures, natural_log=False)),
        "notation": notation(assignment),
        "parts": parts,
        # the network figures, by part id, for figure.tex.j2
        "figures": {p["id"]: p["figure"] for p in parts if p["figure"]},
        "captions": {p["id"]: {"text": p["caption"], "solution": p["caption_solution"]}
                     for p in parts},
        "total": points(assignment.total_points),
        "summary": [{"item": q["number"], "points": q["points"], "answer": q["answer"]}
                    for q in questions],
        "sheet": {"marks": [{"item": q["number"], "points": q["points"]} for q in questions]},
    }
