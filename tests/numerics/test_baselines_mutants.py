"""nothing_done_all does the forward passes before the step itself, one batch
per network, and only for the parts asked about after the step; and every
value after the step it gives is nothing_done's, a pre-activation z too."""

import json
from dataclasses import replace

import numpy as np
import pytest

from derive.numerics import baselines, key as key_module
from derive.numerics.baselines import nothing_done_all
from derive.numerics.key import build_assignment_keys, nothing_done
from derive.problem.assignment import load_assignment


def _keys(assignment, n: int = 3) -> list[dict]:
    """``n`` keys of ``assignment``'s given data, as read from key files."""
    return json.loads(json.dumps(build_assignment_keys(
        assignment, [{}] * n, [f"v{i}" for i in range(n)])))


def _edited(name: str, edit) -> object:
    """The shipped assignment ``name`` with each part's questions ``edit(part)``."""
    a = load_assignment(name)
    return replace(a, parts=tuple(replace(p, questions=tuple(edit(p))) for p in a.parts))


@pytest.mark.parametrize("value", ["z1", "z2"])
def test_an_after_step_pre_activation_is_the_one_before_the_step(value):
    """q14 asks for z after the step: doing nothing gives z before it."""
    def ask_z(part):
        return [replace(q, options=(("value", value),)) if q.kind == "after-step" else q
                for q in part.questions]
    keys = _keys(_edited("reference", ask_z))
    got = nothing_done_all(keys)
    for key, baseline in zip(keys, got):
        alone = nothing_done(key)
        assert np.asarray(baseline["q14"], float).tobytes() == \
            np.asarray(alone["q14"], float).tobytes()
        assert np.shape(baseline["q14"]) == ((4,) if value == "z1" else (2,))


def test_no_part_is_solved_key_by_key(monkeypatch):
    """The after-step part (network) and the probability-after part
    (softmax-layer) alike come from the batch."""
    def alone(key, part_id):
        raise AssertionError(f"{part_id} solved alone")
    keys = _keys(load_assignment("reference"))
    monkeypatch.setattr(key_module, "_forward_before", alone)
    got = nothing_done_all(keys)
    after = [q for q, v in keys[0]["questions"].items()
             if v["kind"] == "after-step" or v.get("after")]
    assert after and all(set(after) <= set(g) for g in got)


def test_only_the_parts_asked_about_after_the_step_are_solved(monkeypatch):
    """Without q9 the softmax layer is asked a probability before the step
    only: its network is not solved, the two-layer network's is, once."""
    solved = []
    real = baselines.solve_batch

    def spy(part, datas):
        solved.append((part.network.sizes, len(datas)))
        return real(part, datas)
    keys = _keys(_edited("reference", lambda p: [q for q in p.questions if q.id != "q9"]))
    monkeypatch.setattr(baselines, "solve_batch", spy)
    nothing_done_all(keys)
    assert solved == [((2, 4, 2), 3)]
