"""Fault injection on grading input: formula bombs, malformed and foreign
answers files, huge and deep values. Every case finishes fast, says what is
wrong where, and never stops the rest of the class from being graded."""

import copy
import json
import math
import signal
import threading
import time

import pytest
import sympy as sp

from derive.grading.formulas import CELL_SECONDS, MAX_NESTING, AnswerError, TooLarge, evaluate, parse_expression
from derive.grading.rules import Rules
from derive.grading.compare import _Timeout, equivalent, time_limit
from tests.schema_1.keys import build_key
from derive.problem.spec import printable
from derive.problem.spec import InputError
from tests.grading.reference import (SYMBOLIC, grade_all, grade_submission, key_submission,  # noqa: F401
                                     load_submissions, names, parse_submission, prepare,
                                     validate_answer)

BOMBS = ["e**e**e**e**e", "exp(exp(1e20))", "2**exp(exp(exp(5)))", "exp(exp(1e300))",
         "exp(exp(700.5))", "sigma(-0.5*1e300)", "(1/(exp(-1e4)*exp(-1e4)))**60"]


@pytest.fixture(scope="module")
def key():
    return build_key()


def _with(key, student, item, bomb):
    entry = copy.deepcopy(key_submission(key, student))
    if item == "q6":
        entry["answers"]["q6"][1][0] = bomb      # one matrix entry
    elif item == "q12":
        entry["answers"]["q12"]["new"][0][1] = bomb
    else:
        entry["answers"][item] = bomb
    return entry


@pytest.fixture(scope="module")
def variant(key):
    [v] = prepare([key], Rules())
    return v


@pytest.mark.parametrize("bomb", BOMBS)
@pytest.mark.parametrize("item", ["q1", "q5", "q7", "q6", "q12"])
def test_a_bomb_is_invalid_fast_and_the_class_is_graded(key, variant, item, bomb):
    entries = [key_submission(key, "Ada"), _with(key, "Eve", item, bomb),
               key_submission(key, "Bob")]
    start = time.process_time()   # CPU time: the test machine may be busy
    eve = grade_submission(parse_submission(entries[1], 1), variant, Rules())
    assert time.process_time() - start < 1.0
    g = eve.items[item]
    assert g.status == "invalid" and g.points == 0 and "too large to evaluate" in g.feedback
    assert eve.score == 100 - g.max
    subs = [parse_submission(e, i) for i, e in enumerate(entries)]
    ada, eve, bob = grade_all(subs, [key], single=True)
    assert ada.score == bob.score == 100 and eve.items[item].status == "invalid"


@pytest.mark.parametrize("item,text,status", [
    ("q1", "z + e**e**e**e**e", "invalid"), ("q2", "2**exp(exp(exp(z))) + z", "invalid"),
    ("q3", "exp(exp(exp(exp(a))))", "invalid"),
    ("q4", "exp(z_j)/sum(exp(exp(exp(exp(z_k)))))", "invalid"),
    ("q4", "exp(z_j)/sum(exp(z_k)) + e**e**e**e**e", "invalid"),
    ("q1", "exp(exp(exp(10*z)))*0 + z", "wrong"),     # SymPy drops the bomb: z
])
def test_formula_bombs_with_variables_are_invalid_and_print_fast(variant, item, text, status):
    from derive.calculus.latex import latex
    start = time.process_time()
    sub = parse_submission(key_submission(variant.old, "Eve", {item: text}), 0)
    g = grade_submission(sub, variant, Rules()).items[item]
    given = sub.answers[item]
    if given.value is not None:      # kept as a formula: printing it must not evaluate it
        str(given.value), latex(given.value)
    assert time.process_time() - start < 1.0
    assert g.status == status
    assert status == "wrong" or "too large to evaluate" in g.feedback


@pytest.mark.parametrize("text,value", [
    ("exp(-1)", math.exp(-1)), ("1/3", 1 / 3), ("2^0.5", math.sqrt(2)), ("log(2)", math.log(2)),
    ("tanh(-0.5)", math.tanh(-0.5)), ("sigma(2)", 1 / (1 + math.exp(-2))),
    ("exp(700)/exp(699)", math.e), ("e**e**e", float(sp.N(sp.E ** sp.E ** sp.E, 30))),
    ("sigma(-800)", 0.0), ("exp(-20000)", 0.0), ("exp(-0.5*1e300)", 0.0),
    ("tanh(1e300*0.5)", 1), ("(-8)^(1/3)", complex(1, math.sqrt(3))),
])
def test_the_bounded_evaluator_is_exact_where_it_answers(text, value):
    assert evaluate(parse_expression(text)) == pytest.approx(value, rel=1e-15, abs=1e-300)


@pytest.mark.parametrize("text", ["1/0", "log(0)", "0^(-1)"])
def test_no_value_is_not_a_number_not_too_large(text):
    with pytest.raises(AnswerError) as e:
        evaluate(parse_expression(text))
    assert not isinstance(e.value, TooLarge)


