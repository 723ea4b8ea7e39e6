"""`Value`: a scalar that records how it was made; `backward` applies the chain rule to it.

A node holds its float, its gradient, its inputs and the row of `rules` that made it, all in
slots. Every op goes through one of the recorders below, which also honour `no_grad`. Nothing
refers to a node's own output, so a dropped graph is freed at once by reference counting.
Walking a graph (finding nodes, their order, pushing gradients) is `graph`'s job; a number
beside a Value stays a float until asked (`constants`); built-ins on a Value are `conversions`'.
"""

from __future__ import annotations

import contextlib
import itertools
import operator
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any, SupportsFloat, Union

from ..errors import MicrogradError, NonFiniteError, ValueTypeError, message
from . import rules
from .conversions import (
    check_label,
    data_of,
    equal,
    format_data,
    greater,
    greater_equal,
    less,
    less_equal,
    numpy_ufunc,
    real_number,
    refuse_bool,
    refuse_float,
    refuse_int,
    refuse_round,
    short,
)
from .rules import LEAF, MAXIMUM, MINIMUM, Rule, as_float, describe, power

__all__ = ["ALL_IN_X", "Constant", "Gradient", "Leaf", "Parameter", "Value", "apply",
           "backward_error", "constants_as_leaves", "data_of", "detect_anomaly", "has_gradient",
           "made_by_ops", "maximum", "minimum", "newest_first", "no_grad", "nodes_under",
           "push_gradients", "push_gradients_creating_graph"]

Operand = Union["Value", float, int]


class _GradMode(threading.local):
    recording = True  # class default: every new thread starts out recording
    anomaly = False  # inside detect_anomaly


_mode = _GradMode()
# Reading a thread-local costs more than the rest of an op's bookkeeping, so ops first read this
# count of open no_grad and detect_anomaly blocks (all threads) and consult _mode only while some
# block is open: checking every result for inf and nan costs nothing outside detect_anomaly.
_open_no_grad_blocks = 0
_blocks_lock = threading.Lock()


