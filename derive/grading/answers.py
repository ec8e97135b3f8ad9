"""Students' submissions: reading answers files and validating every answer.

Everything here is untrusted. Formulas are parsed by :func:`parse_expression`,
which walks Python's syntax tree (``ast.parse(..., mode="eval")``) through a
whitelist of node types, names and operators and builds the SymPy expression
itself: nothing a student typed is ever executed (``sympify`` and
``parse_expr`` call ``eval``, so they are never used on student text). Sizes
are checked before anything is converted, so huge inputs are refused quickly.

A malformed file raises :class:`~derive.problem.spec.InputError` (one line, exit 2);
a malformed submission or answer inside a good file is kept, marked with its
problem, and the rest is graded.
"""

from __future__ import annotations

import ast
import codecs
import csv
import io
import json
import math
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from derive.calculus import softmax as sm
from derive.numerics.key import ITEMS
from derive.problem.spec import InputError, printable

MAX_FILE_BYTES = 32 * 2**20   # a class's answers file is a few hundred kB
MAX_SUBMISSIONS = 10_000
MAX_TEXT = 500                # characters of one formula or name
MAX_NODES = 200               # syntax-tree nodes of one formula
MAX_DEPTH = 30
MAX_ENTRIES = 64 * 64         # entries of one matrix (spec.MAX_SIZE squared)
MAX_EXPONENT = 64             # a constant exponent larger than this is refused
MAX_BASE = 2**64              # ... and a larger number raised to a power too
MAX_NUMBER = 1e300
MAX_DIGITS = 400              # digits of an integer in a file (Python refuses > 4,300)
MAX_NESTING = 20              # JSON nesting of an answers file (a matrix in a cell is 4)
# The bounded evaluator: every intermediate value stays within e**±MAX_LOG, at most
# MAX_STEPS nodes are evaluated, and one answer gets CELL_SECONDS of work in all.
MAX_LOG = 10_000
MAX_STEPS = 5_000
CELL_SECONDS = 0.3

SYMBOLIC = ("q1", "q2", "q3", "q4")
SCALARS = ("q5", "q7", "q9")
VECTORS = ("q10", "q11", "q14")
MATRICES = ("q6", "q8")
UPDATES = ("q12", "q13")   # {"grad": matrix, "W": matrix}


class AnswerError(ValueError):
    """One answer (or one submission) is unusable; the message says why."""


class TooLarge(AnswerError):
    """A formula whose value (or work) exceeds the evaluator's bounds."""

    def __init__(self, what: str = "too large to evaluate"):
        super().__init__(what)


class _Budget:
    """The CPU time one answer may take (CPU, so a busy machine does not make
    a good answer "too large"); :meth:`check` raises :class:`TooLarge` after it."""

    def __init__(self, seconds: float = CELL_SECONDS):
        self.end = time.process_time() + seconds

    def check(self) -> None:
        if time.process_time() > self.end:
            raise TooLarge()


# --------------------------------------------------------------------------
# Formulas

_z, _a, _y, _x_k = (sp.Symbol(s) for s in ("z", "a", "y", "x_k"))

# the names each formula item may use, mapped to SymPy objects
_NAMES: dict[str, dict[str, sp.Expr]] = {
    "q1": {"z": _z},
    "q2": {"z": _z},
    "q3": {"a": _a, "y": _y, "x_k": _x_k, "x": _x_k},
    "q4": {"z_j": sm.z[sm.j], "z_k": sm.z[sm.k], "n": sm.n, "M": sp.Symbol("M")},
    "number": {},
}
_INDEXED = {"z": sm.z}          # z[j], z[k] in q4
_INDICES = {"j": sm.j, "k": sm.k}
_CONSTANTS = {"e": sp.E, "pi": sp.pi}


def _sigma(u):
    return 1 / (1 + sp.exp(-u))


_FUNCTIONS = {"exp": sp.exp, "log": sp.log, "ln": sp.log, "sqrt": sp.sqrt,
              "sigma": _sigma, "sigmoid": _sigma, "σ": _sigma, "tanh": sp.tanh}
_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
           ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b}
_UNARY = {ast.USub: lambda a: -a, ast.UAdd: lambda a: a}
_SPELLINGS = (("^", "**"), ("−", "-"), ("·", "*"), ("×", "*"), ("σ", "sigma"))


