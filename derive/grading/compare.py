"""Comparing an answer with the key's: formulas by evaluation and SymPy
(bounded in time), numbers by the precision contract of
:mod:`derive.problem.precision`; and the scoring steps every grader shares
(right, rounded too early, a diagnosed mistake, credit per informative entry)."""

from __future__ import annotations

import random
import signal
import threading
import time
from contextlib import contextmanager
from functools import lru_cache

import numpy as np
import sympy as sp

from derive.calculus import softmax as sm
from derive.grading.formulas import SUM_TO, AnswerError, TooLarge, evaluate
from derive.grading.results import ItemGrade
from derive.grading.rules import Rules
from derive.problem import precision

ROUNDED = "rounded-too-early"


_DOMAINS = {"z": (-3.0, 3.0), "a": (0.05, 0.95), "y": (0.0, 1.0), "x_k": (-3.0, 3.0)}


class _Timeout(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    """Raise :class:`_Timeout` after ``seconds`` (in the main thread; SymPy is
    pure Python, so the alarm interrupts it). A timer already running is
    re-armed with what is left of it. Elsewhere no alarm is possible: the
    block is skipped with :class:`_Timeout` at once."""
    if threading.current_thread() is not threading.main_thread() or \
            not hasattr(signal, "setitimer"):
        raise _Timeout()

    inside = [True]

    def _alarm(signum, frame):
        if inside[0]:
            # again in 50 ms, should this one be swallowed (an exception in a
            # weakref callback or __del__ is only printed, not raised)
            signal.setitimer(signal.ITIMER_REAL, 0.05)
            raise _Timeout()

    old = signal.signal(signal.SIGALRM, _alarm)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.monotonic()
    try:
        yield
    finally:
        inside[0] = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 1e-3))


def _indexed(expr: sp.Expr) -> bool:
    return expr.has(sp.Sum) or expr.has(sp.Indexed)


def _instantiate(expr: sp.Expr) -> sp.Expr:
    """A formula with a sum over k = 1..n (the softmax's aⱼ) at n = 3, j = 1."""
    return expr.subs(SUM_TO, 3).doit().subs(sm.j, 1)


def _value(expr: sp.Expr, point: dict) -> complex | None:
    """``expr`` at ``point`` by the bounded evaluator, None where it has no
    value; :class:`TooLarge` propagates."""
    try:
        return evaluate(expr, point)
    except TooLarge:
        raise
    except AnswerError:
        return None


def equivalent(given: sp.Expr, expected: sp.Expr, item: str, rules: Rules) -> bool:
    """Whether a formula equals the key's.

    Evaluation at random points first (bounded: :class:`TooLarge` when a
    value is beyond the evaluator's range): one point where they differ
    proves them different. When they agree everywhere, SymPy's ``simplify``
    of the difference is tried as a proof within ``rules.symbolic_time_limit``
    (only where a timer can stop it: the main thread); if it times out or
    cannot reduce it to 0, agreement at every point decides."""
    return _equivalent(given, expected, item, rules.symbolic_points,
                       rules.symbolic_time_limit)


@lru_cache(maxsize=4096)
def _equivalent(given, expected, item, points: int, seconds: float) -> bool:
    if given == expected:
        return True
    if _indexed(given) or _indexed(expected):
        given, expected = _instantiate(given), _instantiate(expected)
    g, e = given, expected
    symbols = sorted(g.free_symbols | e.free_symbols, key=str)
    rng = random.Random(f"{item}|{g}|{e}")  # reproducible points
    agreed = 0
    for _ in range(points):
        point = {s: rng.uniform(*_DOMAINS.get(str(s), (-2.0, 2.0))) for s in symbols}
        vg, ve = _value(g, point), _value(e, point)
        if vg is None or ve is None:
            continue
        if abs(vg - ve) > 1e-9 * max(1.0, abs(ve)):
            return False
        agreed += 1
    try:
        with time_limit(seconds):
            if sp.simplify(g - e) == 0:
                return True
    except (_Timeout, RecursionError, MemoryError):
        pass
    return agreed > 0


def _close(given: np.ndarray, expected: np.ndarray, rules: Rules) -> np.ndarray | None:
    """Entry-wise pass/fail, or None when the shapes differ."""
    if given.shape != expected.shape:
        return None
    return precision.within(given, expected, rules.figures,
                            _tolerance(np.asarray(expected, float), rules.figures))


_TOLERANCES: dict[tuple, np.ndarray] = {}


def _tolerance(expected: np.ndarray, figures: int) -> np.ndarray:
    """:func:`precision.tolerance`, by the content of ``expected``: a class
    compares with the same key and library answers again and again."""
    found = (expected.shape, expected.tobytes(), figures)
    tol = _TOLERANCES.get(found)
    if tol is None:
        if len(_TOLERANCES) >= 1 << 16:
            _TOLERANCES.clear()
        tol = _TOLERANCES[found] = precision.tolerance(expected, figures)
    return tol


def _same(given, expected, item: str, rules: Rules) -> bool:
    if isinstance(given, sp.Basic):
        return isinstance(expected, sp.Basic) and equivalent(given, expected, item, rules)
    if isinstance(expected, dict):  # {"grad", "W"/"new"}: every part given must match
        parts = [p for p in expected if given.get(p) is not None]
        return bool(parts) and all(_same(given[p], expected[p], item, rules) for p in parts)
    ok = _close(np.asarray(given), np.asarray(expected), rules)
    return ok is not None and bool(ok.all())


def _shape(a: np.ndarray) -> str:
    # a matrix or a vector: an answer with another number of dimensions than
    # the key's is refused when it is read, and one number has one shape
    return " × ".join(map(str, a.shape)) if a.ndim == 2 else f"{a.shape[0]} entries"


def _diagnosed(grade: ItemGrade, codes: list[str], rules: Rules) -> bool:
    """A wrong answer; a fixed share of the points per diagnosed mistake."""
    grade.status, grade.diagnosis = "wrong", codes
    grade.points = grade.max * rules.mistake_credit ** len(codes) if codes else 0.0
    return bool(codes)


def _right(value: np.ndarray, expected: np.ndarray, grade: ItemGrade, rules: Rules) -> bool:
    ok = _close(value, expected, rules)
    if ok is not None and ok.all():
        grade.status, grade.points = "correct", grade.max
        return True
    return False


def _rounded(value: np.ndarray, expected: np.ndarray, grade: ItemGrade, rules: Rules) -> bool:
    """Right to one significant figure fewer than the contract asks."""
    if value.shape != expected.shape or \
            not precision.within(value, expected, rules.figures - 1).all():
        return False
    grade.status, grade.points = "wrong", grade.max * rules.rounded_credit
    grade.diagnosis = [ROUNDED]
    return True


def _informative_share(value: np.ndarray, expected: np.ndarray, base: np.ndarray | None,
                       rules: Rules) -> float:
    """The share of the informative entries that are right: those the right
    answer changes from ``base`` (or that are not 0); a wrong entry that is
    not informative counts against it."""
    ok = _close(value, expected, rules)
    if ok is None or value.ndim == 0:
        return 0.0
    base = np.zeros_like(expected) if base is None else base
    informative = ~precision.within(base, expected, rules.figures)
    count = informative.sum() + (~ok & ~informative).sum()
    return float((ok & informative).sum() / count) if count else 0.0
