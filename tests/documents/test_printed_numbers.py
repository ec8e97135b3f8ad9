"""Every number a document prints is the number it names: the given data on
both sheets, and in the worked solutions every answer and every
intermediate number, read back from the rendered .tex
(:mod:`tests.documents.printed`) and compared, at the printed precision and
in its printed shape, with the key and with an independent computation
(:mod:`tests.documents.oracle`): for the reference instance and variants of
every shipped assignment. A number printed ``=`` is exact and one printed
``≈`` is not; the ReLU mask is 1[z > 0]."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
from functools import lru_cache

import numpy as np
import pytest

from derive.cli import main
from derive.documents.assignment_build import render_sources
from derive.numerics.key import build_assignment_key
from derive.problem.assignment import SHIPPED, load_assignment
from derive.problem.config import Config
from derive.variants.instances import generate_assignment_keys, instance_context
from derive.variants.settings import settings_of
from tests.documents import oracle
from tests.documents.printed import blocks, unit_states, values
from tests.documents.printed_names import Resolver, agrees, exact, shortest, well_printed

SEED, VARIANTS = 20261128, 3


def at_the_kink():
    """The reference with x = (2, 1): z¹ = (1, 0, −3, −2), unit 2 exactly at 0."""
    ref = load_assignment("reference")
    net = next(p for p in ref.parts if p.id == "network")
    return ref.with_given({"network": dataclasses.replace(net.given, x=(2, 1))})


@lru_cache(maxsize=None)
def instances(name: str) -> list[tuple[dict, dict[str, str]]]:
    """(key, {"problems.tex", "handout.tex"}) of the reference instance and
    the first variants of a shipped assignment (the reference's last: the
    instance with a ReLU at the kink)."""
    a = load_assignment(name)
    keys = [build_assignment_key(a)] + generate_assignment_keys(a, SEED, VARIANTS,
                                                                settings_of(Config()))
    out = [(k, render_sources(instance_context(a, k, Config())[2])) for k in keys]
    if name == "reference":
        kink = at_the_kink()
        key = build_assignment_key(kink, variant="kink")
        out.append((key, render_sources(instance_context(kink, key, Config())[2])))
    return out


CASES = [(name, i) for name in SHIPPED for i in range(VARIANTS + 1 + (name == "reference"))]


@pytest.fixture(params=CASES, ids=[f"{n}-{i}" for n, i in CASES])
def case(request):
    name, i = request.param
    key, sources = instances(name)[i]
    return name, key, sources


def decimals(tex: str) -> int:
    """The places a handout rounds to (the problem sheet computes nothing)."""
    m = re.search(r"rounded to (\d+) decimals", tex)
    return int(m.group(1)) if m else Config().course.decimals


def question_ids(key: dict) -> dict[int, str]:
    return {n: qid for n, qid in enumerate(key["questions"], start=1)}


def printed(key: dict, tex: str, name: str):
    """(block, section, Value) of every value a document prints."""
    for b in blocks(tex):
        if b.kind == "front":
            continue
        for section, text in b.sections.items():
            where = f"{name} {key['variant']}: {b.kind} {b.number} {section}"
            for v in values(text, where).values:
                yield b, section, v


@pytest.mark.parametrize("name", SHIPPED)
def test_the_key_is_an_independent_computation(name):
    """Every numeric answer of the key, for the reference and the variants,
    equals the same quantity computed again with plain NumPy, in its shape
    (a gradient the shape of its weight, q14 after the step, W¹'s gradient
    through the W² of the forward pass)."""
    for key, _ in instances(name):
        solved = {pid: oracle.solve(key, pid) for pid in key["params"]}
        for qid, q in key["questions"].items():
            if q["kind"] not in ("forward", "after-step", "probability", "gradient", "step",
                                 "gradient-step"):
                continue
            want, got = oracle.answer(key, qid, solved), key["answers"][qid]
            pairs = [(want[k], got[k]) for k in ("grad", "new")] if isinstance(want, dict) \
                else [(want, got)]
            for w, g in pairs:
                w, g = np.asarray(w, float), np.asarray(g, float)
                assert g.shape == w.shape, f"{name} {key['variant']} {qid}: shape {g.shape} != {w.shape}"
                np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-12,
                                           err_msg=f"{name} {key['variant']} {qid}")


def test_every_printed_number_is_what_it_names(case):
    """Each value of the handout and the problem sheet (given data, worked
    solutions, answers, checks, captions, the summary) equals the quantity
    its name says, at the precision printed and in its shape; none is left
    unattributed."""
    name, key, sources = case
    for doc, tex in sources.items():
        resolver = Resolver(key, load_assignment(name), decimals(tex))
        for block, section, v in printed(key, tex, name):
            resolver.check(block, section, v)
        resolver.finish()


def test_answers_are_the_key_at_the_printed_precision(case):
    """The answer box and the summary row of each numeric question print the
    key's answer: the same values, in order, each within half a unit of its
    last printed digit, in the key's shape; ``=`` exactly when every entry
    printed reads back as the key's number."""
    name, key, sources = case
    tex = sources["handout.tex"]
    ids = question_ids(key)
    seen: dict[tuple[str, str], list] = {}
    for block, section, v in printed(key, tex, name):
        if block.kind == "question" and section == "answer":
            seen.setdefault((ids[block.number], "answer"), []).append(v)
        elif block.kind == "summary":
            n = int(v.name.split(":")[0])
            seen.setdefault((ids[n], "summary"), []).append(v)
    for qid, answer in key["answers"].items():
        if isinstance(answer, dict) and "grad" not in answer:
            want = [answer["value"]] if "value" in answer else []
        else:
            want = [answer["grad"], answer["new"]] if isinstance(answer, dict) else [answer]
        for where in ("answer", "summary"):
            got = seen.get((qid, where), [])
            assert len(got) == len(want), f"{qid} {where}: {len(got)} values, the key has {len(want)}"
            for w, v in zip(want, got):
                w = np.asarray(w, float)
                shape = w.shape if w.ndim != 1 else (w.size, 1)
                assert v.shape == shape or (v.shape == () and w.size == 1), \
                    f"{qid} {where}: printed {v.shape}, the key's answer is {shape} ({v.name})"
                for t, x in zip(v.texts, w.ravel()):
                    assert agrees(t, x), f"{qid} {where}: {t} printed for {x!r}"
                    assert well_printed(t, x, decimals(tex)), f"{qid} {where}: {x!r} printed {t}"
                    if exact(t, x):
                        assert t == shortest(x), f"{qid} {where}: exact {x!r} printed {t}"
                all_exact = all(exact(t, x) for t, x in zip(v.texts, w.ravel()))
                assert v.rel == ("=" if all_exact else "≈"), \
                    f"{qid} {where}: {v.name} {v.rel} {v.texts} for {w.ravel().tolist()}"