def parse_expression(text: Any, item: str = "number", budget: "_Budget | None" = None) -> sp.Expr:
    """A formula typed by a student, as a SymPy expression, using only the
    names ``item`` allows; raises :class:`AnswerError` on anything else
    (:class:`TooLarge` for constants or work beyond the bounds)."""
    if not isinstance(text, str):
        raise AnswerError(f"expected a formula as text, got {_kind(text)}")
    if len(text) > MAX_TEXT:
        raise AnswerError(f"formula is {len(text)} characters long, at most {MAX_TEXT} allowed")
    for old, new in _SPELLINGS:
        text = text.replace(old, new)
    if "=" in text.replace("==", ""):  # "a_j = ..." : the right-hand side
        text = text.rsplit("=", 1)[1]
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise AnswerError("not a formula (check the brackets and operators)") from None
    nodes = sum(1 for _ in ast.walk(tree))
    if nodes > MAX_NODES:
        raise AnswerError(f"formula has {nodes} parts, at most {MAX_NODES} allowed")
    return _Builder(_NAMES[item], item == "q4", budget or _Budget()).build(tree.body, 0)


class _Builder:
    """Whitelisted syntax tree → SymPy, node by node, every constant it
    makes kept within :data:`_MAX_EXACT_BITS`."""

    def __init__(self, names: dict, sums: bool, budget: _Budget):
        self.names, self.sums, self.budget = names, sums, budget

    def build(self, node: ast.AST, depth: int) -> sp.Expr:
        if depth > MAX_DEPTH:
            raise AnswerError(f"formula is nested more than {MAX_DEPTH} deep")
        self.budget.check()
        expr = _bounded_constant(self._build(node, depth + 1))
        if expr.is_number and not expr.is_Number:
            # SymPy evaluates constants when it prints or orders terms: one that
            # the bounded evaluator finds too large is refused here, once
            try:
                evaluate(expr, budget=self.budget)
            except TooLarge:
                raise
            except AnswerError:
                pass
        return expr

    def _build(self, node: ast.AST, d: int) -> sp.Expr:
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return _BINARY[type(node.op)](self.build(node.left, d), self.build(node.right, d))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            return _power(self.build(node.left, d), self.build(node.right, d))
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            return _UNARY[type(node.op)](self.build(node.operand, d))
        if isinstance(node, ast.Constant):
            return _constant(node.value)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.Subscript):
            return self.indexed(node)
        if isinstance(node, ast.Call):
            return self.call(node, d)
        raise AnswerError(f"{_describe(node)} is not allowed in a formula")

    def name(self, name: str) -> sp.Expr:
        if name in self.names:
            return self.names[name]
        if name in _CONSTANTS:
            return _CONSTANTS[name]
        allowed = ", ".join(sorted(self.names)) or "no variables"
        raise AnswerError(f"unknown name {_short(name)!r} (this answer may use {allowed})")

    def indexed(self, node: ast.Subscript) -> sp.Expr:
        base, index = node.value, node.slice
        if (self.sums and isinstance(base, ast.Name) and base.id in _INDEXED
                and isinstance(index, ast.Name) and index.id in _INDICES):
            return _INDEXED[base.id][_INDICES[index.id]]
        raise AnswerError("indexing is only allowed as z[j] or z[k] in q4")

    def call(self, node: ast.Call, depth: int) -> sp.Expr:
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise AnswerError("only one-argument functions like exp(z) are allowed")
        arg = self.build(node.args[0], depth)
        func = node.func
        # σ(z)(1 − σ(z)) and z(1 − z): a bracket after a value multiplies it
        if not isinstance(func, ast.Name) or func.id in self.names or func.id in _CONSTANTS:
            return self.build(func, depth) * arg
        fname = func.id
        if self.sums and fname in ("sum", "Sum"):
            return sp.Sum(arg, (sm.k, 1, sm.n))
        if fname not in _FUNCTIONS:
            allowed = ", ".join(sorted(set(_FUNCTIONS) - {"σ"}) + (["sum"] if self.sums else []))
            raise AnswerError(f"unknown function {_short(fname)!r} (allowed: {allowed})")
        # SymPy evaluates exp(2.5) at once: a constant making it huge is refused first
        if fname in _EXPONENT_SIGN and arg.is_Number and _EXPONENT_SIGN[fname] * arg > MAX_LOG:
            raise TooLarge()
        return _FUNCTIONS[fname](arg)


