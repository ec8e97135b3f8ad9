"""Lambdified code kept on disk: the same numbers, no derivation the second time."""

import numpy as np
import pytest

from derive.numerics import codecache, evaluate as numeric
from derive.problem.spec import REFERENCE, Layer, Network

NETWORKS = [REFERENCE.network.network, REFERENCE.softmax_layer.network,
            Network(3, (Layer(4, "tanh"), Layer(2, "sigmoid"), Layer(2, "identity")), "mse"),
            Network(2, (Layer(3, "relu"), Layer(1, "sigmoid")), "nll")]
compile_fresh = numeric.compile_network.__wrapped__  # without the per-process cache


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOUTS_CACHE", str(tmp_path))
    return tmp_path


def _random_args(net, rng, batch=50):
    sizes = net.sizes
    x = rng.normal(0, 2, (sizes[0], batch))
    Ws = [rng.normal(0, 2, (sizes[l], sizes[l + 1], batch)) for l in range(len(sizes) - 1)]
    bs = [rng.normal(0, 2, (sizes[l + 1], batch)) for l in range(len(sizes) - 1)]
    y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], batch)].T
    return x, Ws, bs, y


def _flat(net, x, Ws, bs, y):
    return numeric._flat_args(x, Ws, bs, y)


@pytest.mark.parametrize("net", NETWORKS, ids=lambda n: "-".join(map(str, n.sizes)))
def test_cached_code_gives_the_same_numbers_without_deriving(cache, monkeypatch, net):
    derived = compile_fresh(net, use_cache=True)
    assert len(list(cache.glob("*.py"))) == 2
    monkeypatch.setattr(numeric, "cached_layers", lambda *a, **k: pytest.fail("derived again"))
    loaded = compile_fresh(net, use_cache=True)
    args = _flat(net, *_random_args(net, np.random.default_rng(1)))
    for mine, theirs in zip(loaded.full(*args), derived.full(*args)):
        np.testing.assert_array_equal(mine, theirs)
    n_params = len(args) - net.sizes[-1]
    for mine, theirs in zip(loaded.forward(*args[:n_params]), derived.forward(*args[:n_params])):
        np.testing.assert_array_equal(mine, theirs)


def test_a_broken_entry_is_derived_again(cache):
    net = NETWORKS[1]
    compile_fresh(net, use_cache=True)
    for entry in cache.glob("*.py"):
        entry.write_text("this is not python(")
    assert codecache.load(net, "full") is None
    fns = compile_fresh(net, use_cache=True)
    assert callable(fns.full) and codecache.load(net, "full") is not None


def test_switched_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOUTS_CACHE", "off")
    assert codecache.cache_dir() is None
    compile_fresh(NETWORKS[1], use_cache=True)
    assert codecache.load(NETWORKS[1], "full") is None


def test_entries_differ_by_network_and_role():
    names = {codecache.entry_name(net, role) for net in NETWORKS for role in ("full", "forward")}
    assert len(names) == 2 * len(NETWORKS)


def test_an_unwritable_folder_is_not_an_error(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("HANDOUTS_CACHE", str(blocker / "sub"))
    assert callable(compile_fresh(NETWORKS[1], use_cache=True).full)


@pytest.mark.parametrize("source", [
    "def _lambdifygenerated(*args):\n    raise ZeroDivisionError('poisoned')\n",
    "raise SystemExit(3)\n",
    "def _lambdifygenerated(*args):\n    return None\n",
], ids=["raises-when-called", "exits-when-loaded", "returns-nothing"])
def test_an_entry_that_raises_is_derived_again(cache, source):
    net = NETWORKS[1]
    compile_fresh(net, use_cache=True)
    for entry in cache.glob("*.py"):
        entry.write_text(source)
    assert codecache.load(net, "full") is None
    assert callable(compile_fresh(net, use_cache=True).full)
    assert codecache.load(net, "full") is not None
