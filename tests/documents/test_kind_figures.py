"""The figures of any assignment (derive.documents.kind_figures): which
question or part shows which figure, each caption's alternatives on an
instance where it applies, with numbers computed here independently, and
figures drawn exactly where the .tex shows them, the same bytes each time."""

import re

import numpy as np
import pytest

from derive.documents import kind_figures as kf
from derive.documents.assignment_build import render_assignment
from derive.documents.captions import hidden_states
from derive.documents.figures import draw
from derive.documents.numbers import Formatter
from derive.documents.regions import TIE, has_regions, part_window
from derive.numerics.key import build_assignment_key
from derive.numerics.solve import solve_part
from derive.problem.assignment import SHIPPED, load_assignment, parse_assignment
from derive.problem.config import Config

FMT = Formatter(4)
STEP = {"id": "s", "kind": "step", "param": "W1", "points": 1}


def _assignment(inputs, layers, loss, given, questions):
    """An assignment of one part, p1 (its question ids end in 1)."""
    network = {"inputs": inputs, "loss": loss,
               "layers": [{"units": n, "activation": f} for n, f in layers]}
    return parse_assignment({"title": "Figures", "parts": [
        {"id": "p1", "title": "A part", "network": network, "given": given,
         "questions": [{**q, "id": f"{q['id']}1"} for q in questions]}]}, "figures")


def _part(*args, **kw):
    part = _assignment(*args, **kw).parts[0]
    return part, solve_part(part)


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


# --------------------------------------------------------------------------
# The activation figure


@pytest.mark.parametrize("f", ["sigmoid", "tanh"])
def test_a_saturating_activation_says_where_its_slope_peaks_and_how_small_it_gets(f):
    slope = {"sigmoid": lambda z: np.exp(-z) / (1 + np.exp(-z)) ** 2,
             "tanh": lambda z: 1 / np.cosh(z) ** 2}[f]
    half = kf.AXIS[f][0]
    text = kf.activation_figure_caption(f, FMT)
    assert f"largest at $z = 0$, where it is ${FMT.number(slope(0.0))}$" in text
    sat = half * 5 / 6
    assert f"at $z = {sat:g}$ it is only $\\approx {FMT.number(slope(sat))}$" in text
    assert "saturated unit" in text and "kink" not in text


def test_relu_says_its_kink_and_the_convention():
    data = kf.activation_data("relu")
    assert data["jumps"] == [(0.0, 0.0, 1.0)]  # ReLU′(0) = 0, 1 just after
    z, df = np.asarray(data["z"]), np.asarray(data["df"])
    assert np.array_equal(df, (z > 0).astype(float))
    text = kf.activation_figure_caption("relu", FMT)
    assert "The slope is $0$ for $z < 0$ and $1$ for $z > 0$" in text
    assert "taken to be $0$ (the filled dot)" in text and "passes no gradient back" in text
    assert "largest" not in text


def test_identity_says_its_slope_is_the_same_everywhere():
    text = kf.activation_figure_caption("identity", FMT)
    assert "The slope is $1$ everywhere" in text
    assert not kf.activation_data("identity")["jumps"]


def test_the_derivative_question_shows_its_activation_without_given_data():
    a = parse_assignment({"title": "t", "parts": [{"id": "p", "title": "p", "questions": [
        {"id": "a", "kind": "activation-derivative", "activation": "tanh", "points": 1},
        {"id": "b", "kind": "activation", "activation": "tanh", "points": 1}]}]}, "t")
    part = a.parts[0]
    assert kf.question_figures(part, part.questions[0], None) == ["activation"]
    assert kf.question_figures(part, part.questions[1], None) == []
    assert list(kf.assignment_figures(a, {})) == ["figures/activation-tanh.pdf"]


# --------------------------------------------------------------------------
# The probabilities figure

SOFTMAX = {"W1": [[1, -1, 0], [0, 1, -1]], "b1": [0, 0, 0], "x": [1, 1], "y": [0, 1, 0],
           "lr": 0.5}
AFTER = {"id": "p", "kind": "probability", "class": 3, "after": True, "points": 1}


