"""What each name a document prints a value under stands for
(:class:`Resolver`), and how a printed number is compared with the one it
stands for (:func:`agrees`, :func:`exact`): for
tests/documents/test_printed_numbers.py."""

from __future__ import annotations

import re

import numpy as np

from tests.documents import oracle
from tests.documents.printed import Unattributed, Value, read

L = r"\{(\d+)\}"
# name (a regular expression of the printed left side) -> the quantity, from
# the part's oracle.solve() and the regex's groups
NAMES = [
    (rf"z\^{L}", lambda o, l: o["z"][int(l) - 1]),
    (rf"a\^{L}", lambda o, l: o["a"][int(l) - 1]),
    (rf"\\delta\^{L}", lambda o, l: o["delta"][int(l) - 1]),
    (rf"\\nabla_\{{W\^{L}\}} \\ell", lambda o, l: o["gW"][int(l) - 1]),
    (rf"\\nabla_\{{w_0\^{L}\}} \\ell", lambda o, l: o["delta"][int(l) - 1]),
    (rf"W\^{L}_\{{\\text\{{new\}}\}}", lambda o, l: o["new"][f"W{l}"]),
    (rf"w\^{L}_\{{0,\\text\{{new\}}\}}", lambda o, l: o["new"][f"b{l}"]),
    (rf"z\^{L}_\{{\\text\{{new\}}\}}", lambda o, l: o["after"]["z"][int(l) - 1]),
    (rf"a\^{L}_\{{\\text\{{new\}}\}}", lambda o, l: o["after"]["a"][int(l) - 1]),
    (r"\\ell", lambda o: o["loss"]),
    (r"\\ell_\{\\text\{new\}\}", lambda o: o["after"]["loss"]),
    (rf"a\^{L}_{L}", lambda o, l, c: o["a"][int(l) - 1][int(c) - 1]),
    (rf"z\^{L}_{L}", lambda o, l, c: o["z"][int(l) - 1][int(c) - 1]),
    (rf"a\^\{{(\d+),\\text\{{new\}}\}}_{L}", lambda o, l, c: o["after"]["a"][int(l) - 1][int(c) - 1]),
    (rf"\(?W\^{L}\)?(\^\{{T\}})?", lambda o, l, t: o["W"][int(l) - 1]),
    (rf"w_0\^{L}", lambda o, l: o["b"][int(l) - 1]),
    (r"x", lambda o: o["x"]),
    (r"\\eta", lambda o: o["lr"]),
    (rf"\(W\^{L} \\delta\^{L}\)", lambda o, l, m: o["back"][int(l) - 2]),
    (rf"f\^{L}\{{\}}'\(z\^{L}\)", lambda o, l, m: o["fp"][int(l) - 1]),
    (rf"f\^{L}\{{\}}'\(z\^{L}_{L}\)", lambda o, l, m, k: o["fp"][int(l) - 1][int(k) - 1]),
    (rf"z\^{L} - M", lambda o, l: o["z"][int(l) - 1] - o["z"][int(l) - 1].max()),
    (rf"e\^\{{z\^{L} - M\}}", lambda o, l: np.exp(o["z"][int(l) - 1] - o["z"][int(l) - 1].max())),
    (rf"\\sum_\{{k=1\}}\^\{{n\^{L}\}} e\^\{{z\^{L}_\{{k\}} - M\}}",
     lambda o, l, m: np.exp(o["z"][int(l) - 1] - o["z"][int(l) - 1].max()).sum()),
    (r"z_\{\\text\{new\}\} - z", lambda o: o["after"]["z"][-1] - o["z"][-1]),
    (r"\\Delta \\ell", lambda o: -o["lr"] * sum(
        float(np.sum((o["gW"] if p[0] == "W" else o["delta"])[int(p[1:]) - 1] ** 2))
        for p in o["stepped"])),
    (rf"\\frac\{{\\partial \\ell\}}\{{\\partial w\^{L}_\{{(\d)(\d)\}}\}}", lambda o, l, k, j: _entry(o, l, k, j)),
    (rf"\\frac\{{\\ell\(w\^{L}_\{{(\d)(\d)\}} \+ h\) - \\ell\(w\^\{{\d+\}}_\{{\d\d\}} - h\)\}}\{{two h\}}",
     lambda o, l, k, j: (_entry(o, l, k, j), FINITE)),
    (r"h", lambda o: 1e-5),
    (rf"a\^{L}_\{{k\}}", lambda o, l: 0.0),         # "units … output 0 (a¹ₖ = 0)"
    (r"\\max_\{k\} \\left\|\\text\{row sum\}_\{k\}\\right\|", lambda o: (0.0, NOISE)),   # float noise, shown as such
]
NAMES = [(re.compile(p), f) for p, f in NAMES]
# a finite difference is never exact: printed with ≈ whatever the gradient is
FINITE = "finite difference"
# the mistakes a panel shows that these tests compute again; the others are listed
PANEL = {"Sign flipped", "Matrix transposed", "Step up the gradient",
         "Sign flipped or step up the gradient"}
