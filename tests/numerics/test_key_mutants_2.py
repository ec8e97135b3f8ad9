"""A part's network and data as a schema 2 key has them
(``derive.numerics.key.part_instance``; mutation survivors): a key without
a params section, and a bad parameter named by its place in the key."""

import copy
from functools import lru_cache

import pytest

from derive.numerics.key import part_instance, reference_key
from derive.problem.spec import InputError


@lru_cache(maxsize=None)
def _reference() -> dict:
    return reference_key()


def test_a_key_without_params_gives_each_network_and_no_data():
    key = {k: v for k, v in copy.deepcopy(_reference()).items() if k != "params"}
    net, data = part_instance(key, "network")
    assert data is None and net == part_instance(_reference(), "network")[0]


def test_a_bad_parameter_of_the_key_is_named_by_its_part_and_name():
    key = copy.deepcopy(_reference())
    key["params"]["network"]["W1"] = [[1.0]]
    with pytest.raises(InputError) as e:
        part_instance(key, "network")
    assert e.value.field == "params.network.W1"