def test_a_formula_with_a_bomb_at_some_points_only(variant):
    bomb = parse_expression("exp(exp(exp(10*z)))", names=names("q1"))
    with pytest.raises(TooLarge):
        evaluate(bomb, {bomb.free_symbols.pop(): 3.0})
    start = time.process_time()
    try:
        assert not equivalent(bomb, variant.expected["q1"], "q1", Rules())
    except TooLarge:
        pass
    assert time.process_time() - start < 1.0


def test_a_long_matrix_of_formulas_stops_at_the_cell_budget():
    row = ["exp(" * 30 + "1" + ")" * 30] * 64
    start = time.process_time()
    g = validate_answer("q6", [row] * 64)
    assert time.process_time() - start < CELL_SECONDS + 0.5
    assert g.error == "too large to evaluate"


def test_the_time_limit_in_a_thread_refuses_at_once_and_equivalence_still_decides(variant):
    right = parse_expression("exp(-z)/(1+exp(-z))^2", names=names("q2"))
    results = []

    def work():
        try:
            with time_limit(10):
                results.append("ran")
        except _Timeout:
            results.append("refused")
        results.append(equivalent(right, variant.expected["q2"], "q2", Rules(symbolic_points=9)))

    t = threading.Thread(target=work)
    t.start()
    t.join(30)
    assert results == ["refused", True]


