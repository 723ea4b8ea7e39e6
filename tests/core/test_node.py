"""Value, backward and no_grad: the seed graphs, the semantics, the errors."""

import gc
import math
import re
import sys
import threading
from fractions import Fraction

import numpy as np
import pytest

from microgradjp import (
    DivisionByZeroError,
    DomainError,
    NonFiniteError,
    Value,
    ValueOverflowError,
    ValueTypeError,
    detect_anomaly,
    maximum,
    minimum,
    no_grad,
)
from microgradjp.core.node import apply, nodes_under
from microgradjp.core.rules import SUM
from microgradjp.functional import gradients

# -- the seed graphs (reference-cases.md) --------------------------------------------------------


def test_apple_price_graph():
    apple, count = Value(100, label="りんご"), Value(2, label="個数")
    tax = Value(1.1, label="消費税")
    price = apple * count * tax
    price.backward()
    assert price.data == pytest.approx(220)
    assert (apple.grad, count.grad, tax.grad) == pytest.approx((2.2, 110, 200))


def test_x_plus_y_times_z():
    x, y, z = Value(-2.0), Value(5.0), Value(-4.0)
    q = x + y
    f = q * z
    f.backward()
    assert (q.data, f.data) == (3.0, -12.0)
    assert (x.grad, y.grad, z.grad, q.grad) == (-4.0, -4.0, 3.0, -4.0)


def test_add_distributes_the_upstream_gradient():
    a, b = Value(3.0), Value(7.0)
    (a + b).backward(2.5)
    assert (a.grad, b.grad) == (2.5, 2.5)


def test_mul_swaps_its_inputs():
    a, b = Value(3.0), Value(7.0)
    (a * b).backward(2.0)
    assert (a.grad, b.grad) == (14.0, 6.0)


def test_max_routes_the_whole_gradient_to_the_larger_input():
    a, b = Value(3.0), Value(7.0)
    maximum(a, b).backward(2.0)
    assert (a.grad, b.grad) == (0.0, 2.0)


def test_max_and_min_ties_go_to_the_first_input():
    a, b = Value(4.0), Value(4.0)
    maximum(a, b).backward()
    assert (a.grad, b.grad) == (1.0, 0.0)
    c, d = Value(4.0), Value(4.0)
    minimum(c, d).backward()
    assert (c.grad, d.grad) == (1.0, 0.0)


@pytest.mark.parametrize(("x", "expected"), [(2.0, 1.0), (-2.0, 0.0), (0.0, 0.0)])
def test_relu_passes_the_gradient_only_where_the_input_was_positive(x, expected):
    v = Value(x)
    v.relu().backward()
    assert v.grad == expected


def test_chain_rule_on_a_composite():
    x = Value(1.5)
    u = x**2 + 3 * x + 1
    y = u**2
    y.backward()
    assert x.grad == pytest.approx(2 * u.data * (2 * 1.5 + 3))


# -- backward semantics ---------------------------------------------------------------------------


def test_second_backward_does_not_double_intermediates():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    d = c + a
    d.backward()
    d.backward()
    assert c.grad == 1.0  # interior: the latest pass
    assert (a.grad, b.grad) == (2 * 4.0, 2 * 2.0)  # leaves accumulate: twice the true gradient


def test_fan_out_receives_every_contribution():
    a = Value(3.0)
    assert_grad = lambda y, expected: (y.backward(), a.grad == expected)[1]  # noqa: E731
    assert assert_grad(a * a, 6.0)
    a.zero_grad()
    assert assert_grad(a + a, 2.0)
    a.zero_grad()
    b = a * 2
    assert assert_grad(b * b + b.exp() + a, 8 * 3 + 2 * math.exp(6) + 1)


def test_parents_keep_argument_order_and_duplicates():
    a, b = Value(1.0), Value(2.0)
    assert (a * a).parents == (a, a)
    assert (b - a).parents == (b, a)
    assert a.parents == ()
    assert (a * a).op == "*" and a.op == ""


def test_zero_grad_resets_every_node_under_it():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    d = c.tanh()
    d.backward()
    d.zero_grad()
    assert all(node.grad == 0.0 for node in nodes_under(d))