def test_the_probabilities_before_and_after_are_the_numbers():
    part, sol = _part(2, [(3, "softmax")], "nllm", SOFTMAX, [STEP, AFTER])
    W, x, y = (np.asarray(SOFTMAX[k], float) for k in ("W1", "x", "y"))
    a = _softmax(W.T @ x)
    a_new = _softmax((W - 0.5 * np.outer(x, a - y)).T @ x)
    q = part.questions[1]
    assert kf.question_figures(part, q, sol)[0] == "probabilities"
    data = kf.question_figure_data("probabilities", part, q, sol)
    assert np.allclose(data["a"], a) and np.allclose(data["a_new"], a_new)
    assert data["ticks"] == ["class 1", "class 2\n(target)", "class 3\n(asked)"]
    text = kf.question_figure_caption("probabilities", part, q, sol, FMT)
    for j in range(3):
        verb = "rises" if a_new[j] > a[j] else "falls"
        assert re.search(rf"class {j + 1}'s (probability )?{verb} from", text), (j, text)
    assert "the target class 2's probability rises" in text


def test_a_probability_that_stays_says_so():
    # x = 0: the step moves no weight, every probability stays
    given = {**SOFTMAX, "x": [0, 0]}
    part, sol = _part(2, [(3, "softmax")], "nllm", given, [STEP, AFTER])
    text = kf.question_figure_caption("probabilities", part, part.questions[1], sol, FMT)
    assert text.count("stays at") == 3 and "rises" not in text and "falls" not in text


def test_no_probabilities_figure_before_the_step_or_for_a_sigmoid():
    part, sol = _part(2, [(3, "softmax")], "nllm", SOFTMAX,
                      [STEP, {**AFTER, "after": False}])
    assert "probabilities" not in kf.question_figures(part, part.questions[1], sol)
    given = {"W1": [[1], [-1]], "b1": [0], "x": [1, 2], "y": [1], "lr": 0.5}
    part, sol = _part(2, [(1, "sigmoid")], "nll", given, [STEP, {**AFTER, "class": 1}])
    assert "probabilities" not in kf.question_figures(part, part.questions[1], sol)


# --------------------------------------------------------------------------
# The decision regions

RELU = {"W1": [[1, 0, -1, 0], [0, 1, 0, -1]], "b1": [-1, -1, -1, -1],
        "W2": [[1, -1], [1, -1], [1, -1], [1, -1]], "b2": [0, 2], "x": [4, 11], "y": [0, 1],
        "lr": 0.5}
OUTPUT = {"id": "o", "kind": "after-step", "value": "output", "points": 1}


def test_regions_go_with_the_last_after_step_question_else_the_last():
    questions = [STEP, OUTPUT, {**OUTPUT, "id": "l", "value": "loss"}, AFTER]
    part, sol = _part(2, [(3, "softmax")], "nllm", SOFTMAX, questions)
    assert kf.regions_question(part).id == "l1"
    assert [q.id for q in part.questions if "regions" in kf.question_figures(part, q, sol)] == ["l1"]
    part, sol = _part(2, [(3, "softmax")], "nllm", SOFTMAX, [STEP, AFTER])
    assert kf.regions_question(part).id == "p1"


@pytest.mark.parametrize("inputs, layers, loss, given, regions", [
    (2, [(3, "softmax")], "nllm", SOFTMAX, True),
    (2, [(1, "sigmoid")], "nll", {"W1": [[1], [-1]], "b1": [-0.5], "x": [1, 2], "y": [1],
                                  "lr": 0.5}, True),
    # 3 inputs: no plane to draw
    (3, [(3, "softmax")], "nllm", {**SOFTMAX, "W1": [[1, -1, 0], [0, 1, -1], [1, 0, 0]],
                                   "x": [1, 1, 1]}, False),
    # 1 input
    (1, [(1, "sigmoid")], "nll", {"W1": [[1]], "b1": [0], "x": [1], "y": [1], "lr": 0.5}, False),
    # an output that does not classify
    (2, [(2, "identity")], "mse", {"W1": [[1, 0], [0, 1]], "b1": [0, 0], "x": [1, 1],
                                   "y": [1, 0], "lr": 0.5}, False),
])
def test_only_a_part_with_2_inputs_and_a_classifying_output_has_regions(inputs, layers, loss,
                                                                        given, regions):
    a = _assignment(inputs, layers, loss, given, [STEP, OUTPUT])
    part, sol = a.parts[0], solve_part(a.parts[0])
    assert has_regions(part) is regions
    paths = list(kf.assignment_figures(a, {part.id: sol}))
    assert any("regions" in p for p in paths) is regions
    assert paths[0] == "figures/part-1-network.pdf"


def test_no_regions_without_a_step():
    part, sol = _part(2, [(3, "softmax")], "nllm", SOFTMAX,
                      [{"id": "f", "kind": "forward", "value": "output", "points": 1}])
    assert not has_regions(part) and kf.question_figures(part, part.questions[0], sol) == []


