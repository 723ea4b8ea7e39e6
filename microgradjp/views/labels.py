"""What a drawing writes: each box's data and grad lines, each edge's label.

`drawing` builds its boxes and edges with these, and the step player writes its frames' texts
with the same functions, so its last frame reads exactly as the finished drawing does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, Protocol

import graphviz  # type: ignore[import-untyped]  # graphviz ships no type hints

from ..core.rules import TIMES

__all__ = ["DATA_LINE", "GRAD_LINE", "EdgeLabels", "Flowing", "RankDir", "data_text",
           "edge_label", "edge_text", "flow_text", "grad_text", "numbered_edge"]

EdgeLabels = Literal["grad", "local", "both", "none"]
RankDir = Literal["LR", "TB"]
# Where a box's two numbers are among the lines the engines draw for it, one text a line: from
# the end, since the label's lines come first and engines drop an empty one (never these).
DATA_LINE, GRAD_LINE = -2, -1
Formatter = Callable[[float], str]


class Flowing(Protocol):
    """What flows back along one edge: a recorded `walk.Edge`, or a step player's frame."""

    @property
    def upstream(self) -> float: ...
    @property
    def local(self) -> float: ...
    @property
    def contribution(self) -> float: ...


def data_text(data: float, number: Formatter) -> str:
    """Return the line a box shows for a node's data (``number`` formats it).

    >>> data_text(2.5, str)
    'data 2.5'
    """
    return f"data {number(data)}"


def grad_text(grad: float, number: Formatter) -> str:
    """Return the line a box shows for a node's gradient."""
    return f"grad {number(grad)}"


def flow_text(upstream: float, number: Formatter) -> str:
    """Return the text of the edge from an op into its node: the gradient reaching the op."""
    return number(upstream)


def edge_text(edge: Flowing, edge_labels: EdgeLabels, number: Formatter) -> str | None:
    """Return the text of the edge from an input into its op (``None``: no label).

    >>> from microgradjp import Value
    >>> from microgradjp.core.walk import record
    >>> edge_text(record(Value(3.0) * 2).edges[0], "both", str)
    '1.0 \N{MULTIPLICATION SIGN} 2.0 = 2.0'
    """
    grad, local = number(edge.contribution), number(edge.local)
    return {"grad": grad, "local": local, "none": None,
            "both": f"{number(edge.upstream)} {TIMES} {local} = {grad}"}[edge_labels]


def edge_label(text: str | None, rankdir: RankDir) -> str | None:
    """Return an edge's text as drawn in this direction (``None``: no label).

    >>> edge_label("-4", "LR"), edge_label("-4", "TB")
    ('-4', ' -4 ')
    """
    # Left to right, a label sits above its edge and reads fine. Top to bottom, it starts right
    # at its line (a "-4" there reads as "--4" or "|4"), and the labels of edges converging on
    # one op sit side by side: a space first keeps it off its line and apart from the next one.
    # (xlabel was tried: both engines then draw other edges straight through the labels.)
    if text is None:
        return None
    return text if rankdir == "LR" else f" {text} "


def numbered_edge(dot: graphviz.Digraph, tail: str, head: str, edge_id: str, text: str | None,
                   *, rankdir: RankDir, large: bool, with_ids: bool) -> None:
    """Add an edge from ``tail`` to ``head`` with ``text`` on it, placed by `drawing`'s rule.

    Small graphs write it as the edge's label; ``large`` ones (past `drawing.LARGE_GRAPH`) as
    a text node cut into the edge, so no number sits on a box or on another number.

    >>> dot = graphviz.Digraph(edge_attr={"fontcolor": "red"})
    >>> numbered_edge(dot, "x", "op", "e0", "2", rankdir="LR", large=True, with_ids=False)
    >>> [line.split(" [")[0].strip() for line in dot.source.splitlines()[2:]]
    ['e0n', 'x -> e0n', 'e0n -> op', '}']
    """
    # Past LARGE_GRAPH the number is a text node named edge_id + "n": the edge into it (with
    # the edge's id, so the player lights it) has no arrowhead, the edge out of it (id + "h")
    # ends at the op.
    ids = {"id": edge_id} if with_ids else {}
    label = edge_label(text, rankdir)
    if label is None or not large:
        dot.edge(tail, head, **ids, **({} if label is None else {"label": label}))
        return
    number = f"{edge_id}n"
    dot.node(number, label, **({"id": number} if with_ids else {}), shape="plaintext", style="",
             fontsize="10", fontcolor=dot.edge_attr["fontcolor"], width="0", height="0",
             margin="0.02")
    dot.edge(tail, number, **ids, arrowhead="none")
    dot.edge(number, head, **({"id": f"{edge_id}h"} if with_ids else {}), weight="8")
