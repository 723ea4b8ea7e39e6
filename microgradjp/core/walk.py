"""Walking a recorded graph: the nodes under a root, their topological order, and gradients.

Everything here is iterative, so a graph a million nodes deep never meets Python's recursion
limit. `push_gradients` (the loop of `Value.backward`) writes gradients into the nodes;
`backpropagate` returns them in a dict instead (for `gradients`, `grad` and the drawings), on
floats or, with ``create_graph``, on Values that can be differentiated again.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..errors import MicrogradError
from . import node as engine
from .constants import ALL_IN_X, constants_as_leaves
from .rules import LEAF, describe

if TYPE_CHECKING:
    from .node import Value

__all__ = ["backpropagate", "backward_error", "backward_steps", "made_by_ops", "newest_first",
           "nodes_under", "push_gradients"]


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
    value, all_in_x = engine.Value, ALL_IN_X
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


def newest_first(root: Value) -> list[Value]:
    """Return the op nodes under root newest first, each with ``.grad`` reset to 0.0.

    The walk `Value.backward` takes (made_by_ops is the same walk, with a set and no writes). A
    node is marked as seen by setting its grad to a float made for this call: a 0.0 that no other
    node can hold by accident (identity, not value, is compared), so no set is needed, and every
    node the walk reaches is already reset, even if the walk is interrupted.

    >>> from microgradjp import Value
    >>> a = Value(1.0); b = a.exp(); c = b * a
    >>> newest_first(c) == [c, b], b.grad
    (True, 0.0)
    """
    value, all_in_x = engine.Value, ALL_IN_X
    mark = float(0)  # a new object on every call, unlike the literal 0.0
    made: list[Value] = []
    stack = [root] if root._rule is not LEAF else []
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
        node._grad = mark
        made.append(node)
        x, y = node._x, node._y
        # Slot by slot, no tuple per node. Floats (constants), None (no second input) and
        # leaves are not walked; an n-ary node's inputs are the tuple in x.
        if type(x) is value and x._rule is not LEAF and x._grad is not mark:
            stack.append(x)
        if type(y) is value and y._rule is not LEAF and y._grad is not mark:
            stack.append(y)
        if y is all_in_x:
            for parent in x:
                if type(parent) is value and parent._rule is not LEAF:
                    stack.append(parent)
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
        # node's arity, never its op: the partials come from the node's rule.
        for node in order:
            upstream = node._grad
            partials = node._rule.partials
            x = node._x
            y = node._y
            if y is None:
                x._grad += upstream * partials(x._data, node._data)[0]
            elif type(y) is float:  # a constant is owed nothing
                if type(x) is not float:  # maximum(1.0, 2.0) has two constants
                    x._grad += upstream * partials(x._data, y, node._data)[0]
            elif y is ALL_IN_X:
                local_grads = partials(
                    *[x_i if type(x_i) is float else x_i._data for x_i in x], node._data)
                for x_i, local_grad in zip(x, local_grads, strict=True):
                    if type(x_i) is not float:
                        x_i._grad += upstream * local_grad
            elif type(x) is float:
                y._grad += upstream * partials(x, y._data, node._data)[1]
            else:
                dx, dy = partials(x._data, y._data, node._data)
                x._grad += upstream * dx
                y._grad += upstream * dy
    except (ValueError, ArithmeticError) as failure:
        raise backward_error(node, failure) from None


def backpropagate(root: Value, upstream: Any, *, create_graph: bool) -> dict[Value, Any]:
    """Return d(root)/d(node) * upstream for every node under root, without touching ``.grad``.

    With ``create_graph`` the partials are computed on Values, so the results are Values with
    a graph of their own and can be differentiated again.

    >>> from microgradjp import Value
    >>> x = Value(3.0); y = x * x
    >>> backpropagate(y, 1.0, create_graph=False)[x]
    6.0
    """
    grads: dict[Value, Any] = {root: upstream}
    for _ in backward_steps(root, grads, create_graph=create_graph):
        pass
    return grads


def backward_steps(
    root: Value, grads: dict[Value, Any], *, create_graph: bool
) -> Iterator[tuple[Value, tuple[Any, ...]]]:
    """Yield ``(node, its local derivatives)`` newest first, adding into ``grads`` as it goes.

    ``grads`` starts as ``{root: upstream}``; when a node is yielded, ``grads[node]`` is final,
    so a caller can show each edge's upstream gradient (the text table, the drawings).

    >>> from microgradjp import Value
    >>> x = Value(3.0); grads = {x * x: 1.0}
    >>> [(node.op, local) for node, local in backward_steps(next(iter(grads)), grads,
    ...                                                    create_graph=False)]
    [('*', (3.0, 3.0))]
    """
    for node in reversed(made_by_ops(root)):
        parents = node.parents
        try:
            if create_graph:
                local_grads = node.rule.partials(*parents, node)
            else:
                local_grads = node.rule.partials(*[p._data for p in parents], node._data)
        except (ValueError, ArithmeticError) as failure:
            raise backward_error(node, failure) from None
        yield node, local_grads
        node_grad = grads[node]
        for parent, local_grad in zip(parents, local_grads, strict=True):
            contribution = node_grad * local_grad
            previous = grads.get(parent)
            grads[parent] = contribution if previous is None else previous + contribution


def backward_error(node: Value, failure: Exception) -> Exception:
    """Return the error for a derivative that failed at ``node`` (``sqrt`` at 0, say)."""
    args = tuple(p.data for p in node.parents)
    labels = tuple(p.label for p in node.parents)
    if isinstance(failure, MicrogradError):  # a rule inside the partials already explained
        return type(failure)(f"in backward through {describe(node.op, args, labels)}, {failure}")
    error = node.rule.error(failure, args, labels)
    return type(error)(f"in backward, the derivative of {error}")