@contextmanager
def no_grad() -> Iterator[None]:
    """Return a context in which ops record no parents (nestable, per thread).

    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y.parents
    ()
    """
    global _open_no_grad_blocks
    previous = _mode.recording
    _mode.recording = False
    with _blocks_lock:
        _open_no_grad_blocks += 1
    try:
        yield
    finally:
        _mode.recording = previous
        with _blocks_lock:
            _open_no_grad_blocks -= 1


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Return a context in which the first op or backward step that makes inf or nan raises.

    Outside it, float arithmetic is IEEE's: ``Value(1e308) * 10`` is inf and ``inf - inf`` nan,
    as in PyTorch, and nothing is checked (checking every op would cost every op). Inside it
    (per thread, nestable), each result and each gradient pushed is checked, and the first that
    is not finite raises `NonFiniteError` naming the op and its inputs.

    >>> with detect_anomaly():  # doctest: +ELLIPSIS
    ...     Value(1e308) * 10
    Traceback (most recent call last):
    microgradjp.errors.NonFiniteError: 1e+308 * 10.0 = inf: an input or the result is not ...
    """
    global _open_no_grad_blocks
    previous = _mode.anomaly
    _mode.anomaly = True
    with _blocks_lock:
        _open_no_grad_blocks += 1
    try:
        yield
    finally:
        _mode.anomaly = previous
        with _blocks_lock:
            _open_no_grad_blocks -= 1


def _off_the_record(rule: Rule, data: float, inputs: tuple[Any, ...]) -> bool:
    # Asked only while a no_grad or detect_anomaly block is open in some thread: True if this
    # thread records no graph now. Under detect_anomaly, raises if the op made inf or nan, or
    # was given one.
    if _mode.anomaly:
        datas = tuple(map(_data, inputs))
        if any(x - x != 0.0 for x in (data, *datas)):  # inf - inf and nan - nan are nan
            raise _non_finite(f"{describe(rule.name, datas)} = {data!r}")
    return not _mode.recording


def _non_finite(asked: str) -> NonFiniteError:
    return NonFiniteError(message(asked, "an input or the result is not a finite number",
                                  "scale the inputs or lower the learning rate; where a nan "
                                  "comes from an inf, look for the op that overflowed first"))


# A node's grad until something writes it: a 0.0 of its own, told apart by identity (float
# arithmetic always makes a new object, so backward and every assignment replace it). A drawing
# shows a gradient only once it exists (no spoilers), at no cost per node. See has_gradient.
_NOT_YET = float("0")


# The two recorders every op goes through, one closure per rule: an operator *is* its recorder,
# so ``x * y`` costs one Python call, not two, and the rule and its forward are read from the
# closure. One statement per slot: a tuple assignment of seven slots builds and unpacks a tuple.
def _make_unary_recorder(rule: Rule) -> Callable[[Value], Value]:
    forward = rule.forward

    def record(x: Value) -> Value:
        try:
            data = forward(x._data)
        except (ValueError, ArithmeticError) as failure:
            raise rule.error(failure, (x._data,), (x._label,)) from None
        if _open_no_grad_blocks and _off_the_record(rule, data, (x,)):
            return _leaf(data)
        node: Value = _new(Value)
        node._data = data
        node._grad = _NOT_YET
        node._label = None
        node._rule = rule
        node._x = x
        node._y = None
        node._order = _next_order()
        return node

    return record


def _make_binary_recorder(rule: Rule) -> Callable[[Any, Any], Value]:
    forward = rule.forward

    def record(x: Any, y: Any) -> Value:
        if type(x) is Value or isinstance(x, Value):
            x_data = x._data
        else:
            x = x_data = _operand(x, rule)
        if type(y) is Value:
            y_data = y._data
        elif type(y) is float:
            y_data = y
        elif isinstance(y, Value):
            y_data = y._data
        else:
            y = y_data = _operand(y, rule)
        try:
            data = forward(x_data, y_data)
        except (ValueError, ArithmeticError) as failure:
            labels = (getattr(x, "_label", None), getattr(y, "_label", None))
            raise rule.error(failure, (x_data, y_data), labels) from None
        if _open_no_grad_blocks and _off_the_record(rule, data, (x, y)):
            return _leaf(data)
        node: Value = _new(Value)
        node._data = data
        node._grad = _NOT_YET
        node._label = None
        node._rule = rule
        node._x = x
        node._y = y
        node._order = _next_order()
        return node

    return record


# For apply, maximum and ``x ** 2``: one recorder per rule, made on first use.
_unary_recorder = lru_cache(maxsize=1024)(_make_unary_recorder)
_binary_recorder = lru_cache(maxsize=1024)(_make_binary_recorder)


def _reflected(rule: Rule) -> Callable[[Value, Operand], Value]:
    record = _binary_recorder(rule)
    return lambda self, other: record(other, self)  # 2 - x: the number is the first input


def _method(rule: Rule, doc: str) -> Callable[[Value], Value]:
    method = _make_unary_recorder(rule)  # its own copy, so it can carry the method's name
    method.__name__, method.__qualname__, method.__doc__ = rule.name, f"Value.{rule.name}", doc
    return method


class Value:
    """A scalar in a computation graph: its data, its gradient, and how it was made.

    >>> x = Value(3.0, label="x")
    >>> y = x * x + 1
    >>> y.backward()
    >>> y.data, x.grad
    (10.0, 6.0)
    """

    # Leaves and op nodes are one class with slots, so every attribute read in the hot loops
    # sees one type (CPython specializes each read for the type it last saw). A node keeps its
    # rule and its inputs: ``_x`` and ``_y``, ``_y`` None for one input, or all inputs as a tuple
    # in ``_x`` with ``_y`` ALL_IN_X. A number beside a Value (the 2 in ``x * 2``) stays a float
    # in its slot: no node, no GC object, until ``parents`` is asked (see constants.py).
    # ``_order`` numbers op nodes as they are made: inputs exist before the node that uses
    # them, so creation order is a topological order (see graph.made_by_ops). A leaf leaves
    # ``_x``, ``_y`` and ``_order`` unset. No tuple, set or closure per node: one GC object.
    # ``Value(...)`` makes a `Leaf`, the same slots plus a ``__dict__`` for attributes a user
    # sets, as micrograd's Values take them (EurekaLabs' AdamW keeps ``p.m``, its drawing
    # ``_vis_color``); nodes made by ops stay plain Values: on Python 3.11 a ``__dict__`` costs
    # every instance 32 bytes, even unused (a pointer pair before the object, values made eagerly).
    __slots__ = ("_data", "_grad", "_label", "_order", "_rule", "_x", "_y")

    _data: float
    _grad: Any  # a float; on a leaf after backward(create_graph=True), a Value
    _label: str | None
    _rule: Rule
    _x: Any  # a Value, a float constant, or (with ALL_IN_X) a tuple of them
    _y: Any
    _order: int

    def __new__(cls, data: SupportsFloat = 0.0, label: str | None = None) -> Value:
        # A Value the user makes is a Leaf (it takes attributes); subclasses make themselves.
        node: Value = _new(Leaf if cls is Value else cls)
        return node

    def __init__(self, data: SupportsFloat, label: str | None = None) -> None:
        # The f-string messages are built only on the slow path: a float skips the call.
        self._data = data if type(data) is float else real_number(
            data, f"Value({short(data)})", "pass an int, a float or a numpy scalar")
        self._grad = _NOT_YET
        self._label = label if label is None or type(label) is str else check_label(
            label, f"Value(label={short(label)})")
        self._rule = LEAF

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
    def grad(self) -> Any:
        """d(output)/d(this node) from backward: accumulated on leaves, latest pass elsewhere.

        A `Gradient`: a float (``p.data -= lr * p.grad`` as in micrograd) that also has DeZero's
        ``.data``. After ``backward(create_graph=True)`` a leaf's grad is a `Value` instead, with
        a graph of its own to differentiate again. Assignable with a real number, e.g.
        ``p.grad = 0`` to reset it as ``zero_grad`` does; backward then adds to a leaf's grad
        and overwrites every other node's.

        >>> x = Value(3.0); (x * x).backward()
        >>> x.grad, x.grad.data, x.data - 0.1 * x.grad
        (6.0, 6.0, 2.4)
        """
        grad = self._grad
        return _Gradient(grad) if type(grad) is float else grad

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

    # DeZero's name for the label (``x.name = 'x'``), the same slot.
    name = label

    @property
    def op(self) -> str:
        """The name of the op that made this node; ``""`` for a leaf."""
        return self._rule.name

    @property
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the op that made this node, in argument order (``()`` for a leaf)."""
        return () if self._rule is LEAF else constants_as_leaves(self)

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

    # Arithmetic: each operator is a row of the rule table, recorded by one of two recorders
    # (made below, before the class is used; see _binary_recorder for why they are closures).
    __add__ = _binary_recorder(rules.ADD)
    __radd__ = _reflected(rules.ADD)
    __sub__ = _binary_recorder(rules.SUB)
    __rsub__ = _reflected(rules.SUB)
    __mul__ = _binary_recorder(rules.MUL)
    __rmul__ = _reflected(rules.MUL)
    __truediv__ = _binary_recorder(rules.DIV)
    __rtruediv__ = _reflected(rules.DIV)
    __rpow__ = _reflected(rules.POW)
    __neg__ = _unary_recorder(rules.NEG)
    __abs__ = _unary_recorder(rules.ABS)

    def __pow__(self, other: Operand) -> Value:
        if isinstance(other, Value):
            return _binary_recorder(rules.POW)(self, other)
        # A number exponent lives in the rule: no node, no derivative owed to a constant.
        return _unary_recorder(power(as_float(other, "**")))(self)

    def __pos__(self) -> Value:
        return self

    exp = _method(rules.EXP, "Return e ** self.")
    log = _method(rules.LOG, "Return the natural log (defined for data > 0).")
    sqrt = _method(rules.SQRT, "Return the square root (defined for data >= 0).")
    tanh = _method(rules.TANH, "Return tanh(self).")
    sigmoid = _method(rules.SIGMOID,
                      "Return 1 / (1 + e ** -self), without overflow for any finite input.")
    relu = _method(rules.RELU, "Return max(self, 0); the derivative at 0 is taken as 0.")
    step = _method(rules.STEP,
                   "Return 1.0 where data > 0, else 0.0; its derivative is 0 everywhere.")
    sin = _method(rules.SIN, "Return sin(self).")
    cos = _method(rules.COS, "Return cos(self).")

    # Built-ins and numpy (conversions.py says what each does and why). Comparisons look at
    # data; == and hash stay identity, so nodes work in sets and dicts.
    __float__, __int__, __round__, __bool__ = refuse_float, refuse_int, refuse_round, refuse_bool
    __eq__, __format__, __array_ufunc__ = equal, format_data, numpy_ufunc
    __lt__, __le__, __gt__, __ge__ = less, less_equal, greater, greater_equal
    __hash__ = object.__hash__

    def backward(self, grad: float = 1.0, *, create_graph: bool = False) -> None:
        """Fill ``.grad`` of every node under this one with d(self)/d(node), times ``grad``.

        Leaves accumulate across calls (reset with ``zero_grad``); every other node holds the
        gradient of the latest pass, so a second call never corrupts anything. A pass that
        raises (a derivative with no value, such as sqrt's at 0) changes no ``.grad`` at all.
        Passes from several threads take turns, so leaves shared between them add up exactly.
        With ``create_graph=True`` (PyTorch's and DeZero's name) each leaf's grad is a `Value`
        with a graph of its own, so it can be differentiated again (other nodes hold the float).

        >>> a = Value(2.0); y = a * a
        >>> y.backward(); y.backward(); a.grad
        8.0
        >>> a.cleargrad(); (a ** 3).backward(create_graph=True); gx = a.grad
        >>> a.cleargrad(); gx.backward(); gx.data, a.grad
        (12.0, 12.0)
        """
        seed = grad if type(grad) is float else real_number(
            grad, f"backward({short(grad)})", "pass the output's gradient as a number, such as "
            "1.0 (the default)")
        # Concurrent passes would interleave their `+=` on shared nodes and lose some: while
        # more than one thread runs, passes take turns (a pass is pure Python: under the GIL
        # nothing runs in parallel anyway). One thread alone pays one call, no lock.
        walk = push_gradients_creating_graph if create_graph else _backward_transaction
        if threading.active_count() > 1:
            with _backward_lock:
                walk(self, seed)
        else:
            walk(self, seed)

    def zero_grad(self) -> None:
        """Reset ``.grad`` to 0.0 on this node and every node under it."""
        for node in nodes_under(self):
            node._grad = 0.0

    def cleargrad(self) -> None:
        """Reset this node's ``.grad`` to 0.0, as before any backward (DeZero's name, where it
        is None; `zero_grad` resets a whole graph).

        >>> x = Value(2.0); (x * x).backward(); x.cleargrad(); x.grad, has_gradient(x)
        (0.0, False)
        """
        self._grad = _NOT_YET

    # micrograd's names, read-only, for the code the lecture types by hand (its own trace and
    # draw_dot, its topological sort, its step-by-step ``o._backward()`` cells).
    @property
    def _prev(self) -> frozenset[Value]:
        """The parents as a set, as micrograd's ``_prev`` (see `parents` for their order)."""
        return frozenset(self.parents)

    @property
    def _op(self) -> str:
        """The op's symbol as micrograd's ``_op`` ('+', '*', '**2', 'tanh'), ``''`` for a leaf."""
        return self._rule.name

    def _backward(self) -> None:
        """Add this node's grad times each local derivative to its inputs' grads, once.

        What micrograd's ``_backward`` does: the lecture calls it by hand, newest node first,
        after ``o.grad = 1.0``. Each call adds again; ``backward()`` does the whole walk.

        >>> a, b = Value(2.0), Value(-3.0); c = a * b; c.grad = 1.0; c._backward()
        >>> a.grad, b.grad
        (-3.0, 2.0)
        """
        if self._rule is LEAF:
            return
        inputs = _inputs(self)
        try:
            shares = self._rule.vjp(self._grad, *map(_data, inputs), self._data)
        except (ValueError, ArithmeticError) as failure:
            raise backward_error(self, failure) from None
        for x, share in zip(inputs, shares, strict=True):
            if type(x) is not float:  # a constant is owed nothing
                x._grad += share

    def detach(self) -> Value:
        """Return a parentless copy with the same data and label."""
        return Value(self._data, self._label)

    def _record(self, rule: Rule, args: tuple[Any, ...]) -> Value:
        # Calling a rule with a Value among its arguments lands here (see Rule.__call__).
        node: Value = apply(rule, args)
        return node


