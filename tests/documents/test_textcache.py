"""Text derived from a network and a question alone, kept on disk: a hit is
the same text, and a missing, corrupt or unwritable entry is computed anew."""

import json

import pytest

from derive.documents import kind_panel, textcache
from derive.numerics.kind_mistakes import wrong_answers
from derive.problem.assignment import Part, load_assignment

VALID = lambda v: isinstance(v, dict) and isinstance(v.get("text"), str)  # noqa: E731


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDOUTS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _counting(text="hello"):
    calls = []

    def compute():
        calls.append(1)
        return {"text": text}
    return compute, calls


def test_a_second_process_reads_what_the_first_kept(cache):
    compute, calls = _counting()
    assert textcache.cached("role", "k", compute, VALID) == {"text": "hello"}
    assert textcache.cached("role", "k", compute, VALID) == {"text": "hello"}
    assert len(calls) == 1 and len(list(cache.glob("role-*.json"))) == 1
    other, other_calls = _counting("other")
    assert textcache.cached("role", "k2", other, VALID) == {"text": "other"}
    assert textcache.cached("role2", "k", other, VALID) == {"text": "other"}
    assert len(other_calls) == 2


@pytest.mark.parametrize("damage", [b"", b'{"text": "hel', b'{"text": 3}', b"\xff\xfe", b"[]"])
def test_a_corrupt_entry_is_computed_anew_and_replaced(cache, damage):
    compute, calls = _counting()
    textcache.cached("role", "k", compute, VALID)
    entry, = cache.glob("role-*.json")
    entry.write_bytes(damage)
    assert textcache.cached("role", "k", compute, VALID) == {"text": "hello"}
    assert len(calls) == 2 and json.loads(entry.read_bytes()) == {"text": "hello"}


def test_an_unwritable_or_switched_off_cache_still_gives_the_text(tmp_path, monkeypatch):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    compute, calls = _counting()
    monkeypatch.setenv("HANDOUTS_CACHE", str(blocked / "cache"))
    assert textcache.cached("role", "k", compute, VALID) == {"text": "hello"}
    monkeypatch.setenv("HANDOUTS_CACHE", "off")
    assert textcache.cached("role", "k", compute, VALID) == {"text": "hello"}
    assert len(calls) == 2 and blocked.read_text() == "not a folder"


def test_the_kept_formula_mistakes_are_the_librarys(cache):
    a = load_assignment("reference")
    formulas = [(p, q) for p, q in a.questions() if not kind_panel._numeric(q)]
    assert formulas
    for p, q in formulas:
        fresh = wrong_answers(Part("", "", (q,), p.network), q)
        kind_panel._formula_mistakes.cache_clear()
        assert kind_panel._formula_mistakes(p.network, q) == fresh   # computed and kept
        kind_panel._formula_mistakes.cache_clear()
        assert kind_panel._formula_mistakes(p.network, q) == fresh   # read back
    assert any(json.loads(e.read_bytes()) for e in cache.glob("formula-mistakes-*.json"))
    for entry in cache.glob("formula-mistakes-*.json"):
        entry.write_text('{"not-a-mistake": {"sympy": "z"}}')
    kind_panel._formula_mistakes.cache_clear()
    for p, q in formulas:
        assert kind_panel._formula_mistakes(p.network, q) == \
            wrong_answers(Part("", "", (q,), p.network), q)


def test_the_kept_rule_of_a_shown_gradient_is_the_derivation_printed(cache):
    from derive.calculus.catalogue import gradient_derivations
    from derive.documents import worked_notes
    from derive.documents.context import derivation_context
    from derive.documents.render import Latex
    a = load_assignment("reference")
    shown = [(p.network, q.get("param")) for p, q in a.questions() if q.get("show")]
    assert shown
    for net, param in shown:
        fresh = [{"type": "derivation", "d": derivation_context(d)}
                 for d in gradient_derivations(net, param)]
        for _ in range(2):   # computed and kept, then read back
            worked_notes._rule.cache_clear()
            got = worked_notes.shown_rule(net, param)
            assert got == fresh
            texts = [b["d"]["lhs"] for b in got] + [s["expr"] for b in got for s in b["d"]["steps"]]
            assert all(type(t) is Latex for t in texts)   # not escaped again by the templates
    entry, = cache.glob("shown-rule-*.json")
    entry.write_text('[{"lhs": "x", "steps": [{"text": 1}], "result": "y"}]')
    worked_notes._rule.cache_clear()
    assert worked_notes.shown_rule(*shown[0]) == [
        {"type": "derivation", "d": derivation_context(d)} for d in gradient_derivations(*shown[0])]


@pytest.mark.parametrize("data", [None, [], {"lhs": "x"}, {"lhs": "x", "steps": [], "result": 2},
                                  {"lhs": "x", "steps": [{"text": "t"}], "result": "y"},
                                  {"lhs": "x", "steps": [], "result": "y", "more": "z"}])
def test_a_derivation_not_of_its_shape_is_not_read(data):
    from derive.documents.context import derivation_from_json
    assert derivation_from_json(data) is None
    assert derivation_from_json({"lhs": "x", "steps": [{"text": "t", "expr": "e"}],
                                 "result": "y"}) is not None