def test_backward_of_a_leaf_accumulates_the_seed():
    a = Value(1.0)
    a.backward()
    a.backward(2.0)
    assert a.grad == 3.0


@pytest.mark.slow
def test_a_million_node_chain_at_the_default_recursion_limit():
    assert sys.getrecursionlimit() <= 10_000
    x = Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0
    assert len(nodes_under(y)) == 2_000_001  # the chain and its constants


def test_a_graph_holds_one_gc_object_per_op_and_is_freed_by_reference_counting():
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        x = Value(0.5)
        y = x
        for _ in range(1000):
            y = (y * 1.001 + 0.1).tanh()
        assert len(gc.get_objects()) - before <= 3000 + 5  # 3000 ops, no node per constant
        y.backward()
        assert len(gc.get_objects()) > before + 3000
        del x, y
        assert len(gc.get_objects()) <= before + 5
    finally:
        gc.enable()


# -- no_grad and detach ---------------------------------------------------------------------------


def test_no_grad_records_no_parents_and_nests():
    a = Value(2.0)
    with no_grad():
        with no_grad():
            b = a * 3
        c = b.exp()
    d = a * 3
    assert b.parents == () and c.parents == () and b.op == ""
    assert d.parents[0] is a


def test_no_grad_is_per_thread():
    seen = {}
    inside = threading.Event()
    done = threading.Event()

    def other_thread():
        inside.wait()
        seen["parents"] = (Value(1.0) * 2).parents
        done.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    with no_grad():
        inside.set()
        done.wait()
    thread.join()
    assert len(seen["parents"]) == 2


def test_no_grad_restores_recording_after_an_error():
    with pytest.raises(DomainError), no_grad():
        Value(-1.0).log()
    assert len((Value(1.0) * 2).parents) == 2


def test_detach_returns_a_parentless_copy():
    a = Value(2.0, label="a")
    b = (a * 3).named("b")
    c = b.detach()
    assert (c.data, c.label, c.parents) == (6.0, "b", ())
    (c * 2).backward()
    assert a.grad == 0.0


# -- construction, comparison, repr ---------------------------------------------------------------


@pytest.mark.parametrize("data", [3, 2.5, np.float32(1.5), np.int64(4), Fraction(1, 4), True,
                                  float("nan"), float("inf")])
def test_any_real_number_is_accepted(data):
    assert Value(data).data == float(data) or math.isnan(Value(data).data)


@pytest.mark.parametrize("data", ["3", None, 1 + 2j, [1.0], Value(1.0)])
def test_non_numbers_are_refused_naming_the_type(data):
    with pytest.raises(ValueTypeError, match=type(data).__name__):
        Value(data)


def test_nodes_hash_and_compare_by_identity_but_order_by_data():
    a, b = Value(1.0), Value(1.0)
    assert a != b and len({a, b}) == 2 and {a: 1}[a] == 1
    assert a <= b and a >= b and not a < b and Value(0.0) < a and a > 0 and a < 2
    assert isinstance(a < b, bool)


def test_repr_shows_data_grad_and_label():
    assert repr(Value(2.0, label="x")) == "Value(data=2.0, grad=0.0, label='x')"
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"


def test_structure_is_read_only():
    a = Value(1.0)
    for name in ("op", "parents", "rule"):
        with pytest.raises(AttributeError):
            setattr(a, name, 2.0)


# -- assigning .data, .grad and .label ----------------------------------------------------------


def test_gradient_descent_as_micrograd_writes_it():
    w = Value(0.5)
    (w * w).backward()
    w.data -= 0.1 * w.grad
    w.grad = 0
    assert (w.data, w.grad) == (0.4, 0.0) and type(w.data) is float
    assert isinstance(w.grad, float) and type(w.grad.data) is float  # 0 was stored as 0.0


def test_a_leaf_s_new_data_is_the_next_forward_s_input_and_nothing_recomputes():
    w = Value(2.0)
    y = w * 3
    w.data = 5.0
    assert y.data == 6.0 and (w * 3).data == 15.0


