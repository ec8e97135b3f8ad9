"""``handouts stress``: acceptance, rejections per constraint, answer ranges,
time per variant."""

from derive.cli import main
from derive.constraints import CONSTRAINTS


def test_stress_report(capsys):
    assert main(["stress", "--count", "40", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "40 variants of seed 3" in out and "ms per variant" in out
    assert "accepted 40 of" in out
    for c in CONSTRAINTS:
        assert c.name in out
    for item in ("q5", "q6", "q7", "q12.grad", "q12.W", "q13.W", "q14"):
        assert f"\n{item} " in out


def test_stress_bad_input(capsys, tmp_path):
    assert main(["stress", "--count", "0"]) == 2
    assert "--count" in capsys.readouterr().err
    (tmp_path / "c.toml").write_text("[variants.softmax_layer]\nlr = []\n")
    assert main(["stress", "--config", str(tmp_path / "c.toml")]) == 2
    assert "variants.softmax_layer.lr: empty list" in capsys.readouterr().err