_EXPONENT_SIGN = {"exp": 1, "sigma": -1, "sigmoid": -1}   # sigma(u) has exp(-u)
_MAX_EXACT_BITS = 4096   # an exact constant in a formula: about 1,200 digits


def _bounded_constant(expr: sp.Expr) -> sp.Expr:
    if expr.is_Rational:
        if max(abs(expr.p).bit_length(), expr.q.bit_length()) > _MAX_EXACT_BITS:
            raise TooLarge()
    elif expr.is_Float and expr:
        _, man, exp, bc = expr._mpf_
        if exp + bc > _MAX_EXACT_BITS:
            raise TooLarge()
        if exp + bc < -_MAX_EXACT_BITS:   # underflow, as in floating point
            return sp.Float(0)
    return expr


def _constant(value) -> sp.Expr:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AnswerError(f"{_kind(value)} constant is not allowed in a formula")
    if isinstance(value, int):
        if abs(value) > MAX_BASE:
            raise AnswerError("number too large")
        return sp.Integer(value)
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise AnswerError("number too large")
    return sp.Rational(value) if value == int(value) else sp.Float(value)


def _power(base: sp.Expr, exponent: sp.Expr) -> sp.Expr:
    if exponent.is_Number and abs(exponent) > MAX_EXPONENT:
        raise AnswerError(f"exponent is too large (at most {MAX_EXPONENT})")
    if base.is_Number and abs(base) > MAX_BASE and exponent.is_Number and abs(exponent) > 1:
        raise AnswerError("power too large")
    return base ** exponent


# --------------------------------------------------------------------------
# The bounded evaluator

_MP = mpmath.MPContext()
_MP.prec = 113                                # quadruple precision, fixed
_MAX_BITS = int(MAX_LOG / math.log(2))        # |value| < 2**_MAX_BITS = e**MAX_LOG


def evaluate(expr: sp.Expr, point: dict | None = None, budget: _Budget | None = None) -> complex:
    """The value of ``expr`` with ``point`` ({symbol: number}) put in, computed
    by mpmath at fixed precision node by node. Raises :class:`TooLarge` when an
    intermediate value exceeds e**MAX_LOG (checked before each exp and power,
    so nothing huge is ever computed) or the work exceeds its bounds, and
    :class:`AnswerError` when the expression has no number value there."""
    ev = _Evaluator({k: _MP.mpf(v) for k, v in (point or {}).items()}, budget or _Budget())
    try:
        value = complex(ev.value(expr))
    except (ZeroDivisionError, ValueError) as e:
        if isinstance(e, AnswerError):
            raise
        raise AnswerError("not a number (division by zero or log of zero)") from None
    if not (math.isfinite(value.real) and math.isfinite(value.imag)):
        raise TooLarge()
    return value


class _Evaluator:
    def __init__(self, point: dict, budget: _Budget):
        self.point, self.budget, self.steps = point, budget, 0

    def value(self, e: sp.Basic):
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TooLarge()
        if self.steps % 64 == 0:
            self.budget.check()
        return self.bounded(self._value(e))

    def _value(self, e: sp.Basic):
        if e in self.point:
            return self.point[e]
        if e.is_Rational:
            _bounded_constant(e)
            return _MP.mpf(int(e.p)) / int(e.q)
        if e.is_Float:
            return _MP.mpf(e._mpf_)
        if e in _MP_CONSTANTS:
            return _MP_CONSTANTS[e]()
        args = e.args
        if e.is_Add:
            return _MP.fsum(self.value(a) for a in args)
        if e.is_Mul:
            out = _MP.mpf(1)
            for a in args:
                out = self.bounded(out * self.value(a))
            return out
        if e.is_Pow:
            return self.power(self.value(args[0]), self.value(args[1]))
        if isinstance(e, sp.exp):
            return self.exp(self.value(args[0]))
        if isinstance(e, sp.log):
            return _MP.log(self.value(args[0]))
        if isinstance(e, sp.tanh):
            u = self.value(args[0])
            sign = -1 if _MP.re(u) < 0 else 1
            t = self.exp(-2 * sign * u)   # at most 1 in size: never overflows
            return sign * (1 - t) / (1 + t)
        raise AnswerError("not a number")

    def bounded(self, v):
        if _MP.isnan(v):
            raise AnswerError("not a number")
        if _MP.isinf(v):
            raise TooLarge()
        if v and _MP.mag(v) > _MAX_BITS:
            raise TooLarge()
        if v and _MP.mag(v) < -_MAX_BITS:   # underflow, as in floating point
            return _MP.mpf(0)
        return v

    def exp(self, u):
        if _MP.re(u) > MAX_LOG or abs(_MP.im(u)) > MAX_LOG:
            raise TooLarge()
        if _MP.re(u) < -MAX_LOG:
            return _MP.mpf(0)
        return _MP.exp(u)

    def power(self, base, exponent):
        if not base:
            if _MP.re(exponent) > 0:
                return _MP.mpf(0)
            raise ZeroDivisionError
        real = _MP.re(exponent)
        if _MP.im(exponent) == 0 and _MP.isint(real) and abs(real) <= MAX_EXPONENT:
            return base ** int(real)
        return self.exp(exponent * _MP.log(base))