_next_order = itertools.count().__next__
_backward_lock = threading.RLock()  # reentrant: a custom op's partials may call backward


def _push_checked(order: list[Value]) -> None:
    # detect_anomaly's backward: node by node, so the first step that makes inf or nan is named.
    for node in order:
        push_gradients([node])
        for parent in _inputs(node):
            if type(parent) is not float and parent._grad - parent._grad != 0.0:
                inputs = tuple(map(_data, _inputs(node)))
                raise _non_finite(f"in backward through {describe(node.op, inputs)}, an "
                                  f"input's gradient = {parent._grad!r}")


def _backward_transaction(root: Value, seed: float) -> None:
    # A transaction: a pass that raises puts back every grad it wrote (the leaves' sums and the
    # other nodes' latest-pass values), so a failed backward changes nothing.
    saved: list[Any] = [root, root._grad]
    order: list[Value] = []
    try:
        order = newest_first(root, saved)
        root._grad += seed
        if _open_no_grad_blocks and _mode.anomaly:
            _push_checked(order)
        else:
            push_gradients(order)
    except BaseException:
        # Every grad this pass may have written was 0.0 before, unless it was saved: back to
        # "no gradient yet" (has_gradient), which a drawing reads as nothing computed.
        for node in order:
            node._grad = _NOT_YET
            for parent in _inputs(node):
                if type(parent) is not float:
                    parent._grad = _NOT_YET
        for k in range(len(saved) - 2, -1, -2):  # newest save first: the oldest value wins
            saved[k]._grad = saved[k + 1]
        raise


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


