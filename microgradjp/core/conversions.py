"""Where a Value meets Python and numpy: numbers checked on the way in, built-ins on the way out.

Every number entering a Value (the constructor, ``.data``/``.grad`` assignments, ``backward``'s
seed) passes `real_number`. Leaving is explicit: ``v.data`` is the float, and built-ins that would
turn a Value into a plain number (float, int, round, math.*) refuse, naming what keeps the
gradient. `Value` takes its dunders from here as plain functions (a base class would cost every
node a level in its deallocation); graphs and rules are the engine's business.

>>> from microgradjp import Value
>>> v = Value(2.0)
>>> f"{v:.3f}", v > 1, v == v
('2.000', True, True)
>>> float(v)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
microgradjp.errors.ValueTypeError: float(Value(2.0)): the result would be a plain number ...
"""

from __future__ import annotations

import numbers
import operator
import reprlib
from collections.abc import Callable
from typing import Any, NoReturn, SupportsIndex

from ..errors import ValueOverflowError, ValueTypeError, message
from . import rules

# The refuse_*/equal/format_data/numpy_ufunc functions are Value's dunders (node.py binds
# them); users meet them through Value, so only the checks are exported.
__all__ = ["Gradient", "check_label", "data_of", "real_number", "short"]

# numpy dtype kinds that hold real numbers: bool, signed int, unsigned int, float.
_REAL_KINDS = ("b", "i", "u", "f")


def _is_real(x: Any) -> bool:
    # numbers.Real covers Python numbers, Fraction and numpy scalars (numpy registers them);
    # a 0-d numpy array (np.array(2.0)) is not registered, so recognise it by shape and dtype
    # without importing numpy.
    if isinstance(x, numbers.Real):
        return True
    return getattr(x, "shape", None) == () and getattr(
        getattr(x, "dtype", None), "kind", None) in _REAL_KINDS


def real_number(x: Any, asked: str, fix: str) -> float:
    """Return ``x`` as a float if it is a real number, else raise our error with ``asked``/``fix``.

    bool counts (it is an int in Python); nan and inf pass, as float() lets them. A ``{}`` in
    ``asked`` shows ``x`` (shortened), filled in only when raising: no message is built for a
    number that passes.

    >>> real_number(3, "Value({})", "pass a number"), real_number(True, "Value({})", "")
    (3.0, 1.0)
    """
    if type(x) is float:  # the common cases, kept to one test each
        return x
    if type(x) is int:
        try:
            return float(x)
        except OverflowError:
            pass  # past float's range: the error below says so
    asked = asked.replace("{}", short(x), 1)
    if not _is_real(x):
        if _is_value(x):
            fix += " (for a Value's number use other.data; other.detach() is a parentless copy)"
        raise ValueTypeError(message(asked, f"expected a real number, got {type(x).__name__}",
                                     fix))
    try:
        return float(x)
    except OverflowError:
        raise ValueOverflowError(message(asked, *rules.TOO_LARGE_FOR_FLOAT)) from None


def check_label(label: Any, asked: str) -> str | None:
    """Return ``label`` if it is a str or None, else raise ValueTypeError.

    >>> check_label("x", "Value(label='x')")
    'x'
    """
    if label is not None and not isinstance(label, str):
        raise ValueTypeError(message(
            asked, f"label must be a str, got {type(label).__name__}", "pass a str or None"))
    return label


def short(x: Any) -> str:
    """Return a repr of ``x`` short enough for a message (10**400 is not printed in full).

    >>> short(10**400)[:10]
    '1000000000'
    """
    return reprlib.repr(x)


# numpy ufuncs a Value answers with its own operators, so np.exp(v) keeps the gradient and
# np.float64(2) * v is Value's reflected product, never a numpy object array; beside an array
# (x * v, x a float array) numpy loops over the entries, giving an object array of Values
# (a learner's numpy forward then runs on Values: testing.check_backprop). numpy's names for
# Python's operators (which go through Value's dunders, so np.power(v, 2) is v ** 2), then the
# rows that name the ufunc they answer (np.tanh).
_UFUNCS: dict[str, Callable[..., Any]] = {
    "add": operator.add, "subtract": operator.sub, "multiply": operator.mul,
    "divide": operator.truediv, "true_divide": operator.truediv, "power": operator.pow,
    "negative": operator.neg, "positive": operator.pos, "absolute": operator.abs,
    "less": operator.lt, "less_equal": operator.le, "greater": operator.gt,
    "greater_equal": operator.ge, "equal": operator.eq, "not_equal": operator.ne,
    **{row.numpy: row for row in rules.ROWS if row.numpy},
}
_UFUNC_ROWS = [row for row in rules.ROWS if row.numpy]
# math.* has the one-input ones: what float() names as the methods that keep the gradient.
_METHODS = ", ".join(f"v.{row.name}()" for row in _UFUNC_ROWS if row.domain and
                     len(row.domain.intervals) == 1)

