"""Edge numbers never sit on a box or on each other, at any fan-in, in both engines.

Measured in the SVG each engine writes: every number's text box (0.6 em a character, the height
of the font) against every node's outline and every other number. The rule is drawing.py's
(docs/drawing.md): a label up to LARGE_GRAPH values, a text node of its own past it.
"""

import re
import xml.etree.ElementTree as ElementTree

import pytest

from microgradjp import Value
from microgradjp.core.walk import record
from microgradjp.nn import MLP
from microgradjp.nn.losses import cross_entropy, mean
from microgradjp.views import layout as engines
from microgradjp.views.drawing import FAR_USE, LARGE_GRAPH, to_dot
from microgradjp.views.labels import edge_text
from microgradjp.views.player import Player
from microgradjp.views.text import number_text as _number_text

ENGINES = [pytest.param("dot", marks=pytest.mark.system_dot), "graphviz-pure"]
SVG = "{http://www.w3.org/2000/svg}"
Box = tuple[float, float, float, float]


def number_text(x):
    return _number_text(x, 4)  # the drawing's default digits


def weighted_mean(fan_in):
    """mean(x_k * w_k) over fan_in pairs, after backward: fan_in numbers converge on one op."""
    xs = [Value(0.1 * (k + 1), label=f"x{k}") for k in range(fan_in)]
    ws = [Value(0.5 - 0.013 * k, label=f"w{k}") for k in range(fan_in)]
    loss = mean([x * w for x, w in zip(xs, ws, strict=True)]).named("loss")
    loss.backward()
    return loss


def mlp_loss():
    """The issue's case: one sample's cross entropy through MLP(2, [8, 8, 3], tanh)."""
    loss = cross_entropy(MLP(2, [8, 8, 3], activation="tanh", seed=1)([0.5, -1.0]), 1)
    loss.backward()
    return loss


def text_box(text):
    size = float(text.get("font-size", "10"))
    x, y, width = float(text.get("x")), float(text.get("y")), 0.6 * size * len(text.text or "")
    left = {"middle": x - width / 2, "end": x - width}.get(text.get("text-anchor"), x)
    return (left, y - 0.75 * size, left + width, y + 0.2 * size)


def outline(group) -> Box | None:
    # A node's drawn outline: its polygon, ellipse or path points (None: a text-only node).
    xs, ys = [], []
    for shape in group.iter():
        if shape.tag in (f"{SVG}polygon", f"{SVG}polyline"):
            points = [point.split(",") for point in shape.get("points").split()]
            xs += [float(x) for x, _ in points]
            ys += [float(y) for _, y in points]
        elif shape.tag == f"{SVG}ellipse":
            cx, cy, rx, ry = (float(shape.get(k)) for k in ("cx", "cy", "rx", "ry"))
            xs += [cx - rx, cx + rx]
            ys += [cy - ry, cy + ry]
        elif shape.tag == f"{SVG}path":
            numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", shape.get("d"))]
            xs += numbers[0::2]
            ys += numbers[1::2]
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def boxes(svg: str) -> tuple[list[Box], list[tuple[str, Box]]]:
    """Return the node outlines and the edge numbers (text, box) drawn in ``svg``."""
    nodes, numbers = [], []
    for group in ElementTree.fromstring(svg).iter(f"{SVG}g"):
        if group.get("class") == "edge":
            numbers += [(t.text, text_box(t)) for t in group.iter(f"{SVG}text")]
        elif group.get("class") == "node":
            box = outline(group)
            if box is not None:
                nodes.append(box)
            elif re.search(r"in\d+n$|flown$", group.findtext(f"{SVG}title") or ""):
                numbers += [(t.text, text_box(t)) for t in group.iter(f"{SVG}text")]
    return nodes, numbers


def overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def overlaps(svg):
    """Return how many numbers sit on a node, and how many on another number."""
    nodes, numbers = boxes(svg)
    on_node = sum(any(overlap(box, node) for node in nodes) for _, box in numbers)
    on_number = sum(any(overlap(box, other) for j, (_, other) in enumerate(numbers) if j != i)
                    for i, (_, box) in enumerate(numbers))
    return on_node, on_number


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("fan_in", [2, 5, 10, 20, 35, 50])
def test_edge_numbers_sit_on_no_box_and_no_other_number(engine, fan_in):
    loss = weighted_mean(fan_in)
    svg = engines.pipe(to_dot(loss).source, "svg", engine).decode()
    drawn = sorted(text for text, _ in boxes(svg)[1])
    recorded = record(loss)
    expected = sorted([edge_text(edge, "grad", number_text) for edge in recorded.edges]
                      + [number_text(recorded.grads[node]) for node in recorded.nodes
                         if node.parents])
    assert drawn == expected  # every edge still says what backward sends along it
    assert overlaps(svg) == (0, 0)


@pytest.mark.parametrize("engine", ENGINES)
def test_an_mlp_loss_numbers_sit_on_no_box_and_no_other_number(engine):
    # Before: 192 of its 309 numbers sat on a node or on another number (head labels).
    svg = engines.pipe(to_dot(mlp_loss()).source, "svg", engine).decode()
    assert len(boxes(svg)[1]) > LARGE_GRAPH
    assert overlaps(svg) == (0, 0)


@pytest.mark.parametrize("engine", ENGINES)
def test_upstream_times_local_numbers_sit_apart_too(engine):
    svg = engines.pipe(to_dot(weighted_mean(20), edge_labels="both").source, "svg",
                       engine).decode()
    assert overlaps(svg) == (0, 0)


def chain(terms):
    """x*1 + x*2 + ... + x*terms: one leaf used by ops all along a chain of sums."""
    x = Value(0.5, label="x")
    total = x * 1
    for k in range(2, terms + 1):
        total = total + x * k
    total.backward()
    return x, total


def test_far_uses_of_a_leaf_are_drawn_from_dashed_copies_beside_them():
    _, total = chain(40)
    source = to_dot(total).source
    box = re.search(r"\t(v\d+) \[label=\"x\\ndata", source).group(1)
    copies = re.findall(r"\t(\w+c) \[label=x .*dashed", source)
    # The solid box feeds the uses within FAR_USE sums of its furthest (x*1 and x*2 meet in the
    # first sum: FAR_USE + 2 uses); each other use has its copy, and no edge is lost.
    assert len(re.findall(rf"\t{box} -> ", source)) == FAR_USE + 2
    assert len(copies) == 40 - (FAR_USE + 2)
    assert all(len(re.findall(rf"\t{copy} -> ", source)) == 1 for copy in copies)


def test_a_small_graph_keeps_its_labels_and_its_one_box_per_leaf():
    _, total = chain(5)
    source = to_dot(total).source
    assert "dashed" not in source
    assert not re.search(r"\t\w+n \[", source)  # no number drawn as a node of its own
    assert len(re.findall(r" -> .*\[label=", source)) == source.count(" -> ")


def test_a_large_players_last_frame_writes_every_number_the_drawing_has():
    loss = weighted_mean(25)
    player = Player(loss)
    *_, (_, texts, hot) = player.states()
    assert texts == player.finished()
    products = [text for text in texts.values() if "\N{MULTIPLICATION SIGN}" in text]
    assert len(products) == len(record(loss).edges)
    assert hot  # the last step lights its edge, its number and the edge's second half
