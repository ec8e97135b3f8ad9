"""Lambdified code kept on disk: the same numbers, no derivation the second time."""

import numpy as np
import pytest
import sympy as sp

from derive import diskcache
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
    assert diskcache.cache_dir() is None
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


# functions named by their expressions (a loss, an activation's slope)
_z = sp.Symbol("z")


def _curve():
    return [_z], [sp.tanh(_z), 1 - sp.tanh(_z) ** 2]


def test_a_function_of_expressions_is_kept_and_loaded(cache, monkeypatch):
    made = codecache.lambdified("slope", *_curve())
    assert [p.name.split("-")[0] for p in cache.iterdir()] == ["slope"]
    monkeypatch.setattr(sp, "lambdify", lambda *a, **k: pytest.fail("lambdified again"))
    loaded = codecache.lambdified("slope", *_curve())
    z = np.linspace(-3, 3, 7)
    for mine, theirs in zip(loaded(z), made(z)):
        np.testing.assert_array_equal(mine, theirs)


def test_other_expressions_or_roles_are_other_entries(cache):
    codecache.lambdified("slope", *_curve())
    codecache.lambdified("slope", [_z], [sp.tanh(_z), sp.Integer(1)])
    codecache.lambdified("other", *_curve())
    codecache.lambdified("slope", [_z], [sp.tanh(2 * _z), 1 - sp.tanh(_z) ** 2])
    assert len(list(cache.iterdir())) == 4


def test_make_lambdifies_on_a_miss_only(cache):
    calls = []

    def make():
        calls.append(1)
        return sp.lambdify(*_curve(), "numpy")
    for _ in range(2):
        assert codecache.lambdified("mine", *_curve(), make)(0.0) == [0.0, 1.0]
    assert calls == [1]


@pytest.mark.parametrize("damage", ["", "def _lambdifygenerated(z):\n    return [z",
                                    "def _lambdifygenerated(z):\n    return 1 / 0\n"])
def test_a_truncated_or_broken_expression_entry_is_made_again(cache, damage):
    codecache.lambdified("slope", *_curve())
    (entry,) = cache.iterdir()
    entry.write_text(damage)
    assert codecache.lambdified("slope", *_curve())(0.0) == [0.0, 1.0]
    assert entry.read_text() != damage


def test_expression_functions_work_without_a_writable_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("HANDOUTS_CACHE", str(blocker / "sub"))
    assert codecache.lambdified("slope", *_curve())(0.0) == [0.0, 1.0]
    monkeypatch.setenv("HANDOUTS_CACHE", "off")
    assert codecache.lambdified("slope", *_curve())(0.0) == [0.0, 1.0]
