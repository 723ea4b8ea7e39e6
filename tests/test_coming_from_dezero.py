"""Code as 「ゼロから作る Deep Learning ③」 (DeZero) has readers write it, translated as they would:
``Variable(np.array(1.0))`` becomes ``Value(np.array(1.0))``. The book's numbers come from running
DeZero itself on the same steps; examples/13_dezero_steps.py runs steps 24-36 whole.
"""

import pytest

import microgradjp as F
from microgradjp import Value
from microgradjp.core.node import Gradient, has_gradient
from microgradjp.errors import ValueTypeError
from microgradjp.viz import render, to_dot

np = pytest.importorskip("numpy")


def f(x):
    y = x ** 4 - 2 * x ** 2
    return y


def test_newton_with_create_graph_gives_the_books_iterates():  # step 33
    x = Value(np.array(2.0))
    iterates = []
    for _ in range(10):
        iterates.append(x.data)
        y = f(x)
        x.cleargrad()
        y.backward(create_graph=True)

        gx = x.grad
        x.cleargrad()
        gx.backward()
        gx2 = x.grad

        x.data -= gx.data / gx2.data
    assert iterates == [2.0, 1.4545454545454546, 1.1510467893775467, 1.0253259289766978,
                        1.0009084519430513, 1.0000012353089454, 1.000000000002289, 1.0, 1.0,
                        1.0]


def test_a_gradient_of_a_gradient_is_the_books_100():  # step 36
    x = Value(np.array(2.0))
    y = x ** 2
    y.backward(create_graph=True)
    gx = x.grad
    x.cleargrad()
    z = gx ** 3 + y
    z.backward()
    assert x.grad == 100.0


def test_tanhs_sixth_derivative_is_the_books_and_draws(tmp_path):  # step 35, iters = 5
    x = Value(np.array(1.0))
    y = F.tanh(x)
    x.name = 'x'
    y.name = 'y'
    y.backward(create_graph=True)
    for _ in range(5):
        gx = x.grad
        x.cleargrad()
        gx.backward(create_graph=True)
    gx = x.grad
    gx.name = 'gx6'
    assert gx.data == 13.624075441312101 and gx.label == 'gx6' and x.label == 'x'
    dot = to_dot(gx)  # 351 values: within the cap, with the large-graph layout settings
    assert "nslimit=1" in dot.source  # the large-graph layout settings
    assert dot.source.count("shape=circle") == 339  # one per op node (no "* 1.0" after a +)
    assert render(gx, tmp_path / "tanh.svg").read_text().lstrip().startswith("<?xml")


def test_higher_derivatives_of_sin_are_the_books():  # step 34, one x at a time
    for x0, expected in [(-7.0, [-0.6569865987187891, 0.7539022543433046, 0.6569865987187891,
                                 -0.7539022543433046]),
                         (1.0, [0.8414709848078965, 0.5403023058681398, -0.8414709848078965,
                                -0.5403023058681398])]:
        x = Value(np.array(x0))
        y = F.sin(x)
        y.backward(create_graph=True)
        logs = [y.data]
        for _ in range(3):
            logs.append(x.grad.data)
            gx = x.grad
            x.cleargrad()
            gx.backward(create_graph=True)
        assert logs == expected


def test_rosenbrock_descent_reads_grad_as_a_number():  # step 28
    x0 = Value(np.array(0.0))
    x1 = Value(np.array(2.0))
    for _ in range(1000):
        y = 100 * (x1 - x0 ** 2) ** 2 + (x0 - 1) ** 2
        x0.cleargrad()
        x1.cleargrad()
        y.backward()
        x0.data -= 0.001 * x0.grad
        x1.data -= 0.001 * x1.grad
    assert (x0.data, x1.data) == (0.6837118569138317, 0.4659526837427042)


def test_a_grad_is_a_float_with_deZeros_data_and_micrograds_arithmetic():
    p = Value(0.5)
    (p * p).backward()
    assert isinstance(p.grad, Gradient) and isinstance(p.grad, float)
    assert p.grad.data == 1.0 and type(p.grad.data) is float
    p.data -= 0.1 * p.grad  # micrograd's update
    assert p.data == 0.4 and type(0.1 * p.grad) is float


def test_a_float_grad_says_how_to_get_one_to_differentiate():
    x = Value(2.0)
    (x * x).backward()
    with pytest.raises(ValueTypeError, match=r"backward\(create_graph=True\) on the output first"):
        x.grad.backward()


def test_create_graph_gives_leaves_a_value_and_other_nodes_their_number():
    x = Value(3.0, label="x")
    h = (x * x).named("h")
    y = (h * x).named("y")
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value) and x.grad.data == 27.0
    assert type(h.grad) is Gradient and h.grad == 3.0  # dy/dh = x, as a number
    assert F.gradients(x.grad, [x]) == [18.0]  # d/dx 3x^2 = 6x


def test_create_graph_adds_to_a_leafs_gradient_as_backward_does():
    x = Value(2.0)
    (x * x).backward()  # x.grad = 4.0, a number
    (x * x * x).backward(create_graph=True)  # adds 12 as a Value
    assert isinstance(x.grad, Value) and x.grad.data == 16.0


def test_create_graph_checks_its_seed():
    with pytest.raises(ValueTypeError, match="backward"):
        (Value(1.0) * 2).backward("one", create_graph=True)


def test_cleargrad_forgets_the_gradient_and_name_is_the_label():
    x = Value(1.0)
    x.name = 'x'
    (x * 2).backward()
    assert has_gradient(x)
    x.cleargrad()
    assert x.grad == 0.0 and not has_gradient(x) and x.label == x.name == 'x'


def test_a_plain_backward_adds_to_a_gradient_that_is_a_value():
    x = Value(2.0)
    (x ** 3).backward(create_graph=True)  # x.grad = 12, a Value
    (x * x).backward()  # adds 4 to it, as DeZero and PyTorch accumulate
    assert isinstance(x.grad, Value) and x.grad.data == 16.0


def test_a_create_graph_pass_that_fails_changes_no_grad():
    x = Value(0.0, label="x")
    w = Value(3.0)
    (w * 2).backward()
    y = (x.sqrt() + w) * 2  # sqrt's derivative at 0 has no value
    with pytest.raises(ZeroDivisionError, match="sqrt"):
        y.backward(create_graph=True)
    assert (w.grad, x.grad, y.grad) == (2.0, 0.0, 0.0) and not has_gradient(x)
