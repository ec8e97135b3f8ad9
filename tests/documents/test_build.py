"""The LaTeX runner and the build: PDFs compile, show the answers (handout)
or none of them (problem sheet), are byte-identical, and fail cleanly."""

import re
import subprocess
from contextlib import contextmanager
import unicodedata
from pathlib import Path

import pytest

import derive.documents.assignment_build
from derive.documents.assignment_build import build_assignment, figure_paths
from derive.documents.build import LatexError, compile_pdf, parse_log
from derive.problem.assignment import load_assignment
from derive.problem.config import Config, Course
from derive.documents.context import course_context
from tests.regenerate_golden import GOLDEN, golden_sources

REFERENCE_ANSWERS = ["0.0900", "0.0684", "2.3026", "0.2447", "0.8776", "-2.0450",
                     "0.1192", "0.8808", "22.0000"]


def text_of(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return unicodedata.normalize("NFC", out.stdout.replace("\u2212", "-"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The reference assignment built as ``handouts report`` builds it."""
    out = tmp_path_factory.mktemp("reports")
    return out, build_assignment(load_assignment("reference"), Config(), out)


def test_golden_tex_matches():
    for name, source in golden_sources().items():
        assert source == (GOLDEN / name).read_text(encoding="utf-8"), \
            f"{name} differs from tests/golden; run `make golden` and review the diff"


def test_outputs(reference):
    out, paths = reference
    names = {p.relative_to(out).as_posix() for p in paths}
    assert {"handout.pdf", "problems.pdf", "handout.tex", "problems.tex",
            "answer-key.json"} <= names
    assert set(figure_paths(load_assignment("reference")).values()) <= names


def test_handout_shows_the_answers_and_problems_show_none(reference):
    out, _ = reference
    handout, problems = text_of(out / "handout.pdf"), text_of(out / "problems.pdf")
    for value in REFERENCE_ANSWERS:
        assert value in handout, value
        assert value not in problems, value
    assert "Question 14" in problems and "Worked solution" not in problems


def test_tex_compiles_from_the_output_folder(reference, tmp_path):
    out, _ = reference
    import shutil
    shutil.copytree(out, tmp_path / "copy")
    assert compile_pdf(tmp_path / "copy" / "problems.tex").exists()


def test_two_builds_are_byte_identical(reference, tmp_path, monkeypatch):
    # the fixture drew the figures in a second process, this build draws them
    # in this one (not taken from the figure cache): the bytes are the same either way
    out, _ = reference
    monkeypatch.setenv("HANDOUTS_CACHE", "off")

    @contextmanager
    def no_process():
        yield None
    monkeypatch.setattr(derive.documents.assignment_build, "_drawing_process", no_process)
    paths = build_assignment(load_assignment("reference"), Config(), tmp_path)
    assert {p.relative_to(tmp_path).as_posix() for p in paths} == {
        p.relative_to(out).as_posix() for p in reference[1]}
    for path in paths:
        assert path.read_bytes() == (out / path.relative_to(tmp_path)).read_bytes(), path


HOSTILE = r"\input{/etc/passwd} ^^5cinput{/etc/passwd} \immediate\write18{touch /tmp/x} $ % # _ & ~ { } Łódź"


def test_hostile_course_text_comes_out_literally(tmp_path):
    tex = tmp_path / "t.tex"
    from derive.documents.render import make_env
    base = make_env().get_template("base.tex.j2")
    course = course_context(Course(title=HOSTILE, course="C#", term="", instructor="A & B"))
    tex.write_text(base.render(course=course, solutions=False), encoding="utf-8")
    text = text_of(compile_pdf(tex))
    assert "passwd" in text and "root:" not in text
    assert "\\input{/etc/passwd}" in text and "^^5cinput" in text and "write18" in text
    assert "$ % # _ & ~ { } Łódź" in text


def test_latex_error_is_one_line_with_file_and_line(tmp_path):
    tex = tmp_path / "bad.tex"
    tex.write_text("\\documentclass{article}\n\\begin{document}\n\\undefinedmacro\n\\end{document}\n")
    with pytest.raises(LatexError) as e:
        compile_pdf(tex)
    assert str(e.value) == "bad.tex:3: Undefined control sequence."
    assert e.value.log_path.exists()


def test_parse_log_without_file_line():
    assert parse_log("! Emergency stop.\nl.7 \\foo\n", "x.tex") == ("x.tex", 7, "Emergency stop.")


def test_timeout(tmp_path):
    tex = tmp_path / "loop.tex"
    tex.write_text("\\def\\x{\\x}\\x\n")
    with pytest.raises(LatexError, match="did not finish within"):
        compile_pdf(tex, timeout=1)


CONFIDENT = Path(__file__).parents[1] / "data" / "confident.toml"


@pytest.mark.parametrize("decimals", [0, 1, 4, 12])
def test_confident_network_builds_at_any_decimals(tmp_path, decimals):
    # both losses below 5e-5: tiny numbers everywhere (the loss sentence among them)
    # must print as powers of ten in math mode; given data exactly, whatever decimals is
    from derive.cli import main
    from derive.problem.precision import statement
    from derive.problem.spec import load_params
    from tests.schema_1.solve import solve
    sol = solve([load_params(CONFIDENT)])[0]
    assert sol.layer.loss < 5e-5 and sol.network.loss < 5e-5
    config = tmp_path / "c.toml"
    config.write_text(f"[course]\ndecimals = {decimals}\nfigures = 4\n")
    out = tmp_path / "out"
    assert main(["report", "--params", str(CONFIDENT), "--config", str(config),
                 "--out", str(out)]) == 0
    for name in ("handout", "problems"):
        text = " ".join(text_of(out / f"{name}.pdf").split())
        assert statement(4, natural_log=False) in text, name
        assert "η = 0.25" in text and "η = 0.125" in text, name
        assert "a = [0.125, 0.375, 0.5]" in text, name
        assert "by convention it is taken to be 0 there" in text, name
    handout = " ".join(text_of(out / "handout.pdf").split())
    start = handout.index("the loss indeed falls, from ℓ")
    sentence = handout[start:handout.index("new", start) + 40]  # the step's: both losses tiny
    # a power of ten, but at 12 places (6.1e-6 is 0.000006144…)
    assert bool(re.search(r"×\s?10", sentence)) == (decimals < 11), sentence


def test_figure_weights_are_printed_exactly():
    # the network drawings on the problem sheet show given data too: exactly
    import numpy as np
    from derive.documents.network_figure import network_layout
    lay = network_layout([np.array([[0.125, -0.3]])], [np.array([0.000001, 2.0])])
    assert sorted(t for *_, t in lay.labels) == sorted(["0.125", "\u22120.3"])
    assert sorted(t for *_, t in lay.biases) == ["$w_0 = 0.000001$", "$w_0 = 2$"]


# --------------------------------------------------------------------------
# "Page k of n" in one pass


def _counting_passes(monkeypatch):
    import derive.documents.build
    passes = []
    run = derive.documents.build._run_pdflatex

    def counted(cmd, *args):
        passes.append(cmd[-1])
        return run(cmd, *args)
    monkeypatch.setattr(derive.documents.build, "_run_pdflatex", counted)
    return passes


def test_page_total_costs_a_second_pass_only_when_the_guess_was_wrong(reference, tmp_path,
                                                                      monkeypatch):
    import shutil
    import derive.documents.build
    out, _ = reference
    shutil.copytree(out, tmp_path / "copy")
    tex = tmp_path / "copy" / "problems.tex"
    right = (out / "problems.pdf").read_bytes()
    pages = derive.documents.build.pdf_pages(out / "problems.pdf")
    passes = _counting_passes(monkeypatch)
    monkeypatch.setitem(derive.documents.build._last_pages, "assignment-problems", [pages + 5])
    assert compile_pdf(tex).read_bytes() == right  # the guess does not show
    assert len(passes) == 2
    assert derive.documents.build._last_pages["assignment-problems"] == [pages]
    passes.clear()
    tex.with_suffix(".aux").unlink()
    assert compile_pdf(tex).read_bytes() == right  # the count of the last compile is right
    assert len(passes) == 1
    assert f"Page {pages} of {pages}" in text_of(out / "problems.pdf")


def test_the_reference_compiles_each_document_once(tmp_path, monkeypatch):
    # `handouts report` in a fresh process: the first guesses are the reference's
    import derive.documents.build
    monkeypatch.setattr(derive.documents.build, "_last_pages", {})
    passes = _counting_passes(monkeypatch)
    build_assignment(load_assignment("reference"), Config(), tmp_path)
    assert sorted(passes) == ["handout.tex", "problems.tex"]


def test_a_tex_compiled_on_its_own_reads_its_page_total_from_the_aux(reference, tmp_path):
    # no .aux: the first pass shows no count and asks for a rerun, the second
    # prints the count of the first
    import shutil
    from derive.documents.build import FLAGS, PDFLATEX, latex_env, pdf_pages
    out, _ = reference
    shutil.copytree(out, tmp_path / "copy")
    folder = tmp_path / "copy"
    n = pdf_pages(out / "problems.pdf")
    for total in ("??", str(n)):
        subprocess.run([PDFLATEX, *FLAGS, "problems.tex"], cwd=folder, env=latex_env(),
                       capture_output=True, check=True)
        log = (folder / "problems.log").read_text("latin-1")
        assert f"Page {n} of {total}" in text_of(folder / "problems.pdf")
        assert ("Rerun to get it right" in log) == (total == "??")


def test_section_pages_and_the_seeded_aux(tmp_path):
    from derive.documents.build import section_pages, seed_aux
    assert section_pages("x\nhandouts: section 1 has 3 pages\nhandouts: section 2 has 4 pages\n") \
        == [3, 4]
    seed_aux(tmp_path / "a.aux", [3, 4])
    assert (tmp_path / "a.aux").read_text() == (
        "\\relax\n\\handouts@guess{4}\n\\handouts@setpages{1}{3}\n\\handouts@setpages{2}{4}\n")