UNCHECKED_PANEL = {"Softmax not normalised", "Another class", "Updated weights in backprop",
                   "ReLU derivative missing", "Sigmoid derivative missing",
                   "Tanh derivative missing", "Sign flipped or step up the gradient or another class"}
# noise the checks show as noise: a finite difference's error, a row sum's rounding
NOISE, NOISE_BOUND = "noise", 1e-12
# how far float64 noise may move a number computed two ways (relative)
TOL = 1e-12


def _entry(o, l, k, j):
    l, k, j = int(l), int(k), int(j)
    return o["delta"][l - 1][j - 1] if k == 0 else o["gW"][l - 1][k - 1][j - 1]


def shortest(v: float) -> str:
    """The shortest decimal that reads back as ``v``."""
    return np.format_float_positional(float(v) + 0.0, trim="-")


def _places(text: str) -> tuple[float, float]:
    """A printed number and half a unit of its last digit."""
    m = re.fullmatch(r"(-?\d+)(?:\.(\d+))?(?: \\times 10\^\{(-?\d+)\})?", text)
    if not m:
        raise Unattributed(f"not a number: {text!r}")
    digits = len(m.group(2) or "")
    return read(text), 0.5 * 10.0 ** (int(m.group(3) or 0) - digits)


def agrees(text: str, v: float) -> bool:
    """``text`` is ``v`` to the precision printed."""
    p, half = _places(text)
    return abs(p - v) <= half * (1 + 1e-9) + 1e-12 * abs(v)


def exact(text: str, v: float, tol: float = 0.0) -> bool:
    """``text`` read back is ``v`` (within ``tol``, relative)."""
    p = read(text)
    # relative: a tiny number printed as a power of ten is rounded too; float
    # noise about an exact 0 (the documents decide zeros exactly) is 0
    return abs(p - v) <= tol * abs(v) or (p == 0 and abs(v) <= tol * 1e-6)


def well_printed(text: str, v: float, decimals: int, tol: float = 0.0) -> bool:
    """An exact number in its shortest form (3, never 3.0000); a rounded one
    to ``decimals`` places (or as a power of ten, or to 15 significant
    digits)."""
    if exact(text, v, tol):
        return not re.search(r"\.\d*0( |$)", text)
    if r"\times" in text:
        return abs(v) < 0.5 * 10.0 ** -decimals
    places = len(text.partition(".")[2])
    return places == decimals or len(text.lstrip("-").replace(".", "").lstrip("0")) >= 15