_MP_CONSTANTS = {sp.E: lambda: _MP.e, sp.pi: lambda: _MP.pi, sp.I: lambda: _MP.mpc(0, 1)}


def _describe(node: ast.AST) -> str:
    return {ast.Attribute: "an attribute (a.b)", ast.Lambda: "a lambda",
            ast.Compare: "a comparison", ast.BoolOp: "and/or",
            ast.List: "a list", ast.Tuple: "a tuple"}.get(type(node), type(node).__name__)


def _short(text: str) -> str:
    return text if len(text) <= 20 else text[:17] + "..."


def _kind(value) -> str:
    return {bool: "true/false", str: "text", list: "a list", dict: "an object",
            type(None): "null", _HugeInteger: "a huge number"}.get(type(value),
                                                                  type(value).__name__)


# --------------------------------------------------------------------------
# Numbers, vectors, matrices


@dataclass
class Given:
    """One validated answer: its value (SymPy expression, NumPy array, or
    {"grad", "W"} of arrays), notes for the student, or the problem that
    made it unusable."""

    raw: Any
    value: Any = None
    notes: list[str] = field(default_factory=list)
    error: str | None = None


def _number(value, budget: _Budget) -> float:
    if isinstance(value, bool) or value is None:
        raise AnswerError(f"expected a number, got {_kind(value)}")
    if isinstance(value, _HugeInteger):
        raise AnswerError(f"number with {value.digits} digits is too large")
    if isinstance(value, int):
        if abs(value) > 2 ** 1000:   # beyond float range   # beyond float range, and slow to print
            raise AnswerError("number too large")
        number = float(value)
    elif isinstance(value, float):
        number = float(value)
    elif isinstance(value, str):  # "1/3", "exp(-1)": a formula without variables
        number = evaluate(parse_expression(value, budget=budget), budget=budget)
        if number.imag:
            raise AnswerError(f"{_short(value)!r} is not a real number")
        number = number.real
    else:
        raise AnswerError(f"expected a number, got {_kind(value)}")
    if not math.isfinite(number):
        raise AnswerError("expected a finite number")
    return number


class _HugeInteger(float):
    """An integer literal in a file with more than :data:`MAX_DIGITS` digits
    (infinite as a float: it is never a usable number)."""

    def __new__(cls, text: str):
        return super().__new__(cls, math.inf if text[0] != "-" else -math.inf)

    def __init__(self, text: str):
        self.digits = len(text.lstrip("-"))


def _parse_int(text: str):
    return int(text) if len(text) <= MAX_DIGITS else _HugeInteger(text)


def _array(value, ndim: int, budget: _Budget) -> tuple[np.ndarray, list[str]]:
    """A number (ndim 0), vector (1) or matrix (2), sizes checked first."""
    notes: list[str] = []
    if ndim == 0:
        if isinstance(value, list):
            if len(value) != 1 or isinstance(value[0], list):
                raise AnswerError("expected one number, got a list")
            notes.append("a single number was given as a 1-element list; accepted")
            value = value[0]
        return np.array(_number(value, budget)), notes
    if not isinstance(value, list):
        raise AnswerError(f"expected a {'vector' if ndim == 1 else 'matrix'} "
                          f"(a JSON list), got {_kind(value)}")
    if len(value) > MAX_ENTRIES:
        raise AnswerError(f"has {len(value)} entries, at most {MAX_ENTRIES} allowed")
    rows = [r for r in value if isinstance(r, list)]
    if ndim == 1 and rows and len(rows) == len(value) and all(len(r) == 1 for r in rows):
        notes.append("the vector was given as a column (a list of 1-element lists); accepted")
        value = [r[0] for r in rows]
        rows = []
    if ndim == 1:
        if rows:
            raise AnswerError("expected a flat list of numbers")
        return np.array([_number(v, budget) for v in value]), notes
    if len(rows) != len(value) or not value:
        raise AnswerError("expected a matrix as a list of rows")
    if sum(len(r) for r in rows) > MAX_ENTRIES:
        raise AnswerError(f"too many entries, at most {MAX_ENTRIES} allowed")
    if len({len(r) for r in rows}) != 1:
        raise AnswerError("rows have different lengths")
    return np.array([[_number(v, budget) for v in r] for r in rows]), notes


