"""``handouts stress``: acceptance, rejections per part and constraint, the
audit of the accepted variants, answer ranges, time per variant; Ctrl-C and
bad input."""

from derive.cli import main
from derive.problem.assignment import load_assignment
from derive.variants.audit import DEGENERACIES
from derive.variants.constraints import parse_constraints
from derive.variants.richness import active


def _rates(out: str) -> dict[str, tuple[float, int]]:
    rates = {}
    for line in out.splitlines():
        words = line.split()
        if len(words) == 3 and words[1].endswith("%"):
            rates[words[0]] = (float(words[1][:-1]), int(words[2]))
    return rates


def test_stress_report_of_the_reference(capsys):
    """Without --assignment: the reference assignment, every constraint of
    each part counted, the audit all 0, the answers' ranges."""
    assert main(["stress", "--count", "20", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("assignment reference\n20 variants of seed 3")
    assert "ms per variant" in out and "accepted 40 of" in out   # two parts drawn
    rates = _rates(out)
    for part in load_assignment("reference").parts[1:]:
        for r, _ in active(part, parse_constraints({})):
            assert f"{part.id}.{r.name}" in rates
    for name in DEGENERACIES:   # every degeneracy, and none with the defaults
        line = next(x for x in out.splitlines() if x.startswith(name + " "))
        assert line.split()[1] == "0.0%", line
    for item in ("q5", "q6", "q7", "q12.grad", "q12.new", "q13.new", "q14"):
        assert f"\n{item} " in out


def test_stress_shows_degeneracies_with_the_constraints_off(capsys, tmp_path):
    (tmp_path / "c.toml").write_text("[variants.constraints]\nnonzero_inputs = false\n"
                                     "learning_units = false\ngradient_spread = false\n"
                                     "hidden_mixed = false\n")
    assert main(["stress", "--count", "30", "--config", str(tmp_path / "c.toml")]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("zero_input "))
    assert line.split()[1] != "0.0%"
    assert ".nonzero_inputs " not in out   # switched off: not counted


# A real SIGINT, sent by the process to itself once generation is under way
# (a sleep before sending it would race with the imports on a busy machine).
INTERRUPT = """
import os, signal, sys
import derive.variants.instances as v
from derive.cli import main
draw, calls = v.draw_part, []
def draw_then_interrupt(*args):
    calls.append(1)
    if len(calls) == 3:
        os.kill(os.getpid(), signal.SIGINT)
    return draw(*args)
v.draw_part = draw_then_interrupt
sys.exit(main(["stress", "--count", "100000"]))
"""


def test_ctrl_c_is_one_line():
    import subprocess
    import sys
    p = subprocess.run([sys.executable, "-c", INTERRUPT], capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 130 and p.stdout == ""
    assert p.stderr.strip().splitlines() == ["handouts: interrupted"]


def test_stress_bad_input(capsys, tmp_path):
    assert main(["stress", "--count", "0"]) == 2
    assert "--count" in capsys.readouterr().err
    (tmp_path / "c.toml").write_text("[variants.softmax_layer]\nlr = []\n")
    assert main(["stress", "--config", str(tmp_path / "c.toml")]) == 2
    assert "variants.softmax_layer.lr: empty list" in capsys.readouterr().err
    for value in ("nan", "inf", "-0.5"):
        (tmp_path / "c.toml").write_text(f"[variants.constraints]\nkink_margin = {value}\n")
        assert main(["stress", "--config", str(tmp_path / "c.toml")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "variants.constraints.kink_margin" in err


def test_stress_an_assignment_reports_each_parts_constraints(capsys):
    assert main(["stress", "--assignment", "reference", "--count", "20", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("assignment reference\n20 variants of seed 3")
    rates = _rates(out)
    # both parts with variants, every constraint that concerns each, counted
    assert {"network.kink_margin", "network.active_units", "network.distinct_from_mistakes",
            "network.learning_units", "softmax-layer.no_ties", "softmax-layer.probabilities",
            "softmax-layer.unique", "network.unique"} <= set(rates)
    assert not any(name.startswith("sigmoid-unit.") for name in rates)   # no given data
    assert not any(name.endswith(".unsaturated") for name in rates)      # no sigmoid/tanh
    assert rates["network.unique"] == (0.0, 20) and rates["network.kink_margin"][0] > 0
    assert "\nq13.grad " in out and "\nq14 " in out   # the answers' ranges
    tanh = main(["stress", "--assignment", "tanh-mse", "--count", "5"])
    assert tanh == 0 and "tanh-net.unsaturated " in capsys.readouterr().out


def test_stress_a_bad_assignment_is_one_line(capsys):
    assert main(["stress", "--assignment", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--assignment" in err
