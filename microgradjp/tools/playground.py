"""What the playground page asks of Python: an expression's drawing, step player and chain-rule
sums; a gradient-descent step; a practice round that checks the learner's gradients.

The page (playground/ in the repository) runs this module under Pyodide, with viz-js as the
layout (`viz.set_layout`); every answer is plain data (numbers, strings, lists, dicts) that the
page's script turns into text nodes. Expressions use the command line's grammar (`expr`): no eval.
"""

from __future__ import annotations

import functools
import math
import xml.etree.ElementTree as ElementTree
from collections.abc import Mapping
from typing import Any, NamedTuple

from ..core.node import Constant, Value
from ..core.walk import BackwardPass, Edge, record
from ..errors import MicrogradError
from ..views import layout as _engines
from ..views.drawing import draw
from ..views.labels import GRAD_LINE
from ..views.pictures import SVG_NS, serialise
from ..views.player import UNKNOWN, Player
from ..views.storyboard import _name as _caption_name
from ..views.storyboard import frames_of
from ..views.text import number_text
from .expr import evaluate, variables

__all__ = ["EXAMPLES", "Example", "Practice", "descend", "show"]

DEFAULT_INPUT = 1.0  # a variable the learner has just typed starts here
TRIES_BEFORE_REVEAL = 2  # wrong answers before the page offers to show the gradient
_number = functools.partial(number_text, digits=4)  # as the drawings write numbers


class Example(NamedTuple):
    """An expression the page offers ready to run, with its inputs and its titles."""

    text: str
    inputs: dict[str, float]
    title: str
    title_ja: str


EXAMPLES = {
    "apple": Example("りんご * 個数 * 消費税", {"りんご": 100.0, "個数": 2.0, "消費税": 1.1},
                     "Buying apples (Deep Learning from Scratch, chapter 5)",
                     "りんごの買い物(ゼロから作るDeep Learning 5章)"),
    "cs231n": Example("(x + y) * z", {"x": -2.0, "y": 5.0, "z": -4.0},
                      "The CS231n circuit: f = (x + y) z", "CS231n の回路: f = (x + y) z"),
}


def show(text: str, inputs: Mapping[str, float]) -> dict[str, Any]:
    """Return what the page shows for ``text`` at ``inputs`` (a missing variable starts at 1).

    ``svg`` is the finished drawing (every value, gradient and edge flow), ``boxes`` the DOT
    name of each node's box with its chain-rule sum in English and Japanese, ``player`` the step
    player as a page; a text outside the grammar gives ``error`` instead.

    >>> shown = show("(x + y) * z", {"x": -2, "y": 5, "z": -4})
    >>> shown["value"], shown["inputs"], shown["grads"]
    (-12.0, {'x': -2.0, 'y': 5.0, 'z': -4.0}, {'x': -4.0, 'y': -4.0, 'z': 3.0})
    """
    try:
        at = {name: float(inputs.get(name, DEFAULT_INPUT)) for name in variables(text)}
        root = evaluate(text, at)
        recorded = record(root)
        player = Player(root)
    except MicrogradError as error:
        return {"error": str(error)}
    drawing, ids = draw(recorded, edge_labels="both", grads=recorded.grads, with_ids=True)
    sums: dict[Value, list[list[str]]] = {}  # the step player's captions of each node's sum
    for frame in frames_of(recorded):
        if frame.kind == "seed" and frame.node is not None:
            sums[frame.node] = [[frame.caption, frame.caption_ja]]
        elif frame.kind == "backward" and frame.input is not None:
            sums.setdefault(frame.input, []).append([frame.caption, frame.caption_ja])
    leaves = {node.label: node for node in recorded.nodes if not node.parents and node.label}
    return {"value": root.data, "inputs": at,
            "grads": {name: recorded.grads[leaves[name]] for name in at if name in leaves},
            "svg": _svg(drawing.source), "player": player.html(),
            "boxes": {ids[node].box: {"title": _chain_title(node, recorded),
                                      "lines": sums.get(node, [])} for node in ids}}