def validate_answer(item: str, value: Any) -> Given:
    """Check one answer and turn it into a value the grader compares; each
    answer gets :data:`CELL_SECONDS` of work at most ("too large to evaluate")."""
    given = Given(value)
    budget = _Budget()
    try:
        if item in SYMBOLIC:
            given.value = parse_expression(value, item, budget)
        elif item in UPDATES:
            given.value, given.notes = _update(value, budget)
        else:
            if item == "q5" and isinstance(value, dict) and set(value) == {"value"}:
                value = value["value"]
            ndim = 0 if item in SCALARS else 1 if item in VECTORS else 2
            given.value, given.notes = _array(value, ndim, budget)
    except AnswerError as e:
        given.error = str(e)
    return given


def _update(value, budget: _Budget) -> tuple[dict[str, np.ndarray | None], list[str]]:
    if isinstance(value, list):
        W, notes = _array(value, 2, budget)
        return {"grad": None, "W": W}, notes + ["a bare matrix was taken as the updated W"]
    if not isinstance(value, dict):
        raise AnswerError(f'expected {{"grad": ..., "W": ...}}, got {_kind(value)}')
    unknown = sorted(set(value) - {"grad", "W"})
    if unknown:
        raise AnswerError(f"unknown part {_short(str(unknown[0]))!r}; expected grad and/or W")
    out, notes = {"grad": None, "W": None}, []
    for part in ("grad", "W"):
        if part in value:
            try:
                out[part], more = _array(value[part], 2, budget)
            except AnswerError as e:
                raise AnswerError(f"{part}: {e}") from None
            notes += more
    if out["W"] is None and out["grad"] is None:
        raise AnswerError("neither grad nor W given")
    return out, notes


# --------------------------------------------------------------------------
# Submissions and answers files


@dataclass
class Submission:
    """One student's answers (validated), or the problem with the whole entry."""

    index: int
    student: str
    variant: str | None
    answers: dict[str, Given] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str | None = None


def _label(value, index: int) -> str:
    if isinstance(value, str) and value.strip():
        value = " ".join(value.split())
        return value if len(value) <= 200 else value[:197] + "..."
    return f"#{index + 1}"


def parse_submission(entry: Any, index: int) -> Submission:
    """Validate one submission ({"student", "variant", "answers"})."""
    if not isinstance(entry, dict):
        return Submission(index, f"#{index + 1}", None,
                          error=f"expected an object with student, variant and answers, "
                                f"got {_kind(entry)}")
    student = _label(entry.get("student"), index)
    variant = entry.get("variant")
    sub = Submission(index, student, variant if isinstance(variant, str) else None)
    if not isinstance(entry.get("student"), str) or not entry["student"].strip():
        sub.error = "student: missing or not text"
    elif "variant" in entry and not isinstance(variant, (str, type(None))):
        sub.error = "variant: not text"
    elif isinstance(variant, str) and len(variant) > 100:
        sub.error = "variant: too long"
    elif not isinstance(entry.get("answers"), dict):
        sub.error = "answers: missing or not an object of q1...q14"
    unknown = sorted(set(entry) - {"student", "variant", "answers"})
    if unknown:
        sub.notes.append(f"ignored field {_short(str(unknown[0]))!r}")
    if sub.error:
        return sub
    answers = entry["answers"]
    extra = sorted(set(answers) - set(ITEMS), key=str)
    if extra:
        sub.notes.append(f"ignored unknown item {_short(str(extra[0]))!r}")
    sub.answers = {i: validate_answer(i, answers[i]) for i in ITEMS
                   if i in answers and answers[i] is not None and answers[i] != ""}
    return sub


