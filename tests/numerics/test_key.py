"""The reference key, checked against a computation that does not use derive."""

import json
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from derive.numerics.key import dumps
from tests.schema_1.keys import ITEMS, build_key, build_keys
from derive.problem.spec import REFERENCE


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


@pytest.fixture(scope="module")
def key():
    return build_key()


def test_layout_follows_the_answer_key_format(key):
    assert key["schema"] == 1 and key["variant"] == "reference" and key["seed"] is None
    assert list(key["answers"]) == list(ITEMS)
    assert key["params"] == json.loads(json.dumps(REFERENCE.to_json()))
    a = key["answers"]
    assert np.shape(a["q6"]) == (2, 3) and np.shape(a["q8"]) == (2, 3)
    assert np.shape(a["q10"]) == (4,) and np.shape(a["q11"]) == (2,)
    assert np.shape(a["q12"]["grad"]) == (4, 2) and np.shape(a["q12"]["W"]) == (4, 2)
    assert np.shape(a["q13"]["grad"]) == (2, 4) and np.shape(a["q13"]["W"]) == (2, 4)
    assert isinstance(a["q7"], float) and isinstance(a["q9"], float)


def test_symbolic_answers_parse_and_are_right(key):
    z, a, y, x_k = sp.symbols("z a y x_k")
    ans = key["answers"]
    sigma = 1 / (1 + sp.exp(-z))
    assert sp.simplify(sp.sympify(ans["q1"]["sympy"]) - sigma) == 0
    assert sp.simplify(sp.sympify(ans["q2"]["sympy"]) - sp.diff(sigma, z)) == 0
    assert sp.simplify(sp.sympify(ans["q3"]["sympy"]) - (a - y) * x_k) == 0
    for q in ("q1", "q2", "q3", "q4", "q5"):
        assert ans[q]["latex"]


def test_softmax_layer_numbers(key):
    p = REFERENCE.softmax_layer
    W, x, y = np.array(p.W, float), np.array(p.x, float), np.array(p.y, float)
    a = _softmax(W.T @ x)
    grad = np.outer(x, a - y)
    W_new = W - 0.5 * grad
    ans = key["answers"]
    np.testing.assert_allclose(ans["q6"], grad, rtol=1e-14)
    assert ans["q7"] == pytest.approx(a[2], rel=1e-14)
    np.testing.assert_allclose(ans["q8"], W_new, rtol=1e-14)
    assert ans["q9"] == pytest.approx(_softmax(W_new.T @ x)[2], rel=1e-14)
    assert ans["q5"]["value"] == pytest.approx(-np.log(0.1), rel=1e-15)
    # the figures of the original: z = (0, 1, −1)
    assert ans["q7"] == pytest.approx(np.exp(-1) / (1 + np.e + np.exp(-1)))


