"""Gradients without touching ``.grad``: `backpropagate` and its steps, on floats or on Values.

`backpropagate` returns d(root)/d(node) in a dict (for `gradients`, `grad` and the views), on
floats or, with ``create_graph``, on Values that can be differentiated again. The node's own
walks (the order, `Value.backward`'s loop) live with its layout in `node`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .node import backward_error, made_by_ops

if TYPE_CHECKING:
    from .node import Value

__all__ = ["backpropagate", "backward_steps"]


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