def test_the_reference_networks_regions_are_its_predictions():
    part, sol = _part(2, [(4, "relu"), (2, "softmax")], "nllm", RELU,
                      [{**STEP, "id": "s2-", "param": "W2"}, STEP, OUTPUT])
    q = part.questions[-1]
    data = kf.question_figure_data("regions", part, q, sol)
    assert data["classes"] == ["class 1", "class 2"] and data["r"] == 20
    # the class at a grid point, by hand
    W1, b1, W2, b2 = (np.asarray(RELU[k], float) for k in ("W1", "b1", "W2", "b2"))
    u = np.linspace(-20, 20, len(data["before"]))
    for i, j in ((10, 200), (120, 120), (230, 5)):
        z2 = W2.T @ np.maximum(W1.T @ np.array([u[j], u[i]]) + b1, 0) + b2
        assert data["before"][i][j] == (TIE if z2[0] == z2[1] else int(np.argmax(z2)))
    text = kf.question_figure_caption("regions", part, q, sol, FMT)
    assert "$[-20, 20]^2$" in text and "whose target is class 2" in text
    assert "Before the step the input lies in class 1's region; after it, in class 2's" in text


def test_a_sigmoid_unit_predicts_class_1_above_one_half():
    given = {"W1": [[1], [-1]], "b1": [-0.5], "x": [1, 2], "y": [1], "lr": 0.5}
    part, sol = _part(2, [(1, "sigmoid")], "nll", given, [STEP, OUTPUT])
    q = part.questions[-1]
    data = kf.question_figure_data("regions", part, q, sol)
    assert data["classes"] == ["class 0", "class 1"]
    r = data["r"]
    u = np.linspace(-r, r, len(data["before"]))
    z = u[None, :] - u[:, None] - 0.5   # x1 − x2 − 0.5 over (x2 rows, x1 columns)
    assert np.array_equal(data["before"], np.where(z > 0, 1, np.where(z < 0, 0, TIE)))
    text = kf.question_figure_caption("regions", part, q, sol, FMT)
    # z = 1 − 2 − 0.5 < 0 before: class 0's region
    assert "whose target is class 1" in text and "input lies in class 0's region" in text
    assert "predicts class 1 where $a > 0.5$" in text


def test_where_no_boundary_lies_near_the_input_a_sentence_says_what_it_predicts():
    # class 1's bias wins by 100 everywhere near the input, before and after the step
    given = {**SOFTMAX, "b1": [100, 0, 0], "y": [1, 0, 0]}
    part, sol = _part(2, [(3, "softmax")], "nllm", given, [STEP, OUTPUT])
    assert part_window(part, sol) is None
    blocks = kf.figure_blocks(part, part.questions[-1], 2, sol, FMT)
    assert [b["type"] for b in blocks] == ["text"]
    assert ("both before and after the step the network predicts class 1 everywhere in the "
            "square") in blocks[0]["text"]


def test_a_class_that_fills_a_panel_is_said_everywhere():
    # before the step z = (0, 3) at every point: class 2 everywhere, exactly (one
    # layer: decided at the corners); after it class 1 wins where x1 + x2 > ~3.15
    given = {"W1": [[0, 0], [0, 0]], "b1": [0, 3], "x": [1, 1], "y": [1, 0], "lr": 0.5}
    part, sol = _part(2, [(2, "softmax")], "nllm", given, [STEP, OUTPUT])
    assert part_window(part, sol).r == 3
    text = kf.question_figure_caption("regions", part, part.questions[-1], sol, FMT)
    assert "Before the step the network predicts class 2 everywhere in the square." in text
    assert "After the step the network predicts" not in text
    assert "The input lies in class 2's region both before and after the step." in text


# --------------------------------------------------------------------------
# The network caption: the active ReLUs


