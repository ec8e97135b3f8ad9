"""The shared scoring flow: carried-forward credit that only looks like a
mistake of the library (nothing else the student wrote shows it), and the
matching of submissions to the keys of their variants."""

from types import SimpleNamespace

import numpy as np

from derive.grading.answers import Submission
from derive.grading.scoring import by_variant
from derive.numerics.key import build_assignment_key
from tests.grading.examples import EXAMPLES
from tests.grading.test_kind_grade import _json, _perfect, grade


def test_a_carried_answer_is_not_a_mistake_the_other_answers_do_not_show():
    """logistic: the student's own W1 and b1 after the step (q9, q10) are the
    key's negated, so their probability of class 1 after the step (q12) is
    1 − the key's: what reading the wrong class gives too. They did not
    answer q6, the one other answer the wrong class changes: nothing shows
    that mistake, and q12 earns the carried-forward credit."""
    key = _json(build_assignment_key(EXAMPLES["logistic"]()))
    answers = {q: v for q, v in _perfect(key).items() if q != "q6"}
    for q in ("q9", "q10"):
        answers[q] = {**answers[q], "new": (-np.asarray(key["answers"][q]["new"])).tolist()}
    answers["q12"] = 1 - key["answers"]["q12"]
    sub = {"student": "s", "variant": "reference", "answers": answers}
    q12 = grade(key, [sub])["s"].items["q12"]
    assert (q12.status, q12.diagnosis, q12.points) == ("carried-forward", [], q12.max)


# --------------------------------------------------------------------------
# by_variant, with keys that are only their variant's name


def _match(subs, variants, single=False):
    """(prepared keys' variants, [(student, variant graded against, problem)])."""
    prepared = []

    def prepare(keys):
        prepared.extend(k["variant"] for k in keys)
        return [SimpleNamespace(key=k) for k in keys]

    def grade_one(sub, variant, problem):
        return sub.student, variant and variant.key["variant"], problem

    graded = by_variant(subs, [{"variant": v} for v in variants], single, prepare, grade_one)
    return prepared, graded


def test_only_the_keys_some_submission_needs_are_prepared():
    subs = [Submission(0, "ada", "v1"), Submission(1, "bob", "v9"),
            Submission(2, "cy", "v2", error="unreadable")]
    prepared, graded = _match(subs, ["v0", "v1", "v2"])
    assert prepared == ["v1"]
    assert graded[0] == ("ada", "v1", None)


def test_one_key_for_everybody_notes_only_a_different_variant():
    subs = [Submission(0, "ada", "v0"), Submission(1, "bob", None), Submission(2, "cy", "v1"),
            Submission(3, "dan", "v1", error="unreadable")]
    _, graded = _match(subs, ["v0"], single=True)
    assert [g[1:] for g in graded] == [("v0", None)] * 4
    assert [s.notes for s in subs] == [
        [], [], ["submission says variant 'v1'; graded against the key of 'v0'"], []]


def test_why_a_submission_has_no_key():
    """No variant, or one no key has (its name cut to 40 characters)."""
    subs = [Submission(0, "ada", None), Submission(1, "bob", "x" * 50)]
    _, graded = _match(subs, ["v0"])
    assert graded == [("ada", None, "no variant given"),
                      ("bob", None, f"no key for variant {'x' * 40!r}")]
