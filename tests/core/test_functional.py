"""gradients, grad, value_and_grad and define_op."""

import math

import pytest

from microgradjp import (
    DomainError,
    Value,
    ValueTypeError,
    cos,
    define_op,
    exp,
    grad,
    gradients,
    sigmoid,
    sin,
    value_and_grad,
)
from microgradjp.testing import gradcheck, gradgradcheck


def quartic(x):
    return x**4 - 2 * x**2


def test_grad_composes_to_any_order():
    assert grad(quartic)(2.0) == 24.0
    assert grad(grad(quartic))(2.0) == 44.0
    assert grad(grad(grad(quartic)))(2.0) == 48.0
    assert grad(grad(grad(grad(quartic))))(2.0) == 24.0


def test_float_in_float_out():
    value, slope = value_and_grad(quartic)(2.0)
    assert type(value) is float and type(slope) is float
    assert (value, slope) == (8.0, 24.0)


def test_argnums_tuple_gives_a_tuple_of_gradients():
    f = lambda x, y, z: x * y + exp(z)  # noqa: E731  (z may stay a plain float)
    assert grad(f, argnums=(0, 2))(2.0, 3.0, 0.0) == (3.0, 1.0)
    assert grad(f, argnums=1)(2.0, 3.0, 0.0) == 2.0


def test_no_perturbation_confusion_between_levels():
    # d/dx [ d/dy (x*y) at y=x ] = d/dx [x] = 1, not 2.
    assert grad(lambda x: grad(lambda y: x * y)(x))(2.0) == 1.0


def test_a_function_that_ignores_its_input_has_zero_gradient():
    assert grad(lambda x: 5.0)(1.0) == 0.0


def test_bad_argnums_is_explained():
    with pytest.raises(ValueTypeError, match="argnums=3"):
        grad(quartic, argnums=3)(1.0)


def test_gradients_leave_dot_grad_untouched():
    x, y = Value(2.0), Value(3.0)
    z = x * y
    assert gradients(z, [x, y]) == [3.0, 2.0]
    assert (x.grad, y.grad, z.grad) == (0.0, 0.0, 0.0)


def test_gradients_of_an_unreachable_input_are_zero():
    x, other = Value(2.0), Value(9.0)
    assert gradients(x * x, [other]) == [0.0]


def test_create_graph_gives_differentiable_gradients():
    x = Value(0.5)
    [dy] = gradients(x.sin() * x, [x], create_graph=True)
    assert isinstance(dy, Value)
    assert dy.data == pytest.approx(math.cos(0.5) * 0.5 + math.sin(0.5))
    [d2y] = gradients(dy, [x])
    assert d2y == pytest.approx(-math.sin(0.5) * 0.5 + 2 * math.cos(0.5))


@pytest.mark.parametrize("x", [-2.0, -0.3, 0.7, 3.0])
def test_every_method_has_second_derivatives(x):
    f = lambda v: (v.tanh() + v.sigmoid() * v.sin() - v.cos() + (v * v + 1).log()  # noqa: E731
                   + (v * v + 1).sqrt() + v.exp() + abs(v) + v.relu() * v)
    assert gradcheck(f, x)
    assert gradgradcheck(f, x)


softplus = define_op("softplus", lambda x: math.log1p(math.exp(x)), sigmoid)
hypot = define_op("hypot", math.hypot, lambda x, y: x / hypot(x, y), lambda x, y: y / hypot(x, y))


def test_custom_op_appears_by_name_and_differentiates():
    x = Value(0.3)
    y = softplus(x)
    y.backward()
    assert y.op == "softplus" and y.parents == (x,)
    assert x.grad == pytest.approx(1 / (1 + math.exp(-0.3)))


@pytest.mark.parametrize("point", [(3.0, 4.0), (-1.0, 0.5)])
def test_custom_op_first_and_second_derivatives(point):
    assert gradcheck(lambda x, y: hypot(x, y) * x, *point)
    assert gradgradcheck(lambda x, y: hypot(x, y) * x, *point)
    assert gradgradcheck(lambda x: softplus(x) * x, point[0])


def test_custom_op_works_on_plain_floats():
    assert hypot(3.0, 4.0) == 5.0


def test_custom_op_errors_name_the_op():
    safe_log = define_op("safe_log", math.log, lambda x: 1 / x)
    with pytest.raises(DomainError, match=r"safe_log\(-1.0\)"):
        safe_log(Value(-1.0))
    with pytest.raises(ValueTypeError, match="takes 2 argument"):
        hypot(Value(1.0))


@pytest.mark.parametrize("name", ["not a name", "x+y", ""])
def test_custom_op_names_must_be_identifiers(name):
    with pytest.raises(ValueTypeError, match="identifier"):
        define_op(name, math.sin, cos)


def test_generic_functions_take_floats_and_values():
    assert exp(0.0) == 1.0 and sin(0.0) == 0.0
    assert isinstance(exp(Value(0.0)), Value)
    with pytest.raises(ValueTypeError, match="'exp' with 'a'"):
        exp("a")