@pytest.mark.parametrize("layers, expected", [
    ([(1, [3, -1, 0.5])], "For the given input, hidden units 1 and 3 are active ($z^1 > 0$); "
                          "unit 2 is off."),
    ([(1, [3, 0, -2])], "For the given input, hidden unit 1 is active ($z^1 > 0$); units 2 "
                        "and 3 are off (unit 2 at the kink, $z^{1}_{2} = 0$, where ReLU$'$ is 0 "
                        "by convention)."),
    ([(2, [0, 1, 0])], "For the given input, hidden unit 2 is active ($z^2 > 0$); units 1 and "
                       "3 are off (units 1 and 3 at the kink, $z^{2}_{j} = 0$, where ReLU$'$ is "
                       "0 by convention)."),
    ([(1, [-1, 0])], "For the given input, every hidden unit is off ($z^1 \\le 0$), so "
                     "$a^{1} = 0$ and nothing of $x$ passes this layer."),
    ([(1, [1, 2]), (2, [-1, 1])], "For the given input, in layer 1 units 1 and 2 are active "
                                  "($z^1 > 0$); in layer 2 unit 2 is active ($z^2 > 0$); unit 1 "
                                  "is off."),
    ([], ""),
])
def test_hidden_states(layers, expected):
    assert hidden_states([(l, np.array(z, float)) for l, z in layers]) == expected


def test_the_network_caption_names_the_active_units_of_each_relu_layer():
    given = {"W1": [[1, -1], [0, 0]], "b1": [0, 0], "W2": [[1, 0], [0, 1]], "b2": [-2, 0],
             "W3": [[1, 0], [0, 1]], "b3": [0, 0], "x": [1, 0], "y": [1, 0], "lr": 0.5}
    part, sol = _part(2, [(2, "relu"), (2, "relu"), (2, "softmax")], "nllm", given, [STEP])
    # z¹ = (1, −1), a¹ = (1, 0), z² = (−1, 0): layer 2 all off, unit 2 at the kink
    text = kf.network_solution(part, sol)
    assert "in layer 1 unit 1 is active ($z^1 > 0$); unit 2 is off" in text
    assert "in layer 2 every unit is off ($z^2 \\le 0$), so $a^{2} = 0$" in text
    tanh = _part(2, [(2, "tanh"), (2, "softmax")], "nllm",
                 {k: given[k] for k in ("W1", "b1", "W2", "b2", "x", "y", "lr")}, [STEP])
    assert kf.network_solution(*tanh) == ""


# --------------------------------------------------------------------------
# Drawn where shown, reproducibly


@pytest.mark.parametrize("name", SHIPPED)
def test_every_figure_shown_is_drawn_and_every_figure_drawn_is_shown(name):
    a = load_assignment(name)
    solutions = {p.id: solve_part(p) for p in a.parts if p.given is not None}
    planned = kf.assignment_figures(a, solutions)
    tex = render_assignment(a, build_assignment_key(a), Config(),
                            figures=kf.network_paths(a), solutions=solutions)["handout.tex"]
    shown = set(re.findall(r"\\includegraphics\{([^}]+)\}", tex))
    assert shown == set(planned)
    assert tex.count("\\captionof{figure}") == len(re.findall(r"\\includegraphics", tex))


def test_the_reference_has_the_bespoke_figures():
    a = load_assignment("reference")
    solutions = {p.id: solve_part(p) for p in a.parts if p.given is not None}
    names = [name for name, _ in kf.assignment_figures(a, solutions).values()]
    assert names.count("activation") == 1 and names.count("probabilities") == 1
    assert names.count("network") == 2 and names.count("regions") == 2


def test_figures_are_the_same_bytes_each_time():
    a = _assignment(2, [(3, "softmax")], "nllm", SOFTMAX, [STEP, OUTPUT, AFTER])
    for name, data in kf.assignment_figures(a, {"p1": solve_part(a.parts[0])}).values():
        pdf = draw(name, data)
        assert pdf.startswith(b"%PDF-") and pdf == draw(name, data), name
    for f in ("relu", "tanh"):
        assert draw("activation", kf.activation_data(f)) == draw("activation", kf.activation_data(f))


def test_the_regions_window_is_searched_once_per_part(monkeypatch):
    # the figure's data and its caption both ask for it
    import derive.documents.regions as R
    calls = []
    search = R.first_window
    monkeypatch.setattr(R, "first_window", lambda c: calls.append(1) or search(c))
    R._part_window.cache_clear()
    a = load_assignment("reference")
    solutions = {p.id: solve_part(p) for p in a.parts if p.given is not None}
    kf.assignment_figures(a, solutions)
    render_assignment(a, build_assignment_key(a), Config(), figures=kf.network_paths(a),
                      solutions=solutions)
    assert len(calls) == 2  # the softmax layer's and the network's
    win = part_window(a.parts[2], solutions[a.parts[2].id])
    assert not win.before.flags.writeable and not win.after.flags.writeable


def test_no_question_is_known_by_its_id():
    from pathlib import Path
    source = Path(kf.__file__).read_text()
    assert not re.search(r"""["']q\d+["']""", source)
