"""A small, strict reader of the numbers a generated handout or problem sheet
prints, for the semantic tests (tests/documents/test_printed_numbers.py).

The document is cut into blocks (:func:`blocks`): the front matter, each
part's statement block (its given data), each question (statement, worked
solution, answer box, panel of mistakes) and the summary table. In a block,
every piece of maths is read as a chain ``lhs rel expr rel expr …``
(:func:`values`): an expression that is one number or one matrix is the
value of the chain's left side (``\\nabla_{W^{2}} \\ell \\approx M``); one
with several (``M - 0.5 M``) gives each the name of the symbol it stands for
in the last symbolic expression (``W^{2} - \\eta \\nabla_{W^{2}} \\ell``). A
number that is neither is an :class:`Unattributed` error, never skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

NUMBER = r"-?\d+(?:\.\d+)?(?: \\times 10\^\{-?\d+\})?"
_NUMBER = re.compile(NUMBER)
_MATRIX = re.compile(r"\\begin\{(bmatrix\*|bsmallmatrix\*)\}\[r\](.*?)\\end\{\1\}", re.S)
_ROWVEC = re.compile(r"\\left\[([^\]]*?)\\right\]\^\{T\}")
_TOKEN = re.compile(r"\\VAL\{(\d+)\}")
# a relation that prints a value: "=" or "\approx", then a space
_REL = re.compile(r"\s*&?\s*(=|\\approx)(?=\s|$)")
# the symbols an expression of the worked solutions is made of, in order
_SYMBOL = re.compile("|".join([
    r"\(W\^\{\d+\} \\delta\^\{\d+\}\)",          # Wˡ⁺¹δˡ⁺¹, one factor
    r"f\^\{\d+\}\{\}'\(z\^\{\d+\}\)",             # fˡ′(zˡ)
    r"\\nabla_\{W\^\{\d+\}\} \\ell", r"\\nabla_\{w_0\^\{\d+\}\} \\ell",
    r"\(W\^\{\d+\}\)\^\{T\}", r"W\^\{\d+\}", r"w_0\^\{\d+\}", r"a\^\{\d+\}",
    r"\\eta", r"(?<![\\\w])x(?![\w_])", r"(?<![\\\w])y(?![\w_])"]))


class Unattributed(AssertionError):
    """A printed number the reader cannot attribute to a named quantity."""


@dataclass(frozen=True)
class Value:
    """One printed number or matrix: its entries as printed, its shape
    (``()`` for a number, rows × columns for a matrix or column vector),
    the name it is printed as and the relation before it (``""`` for an
    operand of an expression, whose name is its symbol)."""

    where: str
    name: str
    rel: str
    texts: tuple[str, ...]
    shape: tuple[int, ...]
    context: str = ""      # the words before the piece of maths it is in

    @property
    def array(self) -> np.ndarray:
        """The printed entries read back as numbers, in the printed shape."""
        return np.array([read(t) for t in self.texts]).reshape(self.shape)


@dataclass
class Block:
    """A block of the document: ``kind`` is front, part, question or summary;
    ``number`` the part's or question's number as printed; ``sections`` its
    text by section (statement, solution, answer, mistakes; text)."""

    kind: str
    number: int
    sections: dict[str, str] = field(default_factory=dict)


def read(text: str) -> float:
    """A printed number as a float: ``-0.5``, ``3.775 \\times 10^{-11}``."""
    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)(?: \\times 10\^\{(-?\d+)\})?", text.strip())
    if not m:
        raise Unattributed(f"not a number: {text!r}")
    return float(m.group(1)) * (10.0 ** int(m.group(2)) if m.group(2) else 1.0)


def balanced(text: str, start: int) -> int:
    """The index after the brace group opening at ``text[start]``."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return i + 1
    raise Unattributed(f"unbalanced braces: {text[max(0, start - 60):start + 60]!r}")


def drop_command(text: str, command: str) -> str:
    """``text`` without every ``\\command{…}`` (its argument included)."""
    while (i := text.find(command + "{")) >= 0:
        text = text[:i] + text[balanced(text, i + len(command)):]
    return text


def strip_scripts(text: str) -> str:
    """``text`` without sub- and superscripts (indices, exponents, ᵀ)."""
    out, i = [], 0
    while i < len(text):
        if text[i] in "^_" and (i == 0 or text[i - 1] != "\\"):
            i = balanced(text, i + 1) if text[i + 1:i + 2] == "{" else i + 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out)


def blocks(tex: str) -> list[Block]:
    """The document's blocks, in order: the front matter (instructions,
    notation) first, and last what is between the others ("between"), which
    must print no number."""
    body = tex.split(r"\begin{document}", 1)[1]
    out, rest = [], []
    pattern = re.compile(r"\\begin\{keep\}\{part (\d+)\}(.*?)\\end\{keep\}"
                         r"|\\begin\{question\}\{(\d+)\}\{[^}]*\}(.*?)\\end\{question\}"
                         r"|\\partheading\{Summary of the answers\}(.*?)\\end\{tabular\}", re.S)
    first = body.find(r"\partheading{Part")
    out.append(Block("front", 0, {"text": body[:first]}))
    pos = first
    for m in pattern.finditer(body, first):
        rest.append(body[pos:m.start()])
        pos = m.end()
        if m.group(1):
            out.append(Block("part", int(m.group(1)), {"text": m.group(2)}))
        elif m.group(3):
            out.append(Block("question", int(m.group(3)), question_sections(m.group(4))))
        else:
            out.append(Block("summary", 0, {"text": m.group(5)}))
    rest.append(body[pos:])
    out.append(Block("between", 0, {"text": "\n".join(rest)}))
    return out


