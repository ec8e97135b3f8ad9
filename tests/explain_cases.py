"""The instances the tests of the generated prose run on, built once per
process: the reference, 100 generated variants and 150 unconstrained
instances (dead units, units that change state, none that do, kinks)."""

from functools import lru_cache

from derive.problem.config import Config
from derive.documents.context import build_context
from derive.numerics.key import build_key, build_keys
from derive.numerics.evaluate import solve
from derive.problem.spec import parse_params
from derive.variants.generate import generate_keys
from derive.variants.settings import parse_settings
from tests.factories import varied

SEED = 20261128
GENERATED = 100


@lru_cache(maxsize=None)
def keys() -> tuple[dict, ...]:
    """The reference first, then the generated variants, then the others."""
    ps = varied(150, seed=7)
    return tuple([build_key()] + generate_keys(SEED, GENERATED, parse_settings({}))
                 + build_keys(ps, [f"t{i}" for i in range(len(ps))]))


@lru_cache(maxsize=None)
def cases() -> tuple[tuple[dict, object, dict], ...]:
    """(key, params, the context's "explain") of every instance."""
    params = [parse_params(k["params"]) for k in keys()]
    return tuple((k, p, build_context(k, Config(), solution=s)["explain"])
                 for k, p, s in zip(keys(), params, solve(params)))


def reference_instances(count: int, seed: int) -> list[tuple]:
    """(params, assignment, schema 2 key, render context) of the reference
    assignment (params None) and ``count`` unconstrained instances of it, as
    `handouts report` builds them."""
    from derive.commands.report import _reference_instance
    from derive.documents.assignment_context import build_assignment_context
    from derive.numerics.key import build_assignment_key
    from derive.problem.assignment import load_assignment
    reference = load_assignment("reference")
    out = []
    for p in [None] + varied(count, seed=seed):
        a = reference if p is None else _reference_instance(reference, p)
        key = build_assignment_key(a)
        out.append((p, a, key, build_assignment_context(a, key, Config())))
    return out
