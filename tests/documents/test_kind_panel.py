"""The panel of common mistakes by kind: the library's answers computed once
per part are each question's own (derive.numerics.kind_mistakes.wrong_answers)."""

import pytest

from derive.documents.kind_panel import part_mistakes
from derive.numerics.key import build_assignment_keys
from derive.numerics.kind_mistakes import wrong_answers
from derive.numerics.solve import solve_part
from derive.problem.assignment import SHIPPED, load_assignment
from derive.problem.config import Config
from derive.variants.instances import generate_instances, instance_of
from derive.variants.settings import settings_of


@pytest.mark.parametrize("name", SHIPPED)
def test_a_parts_mistakes_are_each_questions_own(name):
    a = load_assignment(name)
    instances = generate_instances(a, 3, 3, settings_of(Config()))
    keys = build_assignment_keys(a, instances, ["v0", "v1", "v2"], 3)
    for variant in [a] + [a.with_given(instance_of(a, key)) for key in keys]:
        for part in variant.parts:
            sol = solve_part(part) if part.given is not None else None
            table = part_mistakes(part, sol)
            for q in part.questions:
                assert table.get(q.id, {}) == wrong_answers(part, q, sol), (name, q.id)
