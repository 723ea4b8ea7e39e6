"""Replay gives exactly what the eager engine gives, on new points, for any graph."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradjp import DomainError, Value, ValueTypeError, maximum
from microgradjp.core import rules
from microgradjp.core.node import apply
from microgradjp.core.rules import WEIGHTED_SUM
from microgradjp.losses import l2_regularization, mean
from microgradjp.nn import MLP
from microgradjp.optim import SGD
from microgradjp.replay import Replay, SampleReplay
from microgradjp.testing.strategies import domain_points, expressions


def eager(expression, point):
    leaves = [Value(x) for x in point]
    out = expression(*leaves)
    out.backward()
    return out.data, [x.grad for x in leaves]


@pytest.mark.slow
@settings(max_examples=200)
@given(expressions(("x", "y", "z")), st.data())
def test_replay_equals_eager_on_new_points(case, data):
    expression, point = case
    leaves = [Value(x) for x in point]
    replay = Replay(expression(*leaves), leaves)
    assert replay() == eager(expression, point)
    # A second point where the same graph is still well defined: compare again.
    size = len(point)
    other = data.draw(st.lists(st.floats(-3, 3), min_size=size, max_size=size), label="other")
    try:
        expected = eager(expression, other)
    except (ArithmeticError, ValueError):
        return
    got = replay(other)
    assert got[0] == expected[0] or math.isnan(expected[0])
    assert all(g == e or math.isnan(e) for g, e in zip(got[1], expected[1], strict=True))


@settings(max_examples=300)
@given(st.integers(1, 20).flatmap(
    lambda n: st.lists(st.floats(-1e6, 1e6), min_size=2 * n + 1, max_size=2 * n + 1)))
def test_weighted_sum_written_for_replay_is_its_forward_bit_for_bit(args):
    assert WEIGHTED_SUM.replay_forward is not None
    assert WEIGHTED_SUM.replay_forward(*args) == WEIGHTED_SUM.forward(*args)


def test_a_neuron_replays_as_code_not_as_a_call_of_its_row():
    weights, inputs, bias = [Value(0.5), Value(-1.5)], [Value(2.0), Value(3.0)], Value(0.25)
    out = apply(WEIGHTED_SUM, (*weights, *inputs, bias))
    replay = Replay(out, [*weights, *inputs, bias])
    # The products are written out; only SUM's fsum is called (f0), never _weighted_sum.
    assert "(v0 * v2), (v1 * v3)" in replay.source
    assert replay.source.count("f0(") == 1 and rules.SUM.forward in replay._run.__defaults__
    out.backward()
    assert replay() == (out.data, [x.grad for x in (*weights, *inputs, bias)])


def test_replay_of_a_neuron_and_constants():
    w1, w2, b, x1, x2 = (Value(v) for v in (0.1, -0.3, 0.2, 1.5, 2.0))
    out = apply(WEIGHTED_SUM, (w1, w2, x1, x2, b)).tanh() * 0.5 + maximum(x1, 1.0)
    replay = Replay(out, [w1, w2, b])
    out.backward()
    assert replay() == (out.data, [w1.grad, w2.grad, b.grad])
    value, grads = replay([1.0, 1.0, 1.0])
    assert value == pytest.approx(math.tanh(1.5 + 2.0 + 1.0) * 0.5 + 1.5)
    assert grads[2] == pytest.approx((1 - math.tanh(4.5) ** 2) * 0.5)


def test_replay_touches_no_grad_and_records_nothing():
    x = Value(3.0)
    replay = Replay(x * x, [x])
    assert replay([2.0]) == (4.0, [4.0])
    assert x.grad == 0.0 and x.data == 3.0


def test_an_input_not_under_the_output_gets_zero():
    x, unused = Value(3.0), Value(1.0)
    assert Replay(x.exp(), [x, unused])([0.0, 5.0]) == (1.0, [1.0, 0.0])


def test_a_bad_point_raises_the_eager_error():
    x = Value(4.0)
    replay = Replay(x.sqrt() * 2, [x])
    with pytest.raises(DomainError, match=r"sqrt\(-1.0\)"):
        replay([-1.0])


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda x: Replay(x * 2, [x * 2]), "an input must be a leaf"),
        (lambda x: Replay(x * 2, [x])([1.0, 2.0]), "one value per input"),
    ],
)
def test_misuse_is_explained(make, fragment):
    with pytest.raises(ValueTypeError, match=fragment):
        make(Value(1.0))


def test_the_generated_source_contains_no_user_text():
    x = Value(1.0, label='"; import os; "')
    replay = Replay((x * 2).named("evil()"), [x])
    assert "import" not in replay.source and "evil" not in replay.source


@settings(max_examples=40)
@given(
    sizes=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    activation=st.sampled_from(["tanh", "relu", "sigmoid", "identity"]),
    seed=st.integers(0, 10_000),
    points=st.lists(st.tuples(st.floats(-2, 2), st.floats(-2, 2)), min_size=1, max_size=3),
)
def test_replay_equals_eager_on_random_mlps(sizes, activation, seed, points):
    model = MLP(2, [*sizes, 1], activation=activation, seed=seed)
    params = model.parameters()

    def loss():
        outputs = [model([Value(x), Value(y)]) for x, y in points]
        return mean([(out - 0.5) ** 2 for out in outputs]) + l2_regularization(params, 0.01)

    replay = Replay(loss(), params)
    for _ in range(2):  # after an update too: the replay reads the parameters' new data
        eager = loss()
        model.zero_grad()
        eager.backward()
        assert replay() == (eager.data, [p.grad for p in params])
        SGD(params, lr=0.1).step()


@pytest.mark.parametrize("rule", rules.ROWS, ids=lambda rule: rule.name)
@given(data=st.data())
def test_every_row_is_replayed_bit_for_bit(rule, data):
    # Replay writes each row's code from the row itself; over the row's own domain, the numbers
    # must be the eager engine's exactly, at the recorded point and at a new one.
    first, second = data.draw(domain_points(rule)), data.draw(domain_points(rule))
    leaves = [Value(x) for x in first]
    out = apply(rule, tuple(leaves)) * 1.5
    replay = Replay(out, leaves)
    for point in (first, second):
        assert replay(point) == eager(lambda *xs: apply(rule, xs) * 1.5, point)


def test_a_row_that_needs_real_floats_is_called_and_plain_arithmetic_is_written():
    x = Value(0.5)
    source = Replay(x.tanh() * x, [x]).source
    assert "(1.0 - (v1 * v1))" in source  # tanh's own partial, 1 - out * out, written out
    assert "= f0(v0)" in source  # math.tanh itself is called


def test_a_constant_given_anew_is_read_not_baked():
    w, target = Value(0.5), 2.0 * 1.0  # a float object of its own, found by identity
    out = (w * 3.0 - target) ** 2
    replay = Replay(out, [w], constants=[target])
    fresh_w, fresh_target = Value(0.25), -1.0
    eager = (fresh_w * 3.0 - fresh_target) ** 2
    eager.backward()
    assert replay([0.25, -1.0]) == (eager.data, [fresh_w.grad])
    assert replay() == (out.data, [2 * (0.5 * 3.0 - 2.0) * 3.0])  # defaults: as recorded


def test_watched_nodes_come_back_with_every_step():
    x = Value(2.0)
    hidden = x.tanh()
    replay = Replay(hidden * hidden, [x], watch=[hidden])
    value, grads, watched = replay.step([0.5])
    assert grads == (2 * watched[0] * (1 - watched[0] ** 2),)
    assert watched == (Value(0.5).tanh().data,) and value == watched[0] ** 2


def test_a_sample_replay_adds_gradients_in_eager_order():
    model = MLP(2, [3, 1], activation="tanh", seed=4)
    points = [[0.5, -1.0], [2.0, 0.25], [-0.75, 1.5]]
    leaves = [[Value(a), Value(b)] for a, b in points]
    losses = [(model(x) - 1.0) ** 2 for x in leaves]
    mean(losses).backward()
    replay = SampleReplay(losses[0], model.parameters(), leaves[0], [])
    got_losses, grads, _ = replay([p.data for p in model.parameters()], points[::-1],
                                  losses[0].grad)
    assert got_losses[::-1] == [loss.data for loss in losses]
    assert list(grads) == [p.grad for p in model.parameters()]