def test_network_numbers(key):
    p = REFERENCE.network
    W1, b1, W2, b2 = (np.array(v, float) for v in (p.W1, p.b1, p.W2, p.b2))
    x, y = np.array(p.x, float), np.array(p.y, float)
    z1 = W1.T @ x + b1
    a1 = np.maximum(z1, 0)
    a2 = _softmax(W2.T @ a1 + b2)
    d2 = a2 - y
    d1 = (W2 @ d2) * (z1 > 0)
    gW2, gW1 = np.outer(a1, d2), np.outer(x, d1)
    W2n, W1n = W2 - 0.5 * gW2, W1 - 0.5 * gW1
    a2n = _softmax(W2n.T @ np.maximum(W1n.T @ x + b1, 0) + b2)
    ans = key["answers"]
    np.testing.assert_allclose(ans["q10"], [3, 10, 0, 0])
    np.testing.assert_allclose(ans["q11"], a2, rtol=1e-12)
    np.testing.assert_allclose(ans["q12"]["grad"], gW2, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ans["q12"]["W"], W2n, rtol=1e-12)
    np.testing.assert_allclose(ans["q13"]["grad"], gW1, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(ans["q13"]["W"], W1n, rtol=1e-12)
    np.testing.assert_allclose(ans["q14"], a2n, rtol=1e-12)


def test_no_negative_zeros_and_full_precision(key):
    text = dumps(key)
    assert "-0.0," not in text and "-0.0]" not in text
    assert json.loads(text) == key
    assert key["answers"]["q5"]["value"] == 2.302585092994046 or \
        abs(key["answers"]["q5"]["value"] - 2.302585092994046) < 1e-15


def test_batch_and_single_agree():
    from dataclasses import replace
    other = replace(REFERENCE, softmax_layer=replace(REFERENCE.softmax_layer, query_class=0))
    keys = build_keys([REFERENCE, other], ["a", "b"], seed=1)
    assert keys[0]["answers"] == build_key()["answers"]
    assert keys[1]["variant"] == "b" and keys[1]["seed"] == 1
    assert keys[1]["answers"]["q6"] == keys[0]["answers"]["q6"]
    assert keys[1]["answers"]["q7"] != keys[0]["answers"]["q7"]


def _exact_zeros(p) -> dict[str, np.ndarray]:
    """Which entries of q6, q12 and q13 are exactly 0: linear parts in Fractions,
    softmax at 50 digits."""
    f = lambda v: Fraction(repr(float(v)))  # noqa: E731

    def softmax(z):
        e = [mpmath.exp(mpmath.mpf(v.numerator) / v.denominator) for v in z]
        return [v / sum(e) for v in e]

    def linear(W, x, b):
        return [sum(f(W[i][j]) * x[i] for i in range(len(x))) + f(b[j]) for j in range(len(b))]

    with mpmath.workdps(50):
        L, N = p.softmax_layer, p.network
        x = [f(v) for v in L.x]
        d = [a - t for a, t in zip(softmax(linear(L.W, x, L.b)), L.y)]
        q6 = [[xi * di for di in d] for xi in x]
        x = [f(v) for v in N.x]
        z1 = linear(N.W1, x, N.b1)
        a1 = [max(v, Fraction(0)) for v in z1]
        d2 = [a - t for a, t in zip(softmax(linear(N.W2, a1, N.b2)), N.y)]
        d1 = [sum(N.W2[h][j] * d2[j] for j in range(len(d2))) * (z1[h] > 0)
              for h in range(len(z1))]
        q12 = [[a * dj for dj in d2] for a in a1]
        q13 = [[xi * dh for dh in d1] for xi in x]
        tiny = mpmath.mpf(10) ** -40
        return {q: np.array([[abs(v) < tiny for v in r] for r in m])
                for q, m in (("q6", q6), ("q12", q12), ("q13", q13))}


def test_exact_zeros_are_zeros_in_the_key():
    # W² rows with equal entries make W²δ² exactly 0 (δ² sums to 0), which float64
    # computes as ±1e-16 in about a fifth of such instances; the kink of ReLU likewise
    from dataclasses import replace
    from tests.factories import varied
    kink = replace(REFERENCE.network, W1=((0.1, 1, -1, 0), (0.2, 0, 1, 1)),
                   b1=(-0.3, 0.5, 0.1, -0.2), x=(1, 1))
    instances = varied(300, seed=8) + [replace(REFERENCE, network=kink)]
    keys = build_keys(instances, [str(i) for i in range(len(instances))])
    zeros = 0
    for p, k in zip(instances, keys):
        a = k["answers"]
        got = {"q6": a["q6"], "q12": a["q12"]["grad"], "q13": a["q13"]["grad"]}
        for q, want in _exact_zeros(p).items():
            # (not the converse: float64 rounds a_c − 1 to 0 when a_c is within 1e-16
            # of 1, a cancellation of the derived δ = a − y this test leaves alone)
            assert np.all(np.array(got[q])[want] == 0), (k["variant"], q)
            zeros += want.sum()
    assert zeros > 300
    # the kink instance: no float noise at all, in the key or what inherits it
    # (the exports read schema 2 keys: the same numbers, by from_schema_1)
    from derive.numerics.key import from_schema_1
    from derive.variants.exports import keys_csv
    from derive.variants.moodle import moodle_xml
    kink_2 = from_schema_1(keys[-1:])
    for text in (dumps(keys[-1]), dumps(kink_2[0]), keys_csv(kink_2), moodle_xml(kink_2)):
        assert "e-1" not in text and "E-1" not in text


# --------------------------------------------------------------------------
# Schema 2: any assignment, answers by kind

from derive.files import sha256_file  # noqa: E402
from derive.numerics.key import (build_assignment_key, build_assignment_keys,  # noqa: E402
                                 nothing_done, part_instance)
from derive.problem.assignment import (SHIPPED, Assignment, Part, Question,  # noqa: E402
                                       load_assignment, shipped)
from derive.problem.catalogue import answer_shape, classes, param_names, value_names  # noqa: E402
from tests.numerics import plain_network as plain  # noqa: E402


def test_the_reference_file_has_the_numbers_and_formulas_of_schema_1(key):
    k2 = build_assignment_key(load_assignment("reference"))
    assert k2["schema"] == 2 and list(k2["answers"]) == list(ITEMS)
    for q, old in key["answers"].items():
        new = k2["answers"][q]
        if isinstance(old, dict) and "W" in old:     # q12, q13: {"grad", "W"} -> {"grad", "new"}
            old = {"grad": old["grad"], "new": old["W"]}
        if q == "q4":   # the softmax: schema 2 adds its SymPy text
            assert new == {"sympy": "exp(z_j)/Sum(exp(z_k), (k, 1, n))", **old}
            continue
        assert new == old, q
    # schema 1's params, by part: q6-q9 are the softmax layer, q10-q14 the network
    s1 = key["params"]
    assert k2["params"]["softmax-layer"]["W1"] == s1["softmax_layer"]["W"]
    assert k2["params"]["network"]["W2"] == s1["network"]["W2"]


@pytest.mark.parametrize("name", SHIPPED)
def test_layout_of_a_schema_2_key(name):
    a = load_assignment(name)
    k = build_assignment_key(a)
    assert list(k) == ["schema", "assignment", "variant", "seed", "networks", "params",
                       "questions", "answers"]
    assert k["assignment"] == {"name": name, "title": a.title, "digest": sha256_file(shipped(name))}
    assert (k["variant"], k["seed"]) == ("reference", None)
    assert list(k["networks"]) == [p.id for p in a.parts if p.network is not None]
    assert list(k["params"]) == [p.id for p in a.parts if p.given is not None]
    ids = [q.id for _, q in a.questions()]
    assert list(k["questions"]) == ids and list(k["answers"]) == ids
    for p, q in a.questions():
        entry = k["questions"][q.id]
        assert entry["part"] == p.id and entry["kind"] == q.kind and entry["points"] == q.points
        shape = answer_shape(p, q)
        got = k["answers"][q.id]
        if shape == "formula":
            assert set(got) <= {"sympy", "latex", "value"} and got["latex"]
        elif isinstance(shape, dict):
            assert np.shape(got["grad"]) == shape["grad"] and np.shape(got["new"]) == shape["new"]
        else:
            assert np.shape(got) == shape and isinstance(got, (list, float))
    assert json.loads(dumps(k)) == k and dumps(k) == dumps(build_assignment_key(a))


def _check_numbers(assignment, keys):
    """Every numeric answer of every key against the plain NumPy pass and
    central differences of the loss, from the key's own params."""
    checked = 0
    for part in assignment.parts:
        if part.given is None:
            continue
        net, L = part.network, len(part.network.layers)
        params = [k["params"][part.id] for k in keys]
        arr = lambda name: np.moveaxis(np.array([p[name] for p in params], float), 0, -1)  # noqa: E731
        x, y, lr = arr("x"), arr("y"), arr("lr")
        given = {n: arr(n) for n in param_names(net)}
        Ws, bs = [given[f"W{l}"] for l in range(1, L + 1)], [given[f"b{l}"] for l in range(1, L + 1)]
        zs, as_ = plain.forward(net, x, Ws, bs)
        dW, db = plain.finite_differences(net, x, Ws, bs, y)
        fd = {**{f"W{l + 1}": g for l, g in enumerate(dW)}, **{f"b{l + 1}": g for l, g in enumerate(db)}}
        answers = {q.id: [k["answers"][q.id] for k in keys] for q in part.questions}
        got = lambda qid, field=None: np.moveaxis(np.array(  # noqa: E731
            [v if field is None else v[field] for v in answers[qid]], float), 0, -1)
        # the parameters after the step, from the key; the rest as given
        new = dict(given)
        for q in part.questions:
            if q.kind in ("step", "gradient-step"):
                new[q.get("param")] = got(q.id, "new" if q.kind == "gradient-step" else None)
        assert set(new) == set(given)
        z2, a2 = plain.forward(net, x, [new[f"W{l}"] for l in range(1, L + 1)],
                               [new[f"b{l}"] for l in range(1, L + 1)])

        def value(name, zs, as_):
            return {"loss": plain.loss(net, as_[-1], y), "output": as_[-1],
                    **{f"z{l + 1}": v for l, v in enumerate(zs)},
                    **{f"a{l + 1}": v for l, v in enumerate(as_)}}[name]

        for q in part.questions:
            p = q.get("param")
            if q.kind in ("forward", "after-step"):
                want = value(q.get("value"), *((zs, as_) if q.kind == "forward" else (z2, a2)))
                np.testing.assert_allclose(got(q.id), want, rtol=1e-10, atol=1e-12)
            elif q.kind == "probability":
                want = (a2 if q.get("after") else as_)[-1][q.get("class") - 1]
                np.testing.assert_allclose(got(q.id), want, rtol=1e-10, atol=1e-14)
            elif q.kind in ("gradient", "gradient-step"):
                grad = got(q.id, "grad" if q.kind == "gradient-step" else None)
                np.testing.assert_allclose(grad, fd[p], rtol=1e-5, atol=1e-6)
                if q.kind == "gradient-step":
                    assert np.array_equal(new[p], given[p] - lr * grad), q.id
            elif q.kind == "step":
                np.testing.assert_allclose(new[p], given[p] - lr * fd[p], rtol=1e-5, atol=1e-6)
            else:
                continue
            checked += 1
        held = set(given) - set(part.step_params)
        assert all(np.array_equal(new[n], given[n]) for n in held)
    return checked


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_assignments_against_finite_differences(name):
    a = load_assignment(name)
    rng = np.random.default_rng(5)
    batch = 40
    instances = [{} for _ in range(batch)]
    for part in a.parts:
        if part.given is not None:
            for inst, d in zip(instances, plain.to_datas(*plain.random_instances(part.network, rng, batch))):
                inst[part.id] = d
    keys = build_assignment_keys(a, instances, [f"v{i}" for i in range(batch)], seed=3)
    assert [k["variant"] for k in keys] == [f"v{i}" for i in range(batch)]
    assert all(k["seed"] == 3 for k in keys)
    # the given instance comes out of the batch as it does alone
    given = build_assignment_keys(a, [{}] + instances[:2], ["reference", "a", "b"])
    assert given[0] == build_assignment_key(a)
    assert given[1:] == [{**k, "seed": None, "variant": v} for k, v in zip(keys, "ab")]
    assert _check_numbers(a, keys) == sum(q.kind not in SYMBOLIC for _, q in a.questions())


SYMBOLIC = ("activation", "activation-derivative", "softmax-jacobian", "loss",
            "output-gradient", "gradient-formula")


def _every_numeric_question(part_id, net, rng) -> tuple[Question, ...]:
    """Questions of every numeric kind about ``net``: each value before and
    after, each parameter's gradient, a random half of them stepped."""
    qs, n = [], 0

    def q(kind, **options):
        nonlocal n
        n += 1
        qs.append(Question(f"{part_id}-{n}", kind, 1, tuple(options.items())))

    for v in value_names(net):
        q("forward", value=v)
        q("after-step", value=v)
    params = param_names(net)
    stepped = [p for p in params if rng.random() < 0.5] or [params[0]]
    for p in params:
        q("gradient", param=p)
        if p in stepped:
            q("gradient-step" if rng.random() < 0.5 else "step", param=p)
    for c in range(1, classes(net) + 1):
        q("probability", **{"class": c})
        q("probability", **{"class": c, "after": True})
    return tuple(qs)


def test_random_architectures_against_finite_differences():
    """12 random networks (every output pair, depths 1-4, every hidden
    activation) as the parts of one assignment; 25 random instances each."""
    rng = np.random.default_rng(21)
    parts = []
    for i in range(12):
        net = plain.random_network(2 * i + i // 6, rng)
        given = plain.to_datas(*plain.random_instances(net, rng, 1))[0]
        parts.append(Part(f"p{i}", f"p{i}", _every_numeric_question(f"p{i}", net, rng), net, given))
    a = Assignment("random", tuple(parts), name="random")
    batch = 25
    instances = [{} for _ in range(batch)]
    for part in parts:
        for inst, d in zip(instances, plain.to_datas(*plain.random_instances(part.network, rng, batch))):
            inst[part.id] = d
    keys = build_assignment_keys(a, instances, [str(i) for i in range(batch)])
    assert _check_numbers(a, keys) == len(a.questions())


def test_nothing_done_in_schema_2():
    k = build_assignment_key(load_assignment("sigmoid-softmax"))
    a = load_assignment("sigmoid-softmax")
    nothing = nothing_done(k)
    expected = {}
    for p, q in a.questions():
        params = k["params"][p.id]
        if q.kind == "step":
            expected[q.id] = params[q.get("param")]
        elif q.kind == "gradient-step":
            expected[f"{q.id}.new"] = params[q.get("param")]
    for qid, q in k["questions"].items():
        if q["kind"] == "after-step":
            before = [k["answers"][o] for o, r in k["questions"].items()
                      if r["kind"] == "forward" and r["value"] == q["value"]]
            expected[qid] = before[0]
        if q["kind"] == "probability" and q.get("after"):
            before = [k["answers"][o] for o, r in k["questions"].items()
                      if r["kind"] == "probability" and not r.get("after")
                      and r["class"] == q["class"]]
            expected[qid] = before[0]
    assert nothing == expected and len(nothing) >= 4


def test_the_example_in_docs_answer_key_is_what_the_key_gives_for_its_params():
    """docs/ANSWER_KEY.md's tanh-mse key: its answers are those of its own
    params (so the page cannot drift from the code)."""
    import re
    from pathlib import Path
    text = (Path(__file__).resolve().parents[2] / "docs" / "ANSWER_KEY.md").read_text()
    example = json.loads(re.search(r"prints:\n\n```json\n(.*?)\n```", text, re.S).group(1))
    a = load_assignment("tanh-mse")
    data = {pid: part_instance(example, pid)[1] for pid in example["params"]}
    live = build_assignment_keys(a, [data], ["reference"])[0]
    assert example["schema"] == 2 and example["networks"] == live["networks"]
    same = [q for q in example["questions"] if live["questions"].get(q) == example["questions"][q]]
    assert len(same) >= len(example["questions"]) - 2
    assert all(example["answers"][q] == live["answers"][q] for q in same)


# --------------------------------------------------------------------------
# The schema 1 bridge: a Params as an instance of reference.toml

from derive.numerics.key import from_schema_1, reference_key  # noqa: E402
from derive.problem.reference import reference_instance  # noqa: E402
from derive.problem.spec import NetworkParams, NllmExample, Params, SoftmaxLayer  # noqa: E402
from tests.factories import varied  # noqa: E402


def test_the_reference_params_are_the_reference_file():
    assert reference_instance(REFERENCE) == load_assignment("reference")
    assert reference_key() == build_assignment_key(load_assignment("reference"))


def test_an_instance_brings_its_shapes_classes_and_example():
    wide = Params(NllmExample((0.25, 0.25, 0.4, 0.1), (0, 0, 0, 1)),
                  SoftmaxLayer(W=((1, 0, 0, 2), (0, 1, 0, 0), (1, 1, 1, 1)), b=(0, 0, 0, 1),
                               x=(1, 2, 3), y=(0, 0, 1, 0), lr=0.25, query_class=0),
                  NetworkParams(W1=((1, 2, 3),), b1=(0, 0, 1), W2=((1, 0), (2, 0), (3, 1)),
                                b2=(0, 0), x=(2,), y=(1, 0), lr=0.1))
    a = reference_instance(wide)
    assert a.question("q10")[0].network.sizes == (1, 3, 2)
    part, q7 = a.question("q7")
    assert part.network.sizes == (3, 4) and part.given.W == (wide.softmax_layer.W,)
    assert q7.get("class") == 1 and a.question("q9")[1].get("class") == 1
    assert a.question("q5")[1].get("example") == wide.nllm_example
    assert [q.id for _, q in a.questions()] == list(ITEMS)
    key = reference_key(wide)
    assert np.shape(key["answers"]["q6"]) == (3, 4)


def test_schema_1_keys_become_schema_2_keys_with_their_numbers():
    instances = varied(6, seed=3)
    old = build_keys(instances, [f"v{i}" for i in range(6)], seed=7)
    new = from_schema_1(old)
    for o, n, p in zip(old, new, instances):
        fresh = reference_key(p, o["variant"], 7)
        assert {k: v for k, v in n.items() if k != "answers"} == \
            {k: v for k, v in fresh.items() if k != "answers"}
        for q, a in n["answers"].items():
            want = o["answers"][q]
            if isinstance(want, dict) and "W" in want:
                want = {"grad": want["grad"], "new": want["W"]}
            assert a == (fresh["answers"][q] if q in ("q1", "q2", "q3", "q4") else want), q
            assert np.allclose(_numbers(a), _numbers(fresh["answers"][q]), rtol=1e-12)


def _numbers(a):
    if isinstance(a, dict):
        return np.concatenate([np.ravel(v) for k, v in a.items() if k not in ("sympy", "latex")]
                              or [np.zeros(0)])
    return np.ravel(a)


def test_a_bad_schema_1_key_is_one_line_naming_the_field():
    from derive.problem.spec import InputError
    k = build_key()
    with pytest.raises(InputError, match="key reference: params.network.W1"):
        from_schema_1([{**k, "params": {"network": {**k["params"]["network"], "W1": 1}}}])
    with pytest.raises(InputError, match="key reference: q13: missing"):
        from_schema_1([{**k, "answers": {q: a for q, a in k["answers"].items() if q != "q13"}}])
    with pytest.raises(InputError, match="key reference: q12"):
        from_schema_1([{**k, "answers": {**k["answers"], "q12": [[1]]}}])
    with pytest.raises(InputError, match="key reference: seed: not a whole number"):
        from_schema_1([{**k, "seed": [1]}])


def test_the_softmax_formula_parses_with_sympify():
    from derive.calculus import softmax as sm
    text = reference_key()["answers"]["q4"]["sympy"]
    assert str(sp.sympify(text)) == text
    assert str(sm.derive_softmax().steps[0].expr).replace("[", "_").replace("]", "") == text
