"""Gradients without touching ``.grad``: `backpropagate`, its steps, and `record`, the one pass
every view reads.

`backpropagate` returns d(root)/d(node) in a dict (for `gradients`, `grad`), on floats or, with
``create_graph``, on Values that can be differentiated again. `record` keeps one backward pass
whole (the nodes in creation order, every edge's upstream x local, the gradients) for the
drawing, the text table and the step player. The reference pass and the fast one are `backward`'s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple

from .backward import backward_error, made_by_ops

if TYPE_CHECKING:
    from .node import Value

__all__ = ["BackwardPass", "Edge", "backpropagate", "creation_order", "record"]


class Edge(NamedTuple):
    """One step of the backward pass: ``node`` adds ``upstream * local`` to ``input``'s gradient.

    ``position`` says which of ``node.parents`` ``input`` is: ``a * a`` has two edges into ``a``.

    >>> from microgradjp import Value
    >>> edge = record(Value(3.0, label="x") * 2).edges[0]
    >>> edge.input.label, edge.upstream, edge.local, edge.contribution, edge.position
    ('x', 1.0, 2.0, 2.0, 0)
    """

    node: Value
    input: Value
    upstream: float  # d root / d node
    local: float  # d node / d input: the rule's partial at this point
    contribution: float  # upstream x local, as the rule computes it: this edge's share
    position: int = 0  # which of node.parents; last, so the five fields read as they always did


@dataclass(frozen=True, eq=False)
class BackwardPass:
    """One graph and one backward pass from its root (gradient 1), as every view shows it.

    ``nodes`` are in the order they were made, each leaf before its first use; ``edges`` in the
    order backward visits them (newest node first, its inputs in argument order); ``grads``
    holds d root / d node for every node, added in exactly the order of ``edges``, so the sum
    of an input's contributions so far equals, bit for bit, what the engine's walk had then.

    >>> from microgradjp import Value
    >>> a = Value(2.0, label="a")
    >>> recorded = record((a * a).named("y"))
    >>> [n.label for n in recorded.nodes], recorded.grads[a]
    (['a', 'y'], 4.0)
    >>> [(e.position, e.contribution) for e in recorded.edges_of(recorded.root)]
    [(0, 2.0), (1, 2.0)]
    """

    root: Value
    nodes: tuple[Value, ...]
    edges: tuple[Edge, ...]
    grads: Mapping[Value, float]
    # Where each op node's edges start in ``edges`` (they are consecutive): a plain int per
    # node, not a tuple, which on a million-node graph the garbage collector would keep scanning.
    _first_edge: Mapping[Value, int] = field(repr=False)

    def edges_of(self, node: Value) -> tuple[Edge, ...]:
        """Return the edges from ``node`` to its inputs, by position (``()`` for a leaf)."""
        start = self._first_edge.get(node)
        if start is None:
            return ()
        end = start + 1  # an op node has at least one input
        while end < len(self.edges) and self.edges[end].node is node:
            end += 1
        return self.edges[start:end]


def record(root: Value) -> BackwardPass:
    """Return the graph under ``root`` and one backward pass from it; ``.grad`` is untouched.

    One topological sort and one walk, however many views then read the result.

    >>> from microgradjp import Value
    >>> x, y = Value(-2.0, label="x"), Value(5.0, label="y")
    >>> [(e.node.op, e.input.label, e.contribution) for e in record(x * y).edges]
    [('*', 'x', 5.0), ('*', 'y', -2.0)]
    """
    made = made_by_ops(root)
    grads: dict[Value, float] = {root: 1.0}
    edges: list[Edge] = []
    first_edge: dict[Value, int] = {}
    for node, parents, shares in _steps(made, grads, create_graph=False):
        upstream = grads[node]  # final once the walk yields the node
        local_grads = node.rule.partials(*[p.data for p in parents], node.data)
        first_edge[node] = len(edges)
        for position, (parent, local, share) in enumerate(
                zip(parents, local_grads, shares, strict=True)):
            # The share the walk adds into grads, so a view's running sums match it.
            edges.append(Edge(node, parent, upstream, local, share, position))
    return BackwardPass(root, _creation_order(made, root), tuple(edges),
                        MappingProxyType(grads), MappingProxyType(first_edge))


def creation_order(root: Value) -> list[Value]:
    """Return the nodes under ``root`` in the order they were made, each leaf before its first use.

    The reverse of the order backward visits them, and the same on every run.

    >>> from microgradjp import Value
    >>> a = Value(1.0, label="a"); b = Value(2.0, label="b")
    >>> [node.label for node in creation_order((b * a).named("y"))]
    ['b', 'a', 'y']
    """
    return list(_creation_order(made_by_ops(root), root))


def _creation_order(made: Sequence[Value], root: Value) -> tuple[Value, ...]:
    ordered: dict[Value, None] = {}
    for node in made:
        for parent in node.parents:
            ordered.setdefault(parent, None)  # op-made parents are there already; adds leaves
        ordered[node] = None
    return tuple(ordered) or (root,)


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
    for _ in _steps(made_by_ops(root), grads, create_graph=create_graph):
        pass
    return grads


def _steps(
    made: Sequence[Value], grads: dict[Value, Any], *, create_graph: bool
) -> Iterator[tuple[Value, tuple[Value, ...], tuple[Any, ...]]]:
    # The reference pass (backward.py), yielding each node with its inputs' shares: made_by_ops's
    # list newest first, each node after every node made from it, so its gradient is complete
    # when it is yielded, then pushed into its inputs. A float gradient is a sum that starts at
    # 0.0, as backward's; a Value one (create_graph) starts at its first share, so the
    # gradient's graph holds no "0.0 +" nodes.
    for node in reversed(made):
        parents = node.parents
        upstream = grads[node]
        try:
            if create_graph:
                shares = node.rule.vjp(upstream, *parents, node)
            else:
                shares = node.rule.vjp(upstream, *[p._data for p in parents], node._data)
        except (ValueError, ArithmeticError) as failure:
            raise backward_error(node, failure) from None
        yield node, parents, shares
        for parent, share in zip(parents, shares, strict=True):
            previous = grads.get(parent)
            if previous is not None:
                grads[parent] = previous + share
            else:
                grads[parent] = share if create_graph else 0.0 + share