def question_sections(text: str) -> dict[str, str]:
    """A question's statement, worked solution, answer box and mistakes panel."""
    head, _, sol = text.partition(r"\solutionheading")
    out = {"statement": head}
    if sol:
        sol, _, tail = sol.partition(r"\begin{answer}")
        answer, _, panel = tail.partition(r"\end{answer}")
        out.update(solution=sol, answer=answer, mistakes=panel)
    return out


def matrix(body: str) -> tuple[tuple[str, ...], tuple[int, int]]:
    """The entries and shape of a bracketed matrix's body."""
    rows = [[c.strip() for c in r.split("&")] for r in body.strip().split(r"\\")]
    if len({len(r) for r in rows}) != 1:
        raise Unattributed(f"ragged matrix: {body!r}")
    return tuple(c for r in rows for c in r), (len(rows), len(rows[0]))


def math_segments(text: str) -> list[str]:
    r"""The pieces of maths of a section, each one chain: align rows (marked
    ``\ALIGN``: a row that starts with ``&=`` keeps the left side above),
    ``\[ … \]`` and ``$ … $`` (two values side by side split at
    ``\qquad``) and table rows (marked ``\LABEL{first cell}``: the summary's
    and the panel's). Matrices must already be tokens (:func:`values`)."""
    segs: list[str] = []

    def cut(m):
        segs.extend("\\ALIGN " + r for r in re.split(r"\\\\(?:\[\dpt\])?", m.group(1)) if r.strip())
        return " "

    text = re.sub(r"\\begin\{align\*\}(.*?)\\end\{align\*\}", cut, text, flags=re.S)

    def table(m):
        for row in re.split(r"\\\\(?:\[\dpt\])?", m.group(1)):
            cells = [re.sub(r"\\(addlinespace\[[^\]]*\]|midrule|toprule|bottomrule)", "", c).strip()
                     for c in row.split("&")]
            if len(cells) > 1 and cells[-1]:
                segs.append("\\LABEL{" + cells[0] + "} " + cells[-1])
        return " "

    text = re.sub(r"\\begin\{tabular\}\{[^\n]*\}(.*?)(?:\\end\{tabular\}|$)", table, text, flags=re.S)
    last = 0
    for m in re.finditer(r"\\\[(.*?)\\\]|\$(.*?)\$", text, re.S):
        before = " ".join(text[last:m.start()].split()[-6:]).replace("{", "(").replace("}", ")")
        last = m.end()
        segs.extend(r"\CTX{" + before + "}" + s
                    for s in re.split(r",\s*\\qquad", m.group(1) or m.group(2) or ""))
    return segs


# constants of a formula, not values: probabilities and a one-hot target sum to 1
IDENTITIES = {" = 1 - 1 = 0": r" = \OneMinusOne", "P(y = 1)": r"P_{y=1}",
              r"y \in \{0, 1\}": r"y \in \{zero, one\}", "{2 h}": r"{two h}",
              r"\tfrac{1}{2}": r"\half", r"\rVert^{2} + 1)": r"\rVert^{2} + \one)"}
# a ReLU's derivative, 1[z > 0]: a formula (its strictness has a test of its own)
_MASK = re.compile(r"\\mathbf\{1\}\[[^\]]*\]")
# a sign: "z^{1} > 0", "a > 0.5"
_SIGN = re.compile(r"\s*(<|>|\\leq|\\geq)\s+")

# what an expression of numbers is made of besides them: operators, brackets, ᵀ
_OPERATORS = re.compile(r"\\VAL\{\d+\}|" + NUMBER + r"|\\odot|\\cdot|[-+()\s]")


@dataclass
class Printed:
    """What a section prints: its values (:class:`Value`) and the formulas
    with a constant in them (``name rel formula``), which name no value."""

    values: list[Value] = field(default_factory=list)
    formulas: list[str] = field(default_factory=list)