# Built-ins that would turn a Value into a plain number: what each would lose, and the fix.
_LEAVES_GRAPH = {
    # float() is also the hook of math.*: math.exp(v) calls v.__float__, so one refusal serves
    # both, and float(v) cannot work without math.exp(v) silently dropping the gradient.
    "float": "read v.data for the number, or keep the gradient with the Value's method: "
             f"{_METHODS} (math.* calls float())",
    "int": "use int(v.data) for the number",
    "round": "use round(v.data, ndigits) for the number, or f\"{v:.3f}\" to print it",
}


def _is_value(x: Any) -> bool:
    # A Value is whatever answers numpy with numpy_ufunc: no import of the engine needed.
    return getattr(type(x), "__array_ufunc__", None) is numpy_ufunc


def _named(v: Any) -> str:
    return f"{v._label}={v._data!r}" if v._label else f"Value({v._data!r})"


def _leave_graph(v: Any, builtin: str) -> NoReturn:
    raise ValueTypeError(message(
        f"{builtin}({_named(v)})", "the result would be a plain number outside the graph, so "
        "the gradient would be lost silently", _LEAVES_GRAPH[builtin]))


def refuse_float(v: Any) -> float:
    """``Value.__float__``: refuse (``math.*`` calls it too), naming ``v.data`` and the methods."""
    _leave_graph(v, "float")


def refuse_int(v: Any) -> int:
    """``Value.__int__``: refuse, naming ``int(v.data)``."""
    _leave_graph(v, "int")


def refuse_round(v: Any, ndigits: int | None = None) -> Any:
    """``Value.__round__``: refuse, naming ``round(v.data, ndigits)``."""
    _leave_graph(v, "round")


def refuse_bool(v: Any) -> bool:
    """``Value.__bool__``: refuse, naming ``v.data != 0`` and ``v > 0``.

    micrograd's Value is always true and a PyTorch 0-d tensor is true when non-zero, so the same
    ``if loss:`` would mean two things; it means neither.
    """
    raise ValueTypeError(message(
        f"bool({_named(v)})", "a Value has no truth value (micrograd's is always True, "
        "PyTorch's is data != 0)", "say what you mean: v.data != 0, v > 0 or v is not None"))


def refuse_pickle(v: Any, protocol: SupportsIndex = 0) -> NoReturn:
    """``Value.__reduce_ex__``: refuse pickle, naming `save`, `state_dict` and ``copy.deepcopy``.

    The project keeps models in JSON, never pickle (loading a pickle runs whatever it holds);
    a model's Values refuse, so ``pickle.dumps(model)`` says so too.
    """
    raise ValueTypeError(message(
        f"pickling {_named(v)}", "a Value is not pickled (loading a pickle can run any code, "
        "so models are kept as JSON)", "keep a model with save(model, path) or its numbers with "
        "model.state_dict(), read v.data for one number, or copy in memory with copy.deepcopy"))


def equal(v: Any, other: object) -> Any:
    """``Value.__eq__``: identity between Values; refuse a number, naming ``v.data == x``.

    Identity keeps nodes usable in sets and dicts; a number on the other side would silently
    compare False, so that is refused instead.
    """
    if not _is_real(other):
        return NotImplemented  # Python then falls back to identity
    raise ValueTypeError(message(
        f"{_named(v)} == {short(other)}", "== on a Value compares identity (nodes work in sets "
        "and dicts), never data", "compare the number: v.data == x (<, <=, >, >= do compare "
        "data)"))


