"""`Value`: a scalar that records how it was made; `backward` applies the chain rule to it.

A node holds its float, its gradient, its inputs and the row of `rules` that made it, all in
slots. `backward` multiplies and accumulates; it never asks which op it is looking at. Nothing
refers to a node's own output, so a dropped graph is freed at once by reference counting.
Walking a graph (finding nodes, their order, gradients into a dict) is `graph`'s job.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, SupportsFloat, Union

from . import rules
from .conversions import (
    check_label,
    equal,
    format_data,
    numpy_ufunc,
    real_number,
    refuse_bool,
    refuse_float,
    refuse_int,
    refuse_round,
    short,
)
from .graph import backward_error, made_by_ops, nodes_under
from .rules import LEAF, MAXIMUM, MINIMUM, Rule, as_float, power

__all__ = ["Value", "apply", "data_of", "maximum", "minimum", "no_grad"]

Operand = Union["Value", float, int]


class _GradMode(threading.local):
    recording = True  # class default: every new thread starts out recording


_mode = _GradMode()


@contextmanager
def no_grad() -> Iterator[None]:
    """Return a context in which ops record no parents (nestable, per thread).

    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y.parents
    ()
    """
    previous = _mode.recording
    _mode.recording = False
    try:
        yield
    finally:
        _mode.recording = previous


class Value:
    """A scalar in a computation graph: its data, its gradient, and how it was made.

    >>> x = Value(3.0, label="x")
    >>> y = x * x + 1
    >>> y.backward()
    >>> y.data, x.grad
    (10.0, 6.0)
    """

    # A leaf stores three slots; nodes made by ops are the subclasses below, which add their
    # rule and inputs as slots too. No tuple, set or closure per node: one GC object each.
    __slots__ = ("_data", "_grad", "_label")

    _data: float
    _grad: float
    _label: str | None
    _rule: Rule = LEAF  # class attribute: every leaf shares it for free

    def __init__(self, data: SupportsFloat, label: str | None = None) -> None:
        # The f-string messages are built only on the slow path: a float skips the call.
        self._data = data if type(data) is float else real_number(
            data, f"Value({short(data)})", "pass an int, a float or a numpy scalar")
        self._grad = 0.0
        self._label = label if label is None or type(label) is str else check_label(
            label, f"Value(label={short(label)})")

    # The slots stay the engine's hot path; these properties are the public door, checked.
    @property
    def data(self) -> float:
        """The float this node holds; assignable with a real number (checked like ``Value()``).

        Assigning replaces only this number: nothing recomputes. A leaf's new data is the input
        of the next forward pass (``p.data -= lr * p.grad`` is a step of gradient descent); on a
        node made by an op, nodes already built from it keep their data, and later backward
        passes read the new number wherever a local derivative needs it.

        >>> w = Value(0.5); w.grad = 0.25
        >>> w.data -= 0.1 * w.grad; w.data
        0.475
        """
        return self._data

    @data.setter
    def data(self, data: SupportsFloat) -> None:
        self._data = data if type(data) is float else real_number(
            data, f"v.data = {short(data)}", "assign an int, a float or a numpy scalar")

    @property
    def grad(self) -> float:
        """d(output)/d(this node) from backward: accumulated on leaves, latest pass elsewhere.

        Assignable with a real number, e.g. ``p.grad = 0`` to reset it as ``zero_grad`` does;
        backward then adds to a leaf's grad and overwrites every other node's.
        """
        return self._grad

    @grad.setter
    def grad(self, grad: SupportsFloat) -> None:
        self._grad = grad if type(grad) is float else real_number(
            grad, f"v.grad = {short(grad)}", "assign an int, a float or a numpy scalar")

    @property
    def label(self) -> str | None:
        """The display name, or None; assignable with a str or None (as ``named`` does)."""
        return self._label

    @label.setter
    def label(self, label: str | None) -> None:
        self._label = label if label is None or type(label) is str else check_label(
            label, f"v.label = {short(label)}")

    @property
    def op(self) -> str:
        """The name of the op that made this node; ``""`` for a leaf."""
        return self._rule.name

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the op that made this node, in argument order (``()`` for a leaf)."""
        return ()

    @property
    def rule(self) -> Rule:
        """The row of the rule table that made this node (``LEAF`` for a leaf)."""
        return self._rule

    def named(self, label: str) -> Value:
        """Return this node after giving it a display label (for drawings and messages).

        >>> (Value(2.0) * 3).named("price").label
        'price'
        """
        self.label = label
        return self

    def __repr__(self) -> str:
        label = f", label={self._label!r}" if self._label is not None else ""
        return f"Value(data={self._data!r}, grad={self._grad!r}{label})"

    # Arithmetic: each operator names its row of the rule table.
    def __add__(self, other: Operand) -> Value:
        return _binary(rules.ADD, self, other)

    def __radd__(self, other: Operand) -> Value:
        return _binary(rules.ADD, other, self)

    def __sub__(self, other: Operand) -> Value:
        return _binary(rules.SUB, self, other)

    def __rsub__(self, other: Operand) -> Value:
        return _binary(rules.SUB, other, self)

    def __mul__(self, other: Operand) -> Value:
        return _binary(rules.MUL, self, other)

    def __rmul__(self, other: Operand) -> Value:
        return _binary(rules.MUL, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return _binary(rules.DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return _binary(rules.DIV, other, self)

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return _binary(rules.POW, self, other)
        # A number exponent lives in the rule: no node, no derivative owed to a constant.
        return _unary(power(as_float(other, "**")), self)

    def __rpow__(self, other: Operand) -> Value:
        return _binary(rules.POW, other, self)

    def __neg__(self) -> Value:
        return _unary(rules.NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(rules.ABS, self)

    def exp(self) -> Value:
        """Return e ** self."""
        return _unary(rules.EXP, self)

    def log(self) -> Value:
        """Return the natural log (defined for data > 0)."""
        return _unary(rules.LOG, self)

    def sqrt(self) -> Value:
        """Return the square root (defined for data >= 0)."""
        return _unary(rules.SQRT, self)

    def tanh(self) -> Value:
        """Return tanh(self)."""
        return _unary(rules.TANH, self)

    def sigmoid(self) -> Value:
        """Return 1 / (1 + e ** -self), without overflow for any finite input."""
        return _unary(rules.SIGMOID, self)

    def relu(self) -> Value:
        """Return max(self, 0); the derivative at 0 is taken as 0."""
        return _unary(rules.RELU, self)

    def step(self) -> Value:
        """Return 1.0 where data > 0, else 0.0; its derivative is 0 everywhere."""
        return _unary(rules.STEP, self)

    def sin(self) -> Value:
        """Return sin(self)."""
        return _unary(rules.SIN, self)

    def cos(self) -> Value:
        """Return cos(self)."""
        return _unary(rules.COS, self)

    # Built-ins and numpy (conversions.py says what each does and why). Comparisons look at
    # data; == and hash stay identity, so nodes work in sets and dicts.
    __float__, __int__, __round__, __bool__ = refuse_float, refuse_int, refuse_round, refuse_bool
    __eq__, __format__, __array_ufunc__ = equal, format_data, numpy_ufunc
    __hash__ = object.__hash__

    def __lt__(self, other: Operand) -> bool:
        return self._data < data_of(other, "comparison")

    def __le__(self, other: Operand) -> bool:
        return self._data <= data_of(other, "comparison")

    def __gt__(self, other: Operand) -> bool:
        return self._data > data_of(other, "comparison")

    def __ge__(self, other: Operand) -> bool:
        return self._data >= data_of(other, "comparison")

    def backward(self, grad: float = 1.0) -> None:
        """Fill ``.grad`` of every node under this one with d(self)/d(node), times ``grad``.

        Leaves accumulate across calls (reset with ``zero_grad``); every other node holds the
        gradient of the latest pass, so a second call never corrupts anything.

        >>> a = Value(2.0); y = a * a
        >>> y.backward(); y.backward(); a.grad
        8.0
        """
        order = made_by_ops(self)
        order.reverse()  # newest first: every node before the nodes it was made from
        for node in order:
            node._grad = 0.0
        self._grad += grad if type(grad) is float else real_number(
            grad, f"backward({short(grad)})", "pass the output's gradient as a number, such as "
            "1.0 (the default)")
        try:
            for node in order:
                node._push()
        except (ValueError, ArithmeticError) as failure:
            raise backward_error(node, failure) from None

    def zero_grad(self) -> None:
        """Reset ``.grad`` to 0.0 on this node and every node under it."""
        for node in nodes_under(self):
            node._grad = 0.0

    def detach(self) -> Value:
        """Return a parentless copy with the same data and label."""
        return Value(self._data, self._label)

    def _push(self) -> None:
        """Add this node's gradient, times each local derivative, to its inputs' gradients."""

    def _record(self, rule: Rule, args: tuple[Any, ...]) -> Value:
        # Calling a rule with a Value among its arguments lands here (see Rule.__call__).
        node: Value = apply(rule, args)
        return node


# Nodes made by ops: one class per arity, so the inputs live in slots. ``_order`` numbers nodes
# as they are made; inputs always exist before the node that uses them, so creation order is a
# topological order, found by one sort instead of a graph search (see graph.made_by_ops).
_next_order = itertools.count().__next__


class _Unary(Value):
    __slots__ = ("_order", "_rule", "_x")
    _x: Value
    _order: int

    @property
    def parents(self) -> tuple[Value, ...]:
        return (self._x,)

    def _push(self) -> None:
        x = self._x
        (dx,) = self._rule.partials(x._data, self._data)
        x._grad += self._grad * dx


class _Binary(Value):
    __slots__ = ("_order", "_rule", "_x", "_y")
    _x: Value
    _y: Value
    _order: int

    @property
    def parents(self) -> tuple[Value, ...]:
        return (self._x, self._y)

    def _push(self) -> None:
        x, y = self._x, self._y
        dx, dy = self._rule.partials(x._data, y._data, self._data)
        x._grad += self._grad * dx
        y._grad += self._grad * dy


class _Nary(Value):
    __slots__ = ("_inputs", "_order", "_rule")
    _inputs: tuple[Value, ...]
    _order: int

    @property
    def parents(self) -> tuple[Value, ...]:
        return self._inputs

    def _push(self) -> None:
        inputs = self._inputs
        local_grads = self._rule.partials(*[x._data for x in inputs], self._data)
        for x, local_grad in zip(inputs, local_grads, strict=True):
            x._grad += self._grad * local_grad


_new = object.__new__


def _leaf(data: float) -> Value:
    # Bypasses __init__: data is already a float.
    node: Value = _new(Value)
    node._data = data
    node._grad = 0.0
    node._label = None
    return node


def _unary(rule: Rule, x: Value) -> Value:
    try:
        data = rule.forward(x._data)
    except (ValueError, ArithmeticError) as failure:
        raise rule.error(failure, (x._data,), (x._label,)) from None
    if not _mode.recording:
        return _leaf(data)
    node: _Unary = _new(_Unary)
    node._data, node._grad, node._label = data, 0.0, None
    node._rule, node._x, node._order = rule, x, _next_order()
    return node


def _binary(rule: Rule, x: Any, y: Any) -> Value:
    if not isinstance(x, Value):
        x = _constant(x, rule)
    if not isinstance(y, Value):
        y = _constant(y, rule)
    try:
        data = rule.forward(x._data, y._data)
    except (ValueError, ArithmeticError) as failure:
        raise rule.error(failure, (x._data, y._data), (x._label, y._label)) from None
    if not _mode.recording:
        return _leaf(data)
    node: _Binary = _new(_Binary)
    node._data, node._grad, node._label = data, 0.0, None
    node._rule, node._x, node._y, node._order = rule, x, y, _next_order()
    return node


def _constant(x: Any, rule: Rule) -> Value:
    # Numbers beside a Value become leaf nodes, so drawings show them as the seeds' figures do.
    if type(x) is float or type(x) is int:
        try:
            return _leaf(float(x))
        except OverflowError:
            pass  # an int past float's range: real_number names the fix
    return _leaf(real_number(x, f"{rule.name!r} with {short(x)}", "operands must be Values or "
                             "real numbers: convert it with float() or wrap it in Value()"))


def apply(rule: Rule, args: tuple[Any, ...]) -> Any:
    """Apply ``rule`` to ``args``: a float if they are all numbers, else a recorded Value.

    This is what calling a rule does; custom ops and n-ary ops (sums, neurons) go through it.

    >>> apply(MAXIMUM, (Value(1.0), 2.0)).data
    2.0
    """
    for arg in args:
        if isinstance(arg, Value):
            break
    else:
        return rule.compute(tuple(as_float(arg, rule.name) for arg in args))
    if len(args) == 1:
        return _unary(rule, arg)
    if len(args) == 2:
        return _binary(rule, *args)
    inputs = tuple(arg if isinstance(arg, Value) else _constant(arg, rule) for arg in args)
    data = rule.compute(tuple(x._data for x in inputs), tuple(x._label for x in inputs))
    if not _mode.recording:
        return _leaf(data)
    node: _Nary = _new(_Nary)
    node._data, node._grad, node._label = data, 0.0, None
    node._rule, node._inputs, node._order = rule, inputs, _next_order()
    return node


def maximum(a: Operand, b: Operand) -> Value:
    """Return the larger input as a node; the whole gradient goes to it, ties to ``a``.

    >>> a, b = Value(3.0), Value(5.0)
    >>> m = maximum(a, b); m.backward(); (m.data, a.grad, b.grad)
    (5.0, 0.0, 1.0)
    """
    return _binary(MAXIMUM, a, b)


def minimum(a: Operand, b: Operand) -> Value:
    """Return the smaller input as a node; the whole gradient goes to it, ties to ``a``.

    >>> minimum(Value(3.0), 5.0).data
    3.0
    """
    return _binary(MINIMUM, a, b)


def data_of(x: Any, op: str) -> float:
    """Return a Value's data or a number as a float; anything else is a ValueTypeError naming op.

    >>> data_of(Value(2.0), "example"), data_of(3, "example")
    (2.0, 3.0)
    """
    return x._data if isinstance(x, Value) else as_float(x, op)
