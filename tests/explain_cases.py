"""The instances the tests of the generated prose run on: the reference
assignment (derive/assignments/reference.toml) and unconstrained instances of
it (dead units, units that change state, none that do, kinks), as
`handouts report` builds them."""

from derive.documents.assignment_context import build_assignment_context
from derive.numerics.key import build_assignment_key
from derive.problem.config import Config
from derive.problem.reference import reference_assignment, reference_instance
from tests.factories import varied


def reference_instances(count: int, seed: int) -> list[tuple]:
    """(params, assignment, schema 2 key, render context) of the reference
    assignment (params None) and ``count`` unconstrained instances of it."""
    out = []
    for p in [None] + varied(count, seed=seed):
        a = reference_assignment() if p is None else reference_instance(p)
        key = build_assignment_key(a)
        out.append((p, a, key, build_assignment_context(a, key, Config())))
    return out
