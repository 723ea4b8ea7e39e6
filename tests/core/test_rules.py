"""Every row of the rule table: value, first and second derivatives, over its domain and edges."""

import decimal
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgradjp.core import rules
from microgradjp.core.rules import Rule, power
from microgradjp.testing import gradcheck, gradgradcheck
from microgradjp.testing.strategies import domain_points

# rule -> a reference for its value, written independently of rules.py. The arguments come from
# each row's own domain (Rule.domain): a row without one fails test_every_row_value_and_derivatives,
# a row missing here fails test_every_row_has_a_reference.
REFERENCES = {
    rules.ADD: lambda x, y: x + y,
    rules.SUB: lambda x, y: x - y,
    rules.MUL: lambda x, y: x * y,
    rules.DIV: lambda x, y: x / y,
    rules.NEG: lambda x: -x,
    rules.POW: lambda x, y: x**y,
    rules.EXP: math.exp,
    rules.LOG: math.log,
    rules.SQRT: math.sqrt,
    rules.TANH: math.tanh,
    rules.SIGMOID: lambda x: 1 / (1 + math.exp(-x)),
    rules.STEP: lambda x: float(x > 0),
    rules.RELU: lambda x: max(x, 0.0),
    rules.ABS: abs,
    rules.SIN: math.sin,
    rules.COS: math.cos,
    rules.MAXIMUM: max,
    rules.MINIMUM: min,
    rules.SOFTPLUS: lambda x: math.log1p(math.exp(x)),
    rules.SUM: lambda *xs: sum(xs),
    rules.LOGSUMEXP: lambda *xs: math.log(sum(math.exp(x) for x in xs)),
    rules.WEIGHTED_SUM: lambda w1, w2, x1, x2, b: w1 * x1 + w2 * x2 + b,
    rules.IDENTITY: lambda x: x,
    power(3.0): lambda x: x**3,
    power(0.5): math.sqrt,
    power(-2.0): lambda x: x**-2,
}
EVERY_ROW = [*rules.ROWS, power(3.0), power(0.5), power(-2.0)]


def test_every_row_has_a_reference():
    missing = {row.name for row in rules.ROWS if row not in REFERENCES}
    assert not missing, f"rows without a reference value in this test: {missing}"


def test_the_table_lists_every_rule_of_the_module():
    rows = {v for v in vars(rules).values() if isinstance(v, Rule)} - {rules.LEAF}
    assert rows == set(rules.ROWS)


def test_a_row_without_a_domain_cannot_be_drawn():
    bare = Rule("bare", lambda x: x, lambda x, out: (1.0,))
    with pytest.raises(ValueError, match="'bare' has no domain"):
        domain_points(bare)


@pytest.mark.parametrize("rule", EVERY_ROW, ids=lambda rule: rule.name)
@given(data=st.data())
def test_every_row_value_and_derivatives(rule, data):
    args = data.draw(domain_points(rule))  # the row's own domain; none is an error
    assert rule(*args) == pytest.approx(REFERENCES[rule](*args), rel=1e-12, abs=1e-12)
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
        # fsum refuses these (issue 30, row 2); the rows give the exact sum, inf past the range.
        (rules.SUM, (1e308, 1e308), math.inf),
        (rules.SUM, (1e308, 1e308, -1e308), 1e308),
        (rules.SUM, (-1e308, -1e308, math.inf), math.inf),
        (rules.WEIGHTED_SUM, (1e308, 1e308, 1.0, 1.0, 0.0), math.inf),
        (rules.WEIGHTED_SUM, (1e308, 1e308, 1.5, 0.5, -1.0), math.inf),
        (rules.WEIGHTED_SUM, (1e308, -1e308, 1.5, 0.5, 0.0), 1e308),
    ],
)
def test_values_at_the_edges_of_the_domain(rule, args, expected):
    assert rule(*args) == expected


def test_an_inf_minus_inf_sum_is_nan_as_plus_gives():
    assert math.isnan(rules.SUM(math.inf, 1e308, 1e308, -math.inf))
    assert math.isnan(rules.WEIGHTED_SUM(1e308, 1e308, 10.0, -10.0, 0.0))  # products inf, -inf


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=8))
def test_sum_is_the_exact_sum_rounded_once_even_where_fsum_refuses(xs):
    # The oracle: decimal arithmetic wide enough to be exact; float() of its text rounds once,
    # and past float's range it reads as inf.
    with decimal.localcontext(decimal.Context(prec=1200)):
        exact = sum((decimal.Decimal(x) for x in xs), decimal.Decimal(0))
    assert rules.SUM(*xs) == float(str(exact))


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