def load_submissions(path: str | Path) -> list[Submission]:
    """Read an answers file (JSON: one submission or a list; CSV: columns
    student, variant, q1...q14) and validate each submission. A malformed
    file, or one student twice, is an :class:`InputError` naming the place."""
    path = Path(path)
    where = printable(str(path))
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError("--answers", f"{where}: no such file") from None
    except OSError as e:
        raise InputError("--answers", f"{where}: cannot read ({e.__class__.__name__})") from None
    if size > MAX_FILE_BYTES:
        raise InputError("--answers", f"{where}: {size / 2**20:.0f} MB, at most "
                         f"{MAX_FILE_BYTES // 2**20} MB allowed")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError("--answers", f"{where}: cannot read ({e.__class__.__name__})") from None
    is_csv = path.suffix.lower() == ".csv"
    text = _decode(data, where, legacy=is_csv)
    entries, places = _csv_entries(text, where) if is_csv else _json_entries(text, where)
    if len(entries) > MAX_SUBMISSIONS:
        raise InputError("--answers", f"{where}: {len(entries)} submissions, at most "
                         f"{MAX_SUBMISSIONS} allowed")
    submissions = [parse_submission(e, i) for i, e in enumerate(entries)]
    _refuse_duplicates(submissions, places, where)
    return submissions




def _decode(data: bytes, where: str, legacy: bool) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, and for CSV the
    Windows-1252/Latin-1 that spreadsheets write; anything else refused by name."""
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            text = data.decode("utf-16")
        else:
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError as e:
                if not legacy:
                    raise InputError("--answers", f"{where}: not UTF-8 text (byte {e.start + 1}); "
                                     "save it as UTF-8") from None
                text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError("--answers", f"{where}: neither UTF-8 nor Windows-1252 (Latin-1) "
                         "text; save it as UTF-8") from None
    if "\x00" in text:
        raise InputError("--answers", f"{where}: contains NUL characters; not a text file")
    return text


def _refuse_duplicates(submissions: list[Submission], places: list[str], where: str) -> None:
    seen: dict[str, int] = {}
    for sub, place in zip(submissions, places):
        if sub.error and sub.student.startswith("#"):
            continue
        name = " ".join(unicodedata.normalize("NFKC", sub.student).casefold().split())
        if name in seen:
            raise InputError("--answers", f"{where}: student '{printable(_short(sub.student))}' "
                             f"appears twice ({places[seen[name]]} and {place}); keep one "
                             "submission per student")
        seen[name] = sub.index


def _nesting(data: Any) -> int:
    """How deeply lists and objects nest in ``data`` (without recursion)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, (list, dict)):
            deepest = max(deepest, depth)
            if depth <= MAX_NESTING:
                stack.extend((v, depth + 1) for v in
                             (value.values() if isinstance(value, dict) else value))
    return deepest


def _json_entries(text: str, where: str) -> tuple[list, list[str]]:
    try:
        data = json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as e:
        raise InputError("--answers", f"{where}: not valid JSON ({e.msg} at line "
                         f"{e.lineno}, column {e.colno})") from None
    except RecursionError:
        raise InputError("--answers", f"{where}: nested too deeply") from None
    if _nesting(data) > MAX_NESTING:
        raise InputError("--answers", f"{where}: nested more than {MAX_NESTING} deep")
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list) or not data:
        raise InputError("--answers", f"{where}: expected a submission object or a "
                         "non-empty list of them")
    return data, [f"entry {i + 1}" for i in range(len(data))]


_CELL_JSON = re.compile(r"\s*[\[{\-0-9.]")
_DECIMAL_COMMA = re.compile(r"\s*[-+]?\d+,\d+\s*$")
_DELIMITERS = (",", ";", "\t")
_COLUMNS = {"student", "variant", *ITEMS, *(f"{u}.{p}" for u in UPDATES for p in ("grad", "W"))}


