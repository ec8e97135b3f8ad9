"""Formulas typed by students: parsed against a whitelist, evaluated within bounds.

Everything here is untrusted. :func:`parse_expression` walks Python's syntax
tree (``ast.parse(..., mode="eval")``) through a whitelist of node types,
names and operators and builds the SymPy expression itself: nothing a student
typed is ever executed (``sympify`` and ``parse_expr`` call ``eval``, so they
are never used on student text). :func:`evaluate` computes a value node by
node with mpmath at fixed precision, every intermediate value bounded.
"""

from __future__ import annotations

import ast
import math
import time
from typing import Any

import mpmath
import sympy as sp

from derive.calculus import softmax as sm

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

# a formula with a sum (the softmax): aⱼ = exp(z_j)/sum(exp(z_k)), the sum over k = 1..n
SUM_INDEX, SUM_TO = sm.k, sm.n
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


def parse_expression(text: Any, budget: "_Budget | None" = None,
                     names: dict[str, sp.Expr] | None = None) -> sp.Expr:
    """A formula typed by a student, as a SymPy expression, using only
    ``names`` (name -> symbol; none: a number). When a name stands for an
    indexed quantity (``z_j`` for z[j]), ``z[j]``, ``z[k]`` and a sum over
    k, ``sum(...)`` (or ``Sum(..., (k, 1, n))``), may be written. Raises
    :class:`AnswerError` on anything else (:class:`TooLarge` for constants or
    work beyond the bounds)."""
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
    names = names or {}
    sums = any(isinstance(v, sp.Indexed) for v in names.values())
    return _Builder(names, sums, budget or _Budget()).build(tree.body, 0)


class _Builder:
    """Whitelisted syntax tree → SymPy, node by node, every constant it
    makes kept within :data:`_MAX_EXACT_BITS`."""

    def __init__(self, names: dict, sums: bool, budget: _Budget):
        self.names, self.sums, self.budget = names, sums, budget
        self.bases = {str(v.base): v.base for v in names.values() if isinstance(v, sp.Indexed)}

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
        if (isinstance(base, ast.Name) and base.id in self.bases
                and isinstance(index, ast.Name) and index.id in _INDICES):
            return self.bases[base.id][_INDICES[index.id]]
        raise AnswerError("indexing is only allowed as z[j] or z[k] in a formula with a sum")

    def call(self, node: ast.Call, depth: int) -> sp.Expr:
        if self.sums and _sum_limits(node):   # Sum(e, (k, 1, n)), as SymPy prints a sum
            node = ast.Call(node.func, node.args[:1], [])
        if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
            raise AnswerError("only one-argument functions like exp(z) are allowed")
        arg = self.build(node.args[0], depth)
        func = node.func
        # σ(z)(1 − σ(z)) and z(1 − z): a bracket after a value multiplies it
        if not isinstance(func, ast.Name) or func.id in self.names or func.id in _CONSTANTS:
            return self.build(func, depth) * arg
        fname = func.id
        if self.sums and fname in ("sum", "Sum"):
            return sp.Sum(arg, (SUM_INDEX, 1, SUM_TO))
        if fname not in _FUNCTIONS:
            allowed = ", ".join(sorted(set(_FUNCTIONS) - {"σ"}) + (["sum"] if self.sums else []))
            raise AnswerError(f"unknown function {_short(fname)!r} (allowed: {allowed})")
        # SymPy evaluates exp(2.5) at once: a constant making it huge is refused first
        if fname in _EXPONENT_SIGN and arg.is_Number and _EXPONENT_SIGN[fname] * arg > MAX_LOG:
            raise TooLarge()
        return _FUNCTIONS[fname](arg)


def _sum_limits(node: ast.Call) -> bool:
    """``Sum(e, (k, 1, n))``: the one sum a formula may have, written out."""
    if not (isinstance(node.func, ast.Name) and node.func.id == "Sum" and len(node.args) == 2
            and not node.keywords and isinstance(node.args[1], ast.Tuple)):
        return False
    limits = node.args[1].elts
    return len(limits) == 3 and [type(e) for e in limits] == [ast.Name, ast.Constant, ast.Name] \
        and (limits[0].id, limits[1].value, limits[2].id) == (str(SUM_INDEX), 1, str(SUM_TO))


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


class _HugeInteger(float):
    """An integer literal in a file with more than :data:`MAX_DIGITS` digits
    (infinite as a float: it is never a usable number)."""

    def __new__(cls, text: str):
        return super().__new__(cls, math.inf if text[0] != "-" else -math.inf)

    def __init__(self, text: str):
        self.digits = len(text.lstrip("-"))


def _parse_int(text: str):
    return int(text) if len(text) <= MAX_DIGITS else _HugeInteger(text)
