"""numerical_grad, gradcheck, gradgradcheck: they pass right gradients and catch wrong ones."""

import math
import warnings

import pytest
from hypothesis import given

from microgradjp import cos, define_op, maximum
from microgradjp.testing import (
    GradcheckError,
    KinkWarning,
    gradcheck,
    gradgradcheck,
    numerical_grad,
)
from microgradjp.testing.strategies import domain_floats

wrong_sin = define_op("wrong_sin", math.sin, lambda x: -cos(x))
right_sin = define_op("right_sin", math.sin, cos)
# Right first derivative, wrong second: d/dx cos(x) is -sin(x), this says +sin(x).
wrong_cos = define_op("wrong_cos", math.cos, lambda x: sin_with_wrong_derivative(x) * -1)
sin_with_wrong_derivative = define_op("sin_wrong_slope", math.sin, lambda x: -cos(x))


def test_numerical_grad_of_floats_and_values():
    assert numerical_grad(lambda x, y: x * y, 3.0, 4.0) == pytest.approx([4.0, 3.0])
    assert numerical_grad(lambda x: x.exp(), 0.0) == pytest.approx([1.0])


def test_a_wrong_derivative_fails_naming_the_node():
    with pytest.raises(GradcheckError) as raised:
        gradcheck(lambda x, y: (wrong_sin(x) * y + x).tanh(), 0.5, 2.0)
    text = str(raised.value)
    assert "argument 0" in text and "analytic" in text and "numeric" in text
    assert "first node whose local derivative is wrong: wrong_sin(0.5)" in text
    assert "atol=1e-05" in text


def test_a_wrong_second_derivative_fails_gradgradcheck_naming_the_node():
    f = lambda x: wrong_cos(x) * 2  # noqa: E731
    assert gradcheck(f, 0.4)
    with pytest.raises(GradcheckError, match="sin_wrong_slope"):
        gradgradcheck(f, 0.4)


def test_a_label_is_shown_in_the_report():
    with pytest.raises(GradcheckError, match="label 'h'"):
        gradcheck(lambda x: wrong_sin(x).named("h") * 1.0, 0.5)


@given(domain_floats("sin"))
def test_custom_op_property_right_passes(x):
    assert gradcheck(right_sin, x)
    assert gradgradcheck(right_sin, x)


def test_a_kink_is_reported_as_such_not_as_a_failure():
    with pytest.warns(KinkWarning, match=r"relu\(1e-09\).*one-sided derivatives"):
        assert gradcheck(lambda x: x.relu() * 3, 1e-9)
    with pytest.warns(KinkWarning, match="maximum"):
        assert gradcheck(lambda x, y: maximum(x, y), 1.0, 1.0 + 1e-9)


def test_smooth_points_raise_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(lambda x: x.relu() * 3, 0.5)


def test_tolerances_are_honoured():
    slightly_off = define_op("slightly_off", math.exp, lambda x: x.exp() * 1.0001)
    assert gradcheck(slightly_off, 1.0, rtol=1e-3)
    with pytest.raises(GradcheckError):
        gradcheck(slightly_off, 1.0, rtol=1e-6, atol=0.0)
