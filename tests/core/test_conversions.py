"""Python's built-ins and numpy on a Value: what works, and what refuses with the fix."""

import math
from fractions import Fraction

import pytest

from microgradjp import Value, ValueOverflowError, ValueTypeError
from microgradjp.core.conversions import real_number

# -- built-ins that would drop the gradient refuse, naming what keeps it ---------------------------

LEAVING = [
    (lambda v: float(v), "float(x=2.5): the result would be a plain number outside the graph"),
    (lambda v: int(v), "int(x=2.5)"),
    (lambda v: round(v), "round(x=2.5)"),
    (lambda v: round(v, 2), "round(v.data, ndigits)"),
    (lambda v: math.exp(v), "v.exp()"),
    (lambda v: math.tanh(v), "math.* calls float()"),
    (lambda v: math.floor(v), "gradient would be lost silently"),
    (lambda v: math.isclose(v, 2.5), "read v.data for the number"),
    (lambda v: complex(v), "float(x=2.5)"),
]


@pytest.mark.parametrize(("call", "fragment"), LEAVING, ids=[f for _, f in LEAVING])
def test_builtins_that_drop_the_gradient_refuse_and_name_the_fix(call, fragment):
    with pytest.raises(ValueTypeError) as raised:
        call(Value(2.5, label="x"))
    assert fragment in str(raised.value) and "; " in str(raised.value)


def test_the_number_is_data():
    v = Value(2.5)
    assert math.exp(v.data) == v.exp().data and round(v.data) == 2 and int(v.data) == 2


# -- truth, equality, order ------------------------------------------------------------------------


@pytest.mark.parametrize("data", [0.0, 1.0])
def test_a_value_has_no_truth_value(data):
    with pytest.raises(ValueTypeError, match=r"no truth value .* v.data != 0, v > 0"):
        if Value(data):
            pass


def test_or_on_a_value_refuses_too():
    with pytest.raises(ValueTypeError):
        Value(0.0) or 1.0


@pytest.mark.parametrize("number", [2.0, 2, True, Fraction(2)])
def test_equality_with_a_number_refuses_instead_of_answering_false(number):
    v = Value(2.0)
    with pytest.raises(ValueTypeError, match=r"Value\(2.0\) == .*compare the number: v.data == x"):
        v == number  # noqa: B015
    with pytest.raises(ValueTypeError):
        number == v  # noqa: B015 - the reflected comparison reaches Value too
    with pytest.raises(ValueTypeError):
        v != number  # noqa: B015


def test_equality_between_values_is_identity_so_nodes_work_in_sets_and_dicts():
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b and len({a, b}) == 2 and {a: "x"}[a] == "x"
    assert hash(a) == hash(a) and a in [b, a]


def test_equality_with_anything_else_is_false():
    v = Value(1.0)
    assert v != None and v != "1.0" and v != [1.0]  # noqa: E711 - None is the point


def test_order_compares_data_and_max_returns_the_node():
    a, b = Value(1.0), Value(3.0)
    assert a < b and b > 2 and a <= 1 and sorted([b, a]) == [a, b]
    biggest = max([a, b])
    (biggest * 2).backward()
    assert biggest is b and b.grad == 2.0


# -- format ----------------------------------------------------------------------------------------


def test_a_format_spec_formats_the_data():
    v = Value(2.0 / 3.0, label="p")
    assert f"{v:.3f}" == "0.667" and f"{v:>8.2f}" == "    0.67" and format(v, "e") == "6.666667e-01"


def test_no_format_spec_is_the_repr():
    v = Value(0.5)
    assert f"{v}" == str(v) == repr(v) == "Value(data=0.5, grad=0.0)"


# -- numbers coming in -----------------------------------------------------------------------------


@pytest.mark.parametrize(("x", "expected"), [(3, 3.0), (2.5, 2.5), (True, 1.0),
                                             (Fraction(1, 4), 0.25)])
def test_real_numbers_become_floats(x, expected):
    result = real_number(x, "test", "fix")
    assert result == expected and type(result) is float


