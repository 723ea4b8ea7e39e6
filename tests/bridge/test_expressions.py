"""to_torch(value): every row of the rule table computed by torch, its gradients from torch's
autograd, agreeing with ours to 1e-12 over the row's domain; leaves by position or by label."""

import math

import pytest

torch = pytest.importorskip("torch")

from hypothesis import assume, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from microgradjp import Value, define_op, maximum  # noqa: E402
from microgradjp.bridge import (  # noqa: E402
    TorchExpression,
    UntranslatableError,
    compare_with_torch,
    expressions,
    to_torch,
)
from microgradjp.core.node import apply  # noqa: E402
from microgradjp.core.rules import EXP, ROWS, power  # noqa: E402
from microgradjp.errors import ValueTypeError  # noqa: E402

from .conftest import assert_agrees  # noqa: E402


@st.composite
def points(draw, row):
    """One point of the row's domain (its intervals; both signs where symmetric; apart)."""
    xs = []
    for low, high in row.domain.intervals:
        x = draw(st.floats(low, high))
        if row.domain.symmetric and draw(st.booleans()):
            x = -x
        xs.append(x)
    assume(len(xs) < 2 or abs(xs[0] - xs[1]) >= row.domain.apart)
    return xs


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.name)
@given(data=st.data())
def test_every_row_agrees_with_torch_in_value_and_gradients(row, data):
    xs = data.draw(points(row))
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    assert_agrees(compare_with_torch(apply(row, tuple(leaves))))


@pytest.mark.parametrize("exponent", [2.0, 3.0, -1.0, 0.5, 0.0, 1 / 3, 0.123456789, -2.5])
def test_a_number_exponent_keeps_every_bit_of_itself(exponent):
    # The row's name rounds the exponent (**0.123457); torch must use the exponent itself.
    x = Value(1.7, label="x")
    report = compare_with_torch(x ** exponent)
    assert report.output.ours == report.output.torch  # x ** e is one correctly rounded pow
    assert_agrees(report)
    assert expressions._exponent(power(exponent)) == exponent


def test_a_tie_goes_to_the_first_input_in_torch_too():
    # torch.maximum would split it in halves: 0.5 and 0.5.
    a, b = Value(1.0, label="a"), Value(1.0, label="b")
    assert [(r.ours, r.torch) for r in compare_with_torch(maximum(a, b)).rows] == [
        (1.0, 1.0), (0.0, 0.0)]


@pytest.mark.parametrize("make", [lambda x: x.relu(), lambda x: abs(x), lambda x: x.step()],
                         ids=["relu", "abs", "step"])
def test_kinks_at_zero_have_the_same_slope_in_torch(make):
    report = compare_with_torch(make(Value(0.0, label="x")))
    assert report.rows[0].ours == report.rows[0].torch == 0.0


def test_softplus_past_torchs_threshold_keeps_the_rows_slope():
    # F.softplus turns linear past x = 20: its slope there is exactly 1, 1.4e-11 off at x = 25.
    from microgradjp.core.rules import SOFTPLUS

    report = compare_with_torch(apply(SOFTPLUS, (Value(25.0, label="x"),)))
    assert report.rows[0].ours < 1.0
    assert_agrees(report)


def test_numbers_in_the_expression_stay_constants():
    x = Value(1.5, label="x")
    f = to_torch((2 - x) / 3 + 2 ** x)
    assert f.names == ("x",)
    assert_agrees(compare_with_torch((2 - x) / 3 + 2 ** x))


def test_leaves_are_arguments_in_creation_order_or_by_label():
    b, a = Value(2.0, label="b"), Value(5.0, label="a")
    f = to_torch(a * b - a)
    assert f.names == ("a", "b")  # a is used first
    assert f(5.0, 2.0).item() == f(b=2.0, a=5.0).item() == 5.0
    assert repr(f) == "TorchExpression(a, b)"


def test_the_same_graph_runs_on_a_batch():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    f = to_torch((a * b).tanh() + b ** 2)
    xs = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64)
    got = f(xs, 3.0)
    for i, x in enumerate(xs.tolist()):
        assert got[i].item() == pytest.approx(((Value(x) * 3.0).tanh() + 9.0).data, abs=1e-15)


def test_the_whole_graph_reaches_torchs_autograd():
    x = Value(0.3, label="x")
    f = to_torch(x.sin() * x.exp())
    [t] = f.tensors()
    f(t).backward()
    assert t.grad.item() == pytest.approx(math.exp(0.3) * (math.cos(0.3) + math.sin(0.3)),
                                          abs=1e-15)


def test_a_leaf_alone_and_a_step_alone_compare_without_error():
    x = Value(3.0, label="x")
    assert [(r.ours, r.torch) for r in compare_with_torch(x).rows] == [(1.0, 1.0)]
    assert [(r.ours, r.torch) for r in compare_with_torch(x.step()).rows] == [(0.0, 0.0)]


def test_a_custom_op_is_refused_by_name():
    cube = define_op("cube", lambda x: x ** 3, lambda x: 3 * x ** 2)
    y = (cube(Value(2.0)) + 1).named("y")
    with pytest.raises(UntranslatableError, match=r"to_torch: the op 'cube': .*define_op"):
        to_torch(y)
    with pytest.raises(TypeError, match="'cube'"):
        compare_with_torch(y)


def test_a_wrong_twin_shows_as_a_difference(monkeypatch):
    # The comparison can fail: a twin off by one part in 1e9 is seen in value and gradient.
    monkeypatch.setitem(expressions.TWINS, EXP, lambda x: x.exp() * (1 + 1e-9))
    report = compare_with_torch(Value(1.0, label="x").exp())
    assert report.max_difference > 1e-9
    assert report.rows[0].difference > 1e-9


@pytest.mark.parametrize(("call", "fragment"), [
    (lambda f: f(1.0, 2.0, 3.0), "called with 3 arguments: the expression has 2 leaves"),
    (lambda f: f(1.0), "called without b: every leaf needs a value"),
    (lambda f: f(1.0, c=2.0), "called with c=...: no leaf has this label (the leaves: a, b)"),
    (lambda f: f(1.0, a=2.0), "called with a=...: that leaf was also given by position"),
])
def test_a_call_with_the_wrong_arguments_says_which(call, fragment):
    f = to_torch(Value(1.0, label="a") * Value(2.0, label="b"))
    with pytest.raises(ValueTypeError, match=fragment.replace("(", r"\(").replace(")", r"\)")
                       .replace(".", r"\.")):
        call(f)


def test_two_leaves_with_one_label_are_called_by_position():
    f = to_torch(Value(1.0, label="w") * Value(2.0, label="w"))
    assert f(3.0, 4.0).item() == 12.0
    with pytest.raises(ValueTypeError, match="2 leaves have this label"):
        f(3.0, w=4.0)


def test_a_torch_expression_is_what_to_torch_gives_for_a_value():
    assert isinstance(to_torch(Value(1.0)), TorchExpression)
