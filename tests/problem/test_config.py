"""The config's own sections: [course] and [documents]."""

import pytest

from derive.problem.config import Config, Documents, parse_config
from derive.problem.spec import InputError


def test_documents_defaults():
    assert Config().documents == Documents(sheet="homework", mistakes=True)
    assert parse_config({"documents": {"sheet": "exam", "mistakes": False}}).documents \
        == Documents(sheet="exam", mistakes=False)


@pytest.mark.parametrize("table, field, words", [
    ({"sheet": "quiz"}, "documents.sheet", '"homework" or "exam"'),
    ({"mistakes": "yes"}, "documents.mistakes", "true or false"),
    ({"colour": 1}, "documents.colour", "unknown field"),
])
def test_documents_errors_name_the_field(table, field, words):
    with pytest.raises(InputError) as e:
        parse_config({"documents": table})
    assert e.value.field == field and words in str(e.value)