def test_the_problem_sheet_prints_the_given_data_only(case):
    """The problem sheet prints the given data (and shapes, signs, a loss
    question's example) and nothing computed."""
    name, key, sources = case
    given = re.compile(r"W\^\{\d+\}|w_0\^\{\d+\}|x|y|a|\\eta|shape .*|")
    for block, section, v in printed(key, sources["problems.tex"], name):
        assert block.kind in ("part", "question") and section in ("text", "statement"), v
        assert v.rel in ("=", "", ">", "<", "leq") and given.fullmatch(v.name), \
            f"{v.where}: {v.name} {v.rel} {v.texts}"


@pytest.mark.parametrize("name", SHIPPED)
def test_formulas_and_front_matter_are_the_same_in_every_variant(name):
    """A formula with a constant in it (1 − tanh², −ln(0.1)) and the front
    matter print no number of the instance: they are the same in every
    variant."""
    seen = []
    for key, sources in instances(name):
        tex = sources["handout.tex"]
        bs = blocks(tex)
        forms = sorted(f for b in bs if b.kind != "front" for t in b.sections.values()
                       for f in values(t, "").formulas)
        seen.append((bs[0].sections["text"], forms))
    assert all(s == seen[0] for s in seen[1:])


def test_a_relu_at_the_kink_is_off():
    """A unit whose pre-activation is exactly 0 is off: its mask entry is 0,
    the prose lists it as off, and its column of ∇W¹ is 0."""
    key, sources = instances("reference")[-1]
    tex = sources["handout.tex"]
    assert "units 2, 3 and 4 are off ($z^{1} \\leq 0$)" in tex
    named = {v.name: v.texts for _, s, v in printed(key, tex, "kink") if s == "solution"}
    assert named["f^{1}{}'(z^{1})"] == ("1", "0", "0", "0")
    assert named[r"\nabla_{W^{1}} \ell"][1::4] == ("0", "0")


