"""Schema 1 keys read as schema 2 (docs/ANSWER_KEY.md): a bad key is one
InputError naming ``key <variant>: <field>`` with the variant of that key
(``reference`` when it has none, cut to 40 characters) and saying what is
wrong; a good key keeps its variant and its own numbers (mutation survivors
of derive/numerics/key.py, from_schema_1 and _answers_1)."""

import pytest

from derive.numerics.key import from_schema_1, reference_key
from derive.problem.spec import InputError, parse_params
from tests.schema_1.keys import build_key

OLD = build_key()
LONG = "s" + "0123456789" * 5   # 51 characters


def _without(mapping: dict, name: str) -> dict:
    return {k: v for k, v in mapping.items() if k != name}


def _bad_params(key):
    return {**key, "params": {**key["params"],
                              "network": {**key["params"]["network"], "W1": 1}}}


def _params_problem() -> str:
    with pytest.raises(InputError) as e:
        parse_params(_bad_params(OLD)["params"])
    return e.value.problem


# a bad key -> the field its error names after "key <variant>: " and the problem
BAD = {
    "params": (_bad_params, "params.network.W1", _params_problem()),
    "seed": (lambda k: {**k, "seed": [1]}, "seed", "not a whole number"),
    "answers": (lambda k: {**k, "answers": [1, 2]}, "answers", "not an object of q1...q14"),
    "missing": (lambda k: {**k, "answers": _without(k["answers"], "q13")}, "q13", "missing"),
    "step": (lambda k: {**k, "answers": {**k["answers"], "q12": [[1]]}}, "q12",
             'expected {"grad": ..., "W": ...}'),
}

# the key's variant (None: the key has none) -> as the error names it
VARIANTS = {"s7-03": "s7-03", None: "reference", LONG: LONG[:40]}


def _with_variant(key: dict, variant) -> dict:
    return _without(key, "variant") if variant is None else {**key, "variant": variant}


@pytest.mark.parametrize("variant", list(VARIANTS), ids=["named", "none", "long"])
@pytest.mark.parametrize("bad", list(BAD))
def test_a_bad_key_names_its_own_variant_and_field_and_says_what_is_wrong(bad, variant):
    spoil, field, problem = BAD[bad]
    good = {**OLD, "variant": "v0"}
    with pytest.raises(InputError) as e:
        from_schema_1([good, spoil(_with_variant(OLD, variant))])
    assert e.value.field == f"key {VARIANTS[variant]}: {field}"
    assert e.value.problem == problem
    assert str(e.value) == f"key {VARIANTS[variant]}: {field}: {problem}"


def test_a_key_keeps_its_variant_and_one_without_is_the_reference():
    keys = from_schema_1([_with_variant(OLD, v) for v in VARIANTS])
    assert [k["variant"] for k in keys] == ["s7-03", "reference", LONG]


def test_the_converted_key_has_the_schema_1_keys_own_numbers():
    # numbers other than the ones the tool computes: the key's are kept as written
    old = OLD["answers"]
    grad, new = [[1.5, -2.5]] * 4, [[0.25, 4.0]] * 4
    edited = {**old, "q1": {**old["q1"], "value": 3.0}, "q5": {**old["q5"], "value": 1.25},
              "q6": [[7.0, 8.0, 9.0]] * 2, "q12": {"grad": grad, "W": new}}
    [key] = from_schema_1([{**OLD, "answers": edited}])
    fresh = reference_key()["answers"]
    assert key["answers"]["q1"] == fresh["q1"] and "value" not in key["answers"]["q1"]
    assert key["answers"]["q5"] == {**fresh["q5"], "value": 1.25}
    assert key["answers"]["q6"] == [[7.0, 8.0, 9.0]] * 2
    assert key["answers"]["q12"] == {"grad": grad, "new": new}


def test_a_schema_1_loss_without_a_value_keeps_the_value_of_its_example():
    q5 = _without(OLD["answers"]["q5"], "value")
    [key] = from_schema_1([{**OLD, "answers": {**OLD["answers"], "q5": q5}}])
    assert key["answers"]["q5"] == reference_key()["answers"]["q5"]
    assert key["answers"]["q5"]["value"] == OLD["answers"]["q5"]["value"]
