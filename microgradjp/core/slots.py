"""How a node keeps its inputs and its gradient in slots: the layout every walk reads.

A node made by an op keeps its rule and its inputs: ``_x`` and ``_y``, ``_y`` None for one
input, or all inputs as a tuple in ``_x`` with ``_y`` ALL_IN_X. A number beside a Value (the 2
in ``x * 2``) stays a float in its slot: no node, no GC object, until ``parents`` is asked
(`constants_as_leaves`). ``_order`` numbers op nodes as they are made: inputs exist before the
node that uses them, so creation order is a topological order (see backward.made_by_ops). A
leaf leaves ``_x``, ``_y`` and ``_order`` unset; op nodes are of class Value itself, leaves of
its subclasses (Leaf, Parameter, Constant), so a walk tells them apart by class alone. A
gradient nobody wrote yet is NOT_YET. Only the core reads these slots; the node itself
(`Value`) is node.py's.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import math
from collections.abc import Callable
from typing import Any

from .rules import LEAF

__all__ = ["ALL_IN_X", "NOT_YET", "constants_as_leaves", "copy_graph", "copy_node", "datas",
           "descend", "descend_adam", "descend_with_momentum", "grads", "has_gradient",
           "input_data", "made_after", "next_order", "set_grads", "stored_inputs", "zero_grads"]

ALL_IN_X: Any = object()  # in ``_y``: the node's inputs are all in ``_x``, as a tuple

next_order = itertools.count().__next__  # numbers op nodes as they are made (and copied)


def made_after(node: Any, mark: int) -> bool:
    """Return whether op node ``node`` was made after `next_order` gave ``mark``.

    >>> from microgradjp import Value
    >>> x = Value(1.0); old = x * 2.0; mark = next_order()
    >>> made_after(x * 3.0, mark), made_after(old, mark)
    (True, False)
    """
    return bool(node._order > mark)

# A node's grad until something writes it: a 0.0 of its own, told apart by identity (float
# arithmetic always makes a new object, so backward and every assignment replace it). A drawing
# shows a gradient only once it exists (no spoilers), at no cost per node. See has_gradient.
NOT_YET = float("0")


def stored_inputs(node: Any) -> tuple[Any, ...]:
    """Return an op node's inputs as stored: Values, and floats for constants.

    >>> from microgradjp import Value
    >>> stored_inputs(Value(2.0) * 3)
    (Value(data=2.0, grad=0.0), 3.0)
    """
    if node._y is None:
        return (node._x,)
    if node._y is ALL_IN_X:
        return node._x  # type: ignore[no-any-return]
    return (node._x, node._y)


def input_data(x: Any) -> float:
    """Return an input's float: a constant's own, a Value's data."""
    number: float = x if type(x) is float else x._data
    return number


def has_gradient(node: Any) -> bool:
    """Return whether anything has written ``node``'s grad: a backward pass or an assignment.

    A new node's 0.0 is a placeholder until then (`cleargrad` puts it back), so a drawing can
    leave out gradients the learner has not computed yet.

    >>> from microgradjp import Value
    >>> x = Value(2.0); y = x * x; has_gradient(x)
    False
    >>> y.backward(); has_gradient(x), has_gradient(Value(1.0))
    (True, False)
    """
    return node._grad is not NOT_YET


def constants_as_leaves(node: Any, constant: Callable[[float], Any]) -> tuple[Any, ...]:
    """Return an op node's inputs, first turning any float constant into a leaf in its slot.

    Asked by ``parents`` (drawings, trace, walks) and by backward on a node's second pass, so a
    constant's leaf adds up every pass as any leaf does: the first pass is counted when the leaf
    is made (see _leaves_for_constants), later ones by backward itself.

    ``constant`` makes the leaf (node.py passes its `Constant`).

    >>> from microgradjp import Value
    >>> y = Value(3.0) * 2
    >>> y.parents[1], y.parents[1] is y.parents[1]
    (Value(data=2.0, grad=0.0), True)
    """
    inputs = stored_inputs(node)
    if float in map(type, inputs):
        inputs = _leaves_for_constants(node, inputs, constant)
        node._x, node._y = (inputs, ALL_IN_X) if node._y is ALL_IN_X else inputs
    return inputs


def _leaves_for_constants(node: Any, inputs: tuple[Any, ...],
                          constant: Callable[[float], Any]) -> tuple[Any, ...]:
    # A constant's leaf holds what the latest backward would have pushed to it: each constant
    # feeds exactly one node, so that is its share of the node's grad (0.0 before any pass).
    shares: tuple[Any, ...] = ()
    # If that derivative fails, backward would have raised: there is nothing to show.
    with contextlib.suppress(ValueError, ArithmeticError):
        if node._grad:
            shares = node._rule.vjp(node._grad, *map(input_data, inputs), node._data)
    leaves = []
    for i, x in enumerate(inputs):
        if type(x) is float:
            x = constant(x)
            if shares:
                x._grad = 0.0 + shares[i]  # a sum that starts at 0.0, as backward's
        leaves.append(x)
    return tuple(leaves)


