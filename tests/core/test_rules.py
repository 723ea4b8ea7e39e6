"""Every row of the rule table: value, first and second derivatives, over its domain and edges."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgradjp.core import rules
from microgradjp.core.rules import Rule, power
from microgradjp.testing import gradcheck, gradgradcheck
from microgradjp.testing.strategies import domain_floats

finite = st.floats(-20, 20, allow_nan=False)


def _args(*strategies):
    return st.tuples(*strategies)


def _vector(size):
    return st.lists(finite, min_size=size, max_size=size).map(tuple)


def _away_from_tie(pair):
    return abs(pair[0] - pair[1]) > 0.01


# rule -> (strategy for its arguments, a reference for its value). A row of rules.py missing here
# fails test_every_rule_has_a_domain_strategy.
TABLE = {
    rules.ADD: (_args(finite, finite), lambda x, y: x + y),
    rules.SUB: (_args(finite, finite), lambda x, y: x - y),
    rules.MUL: (_args(finite, finite), lambda x, y: x * y),
    rules.DIV: (_args(finite, domain_floats("/", argument=1)), lambda x, y: x / y),
    rules.NEG: (_args(finite), lambda x: -x),
    rules.POW: (_args(domain_floats("**"), domain_floats("**", argument=1)), lambda x, y: x**y),
    rules.EXP: (_args(finite), math.exp),
    rules.LOG: (_args(domain_floats("log")), math.log),
    rules.SQRT: (_args(domain_floats("sqrt")), math.sqrt),
    rules.TANH: (_args(finite), math.tanh),
    rules.SIGMOID: (_args(finite), lambda x: 1 / (1 + math.exp(-x))),
    rules.STEP: (_args(domain_floats("step")), lambda x: float(x > 0)),
    rules.RELU: (_args(domain_floats("relu")), lambda x: max(x, 0.0)),
    rules.ABS: (_args(domain_floats("abs")), abs),
    rules.SIN: (_args(finite), math.sin),
    rules.COS: (_args(finite), math.cos),
    rules.MAXIMUM: (_args(finite, finite).filter(_away_from_tie), max),
    rules.MINIMUM: (_args(finite, finite).filter(_away_from_tie), min),
    rules.SOFTPLUS: (_args(finite), lambda x: math.log1p(math.exp(x))),
    rules.SUM: (_vector(4), lambda *xs: sum(xs)),
    rules.LOGSUMEXP: (_vector(3), lambda *xs: math.log(sum(math.exp(x) for x in xs))),
    rules.WEIGHTED_SUM: (_vector(5), lambda w1, w2, x1, x2, b: w1 * x1 + w2 * x2 + b),
    rules.IDENTITY: (_args(finite), lambda x: x),
    power(3.0): (_args(finite), lambda x: x**3),
    power(0.5): (_args(domain_floats("sqrt")), math.sqrt),
    power(-2.0): (_args(domain_floats("/", argument=1)), lambda x: x**-2),
}


def test_every_rule_has_a_domain_strategy():
    rows = {v for v in vars(rules).values() if isinstance(v, Rule)} - {rules.LEAF}
    missing = {row.name for row in rows if row not in TABLE}
    assert not missing, f"rules without a domain strategy in this test: {missing}"


@pytest.mark.parametrize("rule", TABLE, ids=lambda rule: rule.name)
@given(data=st.data())
def test_value_first_and_second_derivatives(rule, data):
    strategy, reference = TABLE[rule]
    args = data.draw(strategy)
    assert rule(*args) == pytest.approx(reference(*args), rel=1e-12, abs=1e-12)
    assert gradcheck(rule, *args)
    assert gradgradcheck(rule, *args)


@pytest.mark.parametrize(
    ("rule", "args", "expected"),
    [
        (rules.SIGMOID, (1000.0,), 1.0),
        (rules.SIGMOID, (-1000.0,), 0.0),
        (rules.SIGMOID, (-1e308,), 0.0),
        (rules.TANH, (1e308,), 1.0),
        (rules.SOFTPLUS, (1000.0,), 1000.0),
        (rules.SOFTPLUS, (-1000.0,), 0.0),
        (rules.LOGSUMEXP, (1000.0, 1000.0), 1000.0 + math.log(2.0)),
        (rules.EXP, (709.0,), math.exp(709.0)),
        (rules.LOG, (5e-324,), math.log(5e-324)),
        (rules.SQRT, (0.0,), 0.0),
        (rules.RELU, (0.0,), 0.0),
        (rules.STEP, (0.0,), 0.0),
        (rules.MAXIMUM, (2.0, 2.0), 2.0),
    ],
)
def test_values_at_the_edges_of_the_domain(rule, args, expected):
    assert rule(*args) == expected


@pytest.mark.parametrize("x", [1e-300, 1e-10, 1e10, 1e300])
def test_log_derivative_near_both_ends(x):
    assert rules.LOG.partials(x, math.log(x)) == (1 / x,)


def test_sigmoid_derivative_stays_finite_far_out():
    for x in (-800.0, 800.0):
        out = rules.SIGMOID(x)
        assert rules.SIGMOID.partials(x, out) == (0.0,)


def test_maximum_tie_routes_the_gradient_to_the_first_input():
    assert rules.MAXIMUM.partials(2.0, 2.0, 2.0) == (1.0, 0.0)
    assert rules.MINIMUM.partials(2.0, 2.0, 2.0) == (1.0, 0.0)


def test_power_rules_are_cached_and_named():
    assert power(2.0) is power(2.0)
    assert power(2.0).name == "**2"
    assert power(-0.5).name == "**-0.5"
