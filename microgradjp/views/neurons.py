"""A network's graph one neuron a node: the view for a loss too large to read element by element.

A neuron is a weighted sum (its weights and bias folded in) and the activation applied to it;
its box shows its output and gradient, and each connection's edge its weight and what backward
sends back along it (upstream x weight). Dense layers write those on the edge's hover title and
draw the edge as wide as what flows back, so a 2-16-16-1 network fits one screen. The rest of
the graph (the loss) is drawn one op a box. The numbers come from one `walk.record` pass, as in
`drawing`, whose colours (`palette`) and number placement (`labels`) this view shares.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import NamedTuple

import graphviz  # type: ignore[import-untyped]  # graphviz ships no type hints

from ..core.node import Constant, Parameter, Value
from ..core.rules import WEIGHTED_SUM
from ..core.walk import BackwardPass, record
from .digraph import Drawing
from .labels import numbered_edge
from .palette import GRAD_COLOUR, LATIN_FONT, LOCAL_COLOUR, ROLE_COLOURS
from .text import number_text, printable

__all__ = ["Neuron", "neuron_dot", "neurons_in"]

ACTIVATIONS = {"tanh", "relu", "sigmoid", "identity", "step"}  # one-input rows after a sum
LABELLED_FAN_IN = 4  # a neuron with more inputs writes its edges' numbers on hover titles
NEURON_COLOUR = "#fff2cc"
CAPTION = ("a yellow box is one neuron: weighted sum + activation, its output, gradient and bias",
           "red on an edge: its weight w, and what backward sends back along it",
           "dense layers: the edge's width is how much flows back (blue +, red -); hover an edge "
           "for its numbers")


class Neuron(NamedTuple):
    """One neuron found in a graph: its output node, its weighted sum, and its layer (1 first)."""

    output: Value
    total: Value
    layer: int

    @property
    def kind(self) -> str:
        """Return its activation's name, or "linear" when no activation follows the sum."""
        return self.output.rule.name if self.output is not self.total else "linear"


def neurons_in(recorded: BackwardPass) -> list[Neuron]:
    """Return the neurons of a recorded pass, in the order they are drawn (``neuron{k}``).

    A neuron is a weighted sum of Parameters (weights and bias) with the one-input activation
    after it, if any; its layer is one more than the deepest neuron among its inputs.

    >>> from microgradjp.nn import MLP
    >>> loss = MLP(2, [3, 1], activation="tanh", seed=1)([0.5, -1.0]) ** 2
    >>> [(n.kind, n.layer) for n in neurons_in(record(loss))][-2:]
    [('tanh', 1), ('linear', 2)]
    """
    found = _neurons(recorded, _users(recorded))
    layers: dict[Value, int] = {}
    for output, total in found.items():  # in pass order: a neuron's inputs come before it
        count = len(total.parents) // 2
        layers[output] = 1 + max((layers.get(x, 0) for x in total.parents[count:2 * count]),
                                 default=0)
    return [Neuron(output, total, layers[output]) for output, total in found.items()]