def _chain_title(node: Value, recorded: BackwardPass) -> list[str]:
    # Above a node's chain-rule lines: its gradient, and how many uses add up to it.
    name, number = _called(node), _number(recorded.grads[node])
    if node is recorded.root:
        return [f"{name} is the output: its gradient is {number}",
                f"{name} は出力です。勾配は {number}"]
    uses = sum(edge.input is node for edge in recorded.edges)
    return [f"{name}: its gradient is {number}" + (f", the sum over its {uses} uses"
                                                   if uses > 1 else ""),
            f"{name} の勾配は {number}" + (f"({uses} か所からの和)" if uses > 1 else "")]


def descend(text: str, inputs: Mapping[str, float], rate: float) -> dict[str, Any]:
    """Return the inputs after one gradient-descent step on ``text``: x - rate * df/dx each.

    >>> step = descend("x * x", {"x": 3.0}, 0.25)
    >>> step["inputs"], step["before"], step["after"]
    ({'x': 1.5}, 9.0, 2.25)
    """
    shown = show(text, inputs)
    if "error" in shown:
        return shown
    if not math.isfinite(rate):
        return {"error": f"learning rate {rate!r}: it must be a finite number; type 0.1, say"}
    moved = {name: value - rate * shown["grads"].get(name, 0.0)
             for name, value in shown["inputs"].items()}
    after = show(text, moved)
    if "error" in after:
        return after
    return {"inputs": moved, "before": shown["value"], "after": after["value"]}


class Practice:
    """A practice round: the learner types each node's gradient, newest node first.

    The root's gradient (1) is given. A node's gradient shows in the drawing only once the
    learner has it right (or asked to see it), so nothing ahead is given away; a wrong answer is
    told which local derivative to check, in English and Japanese.

    >>> round = Practice("(x + y) * z", {"x": -2, "y": 5, "z": -4})
    >>> round.state()["question"][0]
    'What is the gradient of the output with respect to z?'
    >>> round.answer("3")["correct"], round.state()["question"][0]
    (True, 'What is the gradient of the output with respect to x + y?')
    """

    def __init__(self, text: str, inputs: Mapping[str, float]) -> None:
        at = {name: float(inputs.get(name, DEFAULT_INPUT)) for name in variables(text)}
        self.root = evaluate(text, at)
        self.recorded: BackwardPass = record(self.root)
        self.root.grad = 1.0  # the seed is given: dL/dL = 1
        self.asking = [node for node in reversed(self.recorded.nodes)
                       if node is not self.root and not isinstance(node, Constant)]
        self.wrong = 0

    def state(self) -> dict[str, Any]:
        """Return the drawing so far, the box asked about and the question (English, Japanese)."""
        drawing, ids = draw(self.recorded, edge_labels="both", with_ids=True)
        svg = ElementTree.fromstring(_svg(drawing.source))
        boxes = {ids[node].box for node in self.asking}
        for group in svg.iter(f"{{{SVG_NS}}}g"):
            if group.get("id") in boxes:  # Python holds 0 there; the learner is asked for it
                group.findall(f"{{{SVG_NS}}}text")[GRAD_LINE].text = f"grad {UNKNOWN}"
        state: dict[str, Any] = {"svg": serialise(svg), "done": not self.asking,
                                 "reveal": self.wrong >= TRIES_BEFORE_REVEAL}
        if self.asking:
            node = self.asking[0]
            state["box"] = ids[node].box
            state["question"] = [
                f"What is the gradient of the output with respect to {_called(node)}?",
                f"出力の {_called(node)} についての勾配(微分)はいくつ?"]
        return state

    def answer(self, typed: str) -> dict[str, Any]:
        """Return whether ``typed`` is the asked node's gradient, and what to check if not."""
        node = self.asking[0]
        right = self.recorded.grads[node]
        try:
            given = float(typed.replace("\N{MINUS SIGN}", "-"))
        except ValueError:
            return {"correct": False, "reveal": self.wrong >= TRIES_BEFORE_REVEAL, "feedback": [
                f"{typed!r} is not a number: type one, such as -4 or 0.5",
                f"{typed!r} は数ではありません。-4 や 0.5 のように入力してください"]}
        if _close(given, right):
            self._accept(node)
            return {"correct": True, "feedback": ["Right.", "正解です。"]}
        self.wrong += 1
        return {"correct": False, "feedback": diagnose(self.recorded, node, given),
                "reveal": self.wrong >= TRIES_BEFORE_REVEAL}

    def reveal(self) -> None:
        """Give the asked node's gradient (after wrong tries): the round moves on."""
        self._accept(self.asking[0])

    def _accept(self, node: Value) -> None:
        node.grad = self.recorded.grads[node]  # the learner's own .grad = ..., as in Python
        self.asking.pop(0)
        self.wrong = 0


