"""The chain rule, once and plainly: `reference_backward` is what every backward pass computes.

Read it first: twenty lines, no speed tricks. Every faster pass in the package (``backward()``,
``create_graph``, micrograd's ``_backward()``, the recorded pass the drawings read, replay and
fit's replay) must give the same numbers, bit for bit; a differential test holds them to it.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .node import backward_error, made_by_ops

__all__ = ["reference_backward"]

Node = Any  # a Value (core.node); typed loosely, so this module imports nothing that uses it


def reference_backward(root: Node, seed: float = 1.0) -> dict[Node, float]:
    """Return d(root)/d(node) * seed for every node under ``root``; no ``.grad`` is touched.

    Each gradient is a sum that starts at 0.0. The nodes are visited newest first (the reverse
    of the order they were made), so a node's gradient is complete before it is passed on:
    each input gets its share, the node's gradient times the local derivative of the node's
    rule (the row's ``vjp``: see rules.py).

    >>> from microgradjp import Value
    >>> x = Value(3.0); y = x * x + 1
    >>> reference_backward(y)[x]
    6.0
    """
    grads: defaultdict[Node, float] = defaultdict(float)
    grads[root] += seed
    for node in reversed(made_by_ops(root)):  # newest first
        upstream = grads[node]
        inputs = node.parents
        try:  # each input's share: upstream times its local derivative, as the row computes it
            shares = node.rule.vjp(upstream, *[x.data for x in inputs], node.data)
        except (ValueError, ArithmeticError) as failure:
            raise backward_error(node, failure) from None
        for x, share in zip(inputs, shares, strict=True):
            grads[x] += share
    return dict(grads)