def test_assigning_interior_data_changes_only_that_number_which_backward_then_reads():
    a = Value(1.0)
    b = a.exp()
    c = b + 1
    b.data = 5.0
    c.backward()
    assert c.data == 1.0 + math.e and a.grad == 5.0  # exp's derivative is its output: now 5


def test_labels_are_assignable():
    v = Value(1.0)
    v.label = "重み"
    assert v.label == "重み" and "label='重み'" in repr(v)
    v.label = None
    assert v.label is None


@pytest.mark.parametrize("number", [3, 2.5, np.float32(1.5), np.int64(4), np.array(2.5),
                                    np.bool_(True), Fraction(1, 4), True, math.inf])
@pytest.mark.parametrize("name", ["data", "grad"])
def test_any_real_number_can_be_assigned_and_becomes_a_float(name, number):
    v = Value(0.0)
    setattr(v, name, number)
    stored = v.data if name == "data" else v.grad.data  # .grad is a Gradient, a float subclass
    assert getattr(v, name) == float(number) and type(stored) is float


def _assign(name, value):
    def call():
        setattr(Value(1.0), name, value)
    return call


ASSIGNMENTS = [
    (_assign("data", "3"), ValueTypeError, "v.data = '3': expected a real number, got str"),
    (_assign("data", None), ValueTypeError, "got NoneType"),
    (_assign("data", [1.0]), ValueTypeError, "got list"),
    (_assign("data", 1 + 2j), ValueTypeError, "got complex"),
    (_assign("data", Value(2.0)), ValueTypeError, "for a Value's number use other.data"),
    (_assign("data", np.array([1.0, 2.0])), ValueTypeError, "got ndarray"),
    (_assign("data", np.complex128(1)), ValueTypeError, "got complex128"),
    (_assign("data", 10**400), ValueOverflowError, "v.data = 1000"),
    (_assign("grad", "0"), ValueTypeError, "v.grad = '0': expected a real number"),
    (_assign("grad", None), ValueTypeError, "got NoneType"),
    (_assign("grad", [0.0]), ValueTypeError, "got list"),
    (_assign("grad", 1j), ValueTypeError, "got complex"),
    (_assign("grad", -(10**400)), ValueOverflowError, "too large for a float"),
    (_assign("label", 3), ValueTypeError, "v.label = 3: label must be a str, got int"),
    (_assign("label", b"x"), ValueTypeError, "got bytes"),
    (lambda: Value(1.0).named(["x"]), ValueTypeError, "label must be a str, got list"),
    (lambda: Value(10**400), ValueOverflowError, "too large for a float"),
    (lambda: Value(1.0).backward("1"), ValueTypeError, "backward('1'): expected a real number"),
    (lambda: Value(1.0).backward(None), ValueTypeError, "pass the output's gradient"),
    (lambda: Value(1.0).backward(10**400), ValueOverflowError, "too large for a float"),
    (lambda: Value(2.0) ** 10**400, ValueOverflowError, "'**' with a number of 1329 bits"),
    (lambda: Value(2.0) < 10**5000, ValueOverflowError, "'comparison' with a number of"),
]


@pytest.mark.parametrize(("call", "error", "fragment"), ASSIGNMENTS,
                         ids=[e[2][:40] for e in ASSIGNMENTS])
def test_bad_assignments_get_a_clear_error(call, error, fragment):
    with pytest.raises(error) as raised:
        call()
    assert fragment in str(raised.value) and "; " in str(raised.value)


def test_a_refused_assignment_leaves_the_node_as_it_was():
    v = Value(1.0, label="x")
    v.grad = 2.0
    for name, bad in (("data", "3"), ("grad", None), ("label", 3)):
        with pytest.raises(ValueTypeError):
            setattr(v, name, bad)
    assert (v.data, v.grad, v.label) == (1.0, 2.0, "x")


def test_second_derivative_of_a_power_at_zero_base():
    # The ** rule once tested "x == 0.0" on a Value (identity: never true) and took log(0).
    x, y = Value(0.0), Value(2.0)
    dx, dy = gradients(x**y, [x, y], create_graph=True)
    assert (dx.data, dy.data) == (0.0, 0.0)