_Gradient = Gradient


_new = object.__new__


def _leaf(data: float) -> Value:
    # Bypasses __init__: data is already a float.
    node: Value = _new(Value)
    node._data = data
    node._grad = _NOT_YET
    node._label = None
    node._rule = LEAF
    return node


def _operand(x: Any, rule: Rule) -> float:
    # A float passes at once; an int past float's range or a non-number gets real_number's error.
    return real_number(x, f"{rule.name!r} with {short(x)}", "operands must be Values or real "
                       "numbers: convert it with float() or wrap it in Value()")


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
        return _unary_recorder(rule)(arg)
    if len(args) == 2:
        return _binary_recorder(rule)(*args)
    inputs: tuple[Any, ...] = tuple(
        [arg if isinstance(arg, Value) else _operand(arg, rule) for arg in args])
    datas = tuple([x if type(x) is float else x._data for x in inputs])
    try:
        data = rule.forward(*datas)
    except (ValueError, ArithmeticError) as failure:  # labels are read only to explain
        labels = tuple(getattr(x, "_label", None) for x in inputs)
        raise rule.error(failure, datas, labels) from None
    if _open_no_grad_blocks and _off_the_record(rule, data, inputs):
        return _leaf(data)
    node: Value = _new(Value)
    node._data = data
    node._grad = _NOT_YET
    node._label = None
    node._rule = rule
    node._x = inputs
    node._y = ALL_IN_X
    node._order = _next_order()
    return node


