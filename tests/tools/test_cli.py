"""The command line: graph, gradcheck and demo, their output and exit statuses."""

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from io import StringIO
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgradjp.tools.cli import main


def test_graph_prints_value_and_gradients_and_renders(tmp_path, capsys):
    out = tmp_path / "xyz.svg"
    assert main(["graph", "(x + y) * z", "--at", "x=-2,y=5,z=-4", "-o", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[:4] == ["value -12", "d/dx -4", "d/dy -4", "d/dz 3"]
    assert out.read_bytes().startswith(b"<?xml") and b"-12" in out.read_bytes()


def test_gradcheck_compares_and_passes(capsys):
    assert main(["gradcheck", "tanh(w * x + b)", "--at", "w=0.5,x=2,b=-0.3"]) == 0
    out = capsys.readouterr().out
    assert "d/dw" in out and "analytic" in out and "ok: the gradient matches" in out


def test_gradcheck_at_a_kink_says_so(capsys):
    assert main(["gradcheck", "relu(x)", "--at", "x=0"]) == 0
    assert "not checked" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["graph", "x +* y", "--at", "x=1,y=2"], "^"),
        (["graph", "x + y", "--at", "x=1"], "no value for y"),
        (["graph", "x", "--at", "x=one"], "cannot read 'x=one'"),
        (["gradcheck", "__import__('os').system('ls')", "--at", ""], "unexpected character"),
        (["graph", "x.__class__", "--at", "x=1"], "unexpected character '.'"),
    ],
)
def test_bad_input_exits_with_status_2_and_a_reason(argv, fragment, capsys):
    assert main(argv) == 2
    assert fragment in capsys.readouterr().err


def test_a_domain_error_exits_with_the_engine_message(capsys):
    assert main(["graph", "log(x)", "--at", "x=-1", "-o", "-"]) == 2
    assert "log(x=-1.0): log is defined for x > 0" in capsys.readouterr().err