def test_an_int_beyond_float_range_is_an_overflow_error_naming_the_fix():
    with pytest.raises(ValueOverflowError, match=r"Value\(1000.*too large for a float.*scale"):
        Value(10**400)
    with pytest.raises(ValueOverflowError, match="too large for a float"):
        Value(1.0) * 10**400


# -- numpy: scalars defer to Value's operators; ufuncs keep the gradient or refuse ----------------


@pytest.fixture
def np():
    return pytest.importorskip("numpy")


def test_numpy_scalars_on_the_left_use_value_s_reflected_operators(np):
    v = Value(2.0)
    results = [np.int64(-1) * v, np.float64(0.5) * v, np.float32(1.5) + v, np.float64(1) - v,
               np.int32(4) / v, np.float64(3) ** v]
    assert all(isinstance(r, Value) for r in results)  # never a numpy object array
    assert [r.data for r in results] == [-2.0, 1.0, 3.5, -1.0, 2.0, 9.0]
    assert all(v in r.parents for r in results)
    (np.int64(-1) * v).backward()
    assert v.grad == -1.0


def test_numpy_scalars_on_the_right_are_numbers_like_any_other(np):
    v = Value(2.0)
    assert (v * np.float32(1.5)).data == 3.0 and (v + np.array(1.0)).data == 3.0


def test_numpy_ufuncs_with_a_value_method_keep_the_gradient(np):
    x = Value(0.5)
    y = 1 / (1 + np.exp(-x))  # the seeds' sigmoid, written with numpy
    y.backward()
    assert isinstance(y, Value) and y.data == pytest.approx(1 / (1 + math.exp(-0.5)))
    assert x.grad == pytest.approx(y.data * (1 - y.data))
    assert np.tanh(x).op == "tanh" and np.maximum(x, 0.0).op == "maximum"
    assert np.float64(1.0) > x and not np.less(1.0, x)


def test_an_array_beside_a_value_becomes_an_object_array_of_values(np):
    v = Value(2.0)
    product = np.array([1.0, 3.0]) * v  # numpy asks the Value; it loops over the entries
    shifted = np.exp(np.array([[0.0], [1.0]]) - v)
    assert product.dtype == object and product.shape == (2,)
    assert [p.data for p in product] == [2.0, 6.0] and shifted.shape == (2, 1)
    (product[1] + shifted[1, 0]).backward()
    assert v.grad == pytest.approx(3.0 - math.exp(-1.0))


@pytest.mark.parametrize("call", [
    lambda np, v: np.floor(v),
    lambda np, v: np.add(np.array([1.0, 2.0]), v, out=np.empty(2, dtype=object)),
    lambda np, v: np.exp(v, out=np.empty(())),
], ids=["floor", "array with out=", "out="])
def test_other_numpy_uses_refuse_naming_the_fix(np, call):
    with pytest.raises(ValueTypeError, match=r"numpy\.\w+\(.*Value.*v\.data for the number"):
        call(np, Value(2.0))


def test_numpy_equality_refuses_like_python_equality(np):
    with pytest.raises(ValueTypeError, match=r"v\.data == x"):
        np.float64(2.0) == Value(2.0)  # noqa: B015


def test_no_message_is_built_for_a_number_that_passes(monkeypatch):
    # Issue 31: `0 + p` and `p.grad = 0` built their error text before checking (10-20x the
    # cost of their mirror images). Showing the number is the message's first step: forbid it.
    import microgradjp.core.conversions as conversions

    def refuse(x):
        raise AssertionError(f"a message was built for {x!r}")

    monkeypatch.setattr(conversions, "short", refuse)
    p = Value(2.0)
    results = [0 + p, 0.0 + p, p + 0, 3 * p, p - 1, 2 ** p, p ** Value(2), Value(3)]
    p.grad = 0
    p.data = 1
    assert [r.data for r in results] == [2.0, 2.0, 2.0, 6.0, 1.0, 4.0, 4.0, 3.0]
    assert (p.grad, p.data) == (0.0, 1.0)
    with pytest.raises(AssertionError, match="built for 'x'"):
        p + "x"  # the refusal still shows the number: the patch is in the path it takes
