"""The forward and backward pass as a sequence of frames, for a learner to step through.

Forward: one frame with the inputs, then one per node made by an op, oldest first. Backward: one
frame for the seed gradient, then one per edge of `walk.record`'s pass (the engine's own walk,
in its order), each written as "upstream x local = contribution" with fan-out shown as a sum.
Captions come in English and Japanese. Drawing them is `player`'s job.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Container
from typing import Literal, NamedTuple

from ..core import rules
from ..core.node import Value
from ..core.walk import BackwardPass, record
from .text import number_text, printable

__all__ = ["Frame", "Kind", "frames", "frames_of"]

Kind = Literal["inputs", "forward", "seed", "backward"]
MAX_LISTED_INPUTS = 8  # the inputs frame lists up to this many leaves, else says how many
MAX_LISTED_TERMS = 6  # a fan-out sum shows this many terms, the last one included
MAX_OPERANDS = 3  # a name written as op(a, b, c) lists this many inputs, else first and last
MAX_NAME = 40  # characters of a label in a caption, the ellipsis included
TIMES = rules.TIMES
_Formatter = Callable[[float], str]
_Namer = Callable[[Value], str]


class Frame(NamedTuple):
    """One step of the pass; backward frames carry one edge: ``node`` pushes to ``input``.

    ``upstream`` is d root / d node, ``local`` d node / d input (the rule's partial here),
    ``contribution`` their product, ``terms`` every contribution ``input`` has had so far (this
    one last) and ``total`` their running sum: at the last frame, every ``total`` is ``.grad``.

    >>> x = Value(3.0, label="x")
    >>> last = frames((x * 2).named("y"))[-2]
    >>> last.kind, last.input.label, last.upstream, last.local, last.contribution
    ('backward', 'x', 1.0, 2.0, 2.0)
    """

    kind: Kind
    node: Value | None  # the node computed (forward) or pushing gradient (seed, backward)
    caption: str
    caption_ja: str
    input: Value | None = None
    position: int = 0  # which of node.parents: a * a has two edges into the same input
    upstream: float = 0.0
    local: float = 0.0
    contribution: float = 0.0
    terms: tuple[float, ...] = ()
    total: float = 0.0


def frames(root: Value, *, digits: int = 4) -> list[Frame]:
    """Return the frames of one forward and one backward pass from ``root`` (gradient 1).

    The gradients come from the same walk as ``backward()``; ``.grad`` is neither read nor
    changed. ``digits`` are the significant digits of the numbers in the captions.

    >>> a = Value(2.0, label="a")
    >>> [frame.caption for frame in frames((a + a).named("y"))]  # doctest: +NORMALIZE_WHITESPACE
    ['Forward pass: the inputs are a = 2.',
     'Forward: y = a + a = 2 + 2 = 4.',
     'Backward pass starts at y: dy/dy = 1.',
     'Backward through y: the gradient for a is upstream 1 \N{MULTIPLICATION SIGN} local 1 = 1
      (+ passes the gradient on unchanged).',
     'Backward through y: the gradient for a is upstream 1 \N{MULTIPLICATION SIGN} local 1 = 1
      (+ passes the gradient on unchanged); a is used 2 times, so its gradient is the sum
      1 + 1 = 2.']
    """
    return frames_of(record(root), digits=digits)


def frames_of(recorded: BackwardPass, *, digits: int = 4,
              drawn: Container[Value] | None = None) -> list[Frame]:
    """Return the frames of ``recorded``: its forward pass, then its backward pass edge by edge.

    ``drawn`` (a player's focus) keeps the frames about those nodes, and of the others only the
    backward frames into a drawn input, without captions (they carry its running total): a
    focus on a few nodes of a huge graph writes a few captions, not a million.

    >>> [frame.kind for frame in frames_of(record(Value(2.0, label="a") * 3))]
    ['inputs', 'forward', 'seed', 'backward', 'backward']
    """
    number = functools.partial(number_text, digits=digits)
    name = functools.partial(_name, number=number)
    root, ordered = recorded.root, recorded.nodes
    leaves = [node for node in ordered if not node.parents and node.label]  # constants show
    listed = ", ".join(f"{name(leaf)} = {number(leaf.data)}" for leaf in leaves)
    inputs = (f"Forward pass: the inputs are {listed or 'given'}.",
              f"順伝播: 入力は {listed.replace(', ', '、') or '与えられた値'}。")
    if len(leaves) > MAX_LISTED_INPUTS:  # a network's: a summary fits the frame, a list does not
        inputs = (f"Forward pass: {len(leaves)} inputs are given; each input's box shows its "
                  "number.", f"順伝播: 入力は {len(leaves)} 個。各入力の箱にその値があります。")
    result = [Frame("inputs", None, *inputs)]
    for node in ordered:
        if node.parents and (drawn is None or node in drawn):
            formula = _formula(node, name, number)
            result.append(Frame("forward", node, f"Forward: {formula}.", f"順伝播: {formula}。"))
    seed = f"d{_bracketed(name(root))}/d{_bracketed(name(root))} = 1"
    result.append(Frame("seed", root, f"Backward pass starts at {name(root)}: {seed}.",
                        f"逆伝播は {name(root)} から始まる: {seed}。"))
    result += _backward_frames(recorded, name, number, drawn)
    return result


def _backward_frames(recorded: BackwardPass, name: _Namer, number: _Formatter,
                     drawn: Container[Value] | None) -> list[Frame]:
    totals: dict[Value, float] = {}
    terms: dict[Value, tuple[float, ...]] = {}
    result = []
    for node in reversed(recorded.nodes):  # the order backward visits them, newest first
        upstream = recorded.grads[node]
        for edge in recorded.edges_of(node):
            parent, local, contribution = edge.input, edge.local, edge.contribution
            # The walk added each contribution into grads in this order, with these float
            # additions, so each running total is what the walk had then, bit for bit.
            previous = totals.get(parent)
            totals[parent] = total = contribution if previous is None else previous + contribution
            terms[parent] = (*terms.get(parent, ()), contribution)
            if drawn is not None and node not in drawn:  # outside a focus: no caption
                if parent in drawn:
                    result.append(Frame("backward", node, "", "", parent, edge.position,
                                        upstream, local, contribution, terms[parent], total))
                continue
            caption = (f"Backward through {name(node)}: the gradient for {name(parent)} is "
                       f"upstream {number(upstream)} {TIMES} local {number(local)} = "
                       f"{number(contribution)}")
            caption_ja = (f"逆伝播 {name(node)}: {name(parent)} の微分は 上流の勾配 "
                          f"{number(upstream)} {TIMES} 局所的な微分 {number(local)} = "
                          f"{number(contribution)}")
            if node.rule.why:  # why the local derivative is what it is, from the op's row
                caption += f" ({node.rule.why[0]})"
                caption_ja += f"({node.rule.why[1]})"
            if len(terms[parent]) > 1:  # fan-out: the gradients of every use add up
                shown = [number(term) for term in terms[parent]]
                if len(shown) > MAX_LISTED_TERMS:  # a weight shared by many uses
                    shown[MAX_LISTED_TERMS - 2:-1] = ["\N{HORIZONTAL ELLIPSIS}"]
                summed = " + ".join(shown)
                caption += (f"; {name(parent)} is used {len(terms[parent])} times, so its "
                            f"gradient is the sum {summed} = {number(total)}")
                caption_ja += (f"。{name(parent)} は {len(terms[parent])} か所で使われるので、"
                               f"勾配は和 {summed} = {number(total)}")
            result.append(Frame("backward", node, f"{caption}.", f"{caption_ja}。", parent,
                                edge.position, upstream, local, contribution, terms[parent],
                                total))
    return result


def _name(node: Value, number: _Formatter, depth: int = 3) -> str:
    # A label, else a constant's number, else the op applied to its inputs' names, three levels
    # deep ("(x + y) times z"): the caption must point at something visible in the drawing.
    if node.label:  # shortened: a caption line is as wide as the pictures' frames
        label = printable(node.label)
        return label if len(label) <= MAX_NAME else f"{label[:MAX_NAME - 1]}\N{HORIZONTAL ELLIPSIS}"
    if not node.parents:
        return number(node.data)
    if depth == 0:
        return "…"
    return _apply(node.rule, [_name(p, number, depth - 1) for p in node.parents])


def _bracketed(shown: str) -> str:
    # "a + b" or a negative number is bracketed as an operand or in d(...)/d(...): (a + b) * (-4).
    return f"({shown})" if " " in shown or shown.startswith("-") else shown


def _apply(rule: rules.Rule, shown: list[str]) -> str:
    op = rule.name
    if op.isidentifier():
        if len(shown) > MAX_OPERANDS:  # a neuron's weighted sum: its first and last, counted
            return f"{op}({shown[0]}, \N{HORIZONTAL ELLIPSIS}, {shown[-1]}: {len(shown)} inputs)"
        return f"{op}({', '.join(shown)})"
    if op.startswith("**") and len(shown) == 1:  # a fixed exponent such as **2
        return f"{_bracketed(shown[0])}**{op[2:]}"
    symbol = rule.symbol
    shown = [_bracketed(operand) for operand in shown]
    return f"{symbol}{shown[0]}" if len(shown) == 1 else f" {symbol} ".join(shown)


def _formula(node: Value, name: _Namer, number: _Formatter) -> str:
    # "y = a * b = 2 * 3 = 6" (with a times sign); an unlabelled node's name already is "a * b".
    by_value = _apply(node.rule, [number(p.data) for p in node.parents])
    steps = [name(node), by_value, number(node.data)]
    if node.label:
        steps.insert(1, _apply(node.rule, [name(p) for p in node.parents]))
    return " = ".join(dict.fromkeys(steps))
