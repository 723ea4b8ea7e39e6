"""`Value`: a scalar that records how it was made, and `backward`, which walks that record.

A node holds its float, its gradient, its parents (a tuple) and a reference to the rule that
made it (a row of `rules`). The walk multiplies and accumulates; it never asks which op it is
looking at. Nothing here refers to a node's own output, so a dropped graph is freed at once by
reference counting.
"""

from __future__ import annotations

import numbers
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, SupportsFloat, Union, final

from . import rules
from .errors import MicrogradError, ValueTypeError, message
from .rules import (ABS, ADD, COS, DIV, EXP, IDENTITY, LEAF, LOG, MAXIMUM, MINIMUM, MUL, NEG,
                    POW, RELU, SIGMOID, SIN, SQRT, STEP, SUB, TANH, Rule, describe, power)

__all__ = ["Value", "apply", "maximum", "minimum", "no_grad"]

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


@final
class Value:
    """A scalar in a computation graph: its data, its gradient, and how it was made.

    >>> x = Value(3.0, label="x")
    >>> y = x * x + 1
    >>> y.backward()
    >>> y.data, x.grad
    (10.0, 6.0)
    """

    __slots__ = ("_data", "_grad", "_label", "_rule", "_parents")

    _data: float
    _grad: float
    _label: str | None
    _rule: Rule
    _parents: tuple[Value, ...]

    def __init__(self, data: SupportsFloat, label: str | None = None) -> None:
        if not isinstance(data, numbers.Real):
            hint = "; use .detach() for a parentless copy" if isinstance(data, Value) else ""
            raise ValueTypeError(message(
                f"Value({data!r})", f"data must be a real number, got {type(data).__name__}",
                f"pass an int, a float or a numpy scalar{hint}"))
        if label is not None and not isinstance(label, str):
            raise ValueTypeError(message(
                f"Value(label={label!r})", f"label must be a str, got {type(label).__name__}",
                "pass a str or None"))
        self._data = float(data)
        self._grad = 0.0
        self._label = label
        self._rule = LEAF
        self._parents = ()

    # -- read-only structure ----------------------------------------------------------------------
    @property
    def data(self) -> float:
        """The float this node holds."""
        return self._data

    @property
    def grad(self) -> float:
        """d(output)/d(this node) from backward: accumulated on leaves, latest pass elsewhere."""
        return self._grad

    @property
    def label(self) -> str | None:
        """The display name, or None."""
        return self._label

    @property
    def op(self) -> str:
        """The name of the op that made this node; ``""`` for a leaf."""
        return self._rule.name

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the op that made this node, in argument order."""
        return self._parents

    @property
    def rule(self) -> Rule:
        """The row of the rule table that made this node (``LEAF`` for a leaf)."""
        return self._rule

    def named(self, label: str) -> Value:
        """Return this node after giving it a display label (for drawings and messages).

        >>> (Value(2.0) * 3).named("price").label
        'price'
        """
        self._label = label
        return self

    def __repr__(self) -> str:
        label = f", label={self._label!r}" if self._label is not None else ""
        return f"Value(data={self._data!r}, grad={self._grad!r}{label})"

    # -- arithmetic: each operator names its row of the rule table ---------------------------------
    def __add__(self, other: Operand) -> Value:
        return _binary(ADD, self, other)

    def __radd__(self, other: Operand) -> Value:
        return _binary(ADD, other, self)

    def __sub__(self, other: Operand) -> Value:
        return _binary(SUB, self, other)

    def __rsub__(self, other: Operand) -> Value:
        return _binary(SUB, other, self)

    def __mul__(self, other: Operand) -> Value:
        return _binary(MUL, self, other)

    def __rmul__(self, other: Operand) -> Value:
        return _binary(MUL, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return _binary(DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return _binary(DIV, other, self)

    def __pow__(self, other: Operand) -> Value:
        if type(other) is Value:
            return _binary(POW, self, other)
        # A number exponent lives in the rule: no node, no derivative owed to a constant.
        return _unary(power(_as_float(other, "**")), self)

    def __rpow__(self, other: Operand) -> Value:
        return _binary(POW, other, self)

    def __neg__(self) -> Value:
        return _unary(NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(ABS, self)

    def exp(self) -> Value:
        """Return e ** self."""
        return _unary(EXP, self)

    def log(self) -> Value:
        """Return the natural log (defined for data > 0)."""
        return _unary(LOG, self)

    def sqrt(self) -> Value:
        """Return the square root (defined for data >= 0)."""
        return _unary(SQRT, self)

    def tanh(self) -> Value:
        """Return tanh(self)."""
        return _unary(TANH, self)

    def sigmoid(self) -> Value:
        """Return 1 / (1 + e ** -self), without overflow for any finite input."""
        return _unary(SIGMOID, self)

    def relu(self) -> Value:
        """Return max(self, 0); the derivative at 0 is taken as 0."""
        return _unary(RELU, self)

    def step(self) -> Value:
        """Return 1.0 where data > 0, else 0.0; its derivative is 0 everywhere."""
        return _unary(STEP, self)

    def sin(self) -> Value:
        """Return sin(self)."""
        return _unary(SIN, self)

    def cos(self) -> Value:
        """Return cos(self)."""
        return _unary(COS, self)

    # -- comparisons look at data; == and hash stay identity, so nodes work in sets and dicts -----
    def __lt__(self, other: Operand) -> bool:
        return self._data < _data_of(other)

    def __le__(self, other: Operand) -> bool:
        return self._data <= _data_of(other)

    def __gt__(self, other: Operand) -> bool:
        return self._data > _data_of(other)

    def __ge__(self, other: Operand) -> bool:
        return self._data >= _data_of(other)

    # -- gradients --------------------------------------------------------------------------------
    def backward(self, grad: float = 1.0) -> None:
        """Fill ``.grad`` of every node under this one with d(self)/d(node), times ``grad``.

        Leaves accumulate across calls (reset with ``zero_grad``); every other node holds the
        gradient of the latest pass, so a second call never corrupts anything.

        >>> a = Value(2.0); y = a * a
        >>> y.backward(); y.backward(); a.grad
        8.0
        """
        for node, node_grad in backpropagate(self, float(grad), create_graph=False).items():
            node._grad = node_grad if node._parents else node._grad + node_grad

    def zero_grad(self) -> None:
        """Reset ``.grad`` to 0.0 on this node and every node under it."""
        self._grad = 0.0
        for node in _count_users(self):
            node._grad = 0.0

    def detach(self) -> Value:
        """Return a parentless copy with the same data and label."""
        return Value(self._data, self._label)


# -- recording ------------------------------------------------------------------------------------
_new = object.__new__


def _node(data: float, rule: Rule, parents: tuple[Value, ...]) -> Value:
    # Bypasses __init__: data is already a float made by a rule. Under no_grad: a plain leaf.
    node: Value = _new(Value)
    node._data = data
    node._grad = 0.0
    node._label = None
    if _mode.recording:
        node._rule = rule
        node._parents = parents
    else:
        node._rule = LEAF
        node._parents = ()
    return node


def _constant(x: Any, rule: Rule) -> Value:
    # Numbers beside a Value become leaf nodes, so drawings show them like the seeds' figures do.
    if type(x) is float or type(x) is int:
        return _node(float(x), LEAF, ())
    if isinstance(x, numbers.Real):
        return Value(x)
    raise ValueTypeError(message(
        f"{rule.name!r} with {x!r}", f"operands must be Values or real numbers, got "
        f"{type(x).__name__}", "convert it with float() or wrap it in Value()"))


def _unary(rule: Rule, x: Value) -> Value:
    try:
        data = rule.forward(x._data)
    except (ValueError, ArithmeticError) as failure:
        raise rule.error(failure, (x._data,), (x._label,)) from None
    return _node(data, rule, (x,))


def _binary(rule: Rule, x: Any, y: Any) -> Value:
    if type(x) is not Value:
        x = _constant(x, rule)
    if type(y) is not Value:
        y = _constant(y, rule)
    try:
        data = rule.forward(x._data, y._data)
    except (ValueError, ArithmeticError) as failure:
        raise rule.error(failure, (x._data, y._data), (x._label, y._label)) from None
    return _node(data, rule, (x, y))


def apply(rule: Rule, args: tuple[Any, ...]) -> Any:
    """Apply ``rule`` to ``args``: a float if they are all numbers, else a recorded Value.

    This is what calling a rule does; custom ops and n-ary ops (sums, neurons) go through it.

    >>> apply(MAXIMUM, (Value(1.0), 2.0)).data
    2.0
    """
    if not any(type(arg) is Value for arg in args):
        return rule.compute(tuple(_as_float(arg, rule.name) for arg in args))
    parents = tuple(arg if type(arg) is Value else _constant(arg, rule) for arg in args)
    data = rule.compute(tuple(p._data for p in parents), tuple(p._label for p in parents))
    return _node(data, rule, parents)


rules._apply = apply  # partials call rules; on Values they must record (see rules._apply)


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


def _as_float(x: Any, op: str) -> float:
    if isinstance(x, numbers.Real):
        return float(x)
    raise ValueTypeError(message(
        f"{op!r} with {x!r}", f"expected a real number, got {type(x).__name__}",
        "convert it with float() first"))


def _data_of(x: Operand) -> float:
    return x._data if type(x) is Value else _as_float(x, "comparison")


# -- the backward walk ----------------------------------------------------------------------------


def _count_users(root: Value) -> dict[Value, int]:
    # How many edges lead into each node under root. Iterative, so a million-node chain never
    # meets Python's recursion limit.
    users: dict[Value, int] = {}
    stack = [root]
    while stack:
        for parent in stack.pop()._parents:
            if parent in users:
                users[parent] += 1
            else:
                users[parent] = 1
                stack.append(parent)
    return users


def backpropagate(root: Value, upstream: Any, *, create_graph: bool) -> dict[Value, Any]:
    """Return d(root)/d(node) * upstream for every node under root, without touching ``.grad``.

    Kahn's order: a node sends its gradient on once every user of it has sent theirs, so each
    node receives all its contributions (fan-out, ``a * a``) before passing them on. With
    ``create_graph`` the partials are computed on Values, so the result can be differentiated.

    >>> x = Value(3.0); y = x * x
    >>> backpropagate(y, 1.0, create_graph=False)[x]
    6.0
    """
    users = _count_users(root)
    grads: dict[Value, Any] = {root: upstream}
    ready = [root]
    while ready:
        node = ready.pop()
        parents = node._parents
        if not parents:
            continue
        node_grad = grads[node]
        if create_graph:
            local_grads = _partials(node, parents, node)
        else:
            local_grads = _partials(node, [p._data for p in parents], node._data)
        for parent, local_grad in zip(parents, local_grads):
            contribution = node_grad * local_grad
            grads[parent] = grads[parent] + contribution if parent in grads else contribution
            users[parent] -= 1
            if not users[parent]:
                ready.append(parent)
    return grads


def _partials(node: Value, inputs: Any, out: Any) -> tuple[Any, ...]:
    try:
        return node._rule.partials(*inputs, out)
    except (ValueError, ArithmeticError) as failure:
        args = tuple(p._data for p in node._parents)
        labels = tuple(p._label for p in node._parents)
        if isinstance(failure, MicrogradError):  # a rule inside the partials already explained
            where = describe(node._rule.name, args, labels)
            raise type(failure)(f"in backward through {where}, {failure}") from None
        error = node._rule.error(failure, args, labels)
        raise type(error)(f"in backward, the derivative of {error}") from None
