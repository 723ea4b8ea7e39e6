"""The command line: graph, gradcheck and demo, their output and exit statuses."""

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from microgradjp.cli import main


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


def test_demo_trains_and_writes_its_pictures(tmp_path, capsys):
    assert main(["demo", "--output", str(tmp_path), "--epochs", "60"]) == 0
    out = capsys.readouterr().out
    accuracy = int(out.split("training accuracy ")[1].split("%")[0])
    assert accuracy >= 97
    for name in ("graph.svg", "decision_boundary.png", "loss_curve.png"):
        assert (tmp_path / name).stat().st_size > 5000
    # The drawn sample carries gradient: its loss is not 0, so neither is every edge.
    svg = (tmp_path / "graph.svg").read_text(encoding="utf-8")
    flows = [float(text.replace("&#45;", "-"))
             for text in re.findall(r'fill="#b03a2e">([^<]*)</text>', svg)]
    assert len(flows) > 20 and sum(flow != 0.0 for flow in flows) > len(flows) / 2
    assert "sample" in out and "loss, 0" not in out


def test_demo_without_an_engine_writes_the_other_pictures_and_exits_1(monkeypatch, tmp_path,
                                                                      capsys):
    monkeypatch.setattr(shutil, "which", lambda name, path=None: None)
    assert main(["demo", "--output", str(tmp_path), "--epochs", "2"]) == 1
    err = capsys.readouterr().err
    assert f"could not write {tmp_path / 'graph.svg'}: rendering to .svg: no Graphviz" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["decision_boundary.png",
                                                          "loss_curve.png"]


def test_demo_without_matplotlib_writes_the_graph_and_exits_1(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    assert main(["demo", "--output", str(tmp_path), "--epochs", "2"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == [f"could not write {tmp_path / name}: it needs matplotlib; pip install "
                   "'microgradjp[plot]'" for name in ("decision_boundary.png", "loss_curve.png")]
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]


def test_the_readme_command_lines_work(tmp_path, monkeypatch):
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    commands = [line for line in readme.splitlines()
                if line.startswith(("microgradjp graph", "microgradjp gradcheck"))]
    assert len(commands) >= 3  # the English tour and the Japanese section
    monkeypatch.chdir(tmp_path)
    for line in commands:
        assert main(shlex.split(line)[1:]) == 0, line