def maximum(a: Operand, b: Operand) -> Value:
    """Return the larger input as a node; the whole gradient goes to it, ties to ``a``.

    >>> a, b = Value(3.0), Value(5.0)
    >>> m = maximum(a, b); m.backward(); (m.data, a.grad, b.grad)
    (5.0, 0.0, 1.0)
    """
    return _binary_recorder(MAXIMUM)(a, b)


def minimum(a: Operand, b: Operand) -> Value:
    """Return the smaller input as a node; the whole gradient goes to it, ties to ``a``.

    >>> minimum(Value(3.0), 5.0).data
    3.0
    """
    return _binary_recorder(MINIMUM)(a, b)


class Leaf(Value):
    """A `Value` made by ``Value(...)``: a leaf, which also keeps attributes its user sets.

    micrograd's code stores its own things on the Values it makes (EurekaLabs' AdamW keeps
    ``p.m`` and ``p.v``, its drawing ``_vis_color``); a node made by an op has slots only.

    >>> p = Value(0.5); p.m = 0.0; type(p).__name__, p.m, isinstance(p, Value)
    ('Leaf', 0.0, True)
    """

    __slots__ = ("__dict__",)


class Parameter(Leaf):
    """A `Value` a model trains (like ``torch.nn.Parameter``): drawings colour it as a parameter.

    Defined here, beside `Value`, so the views recognise a parameter by its type without
    importing the neural-net layer.

    >>> isinstance(Parameter(0.5), Value)
    True
    """

    __slots__ = ()  # a marker only: the same slots as any leaf the user makes


