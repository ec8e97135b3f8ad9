"""Record what the bespoke schema 1 grader gave (tests/data/schema-1-grades.json).

Run with the code and tests of a commit that still has
``derive/grading/grade.py`` (b2ad60a and before), e.g.::

    git archive b2ad60a | tar -x -C /tmp/base
    PYTHONPATH=/tmp/base .venv/bin/python tests/grading/make_schema_1_grades.py

(it writes into this tree's tests/data).

Schema 1 keys of random instances and of a variant set, with submissions:
every mistake of the library alone and in pairs (every class read),
the simulated class of test_class.py, and adversarial answers (copies of
the given data, zeros, transposes, formula bombs, huge numbers, wrong
shapes). test_schema_1.py grades them through the kind path and compares.
"""

import json
from pathlib import Path

import numpy as np

from derive.grading.answers import key_submission, parse_submission
from derive.grading.grade import grade_all
from derive.grading.rules import Rules
from tests.schema_1.keys import build_keys
from tests.schema_1.mistakes import mistake_sets, recompute
from derive.variants.generate import generate_keys
from derive.variants.settings import parse_settings
from tests.factories import varied

OUT = Path(__file__).resolve().parent.parent / "data" / "schema-1-grades.json"
SEED = 20261128
BOMBS = ["e**e**e**e**e", "exp(exp(exp(1000)))", "10**10**10", "(" * 40 + "z" + ")" * 40,
         "__import__('os').system('true')", "z" * 600]


def adversarial(key: dict) -> list[dict]:
    """Answers no student should earn points for, or that test the edges."""
    p, a = key["params"], key["answers"]
    s, n = p["softmax_layer"], p["network"]
    zero = lambda v: np.zeros(np.shape(v)).tolist()  # noqa: E731
    out = [
        {"q6": s["W"], "q8": s["W"], "q9": a["q7"], "q10": n["b1"], "q11": n["y"],
         "q12": {"grad": n["W2"], "W": n["W2"]}, "q13": {"grad": n["W1"], "W": n["W1"]},
         "q14": a["q11"]},
        {"q5": 0, "q6": zero(a["q6"]), "q7": 0, "q8": zero(a["q8"]), "q9": 0,
         "q10": zero(a["q10"]), "q11": zero(a["q11"]),
         "q12": {"grad": zero(n["W2"]), "W": zero(n["W2"])},
         "q13": {"grad": zero(n["W1"]), "W": zero(n["W1"])}, "q14": zero(a["q14"])},
        {"q6": np.transpose(a["q6"]).tolist(), "q8": np.transpose(a["q8"]).tolist(),
         "q12": {"grad": np.transpose(a["q12"]["grad"]).tolist(),
                 "W": np.transpose(a["q12"]["W"]).tolist()},
         "q13": np.transpose(a["q13"]["W"]).tolist()},
        {q: b for q, b in zip(("q1", "q2", "q3", "q4", "q5", "q7"), BOMBS)},
        {"q5": "1e400", "q7": 10**500, "q6": [[1, 2], [3]], "q10": [1, 2],
         "q11": {"value": 1}, "q12": {"grad": a["q12"]["grad"]}, "q13": {"W": "x"},
         "q14": [[v] for v in a["q14"]]},
        {"q1": "sigma(-z)", "q2": "sigma(z)*(1 - sigma(z))", "q3": "(a - y)*x",
         "q4": "exp(z[j])/sum(exp(z[k]))", "q5": "-log(0.1)", "q7": "1/3"},
        {"q1": "1/(1+exp(z))", "q2": "-exp(-z)/(1+exp(-z))**2", "q3": "(y - a)*x_k",
         "q4": "exp(z_j)", "q9": [a["q9"]], "q14": {"grad": 1}},
    ]
    return out


def submissions(key: dict, mistakes: bool) -> list[dict]:
    subs = []
    if mistakes:
        for ms in mistake_sets(2):
            for sheet in recompute(key, ms):
                subs.append(key_submission(key, "+".join(m.code for m in ms), sheet))
    subs += [key_submission(key, f"adversarial {i}", r) for i, r in enumerate(adversarial(key))]
    return subs


def main() -> None:
    from tests.grading.test_class import PROFILES, answers
    rules = Rules()
    random_keys = build_keys(varied(6, seed=5), [f"v{i}" for i in range(6)])
    set_keys = generate_keys(SEED, 30, parse_settings({}))
    cases = []
    for keys, subs in [
            (random_keys, [s for k in random_keys for s in submissions(k, True)]),
            (set_keys, [key_submission(k, str(prof), answers(k, prof))
                        for k, prof in zip(set_keys, PROFILES)]
             + [s for k in set_keys[:4] for s in submissions(k, False)])]:
        for i, s in enumerate(subs):
            s["student"] = f"{i:04d} {s['variant']} {s['student']}"
        grades = grade_all([parse_submission(s, i) for i, s in enumerate(subs)], keys, rules)
        cases.append({"keys": keys, "submissions": subs, "grades": [
            {"score": g.score, "items": {q: [i.status, i.points, i.diagnosis]
                                         for q, i in g.items.items()}} for g in grades]})
    OUT.write_text(json.dumps(cases, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
