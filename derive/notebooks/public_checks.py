# The public checks of a student notebook: this file is copied into every
# notebook's setup cell (after `import numpy as np` and FIGURES, the sheet's
# significant figures), so it needs only NumPy. A check tests the FORM of an
# answer (shape, finiteness, sums a softmax forces, a step's consistency) and
# never its value; it prints one line per check, ✓ or ✗, and never raises: a
# typo must not stop "Run All".
import numpy as np

FIGURES = globals().get("FIGURES", 3)


def _say(ok, what):
    print(("✓ " if ok else "✗ ") + what)
    return bool(ok)


def _numbers(value):
    """``value`` as a float array, or None when it is not numbers."""
    if value is None or isinstance(value, (str, bytes, dict)):
        return None
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):
        return None


def _slack(values):
    """What rounding to FIGURES significant figures may cost a sum of ``values``."""
    return 10.0 ** (1 - FIGURES) * float(np.abs(values).sum()) + 1e-12


def _check_numbers(name, value, shape, within=None, total=None, rows_total=None, outer=False):
    a = _numbers(value)
    if a is None:
        return _say(False, f"{name}: give numbers (a NumPy array or a float), not "
                           f"{type(value).__name__}" + (" (still None?)" if value is None else ""))
    want = ("a number" if shape == () else f"an array of {shape[0]} entries" if len(shape) == 1
            else " × ".join(map(str, shape)) + " array")
    if not _say(a.shape == tuple(shape), f"{name}: shape {a.shape}, expected {want}"):
        return False
    ok = _say(np.all(np.isfinite(a)), f"{name}: every entry is finite (no nan, no inf)")
    if not ok:
        return False
    if within is not None:
        lo, hi = within
        ok &= _say(np.all((a >= lo) & (a <= hi)),
                   f"{name}: every entry is in [{lo:g}, {hi:g}]")
    if total is not None:
        ok &= _say(abs(a.sum() - total) <= _slack(a), f"{name}: the entries add up to {total:g}")
    if rows_total is not None and a.ndim == 2:
        rows = [abs(r.sum() - rows_total) <= _slack(r) for r in a]
        ok &= _say(all(rows), f"{name}: each row adds up to {rows_total:g}" +
                   ("" if all(rows) else f" (rows {[i + 1 for i, r in enumerate(rows) if not r]} "
                                         "do not)"))
    if outer and a.ndim == 2 and a.size:
        s = np.linalg.svd(a, compute_uv=False)
        ok &= _say(len(s) < 2 or s[1] <= 10.0 ** (1 - FIGURES) * s[0] + 1e-12,
                   f"{name}: an outer product (rank 1), as the gradient of one example is")
    return ok


def check_answer(question, value, shape=None, **checks):
    """The public checks of one answer (a line each, ✓ or ✗), then the
    answer shown for grading. ``shape``: of the numbers (of each of grad and
    new with ``pair``); ``text``: a formula as text (``expression``: in
    SymPy syntax, not graded by hand); ``step``: (old, lr) of
    a gradient-step; ``within``, ``total``, ``rows_total``, ``outer``: see
    the checks of numbers."""
    try:
        _check_answer(question, value, shape, **checks)
    except Exception as e:  # an odd value: say so, never stop the notebook
        _say(False, f"{question}: could not be checked ({type(e).__name__}: {e})")
    finally:
        show_answer(question, value)


def _check_answer(question, value, shape=None, *, text=False, expression=True, pair=False,
                  step=None, **checks):
    ok = True
    if text:
        ok = _say(isinstance(value, str) and value.strip() != "",
                  f"{question}: a formula as text, in SymPy syntax")
        if ok and expression:
            import ast
            try:
                ast.parse(value.replace("^", "**"), mode="eval")
                import re
                library = re.search(r"\b(np|numpy|math|sp|sympy|torch)\s*\.", value)
                if library:
                    ok = _say(False, f"{question}: write exp(...), log(...) without "
                                     f"{library.group(1)}.: the formula is read in SymPy "
                                     "syntax, not run")
                else:
                    _say(True, f"{question}: the text reads as an expression")
            except (SyntaxError, ValueError):
                ok = _say(False, f"{question}: the text does not read as an expression")
    elif pair:
        if not (isinstance(value, dict) and set(value) == {"grad", "new"}):
            ok = _say(False, f'{question}: give {{"grad": ..., "new": ...}}')
        else:
            ok = _check_numbers(f"{question} grad", value["grad"], shape, **checks)
            ok &= _check_numbers(f"{question} new", value["new"], shape)
            old, lr, grad, new = (*(step or (None, None)), _numbers(value["grad"]),
                                  _numbers(value["new"]))
            if ok and _numbers(old) is not None and isinstance(lr, (int, float)):
                want = _numbers(old) - lr * grad
                ok &= _say(np.all(np.abs(new - want) <= 10.0 ** (1 - FIGURES) * (
                               np.abs(new) + np.abs(_numbers(old)) + np.abs(lr * grad)) + 1e-12),
                           f"{question}: new = old − η · grad, entry by entry")
    else:
        ok = _check_numbers(question, value, shape, **checks)
    return ok


def show_answer(question, value):
    """Show an answer as ``handouts grade`` reads it from the saved outputs."""
    from IPython.display import display
    plain = _handouts_plain(value)  # noqa: F821 (defined in the setup cell)
    text = repr(plain)
    display({"text/plain": f"{question} as handed in: " + (text if len(text) <= 300 else
                                                           text[:300] + " …"),
             ANSWER_MIME: {"question": question, "value": plain}}, raw=True)  # noqa: F821


def check_gradients(loss, gradients, params, h=1e-6):
    """Your ``gradients(params)`` against central finite differences of your
    ``loss(params)``, per parameter (at a ReLU's kink, between the one-sided
    differences); no answer of the key is involved. A line per parameter."""
    _check_gradients(loss, gradients, params, h)


def _check_gradients(loss, gradients, params, h):
    try:
        params = {k: np.array(v, dtype=float) for k, v in params.items()}
        base, grads = loss(params), gradients(params)
        if base is None or grads is None:
            return _say(False, "write loss(params) and gradients(params) above first")
        base = float(base)
        ok = True
        for name, value in params.items():
            g = _numbers(grads.get(name)) if isinstance(grads, dict) else None
            if g is None or g.shape != value.shape:
                ok = _say(False, f"{name}: gradients(params)[{name!r}] should be an array "
                                 f"of shape {value.shape}")
                continue
            central, lo, hi = (np.zeros_like(value) for _ in range(3))
            for i in np.ndindex(value.shape):
                up, down = dict(params), dict(params)
                up[name], down[name] = value.copy(), value.copy()
                up[name][i] += h
                down[name][i] -= h
                right, left = (float(loss(up)) - base) / h, (base - float(loss(down))) / h
                central[i], lo[i], hi[i] = (right + left) / 2, min(left, right), max(left, right)
            tol = 1e-5 * max(1.0, float(np.abs(central).max(initial=0)))
            diff = float(np.abs(g - central).max(initial=0))
            kink = np.all((g >= lo - tol) & (g <= hi + tol))
            ok &= _say(diff <= tol or kink, f"{name}: largest difference from finite differences"
                       f" of your loss {diff:.1e}" + (" (at a kink)" if diff > tol and kink else ""))
        return ok
    except Exception as e:  # the student's code: say what went wrong, never stop the notebook
        return _say(False, f"your loss or gradients raised {type(e).__name__}: {e}")

