"""The expression grammar: what it builds, and what it refuses (with a caret)."""

import math

import pytest

from microgradjp import Value
from microgradjp.expr import MAX_DEPTH, ExpressionError, evaluate, variables


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(x + y) * z", -12.0),
        ("x + y * z", -22.0),
        ("-x ** 2", -4.0),
        ("2 ** 3 ** 2", 512.0),
        ("x - y - z", -3.0),
        ("z / x / 2", 1.0),
        ("max(x, y) + min(x, y)", 3.0),
        ("exp(0) + log(1) + sqrt(4) + tanh(0) + sigmoid(0) + relu(x) + step(y)", 4.5),
        ("sin(0) + cos(0) + abs(z)", 5.0),
        ("1.5e1 + .5", 15.5),
        ("+x", -2.0),
    ],
)
def test_expressions_compute_like_python(text, expected):
    assert evaluate(text, {"x": -2.0, "y": 5.0, "z": -4.0}).data == expected


def test_the_graph_has_gradients_and_labelled_variables():
    x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    f = evaluate("(x + y) * z", {"x": x, "y": y, "z": z})
    f.backward()
    assert (x.grad, y.grad, z.grad) == (-4.0, -4.0, 3.0)
    assert evaluate("x * 2", {"x": 1.0}).parents[0].label == "x"


def test_japanese_variable_names():
    price = evaluate("りんご * 個数 * 消費税", {"りんご": 100.0, "個数": 2.0, "消費税": 1.1})
    assert round(price.data, 10) == 220.0
    assert variables("りんご * 個数") == ["りんご", "個数"]


def test_variables_in_order_without_functions():
    assert variables("sin(b) * a + b + exp(a)") == ["b", "a"]


REFUSED = [
    ("x +", 3, "expected a number"),
    ('__import__("os")', 11, "unexpected character '\"'"),
    ("x.real", 1, "unexpected character '.'"),
    ("lambda: 1", 6, "unexpected character ':'"),
    ("x ^ 2", 2, "use ** for powers"),
    ("foo(x)", 0, "unknown name 'foo'"),
    ("(x", 2, "expected ')'"),
    ("x x", 2, "unexpected text after"),
    ("max(x)", 0, "max takes 2 argument(s), got 1"),
    ("log(0 - x)", 0, "log(-2.0): log is defined for x > 0"),
    ("1 / (x - 2)", 2, "1.0 / 0.0: division by zero"),
    ("9 ** 9 ** 9 ** 9", 7, "overflows a float"),
    ("exp(1000)", 0, "use sigmoid or softmax"),
    ("'x'", 0, "unexpected character"),
]


@pytest.mark.parametrize(("text", "position", "fragment"), REFUSED)
def test_refused_text_gets_a_caret_at_the_spot(text, position, fragment):
    with pytest.raises(ExpressionError) as raised:
        evaluate(text, {"x": 2.0})
    assert raised.value.position == position
    assert fragment in str(raised.value)
    caret_line = str(raised.value).splitlines()[-1]
    assert caret_line == "  " + " " * position + "^"


def test_deep_nesting_is_refused_not_a_recursion_error():
    with pytest.raises(ExpressionError, match=f"nesting deeper than {MAX_DEPTH}"):
        evaluate("(" * 900 + "x" + ")" * 900, {"x": 1.0})
    with pytest.raises(ExpressionError, match="nesting"):
        evaluate("-" * 1500 + "x", {"x": 1.0})


def test_long_flat_expressions_are_fine_and_huge_ones_refused():
    assert evaluate(" + ".join(["x"] * 500), {"x": 1.0}).data == 500.0
    with pytest.raises(ExpressionError, match="longer than"):
        evaluate("x+" * 5000 + "x", {"x": 1.0})


def test_huge_exponents_fail_fast_instead_of_hanging():
    # Floats, never Python's unbounded integers: 9 ** 9 ** 9 would take hours as an int.
    with pytest.raises(ExpressionError, match="overflows a float"):
        evaluate("x ** 2", {"x": 1e200})
    assert math.isclose(evaluate("2 ** 0.5", {}).data, math.sqrt(2))