def test_operators_mix_values_and_numbers_on_either_side():
    x = Value(2.0)
    results = [x + 1, 1 + x, x - 1, 1 - x, x * 3, 3 * x, x / 4, 4 / x, x**3, 3**x, -x, +x, abs(-x)]
    assert [r.data for r in results] == [3, 3, 1, -1, 6, 6, 0.5, 2, 8, 9, -2, 2, 2]


def test_value_exponent_gets_its_derivative():
    x, y = Value(2.0), Value(3.0)
    (x**y).backward()
    assert (x.grad, y.grad) == pytest.approx((12.0, 8 * math.log(2)))


def test_number_exponent_is_part_of_the_op_not_a_node():
    x = Value(3.0)
    y = x**2
    assert y.op == "**2" and y.parents == (x,)


def test_zero_base_value_exponent_has_zero_exponent_derivative():
    x, y = Value(0.0), Value(2.0)
    (x**y).backward()
    assert (x.grad, y.grad) == (0.0, 0.0)


# -- errors: op, operand and fix in every message -------------------------------------------------

ERRORS = [
    (lambda: Value(-1.0).log(), DomainError, "log(-1.0): log is defined for x > 0"),
    (lambda: Value(-4.0).sqrt(), DomainError, "sqrt(-4.0): sqrt is defined for x >= 0"),
    (lambda: Value(-8.0) ** 0.5, DomainError, "(-8.0) ** 0.5: a negative base"),
    (lambda: Value(-8.0) ** Value(0.5), DomainError, "(-8.0) ** 0.5: a negative base"),
    (lambda: Value(0.0) ** -1, DivisionByZeroError, "0.0 ** -1: zero cannot be raised"),
    (lambda: Value(1.0) / 0, DivisionByZeroError, "1.0 / 0.0: division by zero"),
    (lambda: 1 / Value(0.0, label="d"), DivisionByZeroError, "1.0 / d=0.0: division by zero"),
    (lambda: Value(1000.0).exp(), ValueOverflowError, "use sigmoid or softmax"),
    (lambda: Value(10.0) ** 400, ValueOverflowError, "overflows a float"),
    (lambda: Value(math.inf).sin(), DomainError, "sin(inf): sin is defined for finite x"),
    (lambda: Value(1.0) + "a", ValueTypeError, "'+' with 'a'"),
    (lambda: [1] * Value(1.0), ValueTypeError, "got list"),
    (lambda: Value(1.0) ** "2", ValueTypeError, "'**' with '2'"),
    (lambda: Value(1.0) < "2", ValueTypeError, "comparison"),
    (lambda: Value(1.0, label=3), ValueTypeError, "label must be a str"),
    (lambda: Value(0.0).sqrt().backward(), DivisionByZeroError,
     "in backward, the derivative of sqrt(0.0)"),
    (lambda: (Value(0.0) ** 0.5).backward(), DivisionByZeroError,
     "in backward, the derivative of 0.0 ** 0.5"),
]


@pytest.mark.parametrize(("call", "error", "fragment"), ERRORS, ids=[e[2][:30] for e in ERRORS])
def test_bad_input_gets_a_clear_error(call, error, fragment):
    with pytest.raises(error) as raised:
        call()
    text = str(raised.value)
    assert fragment in text
    assert "; " in text  # every message ends with what to do
    assert "math domain error" not in text


def test_errors_subclass_the_builtins_users_catch():
    assert issubclass(DomainError, ValueError)
    assert issubclass(DivisionByZeroError, ZeroDivisionError)
    assert issubclass(ValueOverflowError, OverflowError)
    assert issubclass(ValueTypeError, TypeError)


# -- powers with a negative or zero base (issue 21, item 3 and 10) -------------------------------


def test_a_negative_base_owes_its_gradient_and_a_value_exponent_gets_nan():
    # As PyTorch: d/dbase = 2 * -3; x ** y is not differentiable in y for x < 0.
    base, exponent = Value(-3.0), Value(2.0)
    (base ** exponent).backward()
    assert base.grad == -6.0
    assert math.isnan(exponent.grad)