class Constant(Value):
    """A number that appeared in an expression (the 2 in ``x * 2``), as a leaf when asked.

    A node keeps such a number as a float; ``parents`` (drawings, walks) makes it one of these,
    so a drawing tells it from a `Value` the user made. The seed of
    ``backward(create_graph=True)`` is one too.

    >>> (Value(3.0) * 2).parents[1]
    Value(data=2.0, grad=0.0)
    >>> type((Value(3.0) * 2).parents[1]).__name__
    'Constant'
    """

    __slots__ = ()  # a marker only: the same slots as any leaf


def has_gradient(node: Value) -> bool:
    """Return whether anything has written ``node``'s grad: a backward pass or an assignment.

    A new node's 0.0 is a placeholder until then (`cleargrad` puts it back), so a drawing can
    leave out gradients the learner has not computed yet.

    >>> x = Value(2.0); y = x * x; has_gradient(x)
    False
    >>> y.backward(); has_gradient(x), has_gradient(Value(1.0))
    (True, False)
    """
    return node._grad is not _NOT_YET


# How an op node stores its inputs, and a number beside a Value turned into a leaf when asked.
# This module is the one reader of the slots: the walks below read them directly for speed.

ALL_IN_X: Any = object()  # in ``_y``: the node's inputs are all in ``_x``, as a tuple


def _inputs(node: Value) -> tuple[Any, ...]:
    """Return an op node's inputs as stored: Values, and floats for constants."""
    if node._y is None:
        return (node._x,)
    if node._y is ALL_IN_X:
        return node._x  # type: ignore[no-any-return]
    return (node._x, node._y)


def _data(x: Any) -> float:
    return x if type(x) is float else x._data


def constants_as_leaves(node: Value) -> tuple[Value, ...]:
    """Return an op node's inputs, first turning any float constant into a leaf in its slot.

    Asked by ``parents`` (drawings, trace, walks) and by backward on a node's second pass, so a
    constant's leaf adds up every pass as any leaf does: the first pass is counted when the leaf
    is made (see _leaves_for_constants), later ones by backward itself.

    >>> from microgradjp import Value
    >>> y = Value(3.0) * 2
    >>> constants_as_leaves(y)[1], constants_as_leaves(y)[1] is y.parents[1]
    (Value(data=2.0, grad=0.0), True)
    """
    inputs = _inputs(node)
    if float in map(type, inputs):
        inputs = _leaves_for_constants(node, inputs)
        node._x, node._y = (inputs, ALL_IN_X) if node._y is ALL_IN_X else inputs
    return inputs


def _leaves_for_constants(node: Value, inputs: tuple[Any, ...]) -> tuple[Value, ...]:
    # A constant's leaf holds what the latest backward would have pushed to it: each constant
    # feeds exactly one node, so that is its share of the node's grad (0.0 before any pass).
    shares: tuple[Any, ...] = ()
    # If that derivative fails, backward would have raised: there is nothing to show.
    with contextlib.suppress(ValueError, ArithmeticError):
        if node._grad:
            shares = node._rule.vjp(node._grad, *map(_data, inputs), node._data)
    leaves = []
    for i, x in enumerate(inputs):
        if type(x) is float:
            x = Constant(x)
            if shares:
                x._grad = 0.0 + shares[i]  # a sum that starts at 0.0, as backward's
        leaves.append(x)
    return tuple(leaves)


# Walking the recorded graph: the nodes under a root, their topological order, gradients.
# Everything is iterative, so a graph a million nodes deep never meets the recursion limit.


def nodes_under(root: Value) -> list[Value]:
    """Return root and every node it depends on, each once, in no particular order.

    >>> from microgradjp import Value
    >>> x = Value(2.0); len(nodes_under(x * x + 1))
    4
    """
    seen = {root}
    stack = [root]
    while stack:
        for parent in stack.pop().parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return list(seen)


def made_by_ops(root: Value) -> list[Any]:
    """Return the nodes under ``root`` made by ops, oldest first: a topological order.

    Every op node is numbered when it is made, after its inputs, so sorting by that number
    puts each node after everything it was made from; reversed, it is backward's order.

    >>> from microgradjp import Value
    >>> a = Value(1.0); b = a.exp(); c = b * a
    >>> made_by_ops(c) == [b, c]
    True
    """
    # Reads the inputs as stored (leaves and float constants are skipped, never made into
    # nodes), so backward walks only the nodes it pushes through.
    value, all_in_x = Value, ALL_IN_X
    made = [root] if root._rule is not LEAF else []
    seen = set(made)
    stack = made[:]
    while stack:
        node = stack.pop()
        x, y = node._x, node._y
        # Floats (constants), None (no second input) and leaves are not walked. The common
        # one- and two-input nodes are read slot by slot: no tuple per node.
        for parent in x if y is all_in_x else (x,) if y is None else (x, y):
            if type(parent) is value and parent._rule is not LEAF and parent not in seen:
                seen.add(parent)
                stack.append(parent)
                made.append(parent)
    made.sort(key=_creation_number)
    return made


