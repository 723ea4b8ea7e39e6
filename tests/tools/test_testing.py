"""numerical_grad, gradcheck, gradgradcheck: they pass right gradients and catch wrong ones."""

import math
import re
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgradjp import cos, define_op, maximum
from microgradjp.errors import DomainError, ValueTypeError
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


# -- hostile inputs (issue 14): a kink excuses only its own arguments; floats in -----------------

bad_sin = define_op("bad_sin", math.sin, lambda x: -cos(x))
KINKS = {"relu": lambda x: x.relu(), "abs": abs, "maximum": lambda x: maximum(x, 0.0)}


class TestAKinkExcusesOnlyTheArgumentsThatReachIt:
    def test_the_issue_example_fails_naming_the_wrong_op(self):
        with pytest.raises(GradcheckError, match=r"argument 0 .*\n.*bad_sin\(0\.5\)"):
            gradcheck(lambda x, y: bad_sin(x) * 2 + y.relu(), 0.5, 0.0)

    def test_the_kinked_argument_alone_is_skipped_and_named(self):
        with pytest.warns(KinkWarning, match=r"argument 1 at a kink.*relu\(0\.0\)") as caught:
            assert gradcheck(lambda x, y: x.sin() * 2 + y.relu(), 0.5, 0.0)
        assert len(caught) == 1

    def test_a_wrong_smooth_op_on_the_kinked_path_still_fails(self):
        # The kink spoils the whole derivative's central difference, not bad_sin's own one.
        with pytest.raises(GradcheckError, match=r"bad_sin\(0\.0\)"):
            gradcheck(lambda x: bad_sin(x) + x.relu(), 0.0)

    # A kinked argument checked before the wrong one warns first; that warning is not the point.
    @pytest.mark.filterwarnings("ignore::microgradjp.testing.KinkWarning")
    @given(st.data())
    def test_random_kink_positions_across_arguments(self, data):
        count = data.draw(st.integers(2, 4), label="arguments")
        wrong = data.draw(st.integers(0, count - 1), label="argument with bad_sin")
        kinked = data.draw(st.integers(0, count - 1), label="argument at a kink")
        kink = data.draw(st.sampled_from(sorted(KINKS)), label="kink")
        point = [data.draw(st.floats(0.1, 3.0), label=f"x{i}") for i in range(count)]
        point[kinked] = 0.0

        def f(*xs, sin=bad_sin):
            terms = [sin(x) if i == wrong else x.tanh() for i, x in enumerate(xs)]
            return sum(terms[1:], terms[0]) * 2 + KINKS[kink](xs[kinked])

        with pytest.raises(GradcheckError) as raised:
            gradcheck(f, *point)
        assert f"argument {wrong} " in str(raised.value)
        assert "first node whose local derivative is wrong: bad_sin" in str(raised.value)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert gradcheck(lambda *xs: f(*xs, sin=right_sin), *point)
        # abs at 0 has a central difference of 0, its subgradient, so it needs no excuse.
        expected = [] if kink == "abs" else [f"gradcheck of argument {kinked}"]
        assert [str(w.message).split(" at a kink")[0] for w in caught] == expected


class TestNumericalGradTakesFloatsOrValues:
    def test_a_function_of_floats(self):
        assert numerical_grad(lambda x: math.sin(x), 0.5) == pytest.approx([math.cos(0.5)])
        assert numerical_grad(math.atan2, 1.0, 2.0) == pytest.approx([0.4, -0.2])

    def test_a_function_of_values_still_works(self):
        assert numerical_grad(lambda x, y: (x * y).relu(), 3.0, 4.0) == pytest.approx([4.0, 3.0])

    def test_a_function_that_takes_neither_is_a_clear_error(self):
        with pytest.raises(ValueTypeError, match=r"fails on floats .* and on Values"):
            numerical_grad(lambda x: x.sin() + "1", 0.5)


# -- the step and the verdicts (issue 21, item 6) ------------------------------------------------


def test_a_wrong_derivative_of_a_steep_smooth_function_is_no_kink():
    # sin(1/x) at 0.01 is steep (slope about -8623) but smooth: its one-sided slopes close up
    # as the step shrinks, where a kink's stay apart.
    wrong = define_op("b", lambda x: math.sin(1 / x), lambda x: x * 0.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", KinkWarning)
        with pytest.raises(GradcheckError, match=r"first node whose local derivative is wrong: "
                           r"b\(0\.01\), d/d input 0: analytic 0\.0, numeric -8623\.05"):
            gradcheck(wrong, 0.01)


def test_a_kink_is_still_a_kink():
    with pytest.warns(KinkWarning, match=r"relu\(0\.0\).*one-sided derivatives 0\.0 and 1\.0"):
        assert gradcheck(lambda x: x.relu(), 0.0)


@pytest.mark.parametrize("x", [1e10, -3e15, 1e100])
def test_the_step_grows_with_the_input(x):
    assert gradcheck(lambda v: v * v, x)
    assert numerical_grad(lambda v: v * v, x) == [pytest.approx(2 * x, rel=1e-9)]


def test_a_failure_of_gradchecks_own_probe_says_so():
    with pytest.raises(DomainError, match=re.escape(
            "central differences moved argument 0 from 1e-07 to -9e-07: f fails there, not at "
            "the point asked (sqrt(-9e-07): sqrt is defined for x >= 0")) as raised:
        gradcheck(lambda x: x.sqrt(), 1e-7)
    assert "pass a smaller eps than 1e-06" in str(raised.value)