def diagnose(recorded: BackwardPass, node: Value, given: float) -> list[str]:
    """Return, in English and Japanese, what a wrong gradient ``given`` for ``node`` points at.

    The gradient is the sum over the node's uses of upstream x local. Recognised slips are named
    (one use only or one left out, the local derivative alone, the other input's local
    derivative); otherwise each use's local derivative to check. The right number is not given.

    >>> x = Value(3.0, label="x")
    >>> diagnose(record((x * x).named("y")), x, 3.0)[0]  # doctest: +NORMALIZE_WHITESPACE
    'x is used 2 times (at y and y): its gradient is the sum of what flows back along each use;
     your answer counts one use only'
    """
    uses = [edge for edge in recorded.edges if edge.input is node]
    if len(uses) == 1:
        return _one_use(recorded, uses[0], given)
    name, count = _called(node), len(uses)
    where, where_ja = " and ".join(_called(e.node) for e in uses), "、".join(
        _called(e.node) for e in uses)
    summed = (f"{name} is used {count} times (at {where}): its gradient is the sum of what flows "
              "back along each use", f"{name} は {count} か所({where_ja})で使われています。"
              "勾配は各所から流れてくる値の和です")
    if any(_close(given, edge.contribution) for edge in uses):
        return [f"{summed[0]}; your answer counts one use only",
                f"{summed[1]}。答えは 1 か所の分だけです。"]
    if any(_close(given, recorded.grads[node] - edge.contribution) for edge in uses):
        return [f"{summed[0]}; your answer leaves one out", f"{summed[1]}。1 か所が抜けています。"]
    hints = list(dict.fromkeys(_check_local(edge) for edge in uses))  # x * x: one hint
    return [f"{summed[0]}; check each: {'; '.join(hint[0] for hint in hints)}",
            f"{summed[1]}。それぞれ確かめましょう: {''.join(hint[1] for hint in hints)}"]


def _one_use(recorded: BackwardPass, edge: Edge, given: float) -> list[str]:
    # A node used once gets upstream x local: the slips a learner makes there, each named.
    user, upstream = _called(edge.node), _number(edge.upstream)
    if _close(given, edge.local) and not _close(edge.upstream, 1.0):
        return [f"that is the local derivative alone: multiply it by the gradient reaching "
                f"{user} from above ({upstream})",
                f"それは局所的な微分だけです。上から {user} に届く勾配 {upstream} を掛けましょう。"]
    others = [other for other in recorded.edges_of(edge.node)
              if other.input is not edge.input and _close(given, other.contribution)]
    if others:
        other = _called(others[0].input)
        return [f"that is the local derivative of {user} with respect to {other}, the other "
                f"input; this one is with respect to {_called(edge.input)}",
                f"それは {user} のもう一方の入力 {other} についての局所的な微分です。"
                f"ここで必要なのは {_called(edge.input)} についての微分です。"]
    return list(_check_local(edge))


def _close(given: float, right: float) -> bool:
    return math.isclose(given, right, rel_tol=1e-6, abs_tol=1e-9)


def _check_local(edge: Edge) -> tuple[str, str]:
    # Which local derivative to check: at which op, for which input, with the upstream (already
    # known) and the op's own reason (its rule row's "why"); never the local number itself.
    user = _called(edge.node)
    local = f"d({user})/d({_called(edge.input)})"
    en = (f"the gradient reaching {user} is {_number(edge.upstream)}; check the local derivative "
          f"{local}")
    ja = (f"{user} に届く勾配は {_number(edge.upstream)} です。局所的な微分 {local} を確かめま"
          "しょう")
    if edge.node.rule.why:
        en, ja = f"{en} ({edge.node.rule.why[0]})", f"{ja}({edge.node.rule.why[1]})"
    return en, f"{ja}。"


def _called(node: Value) -> str:
    # A node is named as the step player's captions name it: label, number, or formula.
    return _caption_name(node, _number)


def _svg(source: str) -> str:
    return _engines.pipe(source, "svg").decode("utf-8")