_creation_number = operator.attrgetter("_order")


def newest_first(root: Value, saved: list[Any] | None = None) -> list[Value]:
    """Return the op nodes under root newest first, each with ``.grad`` reset to 0.0.

    The walk `Value.backward` takes (made_by_ops is the same walk, with a set and no writes). A
    node is marked as seen by setting its grad to a float made for this call: a 0.0 that no other
    node can hold by accident (identity, not value, is compared), so no set is needed, and every
    node the walk reaches is already reset, even if the walk is interrupted. ``saved`` receives
    each grad the pass will write that is not 0.0, before it is reset (node, grad, ...).

    >>> from microgradjp import Value
    >>> a = Value(1.0); b = a.exp(); c = b * a
    >>> newest_first(c) == [c, b], b.grad
    (True, 0.0)
    """
    value, all_in_x = Value, ALL_IN_X
    mark = float(0)  # a new object on every call, unlike the literal 0.0
    made: list[Value] = []
    stack = [root] if root._rule is not LEAF else []
    # Every grad the pass will write that is not 0.0 now, as it is (node, grad, node, grad, ...):
    # a pass that fails puts them back and zeroes the rest (Value.backward). On a fresh graph or
    # after zero_grad nothing is saved. A leaf may be listed more than once.
    save = (saved if saved is not None else []).append
    # `while True`, not `while stack`: CPython 3.11 warms a function up for its specializing
    # interpreter on calls and on this loop's back edge, not on a `while stack:` back edge, so
    # a long walk run once (a training step's backward) would otherwise never be specialized.
    while True:
        if not stack:
            break
        node = stack.pop()
        if node._grad is mark:
            continue  # reached along a second path
        if node._grad:  # an earlier pass went through it: its constants keep their share
            constants_as_leaves(node)
            save(node)
            save(node._grad)
        node._grad = mark
        made.append(node)
        x, y = node._x, node._y
        # Slot by slot, no tuple per node. Floats (constants) and None (no second input) are
        # skipped, leaves (a Parameter too) only saved; an n-ary node's inputs are the tuple in x.
        if type(x) is value and x._rule is not LEAF and x._grad is not mark:
            stack.append(x)
        elif type(x) is not float and y is not all_in_x and (
                type(x._grad) is not float or x._grad):  # a leaf (or seen); a Value grad
            save(x)                                       # (create_graph) has no truth value
            save(x._grad)
        if type(y) is value and y._rule is not LEAF and y._grad is not mark:
            stack.append(y)
        elif y is None or type(y) is float:  # the common cases first: one input, a constant
            pass
        elif y is all_in_x:
            for parent in x:
                if type(parent) is value and parent._rule is not LEAF:
                    stack.append(parent)
                elif type(parent) is not float and (
                        type(parent._grad) is not float or parent._grad):
                    save(parent)
                    save(parent._grad)
        elif type(y._grad) is not float or y._grad:  # a leaf with a grad to keep (or a node
            save(y)                                    # seen already, whose grad is 0.0)
            save(y._grad)
    return _newest_first_order(made)


def _newest_first_order(made: list[Value]) -> list[Value]:
    # The root is the newest node of its graph, and when nothing else was recorded while the
    # graph was built, its creation numbers are consecutive: each node's place is then
    # root's number minus its own, and no sort is needed. Otherwise some place is past the
    # end (IndexError), and the nodes are sorted.
    if not made:
        return made
    top, order = made[0]._order, [made[0]] * len(made)
    try:
        for node in made:
            order[top - node._order] = node
    except IndexError:
        made.sort(key=_creation_number, reverse=True)
        return made
    return order


