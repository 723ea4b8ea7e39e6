"""The expression grammar: what it builds, and what it refuses (with a caret)."""

import math
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgradjp import Value
from microgradjp.tools.expr import MAX_DEPTH, ExpressionError, evaluate, variables
from microgradjp.views.text import columns as width


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
    ("foo(x)", 0, "unknown function 'foo'"),
    ("foo + x", 0, "unknown name 'foo'"),
    ("(x", 2, "expected ')'"),
    ("x x", 2, "unexpected 'x' after a complete expression"),
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


# -- hostile inputs (issue 14) -----------------------------------------------------------------


def caret_column(error):
    echo, caret = str(error).splitlines()[-2:]
    return echo[2:], caret.index("^") - 2


def columns(text):
    """An independent count of terminal columns: East Asian wide and full-width take two."""
    return sum(1 + (unicodedata.east_asian_width(c) in ("W", "F")) for c in text)


class TestParsedBeforeValues:
    @pytest.mark.parametrize(("text", "position", "fragment"), [
        ("x if y else z", 2, "unexpected 'if' after a complete expression"),
        ("unknownfunc(x)", 0, "unknown function 'unknownfunc'"),
        ("りんご(x)", 0, "unknown function 'りんご'"),
        ("x + 1e309", 4, "1e309 is beyond a float's range"),
    ])
    def test_syntax_is_checked_before_any_variable(self, text, position, fragment):
        for check in (variables, lambda t: evaluate(t, {})):
            with pytest.raises(ExpressionError) as raised:
                check(text)
            assert raised.value.position == position and fragment in str(raised.value)


class TestNonFiniteNumbersAreRefused:
    @pytest.mark.parametrize(("text", "at", "position", "fragment"), [
        ("1e309 * x", {"x": 1.0}, 0, "1e309 is beyond a float's range"),
        ("x * 1e308 * 10", {"x": 1.0}, 10, "the result overflows a float (inf)"),
        ("exp(x) + exp(x)", {"x": 709.7}, 7, "the result overflows a float"),
        ("2 * x", {"x": float("nan")}, 4, "x = nan is not a finite number"),
        ("2 * x", {"x": float("-inf")}, 4, "x = -inf is not a finite number"),
    ])
    def test_refused_with_a_caret(self, text, at, position, fragment):
        with pytest.raises(ExpressionError) as raised:
            evaluate(text, at)
        assert raised.value.position == position
        assert fragment in str(raised.value)

    @given(st.floats(allow_nan=True, allow_infinity=True))
    def test_any_value_is_either_finite_or_refused(self, x):
        try:
            result = evaluate("x * x * 1e300", {"x": x})
        except ExpressionError:
            assert not math.isfinite(x * x * 1e300)
        else:
            assert math.isfinite(result.data)


class TestCaretUnderFullWidthText:
    @pytest.mark.parametrize(("text", "column"), [
        ("りんご * 個数 + ?", 16),
        ("りんご\uff08x\uff09", 6),
        ("\uff58 * 2 $", 7),          # a full-width Latin letter is a name, two columns wide
        ("x\t+\n?", 4),          # tabs and newlines are shown as one space each
        ("1 + e\u0301", 4),      # an accent has no column: the caret goes under its letter
        ("e\u0301\u0301", 0),
    ])
    def test_the_caret_sits_under_the_offending_character(self, text, column):
        with pytest.raises(ExpressionError) as raised:
            evaluate(text, {"りんご": 1.0, "個数": 2.0, "\uff58": 1.0, "x": 1.0})
        echo, caret = caret_column(raised.value)
        assert caret == column == raised.value.column
        assert "\t" not in echo and "\n" not in echo

    @given(st.lists(st.sampled_from(["りんご", "個数", "x", "税"]), min_size=1, max_size=6),
           st.lists(st.sampled_from([" + ", " * ", "\uff0a", " - ", "\uff0f"]), min_size=6,
                    max_size=6),
           st.data())
    def test_random_japanese_text_puts_the_caret_on_the_bad_character(self, names, ops, data):
        pieces = [names[0]] + [op + name for op, name in zip(ops, names[1:], strict=False)]
        text = "".join(pieces)
        where = data.draw(st.integers(0, len(text)), label="where the @ goes")
        text = text[:where] + "@" + text[where:]
        with pytest.raises(ExpressionError) as raised:
            evaluate(text, dict.fromkeys(["りんご", "個数", "x", "税"], 1.0))
        echo, caret = caret_column(raised.value)
        before = echo[: raised.value.position]
        assert caret == columns(before) == width(before)
        bad = echo[raised.value.position]
        assert bad in "@\uff0a\uff0f"  # the first character the grammar refuses
        assert bad == next(c for c in text if c in "@\uff0a\uff0f")


def test_numbers_in_an_expression_stay_constants():
    # As in Python code: x ** 2 is the square (one input), not a power with a leaf exponent.
    square = evaluate("x ** 2", {"x": -3.0})
    assert (square.op, len(square.parents), square.data) == ("**2", 1, 9.0)
    assert evaluate("2 * 3", {}).data == 6.0  # no variable at all: still a Value


def test_numbers_alone_are_refused_as_values_are():
    with pytest.raises(ExpressionError, match="negative base needs an integer exponent"):
        evaluate("(-8) ** 0.5 * x", {"x": 1.0})