class Resolver:
    """Checks each value a document prints against what it names."""

    def __init__(self, key: dict, assignment, decimals: int):
        self.key, self.decimals = key, decimals
        self.parts = [p.id for p in assignment.parts]
        self.ids = list(key["questions"])
        self.solved = {pid: oracle.solve(key, pid) for pid in key["params"]}
        self.last_z, self.last_class, self.rising = None, None, None
        self.unchecked: list[str] = []

    def check(self, block, section: str, v: Value) -> None:
        """``v`` (of ``section`` of ``block``) is the quantity it names, or a
        value these tests list as unchecked; else an assertion fails."""
        if block.kind == "part":
            pid, q = self.parts[block.number - 1], None
        elif block.kind == "question":
            q = self.key["questions"][self.ids[block.number - 1]]
            pid = q["part"]
        elif block.kind == "summary":
            return      # the answers' test reads the summary against the key
        else:
            raise Unattributed(f"{v.where}: {v.name} {v.rel} {v.texts} outside every question")
        o = self.solved.get(pid)
        want, tol = self.expected(v, o, q, section)
        if want is None:
            return
        self.compare(v, np.asarray(want, float), tol)

    def expected(self, v: Value, o, q, section):
        """(the quantity ``v`` names, a tolerance for the relation sign) or
        (None, _) for a value checked otherwise or listed as unchecked."""
        name = v.name
        if v.rel in ("<", ">", "leq", "geq"):         # a sign: against 0 (a sigmoid: 0.5)
            assert v.texts in (("0",), ("0.5",)), f"{v.where}: {name} {v.rel} {v.texts}"
            return None, 0
        if section == "mistakes":
            return self.panel(v, o, q)
        if not name:
            return self.unnamed(v, o, q)
        if q is not None and q["kind"] == "loss" and name in ("a", "y", "c") or \
                name in (r"\operatorname{NLLM}", r"\operatorname{NLL}"):
            ex = q["example"]
            a, y = np.asarray(ex["a"], float), np.asarray(ex["y"], float)
            return {"a": a, "y": y, "c": float(np.argmax(y) + 1)}.get(
                name, oracle.loss(q["loss"], a, y)), TOL
        if name == "y":
            if q is not None and q["kind"] == "probability":   # class 1 (y = 1) of a sigmoid
                return float(q["class"]), 0
            return o["y"], 0
        if name == "z":             # the activation figure's point: its slope follows
            self.last_z = read(v.texts[0])
            return None, 0
        if name.startswith("shape "):
            m = re.fullmatch(rf"shape W\^{L}", name)
            assert m, name
            assert tuple(int(t) for t in v.texts) == o["W"][int(m.group(1)) - 1].shape, v
            return None, 0
        for pattern, f in NAMES:
            m = pattern.fullmatch(name)
            if m:
                want = f(o, *m.groups())
                return want if isinstance(want, tuple) else (want, TOL)
        raise Unattributed(f"{v.where}: no quantity is named {name!r} ({v.texts})")

    def unnamed(self, v: Value, o, q):
        """Numbers the words before them name: a caption's probabilities, a
        slope, a finite difference's error; a region's share is listed."""
        ctx = v.context
        if ctx.endswith(": they agree (difference"):
            assert abs(read(v.texts[0])) <= 1e-6, v
            return None, 0
        m = re.search(r"class (\d+)'s (?:probability )?(rises|falls) from$", ctx)
        if m:
            self.last_class, self.rising = int(m.group(1)), m.group(2) == "rises"
            return o["a"][-1][self.last_class - 1], TOL
        if ctx == "to" and self.last_class:
            after = o["after"]["a"][-1][self.last_class - 1]
            assert (after > o["a"][-1][self.last_class - 1]) == self.rising, v
            self.last_class = None
            return after, TOL
        if ctx.endswith(("where it is", "it is only")):
            act = q["activation"]
            z = self.last_z
            a = oracle.F[act](np.array([z]))
            return oracle.DF[act](np.array([z]), a)[0], TOL
        if q is not None and re.search(r"(is a|error a|product is)$", ctx):
            # a hint's shapes: a column m × 1 times a row 1 × n is m × n, the shape of W
            m, n = o["W"][int(q["param"][1:]) - 1].shape
            shapes = {"is a": (m, 1), "error a": (1, n), "product is": (m, n)}
            assert tuple(int(t) for t in v.texts) == next(
                s for w, s in shapes.items() if ctx.endswith(w)), v
            return None, 0
        if re.search(r"(region (grows|shrinks) from about|region covers about|to about|the square)$", ctx):
            self.unchecked.append(f"{v.where}: {ctx} {v.texts}")
            return None, 0
        raise Unattributed(f"{v.where}: a number no name attributes: {v.texts} after {ctx!r}")

    def panel(self, v: Value, o, q):
        """What a common mistake gives, for the mistakes computed again here."""
        label, _, lhs = v.name.partition(": ")
        if label in UNCHECKED_PANEL:
            self.unchecked.append(f"{v.where}: {v.name}")
            return None, 0
        assert label in PANEL, f"{v.where}: unknown mistake {label!r}"
        kind = q["kind"]
        if kind not in ("gradient", "step", "gradient-step", "loss"):
            self.unchecked.append(f"{v.where}: {v.name}")
            return None, 0
        if kind == "loss":
            return -oracle.loss(q["loss"], np.asarray(q["example"]["a"], float),
                                np.asarray(q["example"]["y"], float)), TOL
        p = q["param"]
        l = int(p[1:]) - 1
        grad = o["gW"][l] if p[0] == "W" else o["delta"][l]
        param = (o["W"] if p[0] == "W" else o["b"])[l]
        new = "new" in lhs or kind == "step"
        if label == "Matrix transposed":
            if new and grad.shape[0] == grad.shape[1]:     # square: the step with ∇ᵀ
                return param - o["lr"] * grad.T, TOL
            return (param - o["lr"] * grad if new else grad).T, TOL
        if new or label != "Sign flipped":
            return param + o["lr"] * grad, TOL
        return -grad, TOL

    def compare(self, v: Value, want: np.ndarray, tol: float) -> None:
        if tol == NOISE:
            assert v.rel == "≈" and abs(read(v.texts[0])) <= NOISE_BOUND, v
            return
        shape = want.shape if want.ndim != 1 else (want.size, 1)
        if v.shape == () and want.size > 1:     # "a¹_new = 0": every entry
            want = np.unique(want)
            assert want.size == 1, f"{v.where}: {v.name} printed as one number for {want}"
            want, shape = want.reshape(()), ()
        assert v.shape == shape or (v.shape == () and want.size == 1), \
            f"{v.where}: {v.name} printed {v.shape}, it is {shape}"
        for t, x in zip(v.texts, want.ravel()):
            assert agrees(t, x), f"{v.where}: {v.name}: {t} printed for {x!r}"
            if v.rel and tol != FINITE:     # a finite difference is rounded, whatever ∂ℓ/∂w is
                assert well_printed(t, x, self.decimals, tol), \
                    f"{v.where}: {v.name}: {x!r} printed as {t}"
        if tol == FINITE:
            assert v.rel == "≈", f"{v.where}: {v.name} {v.rel} {v.texts}"
        elif v.rel in ("=", "≈"):
            all_exact = all(exact(t, x, tol) for t, x in zip(v.texts, want.ravel()))
            assert v.rel == ("=" if all_exact else "≈"), \
                f"{v.where}: {v.name} {v.rel} {v.texts} for {want.ravel().tolist()}"

    def finish(self) -> None:
        """Nothing left half-read (a caption's "from" without its "to")."""
        assert self.last_class is None, f"class {self.last_class}: a 'from' without its 'to'"
