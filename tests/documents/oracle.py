"""Every number of a part, computed again from a key's ``params`` with plain
NumPy and nothing of derive/: the semantic tests' independent answer.

z and the ReLU masks of layers that only identity and ReLU layers precede
are computed exactly (fractions of the given decimals), so a
pre-activation exactly 0 is off, as the documents promise.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

F = {"sigmoid": lambda z: 1 / (1 + np.exp(-z)), "tanh": np.tanh,
     "relu": lambda z: np.maximum(z, 0.0), "identity": lambda z: z,
     "softmax": lambda z: np.exp(z - z.max()) / np.exp(z - z.max()).sum()}
DF = {"sigmoid": lambda z, a: a * (1 - a), "tanh": lambda z, a: 1 - a * a,
      "relu": lambda z, a: (z > 0).astype(float), "identity": lambda z, a: np.ones_like(z)}


def loss(name: str, a: np.ndarray, y: np.ndarray) -> float:
    """ℓ(a, y) of the catalogue's losses, from their definitions."""
    if name == "nllm":
        return float(-np.sum(y * np.log(a)))
    if name == "nll":
        return float(np.sum(-y * np.log(a) - (1 - y) * np.log(1 - a)))
    return float(0.5 * np.sum((a - y) ** 2))


def _exact_z(acts, Ws, bs, x) -> list:
    """zˡ as fractions while only identity and ReLU layers precede it."""
    out, a = [], [Fraction(str(v)) for v in x]
    for act, W, b in zip(acts, Ws, bs):
        z = [sum((Fraction(str(W[k][j])) * a[k] for k in range(len(a))), Fraction(str(b[j])))
             for j in range(len(b))]
        out.append(z)
        if act == "relu":
            a = [max(v, Fraction(0)) for v in z]
        elif act == "identity":
            a = z
        else:
            break
    return out


def forward(network: dict, Ws, bs, x, y) -> dict:
    """zˡ, aˡ (layer 1 first) and ℓ."""
    acts = [layer["activation"] for layer in network["layers"]]
    exact = _exact_z(acts, Ws, bs, x)
    z, a, prev = [], [], np.asarray(x, float)
    for l, (act, W, b) in enumerate(zip(acts, Ws, bs)):
        zl = np.asarray(W, float).T @ prev + np.asarray(b, float)
        if l < len(exact):
            zl = np.array([float(v) for v in exact[l]])
        z.append(zl)
        prev = F[act](zl)
        a.append(prev)
    return {"z": z, "a": a, "loss": loss(network["loss"], a[-1], np.asarray(y, float))}


def backward(network: dict, Ws, fwd: dict, x, y) -> dict:
    """δˡ, the factors Wˡ⁺¹δˡ⁺¹ (``back``) and fˡ′(zˡ) (``fp``), ∂ℓ/∂Wˡ."""
    acts = [layer["activation"] for layer in network["layers"]]
    z, a, y = fwd["z"], fwd["a"], np.asarray(y, float)
    L = len(acts)
    fp = [None if act == "softmax" else DF[act](z[l], a[l]) for l, act in enumerate(acts)]
    delta, back = [None] * L, [None] * L
    # softmax + nllm and sigmoid + nll: a − y; squared error: (a − y) ⊙ f′(z)
    delta[-1] = a[-1] - y if network["loss"] != "mse" else (a[-1] - y) * fp[-1]
    for l in range(L - 2, -1, -1):
        back[l] = np.asarray(Ws[l + 1], float) @ delta[l + 1]
        delta[l] = back[l] * fp[l]
    inputs = [np.asarray(x, float)] + a[:-1]
    return {"delta": delta, "back": back, "fp": fp,
            "gW": [np.outer(inputs[l], delta[l]) for l in range(L)]}


def solve(key: dict, part_id: str) -> dict:
    """Every number of a part of a schema 2 key's instance: the given data
    (``W``, ``b``, ``x``, ``y``, ``lr``), the forward and backward pass, the
    step on the parameters its step and gradient-step questions name
    (``new``: every parameter after it) and the pass after it (``after``)."""
    network, p = key["networks"][part_id], key["params"][part_id]
    L = len(network["layers"])
    Ws = [p[f"W{l}"] for l in range(1, L + 1)]
    bs = [p[f"b{l}"] for l in range(1, L + 1)]
    out = {"W": [np.asarray(W, float) for W in Ws], "b": [np.asarray(b, float) for b in bs],
           "x": np.asarray(p["x"], float), "y": np.asarray(p["y"], float), "lr": float(p["lr"])}
    out.update(forward(network, Ws, bs, p["x"], p["y"]))
    out.update(backward(network, Ws, out, p["x"], p["y"]))
    stepped = {q["param"] for q in key["questions"].values()
               if q["part"] == part_id and q["kind"] in ("step", "gradient-step")}
    new = {f"W{l + 1}": out["W"][l] for l in range(L)} | {f"b{l + 1}": out["b"][l] for l in range(L)}
    for name in stepped:
        l = int(name[1:]) - 1
        new[name] = new[name] - out["lr"] * (out["gW"][l] if name[0] == "W" else out["delta"][l])
    out["new"], out["stepped"] = new, sorted(stepped)
    out["after"] = forward(network, [new[f"W{l}"] for l in range(1, L + 1)],
                           [new[f"b{l}"] for l in range(1, L + 1)], p["x"], p["y"])
    return out


def answer(key: dict, qid: str, solved: dict | None = None):
    """The answer to a numeric question, from :func:`solve` (``solved``: part
    id -> its solution, when already made) in ANSWER_KEY.md's shapes: an
    array, a number, or {"grad", "new"}."""
    q = key["questions"][qid]
    o = solved[q["part"]] if solved else solve(key, q["part"])
    kind = q["kind"]
    if kind in ("forward", "after-step", "probability"):
        f = o["after"] if kind == "after-step" or q.get("after") else o
        if kind == "probability":
            return float(f["a"][-1][q["class"] - 1])
        v = q["value"]
        if v == "loss":
            return f["loss"]
        if v == "output":
            return f["a"][-1]
        return f[v[0]][int(v[1:]) - 1]
    l = int(q["param"][1:]) - 1
    grad = o["gW"][l] if q["param"][0] == "W" else o["delta"][l]
    if kind == "gradient":
        return grad
    if kind == "step":
        return o["new"][q["param"]]
    return {"grad": grad, "new": o["new"][q["param"]]}
