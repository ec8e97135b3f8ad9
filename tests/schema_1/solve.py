"""The reference's schema 1 solver (questions 5-14 of the softmax layer and
the ReLU-softmax network, batched by shape), as earlier versions computed
the numbers of their keys: for :mod:`tests.schema_1.keys` and the mistake
sheets of :mod:`tests.schema_1.mistakes`. The tool solves any part with
:mod:`derive.numerics.solve`."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Sequence

import numpy as np

from derive.numerics.evaluate import evaluate_network, loss_function, stack
from derive.problem.spec import Network, Params


def evaluate_nllm(a, y) -> np.ndarray:
    """NLLM(a, y) for a batch of probability vectors a (n, B) and targets y."""
    a, y = np.asarray(a, float), np.asarray(y, float)
    (value,) = loss_function("nllm", a.shape[0])(*a, *y)
    return np.broadcast_to(np.asarray(value, float), (a.shape[-1],))


@dataclass(frozen=True)
class LayerSolution:
    """Questions 6-9 for one instance: before, gradient, step, after."""

    z: np.ndarray
    a: np.ndarray
    loss: np.ndarray
    dL_dz: np.ndarray
    dL_dW: np.ndarray
    W_new: np.ndarray
    z_new: np.ndarray
    a_new: np.ndarray
    loss_new: np.ndarray


@dataclass(frozen=True)
class NetworkSolution:
    """Questions 10-14 for one instance, with every intermediate of backprop."""

    z1: np.ndarray
    a1: np.ndarray
    z2: np.ndarray
    a2: np.ndarray
    loss: np.ndarray
    delta2: np.ndarray
    W2_delta2: np.ndarray   # W² δ², before the ReLU mask
    mask: np.ndarray        # f¹′(z¹) = 1[z¹ > 0]
    delta1: np.ndarray
    dL_dW2: np.ndarray
    dL_dW1: np.ndarray
    W1_new: np.ndarray
    W2_new: np.ndarray
    z1_new: np.ndarray
    a1_new: np.ndarray
    z2_new: np.ndarray
    a2_new: np.ndarray
    loss_new: np.ndarray


@dataclass(frozen=True)
class Solution:
    """Every number of one problem instance."""

    params: Params
    nllm_value: float
    layer: LayerSolution
    network: NetworkSolution


def stack_fields(groups: Sequence, names: Sequence[str]) -> list[np.ndarray]:
    """The fields ``names`` of parameter groups (one per instance), each
    stacked with the batch axis last; ``lr`` comes as a (B,) array."""
    return [stack([getattr(g, name) for g in groups]) for name in names]


def group_indices(items: Sequence, key) -> dict:
    """``key(item)`` -> the indices of the items that share it, in order."""
    out: dict = {}
    for index, item in enumerate(items):
        out.setdefault(key(item), []).append(index)
    return out


def step_layer(net: Network, x, W, b, y, lr) -> LayerSolution:
    """Questions 6-9 on arrays (batch axis last, ``lr`` of shape (B,)):
    forward (z from its exact value), gradient, one step, forward again."""
    from derive.numerics.solve import decided_pass  # solve builds on this module
    before = decided_pass(net, x, [W], [b], y)
    W_new = W - lr * before["dL_dW"][0]
    after = evaluate_network(net, x, [W_new], [b], y)
    return LayerSolution(
        z=before["z"][0], a=before["a"][0], loss=before["loss"], dL_dz=before["delta"][0],
        dL_dW=before["dL_dW"][0], W_new=W_new, z_new=after.z[0], a_new=after.a[0],
        loss_new=after.loss)


def _solve_layer(group: list[Params]) -> LayerSolution:
    p = [g.softmax_layer for g in group]
    return _batch_first(step_layer(p[0].network,
                                   *stack_fields(p, ("x", "W", "b", "y", "lr"))))


def _solve_network(group: list[Params]) -> NetworkSolution:
    p = [g.network for g in group]
    return _batch_first(step_network(
        p[0].network, *stack_fields(p, ("x", "W1", "b1", "W2", "b2", "y", "lr"))))


def step_network(net: Network, x, W1, b1, W2, b2, y, lr) -> NetworkSolution:
    """Questions 10-14 on arrays (batch axis last, ``lr`` of shape (B,)):
    forward, backprop with the exact decisions (ReLU′(0) = 0 at the kink, an
    exactly-zero W²δ² is 0: :func:`derive.numerics.solve.decided_pass`), one
    step for both weights, forward again."""
    from derive.numerics.solve import decided_pass  # solve builds on this module
    before = decided_pass(net, x, [W1, W2], [b1, b2], y)
    # both steps use the gradients of the forward pass (W² before its update)
    W1_new = W1 - lr * before["dL_dW"][0]
    W2_new = W2 - lr * before["dL_dW"][1]
    after = evaluate_network(net, x, [W1_new, W2_new], [b1, b2], y)
    return NetworkSolution(
        z1=before["z"][0], a1=before["a"][0], z2=before["z"][1], a2=before["a"][1],
        loss=before["loss"], delta2=before["delta"][1], W2_delta2=before["back"][0],
        mask=before["f_prime"][0], delta1=before["delta"][0], dL_dW2=before["dL_dW"][1],
        dL_dW1=before["dL_dW"][0], W1_new=W1_new, W2_new=W2_new, z1_new=after.z[0],
        a1_new=after.a[0], z2_new=after.z[1], a2_new=after.a[1], loss_new=after.loss)


def _batch_first(solution):
    """The same solution with the batch axis first (and no negative zeros)."""
    return type(solution)(**{f.name: np.moveaxis(getattr(solution, f.name), -1, 0) + 0.0
                             for f in fields(solution)})


def _split(batch, k: int):
    return type(batch)(**{f.name: getattr(batch, f.name)[k] for f in fields(batch)})


@dataclass(frozen=True)
class Batches:
    """Solved instances, grouped by shape; arrays have the batch axis first."""

    nllm_value: np.ndarray
    layer: list[tuple[list[int], LayerSolution]]
    network: list[tuple[list[int], NetworkSolution]]


def solve_batches(instances: Sequence[Params]) -> Batches:
    """Every number of every instance; instances of one shape share one batch."""
    instances = list(instances)
    layer_shape = lambda q: (len(q.softmax_layer.x), len(q.softmax_layer.b))  # noqa: E731
    net_shape = lambda q: (len(q.network.x), len(q.network.b1), len(q.network.b2))  # noqa: E731
    layers = [(idx, _solve_layer([instances[i] for i in idx]))
              for idx in group_indices(instances, layer_shape).values()]
    networks = [(idx, _solve_network([instances[i] for i in idx]))
                for idx in group_indices(instances, net_shape).values()]
    nllm = np.empty(len(instances))
    for idx in group_indices(instances, lambda q: len(q.nllm_example.a)).values():
        a = stack([instances[i].nllm_example.a for i in idx])
        y = stack([instances[i].nllm_example.y for i in idx])
        nllm[idx] = evaluate_nllm(a, y)
    return Batches(nllm, layers, networks)


def solve(instances: Sequence[Params]) -> list[Solution]:
    """Every number of every instance, one :class:`Solution` each."""
    instances = list(instances)
    b = solve_batches(instances)
    layers: list = [None] * len(instances)
    networks: list = [None] * len(instances)
    for idx, batch in b.layer:
        for k, i in enumerate(idx):
            layers[i] = _split(batch, k)
    for idx, batch in b.network:
        for k, i in enumerate(idx):
            networks[i] = _split(batch, k)
    return [Solution(p, float(v), l, n)
            for p, v, l, n in zip(instances, b.nllm_value, layers, networks)]
