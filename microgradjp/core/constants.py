"""How an op node stores its inputs, and a number beside a Value turned into a leaf when asked.

A node keeps its inputs in two slots: ``_x`` and ``_y`` (``_y`` None for one input), or all of
them as a tuple in ``_x`` with ``_y`` ALL_IN_X. A number (the 2 in ``x * 2``) stays a float in its
slot: no node until ``parents`` or a second backward asks. Recording nodes is `engine`'s job.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .node import Value

__all__ = ["ALL_IN_X", "constants_as_leaves"]

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
    # feeds exactly one node, so that is upstream * its local derivative (0.0 before any pass).
    local_grads: tuple[Any, ...] = ()
    # If that derivative fails, backward would have raised: there is nothing to show.
    with contextlib.suppress(ValueError, ArithmeticError):
        if node._grad:
            local_grads = node._rule.partials(*map(_data, inputs), node._data)
    leaves = []
    for i, x in enumerate(inputs):
        if type(x) is float:
            x = type(node)(x)  # the node's class is Value: a float makes a plain leaf
            if local_grads:
                x._grad = node._grad * local_grads[i]
        leaves.append(x)
    return tuple(leaves)
