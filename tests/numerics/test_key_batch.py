"""build_assignment_keys makes every answer from per-field arrays of the whole
batch: it must give, key by key, what the per-instance answer gives."""

import gc
import json

import numpy as np
import pytest

from derive.numerics.key import answer, build_assignment_keys, dumps
from derive.numerics.solve import solve_batch, solve_parts
from derive.problem.assignment import Assignment, Part, Question, load_assignment
from derive.problem.catalogue import classes, param_names, value_names
from tests.numerics import plain_network as plain


def _questions(part_id, net) -> tuple[Question, ...]:
    """Every numeric kind about ``net``: values before and after, gradients,
    every parameter stepped (half as gradient-step), every probability."""
    qs = []

    def q(kind, **options):
        qs.append(Question(f"{part_id}-{len(qs)}", kind, 1, tuple(options.items())))

    for v in value_names(net):
        q("forward", value=v)
        q("after-step", value=v)
    for i, p in enumerate(param_names(net)):
        q("gradient", param=p)
        q("gradient-step" if i % 2 else "step", param=p)
    for c in range(1, classes(net) + 1):
        q("probability", **{"class": c})
        q("probability", **{"class": c, "after": True})
    return tuple(qs)


def _ones(a):
    return np.clip(np.rint(a), -1, 1)


def _assignment(rng, count: int, integers: bool):
    """Random networks (every output pair, depths 1-4) as the parts of one
    assignment, and ``count`` instances; ``integers``: data from {-1, 0, 1},
    so that ReLUs die at exactly 0 and outputs tie."""
    parts, instances = [], [{} for _ in range(count)]
    for i in range(8):
        net = plain.random_network(3 * i, rng)
        x, Ws, bs, y, lr = plain.random_instances(net, rng, count + 1)
        if integers:
            x, Ws, bs = (_ones(x), [_ones(W) for W in Ws], [_ones(b) for b in bs])
        datas = plain.to_datas(x, Ws, bs, y, lr)
        parts.append(Part(f"p{i}", f"p{i}", _questions(f"p{i}", net), net, datas[0]))
        for inst, d in zip(instances, datas[1:]):
            inst[parts[-1].id] = d
    return Assignment("random", tuple(parts), name="random"), instances


def _one_by_one(assignment, instances) -> list[dict]:
    """The answers as :func:`answer` gives them, instance by instance, from
    the same batch's solutions (whether exact arithmetic decides depends on
    the whole batch's data: see :func:`derive.numerics.exact.places`)."""
    out = [{} for _ in instances]
    for p in assignment.parts:
        solutions = solve_parts(p, [inst.get(p.id, p.given) for inst in instances])
        for answers, s in zip(out, solutions):
            answers.update((q.id, answer(p, q, s)) for q in p.questions)
    return out


@pytest.mark.parametrize("count,integers", [(1, False), (1, True), (30, False), (30, True)])
def test_batched_answers_are_the_per_instance_answers(count, integers):
    rng = np.random.default_rng(count + integers)
    a, instances = _assignment(rng, count, integers)
    keys = build_assignment_keys(a, instances, [f"v{i}" for i in range(count)], 3)
    assert [k["variant"] for k in keys] == [f"v{i}" for i in range(count)]
    for key, one in zip(keys, _one_by_one(a, instances)):
        # the same values, and the same bytes (float repr: bit for bit)
        assert dumps(key["answers"]) == dumps(one)


def test_integer_data_exercise_dead_relus_and_ties():
    """The integer instances above do reach the decisions the batch must keep."""
    rng = np.random.default_rng(31)
    a, instances = _assignment(rng, 30, True)
    dead = ties = 0
    for p in a.parts:
        b = solve_batch(p, [inst[p.id] for inst in instances])
        for l, layer in enumerate(p.network.layers):
            dead += layer.activation == "relu" and bool(np.any(b.z[l] == 0))
        out = b.a[-1]
        ties += out.shape[0] > 1 and bool(np.any(out[0] == out[1]))
    assert dead and ties


def test_the_reference_keys_are_the_schema_2_keys_of_each_instance():
    ref = load_assignment("reference")
    rng = np.random.default_rng(5)
    instances = []
    for _ in range(12):
        inst = {}
        for p in ref.parts:
            if p.network is not None and p.given is not None:
                x, Ws, bs, y, lr = plain.random_instances(p.network, rng, 1)
                y = plain.stacked([p.given], "y")
                inst[p.id] = plain.to_datas(np.rint(x * 4) / 4, [np.rint(W * 4) / 4 for W in Ws],
                                            [np.rint(b * 4) / 4 for b in bs], y, lr)[0]
        instances.append(inst)
    keys = build_assignment_keys(ref, instances, [str(i) for i in range(12)], 1)
    for key, inst in zip(keys, instances):
        one = build_assignment_keys(ref, [inst], [key["variant"]], 1)[0]
        assert dumps(key) == dumps(one)
        assert json.loads(dumps(key)) == key


def test_formula_answers_are_not_shared_between_keys():
    ref = load_assignment("reference")
    keys = build_assignment_keys(ref, [{}, {}], ["a", "b"])
    formula = next(q for q, v in keys[0]["answers"].items() if isinstance(v, dict)
                   and "sympy" in v)
    keys[0]["answers"][formula]["sympy"] = "changed"
    assert keys[1]["answers"][formula]["sympy"] != "changed"


@pytest.mark.parametrize("enabled", [True, False])
def test_the_garbage_collector_is_left_as_it_was(enabled):
    ref = load_assignment("reference")
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        build_assignment_keys(ref, [{}], ["a"])
        assert gc.isenabled() == enabled
        part = next(p for p in ref.parts if p.given is not None)
        with pytest.raises(AttributeError):
            build_assignment_keys(ref, [{part.id: "not data"}], ["a"])
        assert gc.isenabled() == enabled
    finally:
        gc.enable() if was else gc.disable()


def test_solve_parts_picks_from_solve_batch():
    rng = np.random.default_rng(8)
    net = plain.random_network(5, rng)
    datas = plain.to_datas(*plain.random_instances(net, rng, 6))
    part = plain.part_with_steps(net, [param_names(net)[0]])
    b = solve_batch(part, datas)
    for i, s in enumerate(solve_parts(part, datas)):
        assert np.array_equal(s.a[-1], b.a[-1][..., i]) and s.loss == b.loss[i]
        for name in param_names(net):
            assert np.array_equal(s.grad(name), b.grad(name)[..., i])
            assert np.array_equal(s.new[name], b.new[name][..., i])