def push_gradients(order: list[Value]) -> None:
    """Add each node's ``.grad`` times its local derivatives into its inputs' ``.grad``.

    ``order`` is newest_first's list, whose grads it reset: each node is reached after every
    node made from it, so its grad is complete when it is pushed. `Value.backward` seeds the root.

    >>> from microgradjp import Value
    >>> x = Value(3.0); y = x * x; order = newest_first(y); y.grad = 1.0
    >>> push_gradients(order); x.grad
    6.0
    """
    try:
        # Newest first: every node before the nodes it was made from. The loop asks a
        # node's arity, never its op: each input's share comes from the node's rule (its vjp).
        for node in order:
            upstream = node._grad
            vjp = node._rule.vjp
            x = node._x
            y = node._y
            if y is None:
                x._grad += vjp(upstream, x._data, node._data)[0]
            elif type(y) is float:  # a constant is owed nothing
                if type(x) is not float:  # maximum(1.0, 2.0) has two constants
                    x._grad += vjp(upstream, x._data, y, node._data)[0]
            elif y is ALL_IN_X:
                shares = vjp(upstream,
                             *[x_i if type(x_i) is float else x_i._data for x_i in x], node._data)
                for x_i, share in zip(x, shares, strict=True):
                    if type(x_i) is not float:
                        x_i._grad += share
            elif type(x) is float:
                y._grad += vjp(upstream, x, y._data, node._data)[1]
            else:
                dx, dy = vjp(upstream, x._data, y._data, node._data)
                x._grad += dx
                y._grad += dy
    except (ValueError, ArithmeticError) as failure:
        raise backward_error(node, failure) from None


def push_gradients_creating_graph(root: Value, seed: float) -> None:
    """Backward with the partials computed on Values: each leaf's ``.grad`` becomes a `Value`.

    What ``backward(create_graph=True)`` does; ``seed`` is d(output)/d(root). A leaf adds this
    pass's gradient to what it holds (a 0.0 is replaced, so the new grad's graph starts at the
    seed); every other node under ``root`` gets this pass's gradient as a float, as after a
    plain backward, so later plain passes over the same nodes work as ever. A pass that raises
    puts back every grad it wrote, as a plain backward does.

    >>> from microgradjp import Value
    >>> x = Value(3.0); push_gradients_creating_graph(x ** 2, 1.0); x.grad.op
    '*'
    """
    saved: list[tuple[Value, Any]] = []  # (node, its grad before this pass), in write order
    try:
        _push_creating_graph(root, Constant(seed), saved)
    except BaseException:
        for node, grad in reversed(saved):
            node._grad = grad
        raise


def _push_creating_graph(root: Value, seed: Value, saved: list[tuple[Value, Any]]) -> None:
    upstreams: dict[Value, Value] = {root: seed}
    if root._rule is LEAF:
        _add_to_leaf(root, seed, saved)
    for node in reversed(made_by_ops(root)):
        # Newest first: every node made from this one has already pushed into upstreams.
        upstream = upstreams.pop(node)
        # Constants become leaves first, so the gradient's graph shares them with this one
        # (as DeZero's does) instead of copying each number into a node of its own.
        inputs = constants_as_leaves(node)
        saved.append((node, node._grad))
        node._grad = upstream._data
        try:
            shares = node._rule.vjp(upstream, *inputs, node)
        except (ValueError, ArithmeticError) as failure:
            raise backward_error(node, failure) from None
        for x, share in zip(inputs, shares, strict=True):
            if not isinstance(share, Value):  # a branch not taken sent a plain 0.0
                share = Constant(share)
            if x._rule is LEAF:
                _add_to_leaf(x, share, saved)
            else:
                previous = upstreams.get(x)
                upstreams[x] = share if previous is None else previous + share


def _add_to_leaf(leaf: Value, share: Value, saved: list[tuple[Value, Any]]) -> None:
    held = leaf._grad
    saved.append((leaf, held))
    leaf._grad = share if type(held) is float and held == 0.0 else held + share


def backward_error(node: Value, failure: Exception) -> Exception:
    """Return the error for a derivative that failed at ``node`` (``sqrt`` at 0, say)."""
    args = tuple(p.data for p in node.parents)
    labels = tuple(p.label for p in node.parents)
    if isinstance(failure, MicrogradError):  # a rule inside the partials already explained
        return type(failure)(f"in backward through {describe(node.op, args, labels)}, {failure}")
    error = node.rule.error(failure, args, labels)
    return type(error)(f"in backward, the derivative of {error}")
