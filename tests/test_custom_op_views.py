"""An op made with define_op goes through the same door as a built-in row in every view: drawn,
stepped through (storyboard frames and the player), replayed, traced and gradchecked."""

import io
import math

import pytest

from microgradjp import Value, define_op, sigmoid
from microgradjp.player import Player
from microgradjp.replay import Replay
from microgradjp.testing import gradcheck, gradgradcheck
from microgradjp.trace import backward_edges, print_backward
from microgradjp.views.storyboard import frames
from microgradjp.viz import to_dot

# softsign(x) = x / (1 + |x|); its derivative 1 / (1 + |x|)**2 is written with Value ops.
softsign = define_op("softsign", lambda x: x / (1.0 + abs(x)), lambda x: 1 / (1 + abs(x)) ** 2)


def graph():
    """y = softsign(w * x), w = 0.5, x = 2: w * x = 1, y = 1 / 2, dy/d(w * x) = 1 / 4."""
    w, x = Value(0.5, label="w"), Value(2.0, label="x")
    return w, x, softsign(w * x).named("y")


def test_the_row_takes_its_texts_from_its_name():
    assert (softsign.symbol, softsign.drawn, softsign.called, softsign.why) == (
        "softsign", "softsign", "softsign", None)


def test_it_is_drawn_as_a_circle_named_for_the_op():
    *_, y = graph()
    y.backward()
    source = to_dot(y, edge_labels="both").source
    assert "v3op [label=softsign fillcolor=white shape=circle]" in source
    assert 'v2 -> v3op [label="1 \N{MULTIPLICATION SIGN} 0.25 = 0.25"]' in source  # its partial


def test_its_frames_step_through_it_with_its_own_partial():
    _, _, y = graph()
    forward = [frame.caption for frame in frames(y) if frame.kind == "forward"]
    assert forward[-1] == "Forward: y = softsign(w \N{MULTIPLICATION SIGN} x) = softsign(1) = 0.5."
    first_backward = next(frame for frame in frames(y) if frame.kind == "backward")
    assert (first_backward.node, first_backward.upstream, first_backward.local) == (y, 1.0, 0.25)
    assert "(" not in first_backward.caption.split("= 0.25")[-1]  # no reason it cannot give


def test_the_player_plays_it_and_ends_on_its_gradients():
    *_, y = graph()
    player = Player(y, engine="graphviz-pure")
    *_, (_, last, _) = player.states()
    assert last == player.finished()
    assert {"grad 0.5", "grad 0.125"} <= set(last.values())  # dy/dw = 0.25 * 2, dy/dx = 0.25 * 0.5


def test_it_is_replayed_exactly_as_eager_backward():
    w, x, y = graph()
    replay = Replay(y, [w, x])
    y.backward()
    assert replay() == (y.data, [w.grad, x.grad]) == (0.5, [0.5, 0.125])
    value, grads = replay([-1.0, 3.0])  # w * x = -3: softsign -3/4, slope 1/16
    assert value == -0.75 and grads == [3 / 16, -1 / 16]


def test_it_is_traced_edge_by_edge():
    _, _, y = graph()
    edges = backward_edges(y)
    first = edges[0]  # newest node first: the custom op
    assert (first.node.op, first.upstream, first.local) == ("softsign", 1.0, 0.25)
    out = io.StringIO()
    print_backward(y, file=out)
    assert "softsign" in out.getvalue()


@pytest.mark.parametrize("x", [-3.0, -0.5, 0.7, 4.0])
def test_it_is_gradchecked_to_second_order(x):
    assert gradcheck(softsign, x) and gradgradcheck(softsign, x)
    assert gradcheck(lambda a, b: softsign(a * b) + sigmoid(a), x, 0.3)


def test_a_two_input_custom_op_is_replayed_exactly():
    hypot = define_op("hypot", math.hypot, lambda x, y: x / (x * x + y * y) ** 0.5,
                      lambda x, y: y / (x * x + y * y) ** 0.5)
    a, b = Value(3.0), Value(4.0)
    out = hypot(a, b) * a
    replay = Replay(out, [a, b])
    out.backward()
    assert replay() == (out.data, [a.grad, b.grad])
