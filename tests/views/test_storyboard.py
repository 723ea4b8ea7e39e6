"""Tests for the storyboard (views/storyboard.py): the frames of a forward and backward pass, every
number against backward() and central differences, fan-out sums, custom ops, captions."""

import math

import pytest
from hypothesis import given

from microgradjp import Value, define_op, sigmoid
from microgradjp.core.node import made_by_ops
from microgradjp.testing.strategies import expressions
from microgradjp.trace import creation_order
from microgradjp.views.storyboard import frames


def shown(text):
    """Return text with each * as the multiplication sign the captions use."""
    return text.replace("*", "\N{MULTIPLICATION SIGN}")


def kinds(all_frames):
    return [frame.kind for frame in all_frames]


def final_totals(all_frames):
    """Return {node: the total its last backward frame shows}, the gradient a player ends on."""
    return {frame.input: frame.total for frame in all_frames if frame.kind == "backward"}


def central_difference(rule, args, position, h=1e-6):
    shifted = [list(args), list(args)]
    shifted[0][position] += h
    shifted[1][position] -= h
    return (rule.forward(*shifted[0]) - rule.forward(*shifted[1])) / (2 * h)


def test_frames_go_inputs_forward_seed_backward(apple):
    assert kinds(frames(apple)) == ["inputs", "forward", "forward", "seed", *["backward"] * 4]


def test_forward_frames_follow_creation_order_and_backward_the_reverse(xyz):
    all_frames = frames(xyz)
    forward = [frame.node for frame in all_frames if frame.kind == "forward"]
    assert forward == made_by_ops(xyz)
    backward = [(frame.node.label, frame.input.label) for frame in all_frames
                if frame.kind == "backward"]
    assert backward == [("f", "q"), ("f", "z"), ("q", "x"), ("q", "y")]


def test_apple_captions_say_what_is_multiplied_by_what(apple):
    captions = [(frame.caption, frame.caption_ja) for frame in frames(apple)]
    assert captions[0] == ("Forward pass: the inputs are りんご = 100, 個数 = 2, 消費税 = 1.1.",
                           "順伝播: 入力は りんご = 100、個数 = 2、消費税 = 1.1。")
    assert captions[2][1] == shown(
        "順伝播: 支払金額 = (りんご * 個数) * 消費税 = 200 * 1.1 = 220。")
    assert captions[3][0] == "Backward pass starts at 支払金額: d支払金額/d支払金額 = 1."
    assert captions[6] == (
        shown("Backward through りんご * 個数: the gradient for りんご is upstream 1.1 * local 2 "
              "= 2.2 (* multiplies by the other input)."),
        shown("逆伝播 りんご * 個数: りんご の微分は 上流の勾配 1.1 * 局所的な微分 2 = 2.2"
              "(掛け算はもう一方の入力を掛ける)。"))


def test_every_backward_number_matches_backward_and_the_seeds(apple):
    all_frames = frames(apple)
    apple.backward()
    for frame in all_frames:
        if frame.kind == "backward":
            assert frame.upstream == frame.node.grad  # final when the walk reaches the node
            assert frame.contribution == frame.upstream * frame.local
    totals = {node.label: total for node, total in final_totals(all_frames).items()}
    assert totals == {None: 1.1, "消費税": 200.0, "りんご": pytest.approx(2.2, rel=1e-15),
                      "個数": pytest.approx(110.0, rel=1e-15)}
    assert all(total == node.grad for node, total in final_totals(all_frames).items())


def test_captions_say_why_for_the_first_ops_a_learner_meets():
    x = Value(-1.0, label="x")
    captions = [frame.caption for frame in frames(x.relu().named("r"))]
    assert captions[-1].endswith("local 0 = 0 (relu lets the gradient through where its input "
                                 "is > 0).")
    assert frames(x.sin())[-1].caption.endswith("local 0.5403 = 0.5403.")  # no words for sin


def test_every_local_derivative_is_the_ops_slope():
    x = Value(0.7, label="x")
    y = (((x * 3.0).tanh() + x.exp() / (x + 2.0)) ** 2).log().sigmoid()
    for frame in frames(y):
        if frame.kind == "backward":
            args = [parent.data for parent in frame.node.parents]
            slope = central_difference(frame.node.rule, args, frame.position)
            assert frame.local == pytest.approx(slope, rel=1e-6, abs=1e-9)


def test_frames_leave_grad_alone(apple):
    frames(apple)
    assert all(node.grad == 0.0 for node in creation_order(apple))