def test_python_dash_m_runs_the_same_command():
    result = subprocess.run([sys.executable, "-m", "microgradjp", "graph", "x * x", "--at",
                             "x=3", "-o", "-"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "d/dx 6" in result.stdout


@pytest.mark.slow
def test_demo_trains_and_writes_its_pictures(tmp_path, capsys):
    assert main(["demo", "--output", str(tmp_path), "--epochs", "60"]) == 0
    out = capsys.readouterr().out
    accuracy = int(out.split("training accuracy ")[1].split("%")[0])
    assert accuracy >= 97
    for name in ("graph.svg", "training.html", "decision_boundary.png", "loss_curve.png"):
        assert (tmp_path / name).stat().st_size > 5000
    assert f"wrote {tmp_path / 'training.html'} (open it in a browser" in out
    # The drawn sample carries gradient: its loss is not 0, so neither is every edge.
    svg = (tmp_path / "graph.svg").read_text(encoding="utf-8")
    flows = [float(text.replace("&#45;", "-"))
             for text in re.findall(r'fill="#b03a2e">([^<]*)</text>', svg)]
    assert len(flows) > 20 and sum(flow != 0.0 for flow in flows) > len(flows) / 2
    assert "sample" in out and "loss, 0" not in out


def test_demo_without_an_engine_writes_the_other_pictures_and_exits_3(monkeypatch, tmp_path,
                                                                      capsys):
    monkeypatch.setattr(shutil, "which", lambda name, path=None: None)
    assert main(["demo", "--output", str(tmp_path), "--epochs", "2"]) == 3
    captured = capsys.readouterr()
    assert (f"could not write {tmp_path / 'graph.svg'}: rendering to .svg: no Graphviz"
            in captured.err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decision_boundary.png",
                                                          "loss_curve.png", "training.html"]
    # The page still plays; only its tab for one sample's graph (a layout) is missing.
    assert "epoch by epoch (no tab for sample " in captured.out


def test_demo_without_matplotlib_writes_the_page_and_the_graph_and_exits_0(monkeypatch, tmp_path,
                                                                          capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    assert main(["demo", "--output", str(tmp_path), "--epochs", "2"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.splitlines()[-1] == (
        "skipped decision_boundary.png and loss_curve.png: PNG plots need matplotlib (pip "
        "install 'microgradjp[plot]'); training.html draws both")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.svg", "training.html"]


def test_the_command_lines_in_the_docs_work(tmp_path, monkeypatch):
    root = Path(__file__).parents[2]
    pages = [root / "README.md", *sorted((root / "docs").glob("**/*.md"))]
    commands = [line for page in pages for line in page.read_text(encoding="utf-8").splitlines()
                if line.startswith(("microgradjp graph", "microgradjp gradcheck",
                                    "microgradjp steps"))]
    assert len(commands) >= 6  # the tour in English and Japanese, drawing, testing
    monkeypatch.chdir(tmp_path)
    for line in commands:
        assert main(shlex.split(line)[1:]) == 0, line


# -- hostile command lines (issue 14) ------------------------------------------------------------


def run(capsys, *argv):
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


class TestTheExpressionIsParsedBeforeAt:
    @pytest.mark.parametrize(("expression", "fragment", "column"), [
        ("x if y else z", "unexpected 'if' after a complete expression", 2),
        ("unknownfunc(x)", "unknown function 'unknownfunc'", 0),
        ("りんご \uff0b x", "type the half-width '+'", 7),
    ])
    def test_a_syntax_error_comes_first_with_a_caret(self, capsys, expression, fragment, column):
        status, _, err = run(capsys, "graph", expression, "-o", "-")
        assert status == 2 and fragment in err and "--at" not in err
        echo, caret = err.splitlines()[-2:]
        assert echo == "  " + expression and caret == "  " + " " * column + "^"


class TestNonFiniteNumbers:
    @pytest.mark.parametrize(("argv", "fragment"), [
        (["1e309 * x", "--at", "x=1"], "1e309 is beyond a float's range"),
        (["x * 1e308 * 10", "--at", "x=1"], "the result overflows a float"),
        (["9**9**9"], "overflows a float"),
        (["x", "--at", "x=1e309"], "--at x=1e309: x must be a finite number"),
        (["x", "--at", "x=nan"], "--at x=nan: x must be a finite number"),
        (["x", "--at", "x=-inf"], "--at x=-inf: x must be a finite number"),
    ])
    @pytest.mark.parametrize("command", ["graph", "gradcheck"])
    def test_refused_with_status_2(self, capsys, command, argv, fragment):
        extra = ["-o", "-"] if command == "graph" else []
        status, out, err = run(capsys, command, *argv, *extra)
        assert status == 2 and fragment in err and out == ""


class TestAtMustMatchTheExpression:
    def test_a_variable_the_expression_does_not_use_is_refused(self, capsys):
        status, out, err = run(capsys, "graph", "x * y", "--at", "x=1,y=2,q=3", "-o", "-")
        assert status == 2 and out == ""
        assert "the expression does not use q (it uses x, y)" in err

    def test_a_variable_given_twice_is_refused(self, capsys):
        status, _, err = run(capsys, "gradcheck", "x", "--at", "x=1,x=2")
        assert status == 2 and "x is given twice" in err

    def test_the_help_says_so(self, capsys):
        with pytest.raises(SystemExit):
            main(["graph", "--help"])
        assert "no others" in capsys.readouterr().out

    def test_an_expression_starting_with_a_minus_needs_a_space(self, capsys):
        status, out, _ = run(capsys, "graph", "- x", "--at", "x=2", "-o", "-")
        assert (status, out) == (0, "value -2\nd/dx -1\n")


PIECES = ["x", "y", "りんご", "税", " ", "　", "+", "-", "*", "/", "**", "(", ")", ",", "1",
          "2.5", "1e309", "exp", "max", "if", "@", "'", ".", "^", "\uff0b", "\uff08", "\t", "é",
          "🍎"]


class TestRandomCommandLines:
    @given(st.lists(st.sampled_from(PIECES), max_size=12).map("".join))
    def test_status_is_0_or_2_and_the_caret_sits_on_a_character(self, expression):
        from microgradjp.tools.expr import ExpressionError, variables
        from microgradjp.views.text import columns as width

        try:
            names = variables(expression)
        except ExpressionError:
            names = []
        at = ",".join(f"{name}=0.5" for name in names)
        stderr = StringIO()
        with redirect_stderr(stderr), redirect_stdout(StringIO()):
            try:
                status = main(["graph", expression, "--at", at, "-o", "-"])
            except SystemExit as usage_error:  # "-x" reads as an option to argparse: usage, 2
                assert expression.startswith("-")
                status = usage_error.code
        assert status in (0, 2)
        lines = stderr.getvalue().splitlines()
        if status == 0 or lines[-1].strip() != "^":
            return
        echo, column = lines[-2][2:], lines[-1].index("^") - 2
        assert len(echo) == len(expression)
        boundaries = {width(echo[:k]): k for k in range(len(echo) + 1)}
        assert column in boundaries  # on a character, never in the middle of a wide one
        k = boundaries[column]
        assert k == len(echo) or not echo[k].isspace()  # on the culprit, or at the end


# -- hostile and careless inputs (issue 21) ------------------------------------------------------


@pytest.mark.parametrize(("expression", "at", "lines"), [
    ("(y - t)**2", "y=0.5,t=1", ["value 0.25", "d/dy -1", "d/dt 1"]),
    ("x**2", "x=-3", ["value 9", "d/dx -6"]),
    ("(-x)**2", "x=3", ["value 9", "d/dx 6"]),
    ("x**0", "x=0", ["value 1", "d/dx 0"]),
])
def test_a_number_in_the_expression_is_a_constant_not_a_leaf(expression, at, lines, capsys):
    # The 2 of a square is no leaf whose gradient would need log of a negative base.
    assert main(["graph", expression, "--at", at, "-o", "-"]) == 0
    assert capsys.readouterr().out.splitlines() == lines


# Impossible even for root (the suite may run as root, where a read-only folder is writable).
IMPOSSIBLE = ["{folder}/file/x.svg", "{folder}/" + "a" * 300 + ".svg", "{folder}/folder.svg",
              "{folder}/x.unknown", "{folder}/nul\x00.svg"]


def _impossible(tmp_path, output):
    (tmp_path / "file").write_text("a file, not a folder")
    (tmp_path / "folder.svg").mkdir()
    return output.format(folder=tmp_path)


@pytest.mark.parametrize("output", IMPOSSIBLE)
def test_output_that_cannot_be_written_exits_3_in_one_line(output, tmp_path, capsys):
    status = main(["graph", "x * 2", "--at", "x=1", "-o", _impossible(tmp_path, output)])
    err = capsys.readouterr().err
    assert status == 3
    assert err.startswith("microgradjp graph: could not write ") and err.count("\n") == 1


def test_a_player_that_cannot_be_written_exits_3_without_a_traceback(tmp_path):
    output = _impossible(tmp_path, "{folder}/file/p.html")
    result = subprocess.run([sys.executable, "-m", "microgradjp", "steps", "x * 2", "--at",
                             "x=1", "-o", output], capture_output=True, text=True, timeout=120)
    assert result.returncode == 3
    assert result.stderr == (f"microgradjp steps: could not write {output}: File exists "
                             f"({str(tmp_path / 'file')!r}); a part of the path is a file, not "
                             "a folder: check the path\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "folder.svg"]


def test_a_point_where_the_derivative_is_undefined_is_bad_input(capsys):
    assert main(["graph", "sqrt(x)", "--at", "x=0", "-o", "-"]) == 2
    assert "the derivative of sqrt is infinite at 0" in capsys.readouterr().err


def test_a_huge_at_item_is_not_echoed_whole(capsys):
    assert main(["graph", "x", "--at", "x=" + "9" * 10_000_000 + "z", "-o", "-"]) == 2
    err = capsys.readouterr().err
    assert len(err) < 400 and "characters" in err


@pytest.mark.parametrize("name", ["__DATA__", "__HOT__", "__ID__", "__SVG__"])
def test_a_variable_named_like_a_page_marker_is_drawn_as_itself(name, tmp_path, capsys):
    page = tmp_path / "p.html"
    assert main(["steps", f"{name} * 2", "--at", f"{name}=1", "-o", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    # The page holds its data once, as one JSON block that names the variable.
    assert text.count('type="application/json"') == 1
    assert name in text.split('type="application/json"')[1]


# Issue 30: output that cannot be written, careless input, Ctrl-C (rows 6 and 10).

def run_cli(*argv, **options):
    return subprocess.run([sys.executable, "-m", "microgradjp", *argv], text=True,
                          timeout=120, **options)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full on this system")
def test_a_full_disk_on_standard_output_exits_3_in_one_line_after_the_work(tmp_path):
    picture = tmp_path / "g.svg"
    with open("/dev/full", "w") as full:
        result = run_cli("graph", "x * y", "--at", "x=3,y=4", "-o", str(picture), stdout=full,
                         stderr=subprocess.PIPE)
    assert result.returncode == 3
    assert result.stderr == ("microgradjp graph: could not write to standard output: No space "
                             "left on device\n")
    assert picture.read_text(encoding="utf-8").startswith("<?xml")  # the work was done


@pytest.mark.parametrize("command", [["graph", "x * y", "-o", "-"], ["gradcheck", "x * y"]])
def test_a_closed_pipe_on_standard_output_exits_3_in_one_line(command):
    reader, writer = os.pipe()
    os.close(reader)  # as `| head -c0` does
    try:
        result = run_cli(*command, "--at", "x=3,y=4", stdout=writer, stderr=subprocess.PIPE)
    finally:
        os.close(writer)
    assert result.returncode == 3
    assert result.stderr == (f"microgradjp {command[0]}: could not write to standard output: "
                             "Broken pipe\n")


def test_demo_with_epochs_0_is_bad_input_before_any_work(tmp_path, capsys):
    folder = tmp_path / "demo"
    with pytest.raises(SystemExit) as exited:
        main(["demo", "--epochs", "0", "--output", str(folder)])
    assert exited.value.code == 2 and not folder.exists()
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.endswith(
        "microgradjp demo: error: argument --epochs: '0' is not a whole number >= 1\n")


def test_demo_into_a_file_fails_before_training(tmp_path, capsys):
    existing = tmp_path / "notes.txt"
    existing.write_text("mine")
    assert main(["demo", "--output", str(existing)]) == 3
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing trained, nothing printed
    assert captured.err == (f"microgradjp demo: could not write {existing}: a file is there, not "
                            "a folder (the demo writes its pictures into a folder)\n")
    assert existing.read_text() == "mine"


def test_ctrl_c_while_an_animation_is_written_says_one_line_and_leaves_nothing(tmp_path):
    output = tmp_path / "steps.gif"
    process = subprocess.Popen([sys.executable, "-m", "microgradjp", "steps", "x*y + y*x + x*x*y",
                                "--at", "x=0.5,y=0.25", "-o", str(output)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while not os.listdir(tmp_path) and process.poll() is None:
            time.sleep(0.01)  # until the animation's temporary file is there
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert (process.returncode, out) == (130, "")
    assert err == "microgradjp steps: interrupted (Ctrl-C); no half-written file is left\n"
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(("expression", "at", "fragment"), [
    ("x * " + "1" * 1900, "x=1", "11111111111111111111... (1,900 characters) is beyond"),
    ("x + " + "9" * 1900 + "e999", "x=1", "(1,904 characters) is beyond a float's range"),
    ("x * 2 " + "1" * 1900, "x=1", "(1,900 characters)' after a complete expression"),
    ("x * " + "q" * 1900, "x=1", "no value for qqq"),
    ("x", "x=1," + "q" * 1900 + "=2", "the expression does not use qqq"),
    ("x" * 1900 + "(x)", "x=1", "unknown function 'xxx"),
])
def test_a_huge_literal_or_name_is_echoed_short(expression, at, fragment, capsys):
    assert main(["graph", expression, "--at", at, "-o", "-"]) == 2
    err = capsys.readouterr().err
    assert fragment in err and len(err) < 600 and err.count("\n") <= 3


def test_the_caret_of_a_long_expression_sits_under_its_spot_in_a_short_line(capsys):
    expression = "x + " * 300 + "log(0 - x)" + " + x" * 150  # 1,810 characters
    assert main(["graph", expression, "--at", "x=1", "-o", "-"]) == 2
    _, shown, caret = capsys.readouterr().err.splitlines()
    assert len(shown) < 90 and shown.startswith("  ...") and shown.endswith("...")
    assert shown[caret.index("^"):].startswith("log(0 - x)")
