"""microgradjp under Pyodide (Python in wasm, run by Node.js): it imports, runs backward, trains
and displays as a notebook (JupyterLite) would show it, with the wheels and runtimes the
playground page loads. The same script runs in this CPython too: the numbers must agree."""

import json
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.pyodide, pytest.mark.slow]

# Run as it is under Pyodide (which gives `viz_layout`, viz-js's DOT -> SVG) and under CPython
# (viz_layout = None). The last expression is what the runner prints.
SCRIPT = r"""
import json, sys, warnings
from microgradjp import Value
from microgradjp.losses import mean_squared_error
from microgradjp.nn import MLP
from microgradjp.optim import SGD
from microgradjp.train import fit

facts = {"platform": sys.platform}
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    apple, count = Value(100, label="りんご"), Value(2, label="個数")
    tax = Value(1.1, label="消費税")
    price = (apple * count * tax).named("支払金額")
    price.backward()
    facts["apple"] = [price.data, apple.grad, count.grad, tax.grad]
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    history = fit(model, [[0, 0], [0, 1], [1, 0], [1, 1]], [0.0, 1.0, 1.0, 0.0],
                  loss=mean_squared_error, optimizer=SGD(model.parameters(), lr=0.1),
                  epochs=30, record=True)
    facts["losses"] = history.loss
    facts["training page"] = "<script" in (history._repr_html_() or "")
    facts["bare display"] = price._repr_mimebundle_()
    if viz_layout is not None:
        from microgradjp.player import Player
        from microgradjp.viz import set_layout
        set_layout(viz_layout)
        facts["svg"] = price._repr_mimebundle_()["image/svg+xml"]
        facts["player frames"] = len(Player(price).frames)
        facts["player page"] = "grad 110" in Player(price).html()
facts["warnings"] = [str(warning.message) for warning in caught]
json.dumps(facts, ensure_ascii=False)
"""


@pytest.fixture(scope="module")
def in_browser_python(run_in_pyodide):
    return run_in_pyodide(SCRIPT)


@pytest.fixture(scope="module")
def in_cpython():
    head, _, last = SCRIPT.rstrip().rpartition("\n")
    done = subprocess.run([sys.executable, "-c", f"viz_layout = None\n{head}\nprint({last})"],
                          capture_output=True, text=True, check=True, timeout=120)
    return json.loads(done.stdout)


def test_it_runs_in_a_browser_python(in_browser_python):
    assert in_browser_python["platform"] == "emscripten"


def test_backward_gives_the_apple_gradients(in_browser_python):
    assert in_browser_python["apple"] == pytest.approx([220.0, 2.2, 110.0, 200.0])


def test_fit_trains_as_in_cpython(in_browser_python, in_cpython):
    losses = in_browser_python["losses"]
    assert len(losses) == 30 and losses[-1] < losses[0]
    # tanh comes from each platform's C library: equal to the last few bits, not bit for bit
    assert losses == pytest.approx(in_cpython["losses"], rel=1e-12)


def test_the_training_player_shows(in_browser_python):
    assert in_browser_python["training page"] is True


def test_a_value_without_a_layout_shows_text_saying_why_and_what_to_do(in_browser_python):
    bundle = in_browser_python["bare display"]
    assert list(bundle) == ["text/plain"]
    assert bundle["text/plain"].startswith("Value(data=220")
    assert "runs in a browser (Pyodide), where no layout engine can start" in bundle["text/plain"]
    assert "microgradjp.viz.set_layout(dot_to_svg)" in bundle["text/plain"]


def test_with_viz_js_as_the_layout_a_value_shows_its_graph(in_browser_python):
    svg = in_browser_python["svg"]
    assert "<svg" in svg and "graphviz version" in svg
    for text in ("りんご", "消費税", "data 220", "grad 110", "grad 200", "grad 2.2"):
        assert text in svg


def test_the_step_player_works_with_viz_js(in_browser_python):
    assert in_browser_python["player frames"] == 8
    assert in_browser_python["player page"] is True


def test_nothing_warns_in_the_browser(in_browser_python):
    assert in_browser_python["warnings"] == []
