"""The Hypothesis strategies, and the property test over random expressions they make possible."""

import math

from hypothesis import find, given, settings
from hypothesis import strategies as st

from microgradjp import Value
from microgradjp.testing import gradcheck, gradgradcheck
from microgradjp.testing.strategies import OPS, Expression, domain_floats, expressions


@given(st.sampled_from(sorted(OPS)).flatmap(lambda op: st.tuples(st.just(op), domain_floats(op))))
def test_domain_floats_stay_inside_the_domain(case):
    op, x = case
    low, high = OPS[op].domain[0]
    assert math.isfinite(x)
    assert low <= (abs(x) if OPS[op].symmetric else x) <= high


@settings(max_examples=300)
@given(expressions(("x", "y", "z")))
def test_random_expressions_first_derivatives(case):
    expression, point = case
    assert gradcheck(expression, *point)


@settings(max_examples=150)
@given(expressions(("x", "y")))
def test_random_expressions_second_derivatives(case):
    expression, point = case
    assert gradgradcheck(expression, *point)


@given(expressions())
def test_drawn_points_are_well_posed(case):
    expression, point = case
    assert len(point) == len(expression.variables)
    assert math.isfinite(expression(*[Value(x) for x in point]).data)


def test_expressions_shrink_to_something_small_and_readable():
    smallest, _ = find(expressions(), lambda case: "exp" in str(case[0]))
    assert str(smallest) in ("exp(x)", "exp(y)")


def test_expression_text_brackets_nested_infix():
    x, y = Expression("x"), Expression("y")
    e = Expression("*", (Expression("+", (x, y)), Expression("const", constant=2.0)))
    assert str(e) == "(x + y) * 2.0"
    assert e(1.0, 2.0) == 6.0


def test_ops_restricts_what_is_drawn():
    smallest, _ = find(expressions(ops=["+"]), lambda case: len(case[0].variables) == 2)
    assert str(smallest) in ("x + y", "y + x")