def test_active_and_off_units_are_those_with_z_above_0(case):
    """Every sentence that names active and off ReLU units names those with
    z > 0 and z ≤ 0 (before or after the step), with that relation, and
    every ReLU derivative is printed 1[z > 0]."""
    name, key, sources = case
    tex = sources["handout.tex"]
    for m in re.findall(r"\\mathbf\{1\}\[([^\]]*)\]", tex):
        assert re.fullmatch(r"z(\^\{\d+\})?(_\{\\text\{new\}\})? > 0", m), m
    ids = question_ids(key)
    for b in blocks(tex):
        part = key["questions"][ids[b.number]]["part"] if b.kind == "question" else None
        if part not in key["params"]:
            continue
        o = oracle.solve(key, part)
        for layer, after, state, units, rel in unit_states(" ".join(b.sections.values())):
            z = (o["after"] if after else o)["z"][layer - 1]
            want = set(np.flatnonzero(z > 0) + 1) if state == "active" else \
                set(np.flatnonzero(~(z > 0)) + 1)
            where = f"{name} {key['variant']} question {b.number}"
            assert rel == (">" if state == "active" else r"\leq"), f"{where}: {state} {rel} 0"
            assert units == want or (not units and len(want) == z.size), \
                f"{where}: units {sorted(units)} {state}, z^{layer} = {z.tolist()}"


@pytest.fixture(scope="module")
def reference_build(tmp_path_factory):
    """The reference's handout, compiled once for this module."""
    out = tmp_path_factory.mktemp("printed-reference")
    assert main(["report", "--assignment", "reference", "--out", str(out)]) == 0
    return out


def test_the_compiled_handout_shows_each_answer_in_its_question(reference_build):
    """pdftotext of the compiled reference handout: each numeric answer's
    entries (but powers of ten, set as superscripts) are among the words of
    its own question, between its heading and the next."""
    key = json.loads((reference_build / "answer-key.json").read_text())
    text = subprocess.run(["pdftotext", str(reference_build / "handout.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    text = text.replace("\u2212", "-").split("Summary of the answers")[0]
    parts = re.split(r"^Question (\d+)$", text, flags=re.M)
    words = {int(n): set(body.split()) for n, body in zip(parts[1::2], parts[2::2])}
    fmt_places = decimals((reference_build / "handout.tex").read_text())
    for n, qid in question_ids(key).items():
        answer = key["answers"][qid]
        if isinstance(answer, dict) and "grad" not in answer:
            answer = answer.get("value", [])
        entries = [v for part in (answer.values() if isinstance(answer, dict) else [answer])
                   for v in np.ravel(part)]
        for x in entries:
            t = shortest(x) if len(shortest(x).partition(".")[2]) <= fmt_places \
                else f"{x:.{fmt_places}f}"
            if abs(x) >= 0.5 * 10.0 ** -fmt_places:
                assert t in words[n], f"question {n}: {t} ({qid}'s {x!r}) not in its text"
