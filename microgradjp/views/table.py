"""The backward pass as a text table, for terminals and for machines without Graphviz.

One row per edge, in the order backward visits the nodes (newest first): which node pushes how
much gradient to which input, read from `walk.record` (the pass the drawing and the player
show too); this module only formats and prints. `Edge` and `creation_order` live with `record`.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Sequence
from typing import TextIO

from ..core.node import Value
from ..core.walk import Edge, creation_order, record
from .text import columns, number_text, printable

__all__ = ["Edge", "backward_edges", "backward_table", "creation_order", "print_backward"]


def backward_edges(root: Value) -> list[Edge]:
    """Return every edge of the backward pass from ``root``, in the order backward visits them.

    Leaves no trace on ``.grad``. An input used twice (``a * a``) has two edges.

    >>> a = Value(2.0, label="a"); y = a * a
    >>> [(e.input.label, e.contribution) for e in backward_edges(y)]
    [('a', 2.0), ('a', 2.0)]
    """
    return list(record(root).edges)


def backward_table(root: Value, *, digits: int = 6) -> str:
    """Return the backward pass from ``root`` as a table, then each leaf's gradient.

    Unlabelled nodes are named ``#k``, k counting nodes in the order they were made.

    >>> x, y, z = Value(-2.0, label="x"), Value(5.0, label="y"), Value(-4.0, label="z")
    >>> print(backward_table(((x + y) * z).named("f")))
    node  value  op  upstream  input  local  contribution
    f       -12  \N{MULTIPLICATION SIGN}          1  #3        -4            -4
                               z          3             3
    #3        3  +         -4  x          1            -4
                               y          1            -4
    <BLANKLINE>
    leaf  value  grad
    x        -2    -4
    y         5    -4
    z        -4     3
    """
    recorded = record(root)
    names = _names(recorded.nodes)
    number = functools.partial(number_text, digits=digits)
    rows = [["node", "value", "op", "upstream", "input", "local", "contribution"]]
    previous = None
    for edge in recorded.edges:
        node = edge.node
        first = node is not previous  # name the pushing node on its first row only
        previous = node
        # The op as the drawing's circle and the captions write it (the times sign for *).
        pusher = [names[node], number(node.data), node.rule.drawn, number(edge.upstream)]
        rows.append([*(pusher if first else [""] * 4), names[edge.input], number(edge.local),
                     number(edge.contribution)])
    leaves = [["leaf", "value", "grad"]]
    leaves += [[names[n], number(n.data), number(recorded.grads[n])]
               for n in names if not n.parents]
    return f"{_table(rows, numeric={1, 3, 5, 6})}\n\n{_table(leaves, numeric={1, 2})}"


def print_backward(root: Value, *, digits: int = 6, file: TextIO | None = None) -> None:
    """Print `backward_table` of ``root`` (to ``file``, standard output by default).

    >>> print_backward(Value(2.0, label="a") * 3)
    node  value  op  upstream  input  local  contribution
    #3        6  \N{MULTIPLICATION SIGN}          1  a          3             3
                               #2         2             2
    <BLANKLINE>
    leaf  value  grad
    a         2     3
    #2        3     2
    """
    print(backward_table(root, digits=digits), file=file or sys.stdout)


def _names(nodes: Sequence[Value]) -> dict[Value, str]:
    # A node's label, else #k for the k-th node made ("" too: a blank reads as a continuation).
    return {node: printable(node.label) if node.label else f"#{k}"
            for k, node in enumerate(nodes, start=1)}


def _table(rows: list[list[str]], numeric: set[int]) -> str:
    widths = [max(columns(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = []
        for i, (cell, width) in enumerate(zip(row, widths, strict=True)):
            padding = " " * (width - columns(cell))
            right = i in numeric and row is not rows[0]
            cells.append(padding + cell if right else cell + padding)
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)