def test_a_negative_base_with_a_value_exponent_differentiates_twice():
    base, exponent = Value(-3.0), Value(2.0)
    [first] = gradients(base ** exponent, [base], create_graph=True)
    assert first.data == -6.0
    first.backward()
    assert base.grad == 2.0


@pytest.mark.parametrize("power", [lambda x: x ** 0, lambda x: x ** 0.0,
                                   lambda x: x ** Value(0.0)])
def test_x_to_the_zero_has_slope_zero_at_zero(power):
    x = Value(0.0)
    y = power(x)
    y.backward()
    assert (y.data, x.grad) == (1.0, 0.0)


# -- backward under threads, and as a transaction (issue 21, items 5 and 8) ----------------------


def _in_threads(work, count):
    # A tiny switch interval makes the threads interleave inside backward, as a busy server does.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)


def test_concurrent_passes_into_one_leaf_lose_nothing():
    w = Value(0.0)

    def work():
        for _ in range(5000):
            (w * 1.0).backward()

    _in_threads(work, 4)
    assert w.grad == 20000.0


def test_concurrent_passes_over_one_graph_lose_nothing():
    x = Value(1.0)
    y = x * 2.0 + x * x  # dy/dx = 4 at 1

    def work():
        for _ in range(200):
            y.backward()

    _in_threads(work, 3)
    assert x.grad == 4.0 * 600


def _failing_graph():
    x, w = Value(2.0, label="x"), Value(3.0, label="w")
    # The log's branch is pushed first; the sqrt's derivative then fails (infinite at 0).
    return x, w, (x * 0.0).sqrt() + (x * w + 1.0).log()


def test_a_failing_backward_leaves_every_grad_as_it_was():
    x, w, y = _failing_graph()
    x.grad, w.grad = 0.1, -2.5
    with pytest.raises(DivisionByZeroError, match="sqrt"):
        y.backward()
    assert (x.grad, w.grad) == (0.1, -2.5)
    assert all(node.grad == 0.0 for node in nodes_under(y) if node not in (x, w))


def test_a_failing_second_backward_keeps_the_first_passes_grads():
    x = Value(2.0)
    a = x * x
    b = a.log()
    b.backward()
    before = {node: node.grad for node in nodes_under(b)}
    x.data = 0.0  # the next pass reads the new data: log's derivative 1 / a now divides by 0
    a.data = 0.0
    with pytest.raises(DivisionByZeroError):
        b.backward()
    assert {node: node.grad for node in nodes_under(b)} == before


# -- inf and nan (issue 21, item 7): IEEE outside detect_anomaly, named inside it -----------------


def test_outside_detect_anomaly_arithmetic_is_ieee():
    assert (Value(1e308) * 10).data == math.inf
    assert math.isnan((Value(math.inf) - math.inf).data)


@pytest.mark.parametrize(("make", "fragment"), [
    (lambda: Value(1e308) * 10, "1e+308 * 10.0 = inf"),
    (lambda: Value(math.inf) - math.inf, "inf - inf = nan"),
    (lambda: maximum(1.0, Value(math.nan)), "maximum(1.0, nan) = nan"),
    (lambda: apply(SUM, (Value(math.inf), 1.0, 0.0)), "sum(inf, 1.0, 0.0) = inf"),
])
def test_detect_anomaly_names_the_first_op_that_made_inf_or_nan(make, fragment):
    with detect_anomaly(), pytest.raises(NonFiniteError, match=re.escape(fragment)):
        make()


def test_detect_anomaly_names_the_backward_step_and_changes_no_grad():
    x = Value(0.0)
    y = (x * 0.0 + 1e-320).log()  # finite forward; d log / dx = 1e320 overflows
    with detect_anomaly(), pytest.raises(NonFiniteError,
                                         match=re.escape("in backward through log(1e-320)")):
        y.backward()
    assert x.grad == 0.0


def test_detect_anomaly_is_per_thread_and_ends_with_its_block():
    seen = []
    with detect_anomaly():
        worker = threading.Thread(target=lambda: seen.append((Value(1e308) * 10).data))
        worker.start()
        worker.join()
    assert seen == [math.inf]
    assert (Value(1e308) * 10).data == math.inf
