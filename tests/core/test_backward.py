"""The reference pass: the chain rule as the package defines it, on the seeds' small graphs."""

import math

import pytest

from microgradjp import Value, no_grad
from microgradjp.core.backward import reference_backward
from microgradjp.core.node import has_gradient


def test_the_apple_gradients_are_the_book_s(apple):
    grads = reference_backward(apple)
    by_label = {node.label: grad for node, grad in grads.items() if node.label}
    assert by_label["りんご"] == 2 * 1.1 and by_label["個数"] == 100 * 1.1
    assert by_label["消費税"] == 200.0 and by_label["支払金額"] == 1.0


def test_a_reused_input_sums_every_path_starting_at_zero(xyz):
    grads = reference_backward(xyz)
    x, y = (next(n for n in grads if n.label == name) for name in "xy")
    assert (grads[x], grads[y]) == (-4.0, -4.0)


def test_the_reference_touches_no_grad():
    x = Value(2.0)
    y = (x * x).exp()
    grads = reference_backward(y, 0.5)
    assert x.grad == 0.0 and y.grad == 0.0
    assert grads[x] == 0.5 * (math.exp(4.0) * 2.0 * 2.0)


# The cases a hostile probe of main found (issue 34), and variations: each gave a number without
# an error, and a different one from the reference pass.

from microgradjp import define_op, maximum, minimum  # noqa: E402
from microgradjp.core.replay import Replay  # noqa: E402

TINY = 1e-310  # a subnormal: 1 / TINY overflows to inf, TINY / TINY is 1.0


def replayed(f, *points):
    """Return (value, grads) of f at points, from Replay, after checking eager agrees."""
    leaves = [Value(x) for x in points]
    out = f(*leaves)
    out.backward()
    value, grads = Replay(out, leaves)(list(points))
    assert same(value, out.data) and all(map(same, grads, [x.grad for x in leaves]))
    return value, grads


def same(a, b):
    """Bit for bit, as floats: nan equals nan, and 0.0 is not -0.0."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


@pytest.mark.parametrize(("forward", "point", "value"), [
    (lambda n: (-2.0) ** n, 2.0, 4.0),             # read as -(2.0 ** n) before
    (lambda n: (-2.0) ** n, 3.0, -8.0),
    (lambda x: x + math.inf, 1.0, math.inf),       # NameError: name 'inf' before
    (lambda x: x - math.inf, 1.0, -math.inf),
    (lambda x: -math.inf * x, 2.0, -math.inf),
    (lambda x: x + math.nan, 1.0, math.nan),
    (lambda x: (-0.0) * x, 3.0, -0.0),
    (lambda x: x * -3.0, 2.0, -6.0),
])
def test_replay_writes_every_literal_of_a_custom_op_exactly(forward, point, value):
    op = define_op("literal_op", forward, lambda x: x * 0.0)
    got, _ = replayed(lambda x: op(x), point)
    assert same(got, value)


@pytest.mark.parametrize("op", [maximum, minimum])
@pytest.mark.parametrize("nan_first", [True, False])
def test_maximum_and_minimum_propagate_nan_and_route_to_it(op, nan_first):
    a, b = (Value(math.nan), Value(1.0)) if nan_first else (Value(1.0), Value(math.nan))
    out = op(a, b)
    out.backward()
    assert math.isnan(out.data)
    nan_input, other = (a, b) if nan_first else (b, a)
    assert (nan_input.grad, other.grad) == (1.0, 0.0)  # the input the forward passed on


def test_two_nans_route_to_the_first_as_ties_do():
    a, b = Value(math.nan), Value(math.nan)
    maximum(a, b).backward()
    assert (a.grad, b.grad) == (1.0, 0.0)


@pytest.mark.parametrize(("f", "point", "expected"), [
    (lambda p: p * p.log(), TINY, math.log(TINY) + 1.0),      # p.grad was inf
    (lambda z: z.log().exp(), TINY, None),                    # was inf; about 1.0
    (lambda x: Value(TINY) * (x / TINY), 1e-300, 1.0),       # / divides by y: was inf
    (lambda x: TINY * (x / Value(TINY)), 1e-300, 1.0),
])
def test_partials_divide_where_the_reciprocal_would_overflow(f, point, expected):
    _, (grad,) = replayed(f, point)
    if expected is None:
        assert math.isfinite(grad) and abs(grad - round(grad)) < 1e-3
    else:
        assert grad == expected


@pytest.mark.parametrize(("f", "point"), [
    (lambda x: (Value(-2.0) ** x.relu()), -1.0),           # upstream nan: relu sends nothing
    (lambda x: (x.relu() + TINY).log(), -1.0),             # upstream inf
    (lambda x: (maximum(x, 0.0) + TINY).log(), -1.0),
    (lambda x: (TINY - minimum(x, 0.0)).log(), 1.0),
    (lambda x: (abs(x) + TINY).log(), 0.0),
    (lambda x: (x.step() + TINY).log(), -1.0),
    (lambda x: (x.step() + TINY).log(), 1.0),
])
def test_a_branch_not_taken_sends_nothing_back_even_inf_or_nan(f, point):
    _, (grad,) = replayed(f, point)
    assert same(grad, 0.0)


def test_replay_starts_a_leaf_s_sum_at_zero_as_eager_does():
    _, grads = replayed(lambda w, x: w * x, 1.0, -0.0)
    assert same(grads[0], 0.0)  # eager: 0.0 + 1.0 * -0.0 is 0.0; replay gave -0.0


def test_a_value_made_under_no_grad_is_a_leaf_that_backward_adds_into() -> None:
    # The walks tell op nodes from leaves by class: a no_grad result must be a leaf's class.
    x = Value(2.0)
    with no_grad():
        y = x * 3.0
    z = y * y + y
    z.backward()
    z.backward()
    assert (y.grad, x.grad, has_gradient(x)) == (26.0, 0.0, False)
