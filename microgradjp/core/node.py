"""`Value`: a scalar that records how it was made, its operators and its kinds of leaf.

A node holds its float, its gradient, its inputs and the row of `rules` that made it, all in
slots (laid out as `slots` says). Every op goes through a recorder `recorders` writes from the
op's row, run in this module's names; it also honours `no_grad` (`modes`). Nothing refers to a
node's own output, so a dropped graph is freed at once by reference counting. ``backward`` runs
`backward`'s pass; built-ins on a Value are `conversions`'; micrograd's and DeZero's names for
all this sit in one marked block at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any, SupportsFloat, Union

from . import modes, recorders, rules
from .backward import (
    backward_lock,
    backward_transaction,
    made_by_ops,
    nodes_under,
    push_gradients,
    push_gradients_creating_graph,
)
from .conversions import (
    Gradient,
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
    refuse_pickle,
    refuse_round,
    short,
)
from .modes import detect_anomaly, no_grad
from .rules import LEAF, MAXIMUM, MINIMUM, Rule, as_float, power
from .slots import ALL_IN_X, NOT_YET, constants_as_leaves, copy_graph, copy_node, has_gradient
from .slots import next_order as _next_order  # numbers op nodes as they are made

# Re-exported for the code that imports them from here: no_grad, made_by_ops and the like.
__all__ = ["Constant", "Gradient", "Leaf", "Parameter", "Value", "apply", "constants_as_leaves",
           "data_of", "detect_anomaly", "has_gradient", "made_by_ops", "maximum", "minimum",
           "no_grad", "nodes_under"]

Operand = Union["Value", float, int]


# What to do with an operand that is neither a Value nor a real number.
_OPERAND_FIX = ("operands must be Values or real numbers: convert it with float() or wrap it in "
                "Value()")


# Every op is recorded by a function written from its row (recorders.py), run in this module's
# names: an operator *is* its recorder, so ``x * y`` costs one Python call, and the product is
# computed inline. The reflected operators (``2 * x``) have recorders of their own.
def _operator(rule: Rule) -> Callable[[Value, Any], Value]:
    return recorders.binary(rule, globals(), ("Value", "number"))


def _reflected(rule: Rule) -> Callable[[Value, Any], Value]:
    return recorders.binary(rule, globals(), ("number", "Value"))


def _method(rule: Rule, doc: str) -> Callable[[Value], Value]:
    method = recorders.unary(rule, globals())  # its own, so it can carry the method's name
    method.__name__, method.__qualname__, method.__doc__ = rule.name, f"Value.{rule.name}", doc
    return method


# For apply, maximum and ``x ** 2``: one recorder per rule, made on first use.
@lru_cache(maxsize=1024)
def _unary_recorder(rule: Rule) -> Callable[[Value], Value]:
    return recorders.unary(rule, globals())


@lru_cache(maxsize=1024)
def _binary_recorder(rule: Rule) -> Callable[[Operand, Operand], Value]:
    return recorders.binary(rule, globals())


class Value:
    """A scalar in a computation graph: its data, its gradient, and how it was made.

    >>> x = Value(3.0, label="x")
    >>> y = x * x + 1
    >>> y.backward()
    >>> y.data, x.grad
    (10.0, 6.0)
    """

    # Leaves and op nodes are one class with slots, so every attribute read in the hot loops
    # sees one type (CPython specializes each read for the type it last saw). How the slots
    # hold a node's inputs and grad: slots.py. No tuple, set or closure per node: one GC object.
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
            data, "Value({})", "pass an int, a float or a numpy scalar")
        self._grad = NOT_YET
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
            data, "v.data = {}", "assign an int, a float or a numpy scalar")

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
        return Gradient(grad) if type(grad) is float else grad

    @grad.setter
    def grad(self, grad: SupportsFloat) -> None:
        self._grad = grad if type(grad) is float else real_number(
            grad, "v.grad = {}", "assign an int, a float or a numpy scalar")

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
        return () if self._rule is LEAF else constants_as_leaves(self, Constant)

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

    # Arithmetic: each operator is a row of the rule table, recorded by one of two recorders.
    __add__ = _operator(rules.ADD)
    __radd__ = _reflected(rules.ADD)
    __sub__ = _operator(rules.SUB)
    __rsub__ = _reflected(rules.SUB)
    __mul__ = _operator(rules.MUL)
    __rmul__ = _reflected(rules.MUL)
    __truediv__ = _operator(rules.DIV)
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
    # data; == and hash stay identity, so nodes work in sets and dicts. Copies: slots.py's.
    __float__, __int__, __round__, __bool__ = refuse_float, refuse_int, refuse_round, refuse_bool
    __copy__, __deepcopy__, __reduce_ex__ = copy_node, copy_graph, refuse_pickle
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
            grad, "backward({})", "pass the output's gradient as a number, such as "
            "1.0 (the default)")
        walk: Callable[[Value, Any], None] = (
            push_gradients_creating_graph if create_graph else backward_transaction)
        start = Constant(seed) if create_graph else seed
        if threading.active_count() > 1:  # passes take turns (backward_lock); alone, no lock
            with backward_lock:
                walk(self, start)
        else:
            walk(self, start)

    def zero_grad(self) -> None:
        """Reset ``.grad`` to 0.0 on this node and every node under it."""
        for node in nodes_under(self):
            node._grad = 0.0

    def detach(self) -> Value:
        """Return a parentless copy with the same data and label."""
        return Value(self._data, self._label)

    def _record(self, rule: Rule, args: tuple[Any, ...]) -> Value:
        # Calling a rule with a Value among its arguments lands here (see Rule.__call__).
        node: Value = apply(rule, args)
        return node

    # ---- Other libraries' names, for code written for them: one place for all of them. ----
    # DeZero's: ``x.name = 'x'`` is the label, the same slot; ``cleargrad`` resets one grad.
    name = label

    def cleargrad(self) -> None:
        """Reset this node's ``.grad`` to 0.0, as before any backward (DeZero's name, where it
        is None; `zero_grad` resets a whole graph).

        >>> x = Value(2.0); (x * x).backward(); x.cleargrad(); x.grad, has_gradient(x)
        (0.0, False)
        """
        self._grad = NOT_YET

    # micrograd's, read-only, for the code the lecture types by hand (its own trace and
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
        if self._rule is not LEAF:
            push_gradients([self])  # the fast pass's step, for one node


_new = object.__new__


def _leaf(data: float) -> Value:
    # Bypasses __init__: data is already a float. A Leaf, as Value(data) is: only op nodes are
    # of class Value itself, so the walks tell them from leaves by their class alone.
    node: Value = _new(Leaf)
    node._data = data
    node._grad = NOT_YET
    node._label = None
    node._rule = LEAF
    return node


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
        [arg if type(arg) is float or isinstance(arg, Value)
         else real_number(arg, f"{rule.name!r} with {{}}", _OPERAND_FIX) for arg in args])
    datas = tuple([x if type(x) is float else x._data for x in inputs])
    try:
        data = rule.forward(*datas)
    except (ValueError, ArithmeticError) as failure:  # labels are read only to explain
        labels = tuple(getattr(x, "_label", None) for x in inputs)
        raise rule.error(failure, datas, labels) from None
    if modes.open_blocks and modes.off_the_record(rule, data, inputs):
        return _leaf(data)
    node: Value = _new(Value)
    node._data = data
    node._grad = NOT_YET
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