def neuron_dot(root: Value, *, digits: int = 4) -> graphviz.Digraph:
    """Return the graph under ``root`` with each neuron one node (see the module docstring).

    >>> from microgradjp.nn import MLP
    >>> loss = MLP(2, [3, 1], activation="tanh", seed=1)([0.5, -1.0]) ** 2
    >>> loss.backward()
    >>> source = neuron_dot(loss).source
    >>> source.count("neuron\\\\n"), source.count("weighted_sum")
    (4, 0)
    """
    recorded = record(root)
    number = functools.partial(number_text, digits=digits)
    users = _users(recorded)
    sums = _neurons(recorded, users)  # neuron output -> its weighted sum
    names = {output: f"neuron{k}" for k, output in enumerate(sums)}  # as `neurons_in` counts
    inside = {total for total in sums.values()} - set(sums)
    folded = {leaf for leaf in recorded.nodes if isinstance(leaf, Parameter)
              and all(user in inside or user in sums for user in users.get(leaf, ()))}
    dot = Drawing(format="svg", graph_attr={"rankdir": "LR", "fontname": LATIN_FONT,
                                            "ranksep": "1.2"},
                  node_attr={"fontname": LATIN_FONT, "fontsize": "11", "shape": "box",
                             "style": "rounded,filled", "margin": "0.08,0.04"},
                  edge_attr={"fontname": LATIN_FONT, "fontsize": "9", "arrowsize": "0.6",
                             "fontcolor": GRAD_COLOUR})
    ids: dict[Value, str] = {}
    for node in recorded.nodes:
        if node in folded or node in inside:
            continue
        ids[node] = name = names.get(node, f"n{len(ids)}")
        grad = recorded.grads[node]
        if node in sums:
            total = sums[node]
            bias = total.parents[-1]
            lines = [f"{node.rule.name if node is not total else 'linear'} neuron",
                     f"out {number(node.data)}", f"grad {number(grad)}",
                     f"b {number(bias.data)}"]
            colour = NEURON_COLOUR
        else:
            first = printable(node.label) if node.label else (
                node.rule.drawn if node.parents else "")
            lines = [line for line in (first, f"data {number(node.data)}",
                                       f"grad {number(grad)}") if line]
            colour = ROLE_COLOURS["output" if node is root else "made by an op" if node.parents
                                  else "constant" if isinstance(node, Constant) else "input"]
        dot.node(name, graphviz.nohtml("\\n".join(_escape(line) for line in lines)),
                 fillcolor=colour)
        _edges(dot, recorded, node, sums.get(node), ids, number)
    dot.attr("graph", label=graphviz.nohtml("\\l".join(CAPTION) + "\\l"), labelloc="b",
             labeljust="l", fontsize="9", fontcolor="#555555")
    return dot


def _users(recorded: BackwardPass) -> dict[Value, list[Value]]:
    users: dict[Value, list[Value]] = {}
    for node in recorded.nodes:
        for parent in node.parents:
            users.setdefault(parent, []).append(node)
    return users


def _neurons(recorded: BackwardPass, users: Mapping[Value, list[Value]]) -> dict[Value, Value]:
    # Each neuron's output node -> its weighted sum (the sum itself when no activation follows).
    found = {}
    for node in recorded.nodes:
        if node.rule is not WEIGHTED_SUM or len(node.parents) % 2 == 0:
            continue
        count = len(node.parents) // 2
        weights = (*node.parents[:count], node.parents[-1])
        if not all(isinstance(weight, Parameter) for weight in weights):
            continue
        after = users.get(node, [])
        activated = (len(after) == 1 and len(after[0].parents) == 1
                     and after[0].rule.name in ACTIVATIONS)
        found[after[0] if activated else node] = node
    return found


def _edges(dot: graphviz.Digraph, recorded: BackwardPass, node: Value, total: Value | None,
           ids: Mapping[Value, str], number: functools.partial[str]) -> None:
    # A neuron's edges come from its inputs, each with its weight and what flows back to it;
    # any other node's from its parents, each with what flows back.
    # Numbers are text nodes cut into their edges, as in a large `drawing`: an edge label would
    # double every rank, and a dense layer's 256 edges then stacked 256 tall.
    def numbered(tail: Value, name: str, text: str) -> None:
        numbered_edge(dot, ids[tail], ids[node], name, text, rankdir="LR", large=True,
                       with_ids=False)

    if total is None:
        for edge in recorded.edges_of(node):
            numbered(edge.input, f"{ids[node]}in{edge.position}", number(edge.contribution))
        return
    count = len(total.parents) // 2
    edges = recorded.edges_of(total)[count:2 * count]
    largest = max((abs(edge.contribution) for edge in edges), default=0.0) or 1.0
    for k, edge in enumerate(edges):
        weight = total.parents[k].data
        if edge.input not in ids:  # a number given as a plain float: not drawn
            continue
        text = f"w {number(weight)}, back {number(edge.contribution)}"
        if count <= LABELLED_FAN_IN:
            numbered(edge.input, f"{ids[node]}in{k}",
                     f"w {number(weight)}\\nback {number(edge.contribution)}")
        else:  # dense: the numbers on hover, the width says how much flows back
            width = 0.4 + 2.6 * abs(edge.contribution) / largest
            dot.edge(ids[edge.input], ids[node], tooltip=text, edgetooltip=text,
                     penwidth=f"{width:.2f}",
                     color=GRAD_COLOUR if edge.contribution < 0 else LOCAL_COLOUR)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("&", "&amp;")
