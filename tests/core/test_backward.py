"""The reference pass: the chain rule as the package defines it, on the seeds' small graphs."""

import math

from microgradjp import Value
from microgradjp.core.backward import reference_backward


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