def test_fan_out_is_shown_as_a_sum():
    a = Value(2.0, label="a")
    y = (a * a + a).named("y")
    uses = [frame for frame in frames(y) if frame.input is a]
    assert [frame.terms for frame in uses] == [(1.0,), (1.0, 2.0), (1.0, 2.0, 2.0)]
    assert [frame.total for frame in uses] == [1.0, 3.0, 5.0]
    assert uses[-1].caption.endswith("a is used 3 times, so its gradient is the sum 1 + 2 + 2 = 5.")
    assert uses[-1].caption_ja.endswith("a は 3 か所で使われるので、勾配は和 1 + 2 + 2 = 5。")
    y.backward()
    assert uses[-1].total == a.grad == 5.0


def test_a_long_fan_out_sum_is_shortened_in_the_caption():
    a = Value(1.0, label="a")
    y = a
    for k in range(2, 11):
        y = y + a * k
    last = [frame for frame in frames(y) if frame.input is a][-1]
    assert len(last.terms) == 10
    assert last.caption.endswith(
        "so its gradient is the sum 10 + 9 + 8 + 7 + \N{HORIZONTAL ELLIPSIS} + 2 = 55.")


def test_one_op_using_an_input_twice_gives_two_frames_in_argument_order():
    a = Value(3.0, label="a")
    uses = [frame for frame in frames(a / a) if frame.input is a]
    assert [(frame.position, frame.local) for frame in uses] == [(0, 1 / 3), (1, -1 / 3)]
    assert uses[-1].total == pytest.approx(0.0, abs=1e-15)


def test_custom_ops_step_through_their_own_partials():
    softplus = define_op("softplus", lambda x: math.log1p(math.exp(x)), sigmoid)
    x = Value(0.0, label="x")
    y = softplus(x * 2.0).named("y")
    all_frames = frames(y)
    assert all_frames[2].caption == shown("Forward: y = softplus(x * 2) = softplus(0) = 0.6931.")
    [through] = [frame for frame in all_frames if frame.kind == "backward" and frame.node is y]
    assert through.local == 0.5
    y.backward()
    assert final_totals(all_frames)[x] == x.grad == 1.0


def test_unlabelled_nodes_are_named_by_what_made_them():
    x, y, z = Value(-2, label="x"), Value(5, label="y"), Value(-4, label="z")
    captions = [frame.caption for frame in frames((x + y) * z)]
    assert captions[2] == shown("Forward: (x + y) * z = 3 * (-4) = -12.")
    assert captions[3] == shown(
        "Backward pass starts at (x + y) * z: d((x + y) * z)/d((x + y) * z) = 1.")


def test_many_inputs_are_counted_not_listed():
    leaves = [Value(float(k), label=f"x{k}") for k in range(12)]
    first = frames(sum(leaves[1:], leaves[0]))[0]
    assert first.caption == "Forward pass: 12 inputs are given; each input's box shows its number."
    assert first.caption_ja == "順伝播: 入力は 12 個。各入力の箱にその値があります。"
    eight = frames(sum(leaves[1:8], leaves[0]))[0].caption
    assert eight.endswith("x6 = 6, x7 = 7.")


@pytest.mark.parametrize("length", [1, 2, 10, 100])
def test_frame_count_grows_linearly_with_the_graph(length):
    x = Value(0.5, label="x")
    y = x
    for _ in range(length):
        y = (y * 0.9).tanh()  # two ops and three edges per round
    assert len(frames(y)) == 2 + 2 * length + 3 * length


@given(expressions())
def test_any_expression_ends_on_the_gradients_backward_gives(case):
    expression, point = case
    leaves = [Value(x, label=name) for name, x in zip(expression.variables, point, strict=True)]
    root = expression(*leaves)
    if not isinstance(root, Value) or not root.parents:
        return  # a lone variable: no op to step through
    all_frames = frames(root)
    root.backward()
    shown = final_totals(all_frames)
    assert all(shown[leaf] == leaf.grad for leaf in leaves if leaf in shown)
    assert kinds(all_frames).count("forward") == len(made_by_ops(root))


def test_a_neurons_sum_is_named_by_its_first_and_last_input_not_all_of_them():
    from microgradjp.nn import MLP

    model = MLP(2, [16, 16, 1], activation="tanh", seed=1)
    loss = (model([Value(0.5, label="x0"), Value(-0.2, label="x1")]) - 1) ** 2
    longest = max((frame for frame in frames(loss)), key=lambda frame: len(frame.caption))
    assert len(longest.caption) < 400 and len(longest.caption_ja) < 400
    assert "weighted_sum(" in longest.caption and ": 33 inputs)" in longest.caption