def _csv_entries(text: str, where: str) -> tuple[list, list[str]]:
    """Rows of a CSV file as submissions, with the line each starts on.

    The separator is the one of ``, ; tab`` that makes a header with a
    ``student`` column; spaces after it are skipped; a number with a decimal
    comma (``2,303``) is read in a ``;`` file. A quote left open, a row with
    more cells than the header, or a student cell spanning lines is an error
    naming the line."""
    first = (text.splitlines() or [""])[0]
    found = [(len(h), d) for d in _DELIMITERS
             if "student" in (h := [c.strip().strip("\"") for c in first.split(d)])]
    if not found:
        raise InputError("--answers", f"{where}: needs a header row with a student column "
                         "(student, variant, q1...q14; separated by commas, semicolons or tabs)")
    delimiter = max(found)[1]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                        skipinitialspace=True, strict=True)
    rows = _csv_rows(reader, where)
    (_, header), rows = rows[0], rows[1:]
    header = [h.strip() for h in header]
    while header and not header[-1]:
        header.pop()
    for col in header:
        if col not in _COLUMNS:
            raise InputError("--answers", f"{where}: unknown column '{printable(_short(col))}'")
        if header.count(col) > 1:
            raise InputError("--answers", f"{where}: column {col!r} appears twice")
    entries, places = [], []
    for line, row in rows:
        if not any(c.strip() for c in row):
            continue
        if any(c.strip() for c in row[len(header):]):
            raise InputError("--answers", f"{where}: line {line}: {len(row)} cells, but the "
                             f"header has {len(header)} columns")
        cells = dict(zip(header, row))
        for col in ("student", "variant"):
            if "\n" in cells.get(col, "") or "\r" in cells.get(col, ""):
                raise InputError("--answers", f"{where}: line {line}: the {col} cell spans "
                                 "several lines (a quote left open?)")
        answers: dict[str, Any] = {}
        for col, cell in cells.items():
            if col in ("student", "variant") or not cell.strip():
                continue
            item, _, part = col.partition(".")
            value = _cell(cell, decimal_comma=delimiter == ";")
            if part:
                answers.setdefault(item, {})
                if isinstance(answers[item], dict):
                    answers[item][part] = value
            else:
                answers[item] = value
        entries.append({"student": cells.get("student"), "variant": cells.get("variant") or None,
                        "answers": answers})
        places.append(f"line {line}")
    return entries, places


def _csv_rows(reader, where: str) -> list[tuple[int, list[str]]]:
    """Every row with the line it starts on; a CSV error names that line."""
    rows = []
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return rows
        except csv.Error as e:
            hint = " (a quote left open?)" if "end of data" in str(e) or "expected" in str(e) \
                else ""
            raise InputError("--answers", f"{where}: line {line}: not valid CSV "
                             f"({printable(str(e))}){hint}") from None
        rows.append((line, row))


def _cell(cell: str, decimal_comma: bool = False) -> Any:
    """A CSV cell: JSON (numbers, lists, objects) when it looks like it, else text."""
    if decimal_comma and _DECIMAL_COMMA.match(cell):
        cell = cell.replace(",", ".")
    if len(cell) <= MAX_FILE_BYTES and _CELL_JSON.match(cell):
        try:
            value = json.loads(cell, parse_int=_parse_int)
        except (ValueError, RecursionError):
            return cell
        return value if _nesting(value) <= MAX_NESTING else cell
    return cell


# --------------------------------------------------------------------------
# Key-shaped answers as a student would submit them


def as_submitted(item: str, value: Any) -> Any:
    """A key-shaped answer (ANSWER_KEY.md; or a mistake's, from
    :mod:`derive.numerics.mistakes`) in the submission format: formulas as text in
    this module's syntax, q5 as its value, the rest as is."""
    if isinstance(value, dict) and "sympy" in value:
        return value["sympy"]
    if isinstance(value, dict) and "value" in value:
        return value["value"]
    if item == "q4" and isinstance(value, dict):  # the key's q4 has only LaTeX
        return _q4_text()
    return value


def _q4_text() -> str:
    from derive.numerics.mistakes import expected_formulas
    typed = expected_formulas()["q4"].replace(
        lambda e: isinstance(e, sp.Sum), lambda e: sp.Function("sum")(e.function))
    return str(typed)


def key_submission(key: dict, student: str = "key", replace: dict | None = None) -> dict:
    """The key's answers as a submission (every answer right), with the items
    of ``replace`` (key-shaped values) put in instead."""
    answers = {q: as_submitted(q, v) for q, v in key["answers"].items()}
    answers.update({q: as_submitted(q, v) for q, v in (replace or {}).items()})
    return {"student": student, "variant": key.get("variant"), "answers": answers}