def test_an_outer_timer_survives_the_time_limit():
    fired = []
    old = signal.signal(signal.SIGALRM, lambda *a: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with time_limit(0.05):
            pass
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < remaining <= 0.3
        time.sleep(0.5)
        assert fired == [1]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# --------------------------------------------------------------------------
# Answers files


def _csv(tmp_path, text, encoding="utf-8", name="a.csv"):
    f = tmp_path / name
    f.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return f


@pytest.mark.parametrize("text,words", [
    ('student,variant,q5\n"Ada,reference,1\nBob,reference,2\nEve,reference,3\n',
     "line 2: not valid CSV (unexpected end of data) (a quote left open?)"),
    ('student,variant,q5\nAda,reference,1\n"Bob,reference,2\n"Eve",reference,3\n',
     "line 3: not valid CSV"),
    ('student,variant,q5\nAda,reference,1\n"Bob\nand Eve",reference,2\n',
     "line 3: the student cell spans several lines"),
    ("student,variant,q5\nAda,reference,1\nBob,reference,1,2\n",
     "line 3: 4 cells, but the header has 3 columns"),
    ("student,variant,q5\nAda,reference,1\nBob,reference,1\n ada ,reference,2\n",
     "student 'ada' appears twice (line 2 and line 4)"),
    ("student,q1,q1\nAda,z,z\n", "column 'q1' appears twice"),
    ("name|q1\nAda|z\n", "separated by commas, semicolons or tabs"),
])
def test_malformed_csv_is_one_line_naming_the_row(tmp_path, text, words):
    with pytest.raises(InputError) as e:
        load_submissions(_csv(tmp_path, text))
    assert words in str(e.value) and "\n" not in str(e.value)


def test_a_duplicate_in_json_names_both_entries(tmp_path, key):
    f = tmp_path / "a.json"
    f.write_text(json.dumps([key_submission(key, "Ada"), key_submission(key, "Bob"),
                             key_submission(key, "ADA")]))
    with pytest.raises(InputError, match=r"student 'ADA' appears twice \(entry 1 and entry 3\)"):
        load_submissions(f)


@pytest.mark.parametrize("text,encoding", [
    ("\ufeffstudent,variant,q5,q6\nZoë,reference,2.5,\"[[1, 2], [3, 4]]\"\n", "utf-8"),
    ("student, variant, q5, q6\nZoë, reference, 2.5, \"[[1, 2], [3, 4]]\"\n", "utf-8"),
    ("student;variant;q5;q6\nZoë;reference;2,5;\"[[1, 2], [3, 4]]\"\n", "utf-8"),
    ("student\tvariant\tq5\tq6\nZoë\treference\t2.5\t[[1, 2], [3, 4]]\n", "utf-8"),
    ("student,variant,q5,q6\r\nZoë,reference,2.5,\"[[1, 2], [3, 4]]\"\r\n", "cp1252"),
    ("student;variant;q5;q6\nZoë;reference;2,5;\"[[1, 2], [3, 4]]\"\n", "latin-1"),
    ("student,variant,q5,q6\nZoë,reference,2.5,\"[[1, 2], [3, 4]]\"\n", "utf-16"),
    ("student,variant,q5,q6\rZoë,reference,2.5,\"[[1, 2], [3, 4]]\"\r", "utf-8"),
    ('"student";"variant";"q5";"q6"\nZoë;reference;2,5;"[[1, 2], [3, 4]]"\n', "utf-8"),
])
def test_common_csv_dialects_are_read(tmp_path, text, encoding):
    [sub] = load_submissions(_csv(tmp_path, text, encoding))
    assert (sub.student, sub.variant, sub.error) == ("Zoë", "reference", None)
    assert float(sub.answers["q5"].value) == 2.5
    assert sub.answers["q6"].value.tolist() == [[1, 2], [3, 4]]


@pytest.mark.parametrize("name,data,words", [
    ("a.csv", b"student,q5\nA\x81\x8d\x90,1\n", "neither UTF-8 nor Windows-1252"),
    ("a.json", '{"student": "Zoë"}'.encode("cp1252"), "not UTF-8 text (byte 16)"),
    ("a.csv", b"student,q5\nA\x00,1\n", "NUL"),
    ("a.json", b"[" * 1000 + b"]" * 1000, "nested"),
    ("a.json", b"[" * 50 + b"]" * 50, f"nested more than {MAX_NESTING} deep"),
])
def test_foreign_and_deep_files_are_refused_by_name(tmp_path, name, data, words):
    with pytest.raises(InputError) as e:
        load_submissions(_csv(tmp_path, data, name=name))
    assert words in str(e.value)


def test_deep_json_inside_a_submission_is_one_line(tmp_path):
    deep = "[" * 1000 + "]" * 1000
    f = tmp_path / "a.json"
    f.write_text('{"student": "A", "variant": "reference", "answers": {"q6": ' + deep + "}}")
    with pytest.raises(InputError, match="nested"):
        load_submissions(f)


def test_a_deep_csv_cell_is_an_invalid_answer(tmp_path):
    f = _csv(tmp_path, 'student,q6\nAda,"' + "[" * 1000 + "]" * 1000 + '"\n')
    [sub] = load_submissions(f)
    assert sub.answers["q6"].error


@pytest.mark.parametrize("name,cell", [("a.json", "-" + "9" * 5000), ("a.csv", "1" * 5000)])
def test_an_integer_of_5000_digits_is_an_invalid_cell(tmp_path, key, name, cell):
    f = tmp_path / name
    if name == "a.csv":
        f.write_text(f"student,variant,q5\nEve,reference,{cell}\n")
    else:
        f.write_text('[{"student": "Eve", "variant": "reference", "answers": {"q5": ' + cell +
                     ', "q7": [' + cell + "]}}]")
    [sub] = load_submissions(f)
    assert sub.answers["q5"].error == "number with 5000 digits is too large"
    [eve] = grade_all([sub], [key], single=True)
    assert eve.items["q5"].status == "invalid"


@pytest.mark.parametrize("text,escaped", [
    ("Eve\x1b[2J\n", "Eve\\u001b[2J\\u000a"), ("\u202eevE", "\\u202eevE"),
    ("a\x9bb", "a\\u009bb"), ("Zoë", "Zoë"),
])
def test_printable_escapes_control_and_bidi(text, escaped):
    assert printable(text) == escaped


def test_a_swallowed_alarm_fires_again():
    def swallowing():
        try:
            time.sleep(0.2)      # the first alarm lands here and is swallowed
        except _Timeout:
            pass
        end = time.perf_counter() + 3
        while time.perf_counter() < end:   # without a second alarm: no _Timeout at all
            pass

    start = time.perf_counter()
    with pytest.raises(_Timeout):
        with time_limit(0.05):
            swallowing()
    assert time.perf_counter() - start < 5
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def _endless(expr):
    while True:   # pure Python: the alarm interrupts it
        pass


@pytest.mark.parametrize("evaluable, verdict", [(True, False), (False, False)])
def test_a_proof_that_runs_out_of_time_is_not_a_pass(monkeypatch, evaluable, verdict):
    # a formula that differs from the key's: refuted at the points when they
    # have values; when none has, the proof runs out of time and that is no pass
    from derive.grading import compare
    monkeypatch.setattr(compare.sp, "simplify", _endless)
    if not evaluable:
        monkeypatch.setattr(compare, "_value", lambda expr, point: None)
    wrong = parse_expression("x*(a+y)", names={"x": sp.Symbol("x"), "a": sp.Symbol("a"),
                                               "y": sp.Symbol("y")})
    right = parse_expression("x*(a-y)", names={"x": sp.Symbol("x"), "a": sp.Symbol("a"),
                                               "y": sp.Symbol("y")})
    start = time.perf_counter()
    assert compare._equivalent.__wrapped__(wrong, right, "q3", 5, 0.1) is verdict
    assert time.perf_counter() - start < 5


def test_a_formula_right_at_every_point_whose_proof_runs_out_of_time_passes(monkeypatch):
    from derive.grading import compare
    monkeypatch.setattr(compare.sp, "simplify", _endless)
    s = {n: sp.Symbol(n) for n in ("x", "a", "y")}
    given = parse_expression("x*a - x*y", names=s)
    assert compare._equivalent.__wrapped__(given, parse_expression("x*(a-y)", names=s), "q3",
                                           5, 0.1) is True