def copy_node(node: Any) -> Any:
    """``Value.__copy__``: return a new node holding ``node``'s slots, the same inputs too.

    An op node's copy takes a new creation number: backward orders a graph by these numbers,
    and a copy and its original may meet in one graph.
    """
    new = object.__new__(type(node))
    new._data, new._grad, new._label, new._rule = node._data, node._grad, node._label, node._rule
    if node._rule is LEAF:
        if hasattr(node, "__dict__"):  # a Leaf: the attributes its user set
            new.__dict__.update(node.__dict__)
    else:
        new._x, new._y, new._order = node._x, node._y, next_order()
    return new


def copy_graph(root: Any, memo: dict[int, Any]) -> Any:
    """``Value.__deepcopy__``: return ``root``'s copy, every node under it copied once.

    A loop, not deepcopy's recursion, so a graph of any depth copies. Nodes already in ``memo``
    (a model's parameters copied earlier in the same deepcopy) are shared, as deepcopy shares.
    Leaves first, then op nodes oldest first, so each copy finds its inputs' copies in memo;
    constants stay floats, rules are the same rows.

    >>> from microgradjp import Value
    >>> x = Value(2.0); y = x * 3
    >>> z = copy_graph(y, {})
    >>> z.data, z.parents[0] is x, z.parents[0].data
    (6.0, False, 2.0)
    """
    found, stack = {id(root): root}, [root]
    while stack:
        node = stack.pop()
        if node._rule is not LEAF:
            for x in stored_inputs(node):
                if type(x) is not float and id(x) not in found and id(x) not in memo:
                    found[id(x)] = x
                    stack.append(x)
    nodes = sorted(found.values(), key=lambda n: -1 if n._rule is LEAF else n._order)
    for node in nodes:
        memo[id(node)] = new = copy_node(node)
        if node._rule is LEAF:
            if hasattr(node, "__dict__"):
                new.__dict__ = copy.deepcopy(node.__dict__, memo)
        elif node._y is ALL_IN_X:
            new._x = tuple([x if type(x) is float else memo[id(x)] for x in node._x])
        else:
            new._x = memo[id(node._x)] if type(node._x) is not float else node._x
            new._y = memo[id(node._y)] if node._y is not None and type(node._y) is not float \
                else node._y
    for node in nodes:  # a leaf's grad after backward(create_graph=True): a graph of its own
        if type(node._grad) is not float:
            memo[id(node)]._grad = copy.deepcopy(node._grad, memo)
    return memo[id(root)]


# The door for the layers above (nn's optimizers, fit, the recorder): many nodes' numbers read
# or written at once, unchecked, one loop each, as the training loop's hot path needs (one
# node's numbers are its checked properties, ``v.data`` and ``v.grad``). The optimizers' updates
# are here, not in nn.optim, because reading slots through lists costs momentum and Adam steps
# a third to a half more (callgrind); nn.optim keeps their options, state and documentation.


def datas(nodes: list[Any]) -> list[float]:
    """Return each node's data, as stored.

    >>> from microgradjp import Value
    >>> datas([Value(1.0), Value(2.0)])
    [1.0, 2.0]
    """
    return [node._data for node in nodes]


def grads(nodes: list[Any]) -> list[Any]:
    """Return each node's grad, as stored: a float (a Value after ``create_graph``)."""
    return [node._grad for node in nodes]


def set_grads(nodes: list[Any], numbers: list[Any]) -> None:
    """Write each float into its node's grad (a replayed step's gradients)."""
    for node, number in zip(nodes, numbers, strict=True):
        node._grad = number


def zero_grads(nodes: list[Any]) -> None:
    """Set each node's grad to 0.0 (``zero_grad``)."""
    for node in nodes:
        node._grad = 0.0


def descend(nodes: list[Any], lr: float) -> None:
    """Move each node's data against its grad: ``data -= lr * grad`` (plain gradient descent).

    >>> from microgradjp import Value
    >>> w = Value(1.0); w.grad = 2.0; descend([w], 0.25); w.data
    0.5
    """
    for node in nodes:
        node._data -= lr * node._grad


def descend_with_momentum(nodes: list[Any], lr: float, momentum: float, decay: float,
                          velocity: list[float]) -> None:
    """SGD's update with ``weight_decay`` and ``momentum`` (nn.optim.SGD's), one loop.

    ``g = grad + decay * data``; with momentum, ``v = momentum * v + g`` is stepped instead.
    """
    for i, node in enumerate(nodes):
        g = node._grad + decay * node._data
        if momentum:
            g = velocity[i] = momentum * velocity[i] + g
        node._data -= lr * g


def descend_adam(nodes: list[Any], lr: float, betas: tuple[float, float], eps: float,
                 decay: float, corrections: tuple[float, float],
                 moments: tuple[list[float], list[float]]) -> None:
    """Adam's update (nn.optim.Adam's), one loop: ``moments`` are the running means of g, g^2."""
    (beta1, beta2), (correction1, correction2), (first, second) = betas, corrections, moments
    for i, node in enumerate(nodes):
        g = node._grad + decay * node._data
        first[i] = m = beta1 * first[i] + (1.0 - beta1) * g
        second[i] = v = beta2 * second[i] + (1.0 - beta2) * g * g
        node._data -= lr * (m / correction1) / (math.sqrt(v / correction2) + eps)