def values(text: str, where: str) -> Printed:
    """Every number and matrix printed in ``text``, named (module docstring)."""
    out = Printed()
    found: list[tuple[tuple[str, ...], tuple[int, ...]]] = []

    def token(entries, shape):
        found.append((entries, shape))
        return rf"\VAL{{{len(found) - 1}}}"

    text = _MATRIX.sub(lambda m: token(*matrix(m.group(2))), text)
    text = _ROWVEC.sub(lambda m: token(tuple(c.strip() for c in m.group(1).split(",")),
                                       (len(m.group(1).split(",")), 1)), text)
    # "a $2 \times 3$ matrix like $W^{1}$": the shape of a parameter
    text = re.sub(r"\$(\d+) \\times (\d+)\$ matrix like \$([^$]*)\$",
                  lambda m: out.values.append(Value(where, "shape " + m.group(3), "",
                                                    (m.group(1), m.group(2)), (2,))) or "", text)
    text = drop_command(text, r"\dims")
    for identity, name in IDENTITIES.items():
        text = text.replace(identity, name)
    text = _MASK.sub(r"\\MASK", text)
    text = re.sub(r"\\max\((z\^\{\d+\}), 0\)", r"\\max(\1, zero)", text)   # ReLU
    text = re.sub(r"-?\d+(?:\.\d+)? \\times 10\^\{-?\d+\}", lambda m: token((m.group(0),), ()), text)
    lhs, label, symbols = "", "", []
    for seg in math_segments(text):
        aligned = seg.startswith("\\ALIGN ")
        ctx = re.match(r"\\CTX\{(.*?)\}", seg, re.S)
        if ctx:
            seg = seg[ctx.end():]
        context = ctx.group(1) if ctx else ""
        row = re.match(r"\\LABEL\{(.*?)\} ", seg, re.S)
        seg = seg.removeprefix("\\ALIGN ")
        if row:
            seg = seg[row.end():]
            label = row.group(1) or label      # an empty first cell continues the row above
        if r"\reason{" in seg:      # a row of a derivation: a formula
            continue
        seg = seg.replace(r"\displaystyle", "")
        seg, *signs = _SIGN.split(seg)
        pieces = _REL.split(seg)
        head = pieces[0].strip()
        if not (aligned and not head and lhs):   # else an align row continuing the left side
            lhs = head
            if not aligned:
                symbols = []
        name = f"{label}: {lhs}".rstrip(": ") if row else lhs
        for rel, expr in zip(pieces[1::2], pieces[2::2]):
            rel = "≈" if rel == r"\approx" else rel
            _expression(expr, rel, name, symbols, found, where, out, context)
        for rel, expr in zip(signs[0::2], signs[1::2]):   # z^{1} > 0: a sign, not a value
            if _NUMBER.fullmatch(expr.strip()):
                out.values.append(Value(where, lhs, rel.strip("\\"), (expr.strip(),), (),
                                        context))
            elif _NUMBER.search(strip_scripts(expr)):
                out.formulas.append(f"{lhs} {rel} {expr}")
        if _TOKEN.search(head):
            raise Unattributed(f"{where}: a value with no name in {seg.strip()!r}")
        numbers = tuple(_NUMBER.findall(strip_scripts(head)))
        if numbers and row:     # a table's formula (a wrong one, in a panel of mistakes)
            out.formulas.append(f"{name} {seg.strip()}")
        elif numbers:
            # numbers with no name: named by the words before them (the test's business)
            out.values.append(Value(where, "", "", numbers, (len(numbers),) if len(numbers) > 1
                                    else (), context))
    return out


def _expression(expr: str, rel: str, lhs: str, symbols: list, found: list,
                where: str, out: Printed, context: str) -> None:
    """The values of one expression after a relation (updates ``symbols``)."""
    expr = expr.strip()
    plain = strip_scripts(expr)
    if _OPERATORS.sub("", plain):       # symbols or a formula: no value
        symbols[:] = _SYMBOL.findall(expr)
        if _NUMBER.search(plain) or _TOKEN.search(plain):
            out.formulas.append(f"{lhs} {rel} {expr}")
        return
    vals = [found[int(t.group(1))] if (t := _TOKEN.fullmatch(op)) else ((op,), ())
            for op in re.findall(r"\\VAL\{\d+\}|" + NUMBER, plain)]
    if len(vals) == 1 and not re.sub(r"\\VAL\{\d+\}|" + NUMBER, "", plain).strip():
        out.values.append(Value(where, lhs, rel, *vals[0], context))
        return
    names = list(symbols)
    if len(names) == len(vals) + 1 and r"\eta" in names:   # η = 1 is not printed
        names.remove(r"\eta")
    if len(names) != len(vals):
        raise Unattributed(f"{where}: cannot name the operands of {expr!r} "
                           f"after {lhs!r} (symbols {symbols})")
    out.values.extend(Value(where, n, "", *v, context) for n, v in zip(names, vals))


_STATE = re.compile(r"(?:[Uu]nits?|hidden unit) ((?:\d+(?:, | and )?)*)\s*(?:is|are) (active|off)"
                    r"( after the step)? \(\$z\^\{?(\d+)\}?(_\{\\text\{new\}\})? (>|<|\\geq?|\\leq?) 0\$\)")


def unit_states(text: str) -> list[tuple[int, bool, str, set[int], str]]:
    """What the prose says of ReLU units: (layer, after the step, "active"
    or "off", the units named (empty: every unit), the relation printed):
    "units 3 and 4 are off ($z^{1} \\leq 0$)"."""
    out = []
    for m in _STATE.finditer(text):
        units = {int(u) for u in re.findall(r"\d+", m.group(1))}
        out.append((int(m.group(4)), bool(m.group(3) or m.group(5)), m.group(2), units, m.group(6)))
    return out