def data_of(x: Any, op: str) -> float:
    """Return a Value's data or a number as a float; anything else is a ValueTypeError naming op.

    >>> from microgradjp import Value
    >>> data_of(Value(2.0), "example"), data_of(3, "example")
    (2.0, 3.0)
    """
    return x._data if _is_value(x) else rules.as_float(x, op)


# Comparisons look at data, so ``if v > 0:``, ``sorted`` and ``max`` work on Values.
def less(v: Any, other: Any) -> bool:
    """``Value.__lt__``: compare ``v.data`` with a Value's data or a number."""
    answer: bool = v._data < data_of(other, "comparison")
    return answer


def less_equal(v: Any, other: Any) -> bool:
    """``Value.__le__``: compare ``v.data`` with a Value's data or a number."""
    answer: bool = v._data <= data_of(other, "comparison")
    return answer


def greater(v: Any, other: Any) -> bool:
    """``Value.__gt__``: compare ``v.data`` with a Value's data or a number."""
    answer: bool = v._data > data_of(other, "comparison")
    return answer


def greater_equal(v: Any, other: Any) -> bool:
    """``Value.__ge__``: compare ``v.data`` with a Value's data or a number."""
    answer: bool = v._data >= data_of(other, "comparison")
    return answer


def format_data(v: Any, spec: str) -> str:
    """``Value.__format__``: a spec formats the data, as for a PyTorch 0-d tensor; none is repr."""
    return format(v._data, spec) if spec else repr(v)


def numpy_ufunc(v: Any, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """``Value.__array_ufunc__``: answer the ufuncs in ``_UFUNCS`` with the Value's own ops."""
    name = getattr(ufunc, "__name__", repr(ufunc))
    operation = _UFUNCS.get(name) if method == "__call__" and not kwargs else None
    if operation is not None and all(_is_value(x) or _is_real(x) for x in inputs):
        return operation(*[x if _is_value(x) else real_number(x, name, "") for x in inputs])
    if operation is not None and any(_is_array(x) for x in inputs):
        return ufunc(*[_boxed(x) if _is_value(x) else x for x in inputs])
    raise ValueTypeError(message(
        f"numpy.{name}({', '.join(type(x).__name__ for x in inputs)})",
        "numpy can apply only +, -, *, /, **, comparisons, abs, "
        f"{', '.join(row.numpy for row in _UFUNC_ROWS[:-1])} and {_UFUNC_ROWS[-1].numpy} to a "
        "Value, alone or beside an array (without out= or other options)",
        "use the Value's method or operator (v.exp(), v.relu(), x * v for each x of the "
        "array), or v.data for the number"))


def _is_array(x: Any) -> bool:
    # An ndarray with at least one axis (a 0-d one is a number, see _is_real); no numpy import.
    return bool(getattr(x, "shape", ())) and hasattr(x, "dtype")


def _boxed(v: Any) -> Any:
    """Return ``v`` in a 0-d object array, so numpy loops over the other array's entries.

    numpy asks a Value to answer ``array * v``; boxed, the Value is one more object entry and
    numpy applies the same op entry by entry (``x * v`` for each x), giving an object array of
    Values that keep their gradients: how a numpy forward runs on Values (check_backprop).
    """
    import numpy  # only reached with an ndarray in hand, so numpy is installed and loaded

    box = numpy.empty((), dtype=object)
    box[()] = v
    return box


class Gradient(float):
    """What ``.grad`` returns: a float (``p.data -= lr * p.grad``) that has DeZero's ``.data``.

    DeZero's gradients are Variables, so its readers write ``x.grad.data``; this float answers
    that too. Arithmetic on it gives plain floats. A gradient to differentiate again comes from
    ``backward(create_graph=True)``, which makes it a `Value`.

    >>> g = Gradient(0.5); g.data, 2 * g, type(g.data)
    (0.5, 1.0, <class 'float'>)
    """

    __slots__ = ()

    @property
    def data(self) -> float:
        """This gradient as a plain float."""
        return float(self)

    def backward(self, *args: Any, **kwargs: Any) -> None:
        """Refuse: a float gradient has no graph; explain how to get one that has."""
        raise ValueTypeError(message(
            f"{self!r}.backward()", "this gradient is a number, with no graph behind it",
            "call backward(create_graph=True) on the output first: the inputs' .grad are then "
            "Values you can call backward() on"))

