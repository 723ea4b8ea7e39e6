"""Tests for microgradjp.optim: SGD (plain, momentum, weight decay) and Adam, step by step."""

import math

import pytest

from microgradjp import Value
from microgradjp.errors import DomainError, ValueTypeError
from microgradjp.optim import SGD, Adam


def parameter(data, grad):
    p = Value(data)
    p.grad = grad  # stands in for a backward pass
    return p


def test_sgd_step_is_w_minus_lr_times_grad():
    w, b = parameter(0.5, 0.1), parameter(-1.0, -2.0)
    SGD([w, b], lr=0.01).step()
    assert (w.data, b.data) == (0.5 - 0.01 * 0.1, -1.0 - 0.01 * -2.0)


def test_sgd_momentum_accumulates_a_velocity():
    w = parameter(1.0, 1.0)
    optimizer = SGD([w], 0.1, momentum=0.9)
    optimizer.step()  # v = 1
    assert w.data == pytest.approx(0.9)
    optimizer.step()  # v = 0.9 * 1 + 1 = 1.9
    assert w.data == pytest.approx(0.9 - 0.19)


def test_sgd_weight_decay_adds_decay_times_weight():
    w = parameter(2.0, 0.0)
    SGD([w], 0.1, weight_decay=0.5).step()
    assert w.data == pytest.approx(2.0 - 0.1 * 0.5 * 2.0)


def test_adam_matches_hand_computed_steps():
    w = parameter(1.0, 0.0)
    optimizer = Adam([w], lr=0.1, betas=(0.9, 0.99), eps=1e-8)
    expected, m, v = 1.0, 0.0, 0.0
    for t, g in enumerate([3.0, -1.0, 0.5], start=1):
        w.grad = g
        optimizer.step()
        m, v = 0.9 * m + 0.1 * g, 0.99 * v + 0.01 * g * g
        expected -= 0.1 * (m / (1 - 0.9 ** t)) / (math.sqrt(v / (1 - 0.99 ** t)) + 1e-8)
        assert w.data == pytest.approx(expected, abs=1e-15)


def test_adam_first_step_moves_by_lr_whatever_the_gradient_scale():
    small, large = parameter(0.0, 1e-3), parameter(0.0, 1e3)
    Adam([small, large], lr=0.05).step()
    assert small.data == pytest.approx(-0.05, rel=1e-4)
    assert large.data == pytest.approx(-0.05, rel=1e-9)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, 0.1, momentum=0.5), lambda ps: Adam(ps, 0.1)])
def test_optimizers_minimise_a_quadratic(make):
    x, y = Value(3.0), Value(-2.0)
    optimizer = make([x, y])
    for _ in range(300):
        loss = (x - 1.0) ** 2 + 2.0 * (y + 0.5) ** 2
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert (x.data, y.data) == pytest.approx((1.0, -0.5), abs=1e-3)


def test_step_records_no_graph_and_keeps_the_same_leaves():
    w = parameter(1.0, 0.5)
    optimizer = SGD([w], 0.1, momentum=0.9, weight_decay=0.1)
    optimizer.step()
    assert optimizer.params[0] is w
    assert w.parents == () and w.op == ""


def test_zero_grad_resets_every_parameter():
    params = [parameter(1.0, 2.0), parameter(3.0, -4.0)]
    Adam(params).zero_grad()
    assert [p.grad for p in params] == [0.0, 0.0]


def test_a_generator_of_parameters_is_read_once():
    params = [parameter(1.0, 1.0)]
    optimizer = SGD((p for p in params), 0.5)
    optimizer.step()
    optimizer.step()
    assert params[0].data == 0.0


@pytest.mark.parametrize(("call", "exception", "fragment"), [
    (lambda: SGD([], 0.1), ValueTypeError, "no parameters"),
    (lambda: SGD([1.0], 0.1), ValueTypeError, "parameters must be Values"),
    (lambda: SGD([Value(1.0)], 0.0), DomainError, "lr must be > 0"),
    (lambda: SGD([Value(1.0)], math.nan), ValueTypeError, "lr must be a finite number"),
    (lambda: SGD([Value(1.0)], "0.1"), ValueTypeError, "lr must be a finite number"),
    (lambda: SGD([Value(1.0)], 0.1, momentum=1.0), DomainError, "momentum must be in [0, 1)"),
    (lambda: SGD([Value(1.0)], 0.1, weight_decay=-1), DomainError, "weight_decay must be >= 0"),
    (lambda: Adam([Value(1.0)], betas=(0.9,)), ValueTypeError, "pair of numbers"),
    (lambda: Adam([Value(1.0)], betas=(0.9, 1.0)), DomainError, "betas[1] must be in [0, 1)"),
    (lambda: Adam([Value(1.0)], eps=0.0), DomainError, "eps must be > 0"),
])
def test_errors(call, exception, fragment):
    with pytest.raises(exception) as caught:
        call()
    assert fragment in str(caught.value)


def test_a_parameter_listed_twice_is_refused():
    w = Value(1.0)
    with pytest.raises(DomainError, match="appears twice"):
        SGD([w, w], 0.1)
