"""``handouts stress``: acceptance, rejections per constraint, the audit of
the accepted variants, answer ranges, time per variant; Ctrl-C and bad input."""

from derive.cli import main
from derive.constraints import CONSTRAINTS
from derive.stress import DEGENERACIES


def test_stress_report(capsys):
    assert main(["stress", "--count", "40", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "40 variants of seed 3" in out and "ms per variant" in out
    assert "accepted 40 of" in out
    for c in CONSTRAINTS:
        assert f"\n{c.name} " in out
    for name in DEGENERACIES:   # every degeneracy, and none with the defaults
        assert f"\n{name} " in out
        line = next(x for x in out.splitlines() if x.startswith(name + " "))
        assert line.split()[1] == "0.0%", line
    for item in ("q5", "q6", "q7", "q12.grad", "q12.W", "q13.W", "q14"):
        assert f"\n{item} " in out


def test_stress_shows_degeneracies_with_the_constraints_off(capsys, tmp_path):
    (tmp_path / "c.toml").write_text("[variants.constraints]\nnonzero_inputs = false\n"
                                     "learning_units = false\ngradient_spread = false\n"
                                     "hidden_mixed = false\n")
    assert main(["stress", "--count", "30", "--config", str(tmp_path / "c.toml")]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("zero_input "))
    assert line.split()[1] != "0.0%"
    assert "\nnonzero_inputs " not in out   # switched off: not counted


def test_ctrl_c_is_one_line():
    # a long run interrupted mid-generation: one line, exit 130, no traceback
    import signal
    import subprocess
    import sys
    import time
    p = subprocess.Popen([sys.executable, "-m", "derive", "stress", "--count", "100000"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 130 and out == ""
    assert err.strip().splitlines() == ["handouts: interrupted"]


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
