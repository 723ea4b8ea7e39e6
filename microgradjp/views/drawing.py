"""Drawing a computation graph: `to_dot` builds a graphviz.Digraph, `render` writes a file.

The backward view of the seeds' apple figure: every edge carries the gradient that flows back
along it in one backward pass (upstream gradient times local derivative), every node its data
and its ``.grad``, all read from one `walk.record` pass; `draw` also hands out the ids it gave
each part, for the player. Finding and running a layout engine is `layout`'s job, the Digraph
that renders through it `digraph`'s; the same numbers as a text table are `table`'s.

Colours by role: input (a `Value` you made) blue, parameter (an `nn.Parameter`, or a leaf passed
in ``parameters=``) orange, constant (a number that appeared in the expression, such as the 2 in
``x * 2``) grey, output (the root) green, nodes made by ops white; each op is a small circle.
``legend=True`` draws this key beside the graph. No spoilers: a gradient is written only once it
exists (after ``backward()`` or the learner's own ``.grad = ...``); until then the edges show
where it will flow.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple, TypedDict, Unpack, get_args

import graphviz  # type: ignore[import-untyped]  # graphviz ships no type hints

from .._files import write_atomically
from ..core.node import Constant, Parameter, Value, has_gradient, nodes_under
from ..core.rules import TIMES
from ..core.walk import BackwardPass, record
from ..errors import message
from . import layout as _engines
from . import notebook
from .digraph import Drawing, DrawingError, check_choice
from .fonts import BUNDLED_FONT, uncovered
from .labels import (
    EdgeLabels,
    RankDir,
    data_text,
    edge_text,
    flow_text,
    grad_text,
    numbered_edge,
)
from .layout import EngineError, EngineNotFoundError, Layout, set_layout
from .neurons import neuron_dot
from .palette import CAPTION_COLOUR, GRAD_COLOUR, LATIN_FONT, LOCAL_COLOUR, ROLE_COLOURS
from .text import char_columns, ems, number_text, printable

# draw and DrawnIds serve the player; set_layout (layout's) and neuron_dot (neurons') are here
# for microgradjp.viz.
__all__ = ["DrawOptions", "DrawingError", "EngineError", "EngineNotFoundError", "Layout",
           "draw_dot", "neuron_dot", "notebook_bundle", "render", "set_layout", "to_dot"]

MAX_NODES = 1000  # past this, to_dot and draw refuse, saying how to draw less
# A Value shown in Jupyter draws itself up to this size, and only if the layout ends within
# NOTEBOOK_SECONDS: otherwise the cell shows text saying what to call, never a kernel blocked
# for minutes.
NOTEBOOK_MAX_NODES = 1000
NOTEBOOK_SECONDS = 5.0
# Where an edge's number goes (the rule docs/drawing.md states). Up to LARGE_GRAPH values it is
# the edge's label, which dot lays out as a node of its own in the middle of the edge, so no
# number sits on a box or on another number at any fan-in. Past it, dot's labels double every
# rank and a leaf used by 100 ops (x + x + ...) has edges crossing hundreds of ranks: the layout
# took minutes. There the number is a small text node of our own, cut into the edge just before
# the op it enters (a heavy edge keeps it there); the engines keep nodes apart, so it never sits
# on a box or a number either, and the edge keeps its one meaning: input, number, op. (A head
# label, tried before, is placed after the layout: fan-in 20 piled 9 numbers on the arrowhead.)
# Large graphs also take fewer network-simplex and crossing-minimisation rounds (nslimit,
# mclimit: Graphviz's knobs for "faster, a little less tidy").
LARGE_GRAPH = 60
# In a large graph, a leaf's use more than this many ops further along than its nearest use is
# drawn from a dashed copy of the leaf beside that use: x in x*1 + x*2 + ... + x*300 otherwise
# sends 300 edges across up to 600 ranks, and the layout grew with their cube (90 s at 300).
FAR_USE = 2
LARGE_GRAPH_LAYOUT = {"nslimit": "1", "mclimit": "0.3"}
FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf", ".dot": None, ".gv": None}
PictureFormat = Literal["svg", "png", "pdf"]
# A drawn line ends in "…" past this many columns (a full-width character takes two), and a label
# in "…" past this many lines: the Value keeps its full label; the box stays readable, and dot
# 2.43 refuses a quoted string over 16 KB.
LABEL_COLUMNS = 32
LABEL_LINES = 4
ELLIPSIS = "\N{HORIZONTAL ELLIPSIS}"
NODE_FONT_SIZE = 11
NODE_MARGIN = (0.1, 0.05)  # inches, left/right and top/bottom


class DrawnIds(NamedTuple):
    """The ids `draw` gave one node's parts: DOT names, and the ids of their SVG groups.

    ``box`` is the node's box, ``op`` its op circle, ``flow`` the edge from the op into the box
    (labelled with the gradient reaching the op), ``inputs`` the edge into the op from each
    input, by position (``None``: that input is outside a focus). A leaf has only a box.

    >>> _, ids = draw(record(Value(2.0, label="a") * 3), with_ids=True)
    >>> [ids[node] for node in ids]  # doctest: +NORMALIZE_WHITESPACE
    [DrawnIds(box='v0', op=None, flow=None, inputs=()),
     DrawnIds(box='v1', op=None, flow=None, inputs=()),
     DrawnIds(box='v2', op='v2op', flow='v2flow', inputs=('v2in0', 'v2in1'))]
    """

    box: str
    op: str | None = None
    flow: str | None = None
    inputs: tuple[str | None, ...] = ()


class DrawOptions(TypedDict, total=False):
    """The options of `to_dot`, which `render` passes on."""

    edge_labels: EdgeLabels
    rankdir: RankDir
    parameters: Iterable[Value]
    focus: Value | None
    depth: int
    max_nodes: int
    legend: bool
    font: str | None
    digits: int


def to_dot(
    root: Value, *, grads: Mapping[Value, float] | None = None, **options: Unpack[DrawOptions]
) -> graphviz.Digraph:
    """Return the graph under ``root`` as a ``graphviz.Digraph`` (it displays inline in Jupyter).

    Each node shows its label, data and ``.grad`` exactly as Python holds it (0 before any
    ``backward()``; on leaves, the sum over every ``backward()`` since ``zero_grad()``); each op
    is a node of its own. Each edge shows, in red, what one ``backward()`` from ``root`` sends
    along it (``edge_labels="grad"``: upstream times local), the local derivative (``"local"``),
    both as "upstream times local = grad" (``"both"``), or nothing (``"none"``); a caption under
    the graph says so, and says when a ``.grad`` differs from that flow. ``parameters=`` adds
    leaves to colour as parameters (`nn.Parameter` leaves always are). ``rankdir="TB"`` draws
    top to bottom. ``focus=node`` draws only the nodes within ``depth`` edges of it; past
    ``max_nodes`` nodes, DrawingError says how to draw less. ``font`` names a font family
    (default: a Japanese one when a label needs it); ``digits`` are significant digits.
    ``grads`` puts these numbers in the boxes instead of ``.grad``, with no caption: for a
    caller that explains its numbers itself (the step player shows the pass it plays).

    >>> a = Value(2.0, label="a")
    >>> y = (a * a).named("y"); y.backward()
    >>> dot = to_dot(y)
    >>> [line.strip() for line in dot.source.splitlines() if "->" in line]
    ['v1op -> v1 [label=1]', 'v0 -> v1op [label=2]', 'v0 -> v1op [label=2]']
    """
    _check_choices(options.get("edge_labels", "grad"), options.get("rankdir", "LR"))
    # Counted before recording a pass: a notebook cell holding a million-node loss is told
    # "too large" in a second, not after a backward pass over all of it.
    max_nodes = options.get("max_nodes", MAX_NODES)
    if options.get("focus") is None and (count := len(nodes_under(root))) > max_nodes:
        raise _too_many(root, count, max_nodes)
    return draw(record(root), grads=grads, **options)[0]


def draw(
    recorded: BackwardPass,
    *,
    edge_labels: EdgeLabels = "grad",
    rankdir: RankDir = "LR",
    parameters: Iterable[Value] = (),
    focus: Value | None = None,
    depth: int = 2,
    max_nodes: int = MAX_NODES,
    legend: bool = False,
    font: str | None = None,
    digits: int = 4,
    grads: Mapping[Value, float] | None = None,
    with_ids: bool = False,
) -> tuple[graphviz.Digraph, dict[Value, DrawnIds]]:
    """Return `to_dot`'s drawing of ``recorded``'s pass, and the ids it gave each drawn node.

    ``with_ids`` writes them into the DOT as each box's, op circle's and edge's ``id``, which
    both engines copy onto the SVG groups they draw: a caller that animates the picture (the
    player) finds its parts there. The other options are `to_dot`'s.

    >>> drawing, ids = draw(record(Value(3.0, label="x") ** 2), with_ids=True)
    >>> [ids[node].box for node in ids], drawing.source.count("id=v1in0")
    (['v0', 'v1'], 1)
    """
    _check_choices(edge_labels, rankdir)
    root, nodes, flows = recorded.root, list(recorded.nodes), recorded.grads
    if focus is not None:
        nodes = _around(nodes, focus, depth)
    if len(nodes) > max_nodes:
        raise _too_many(root, len(nodes), max_nodes)
    font = font or _font_for(nodes)
    large = len(nodes) > LARGE_GRAPH
    # SVG by default (graphviz's own default is PDF, which graphviz-pure cannot write), so
    # ``dot.render("gout")`` works after pip install alone.
    dot = Drawing(format="svg", graph_attr={"rankdir": rankdir, "fontname": font,
                              **(LARGE_GRAPH_LAYOUT if large else {})},
                  node_attr={"fontname": font, "fontsize": str(NODE_FONT_SIZE), "shape": "box",
                             "style": "rounded,filled",
                             "margin": ",".join(map(str, NODE_MARGIN))},
                  edge_attr={"fontname": font, "fontsize": "10", "arrowsize": "0.7",
                             "fontcolor": LOCAL_COLOUR if edge_labels == "local" else GRAD_COLOUR})
    parameter_set = set(parameters)
    number = functools.partial(number_text, digits=digits)

    def id_attribute(name: str) -> dict[str, str]:
        return {"id": name} if with_ids else {}  # to_dot's DOT stays as it always was

    far = _far_uses(nodes) if large else set()

    def numbered(tail: str, head: str, edge_id: str, text: str | None) -> None:
        numbered_edge(dot, tail, head, edge_id, text, rankdir=rankdir, large=large,
                       with_ids=with_ids)

    ids: dict[Value, DrawnIds] = {}
    for node in nodes:
        node_id = f"v{len(ids)}"
        ids[node] = DrawnIds(node_id)
        grad = _number_of(node.grad) if grads is None else grads[node]
        lines = [data_text(node.data, number), grad_text(grad, number)]
        if node.label:  # "" would draw an empty first line
            lines[:0] = _shorten(node.label)
        role = _role(node, root, parameter_set)
        dot.node(node_id, graphviz.nohtml("\\n".join(map(_escape, lines))), **id_attribute(node_id),
                 fillcolor=ROLE_COLOURS[role], **_fitting(lines, font))
        if not node.parents:
            continue
        op_id, flow_id = f"{node_id}op", f"{node_id}flow"
        symbol = _shorten(node.rule.drawn)  # the row's own circle text
        dot.node(op_id, graphviz.nohtml("\\n".join(map(_escape, symbol))), **id_attribute(op_id),
                 shape="circle", fillcolor="white", **_fitting(symbol, font))
        # What reaches the op from its output, once the output's gradient exists (a caller
        # passing grads= shows its own pass whole).
        flowing = edge_labels in ("grad", "both") and (grads is not None or has_gradient(node))
        numbered(op_id, node_id, flow_id, flow_text(flows[node], number) if flowing else None)
        inputs: list[str | None] = []
        for edge in recorded.edges_of(node):
            if edge.input in ids:
                inputs.append(edge_id := f"{node_id}in{edge.position}")
                # No spoilers: a gradient is written once it exists (a local derivative,
                # asked for by name, is no gradient).
                shown = edge_labels == "local" or grads is not None or has_gradient(edge.input)
                text = edge_text(edge, edge_labels, number) if shown else None
                tail = ids[edge.input].box
                if (node, edge.position) in far:
                    tail = f"{edge_id}c"  # a dashed copy of the leaf, beside this use
                    name = _escape(_copy_text(edge.input, number))
                    dot.node(tail, graphviz.nohtml(name), style="rounded,filled,dashed",
                             fillcolor=ROLE_COLOURS[_role(edge.input, root, parameter_set)],
                             tooltip=graphviz.nohtml(f"{name}: drawn again beside this use; "
                                                     "its numbers are in its solid box"))
                numbered(tail, op_id, edge_id, text)
            else:
                inputs.append(None)
        ids[node] = DrawnIds(node_id, op_id, flow_id, tuple(inputs))
        if hidden := inputs.count(None):  # inputs outside the focus: say how many
            dot.node(f"{op_id}_hidden", f"{hidden} more", shape="plaintext", style="")
            dot.edge(f"{op_id}_hidden", op_id, style="dashed")
    if legend:
        dot.node("legend", _legend(edge_labels, font), shape="plaintext", style="")
    if grads is None and (caption := _caption(root, nodes, flows, edge_labels, number)):
        dot.attr("graph", label=graphviz.nohtml(caption), labelloc="b", labeljust="l",
                 fontsize="9", fontcolor=CAPTION_COLOUR)
    return dot, ids


def draw_dot(root: Value, format: PictureFormat = "svg", rankdir: RankDir = "LR",
             **options: Any) -> graphviz.Digraph:
    """Return micrograd's ``draw_dot(root, format, rankdir)``: `to_dot`'s drawing in that format.

    For the code of the lecture and of micrograd's ``trace_graph.ipynb``: ``dot.render('gout')``
    writes ``gout.svg`` (pip alone is enough), and a notebook shows the Digraph inline. The
    options are `to_dot`'s.

    >>> x = Value(1.0, label="x"); y = (x * 2).named("y"); y.backward()
    >>> dot = draw_dot(y, format="svg", rankdir="TB"); dot.format
    'svg'
    """
    check_choice("format", format, get_args(PictureFormat))
    dot = to_dot(root, rankdir=rankdir, **options)
    dot.format = format
    return dot


def notebook_bundle(root: Value, include: Iterable[str] | None = None,
                    exclude: Iterable[str] | None = None) -> dict[str, str]:
    """Return what Jupyter shows for a `Value`: its graph as SVG (and as an HTML image, which
    a notebook that runs no script and trusts no SVG still shows), beside its repr as text.

    A graph past ``NOTEBOOK_MAX_NODES`` nodes, one whose layout takes over
    ``NOTEBOOK_SECONDS``, or a machine without an engine, gets the text only, with a line saying
    why and what to call instead.

    >>> bundle = notebook_bundle(Value(2.0, label="x") * 3)
    >>> sorted(bundle), bundle["text/plain"]
    (['image/svg+xml', 'text/html', 'text/plain'], 'Value(data=6.0, grad=0.0)')
    """
    wanted = set(include if include is not None
                 else ("image/svg+xml", "text/html", "text/plain"))
    wanted -= set(exclude or ())
    bundle = {"text/plain": repr(root)} if "text/plain" in wanted else {}
    if not wanted & {"image/svg+xml", "text/html"}:
        return bundle
    try:
        drawing = to_dot(root, max_nodes=NOTEBOOK_MAX_NODES)
        svg = _engines.pipe(drawing.source, "svg", timeout=NOTEBOOK_SECONDS).decode("utf-8")
        pictures = notebook.picture_bundle(svg, repr(root), f"the graph of {_short(root)}")
        bundle.update((kind, pictures[kind]) for kind in ("image/svg+xml", "text/html")
                      if kind in wanted)
    except (DrawingError, EngineError) as failure:  # a display must not raise: say why instead
        why, _, fix = str(failure).partition("; ")
        if not _engines.IN_BROWSER:  # in a browser, no file route helps: the error's fix does
            fix = ("write it to a file with microgradjp.viz.render(value, 'graph.svg'), or draw "
                   "part of it with microgradjp.viz.to_dot(value, focus=node, depth=2)")
        bundle["text/plain"] = f"{root!r}\n(graph not drawn: {why}; {fix})"
    return bundle


def render(
    root: Value,
    path: str | os.PathLike[str],
    *,
    engine: Literal["auto", "dot", "graphviz-pure"] = "auto",
    **options: Unpack[DrawOptions],
) -> Path:
    """Return the path written: the graph under ``root`` in the format its suffix names.

    ``.svg``, ``.png`` and ``.pdf`` go through a layout engine: the system Graphviz ``dot`` when
    it is on PATH, else the ``graphviz-pure`` command, on PATH or in this Python's scripts
    folder (``engine=`` picks one; graphviz-pure
    writes no PDF). ``.dot`` and ``.gv`` write the DOT source and need no engine. The options are
    `to_dot`'s. A PNG with Japanese labels that the engine cannot draw (graphviz-pure never can)
    is the engine's SVG drawn by resvg with a Japanese font found on this machine, or the one
    microgradjp ships; an SVG carries the glyphs of its Japanese text. A failed render leaves
    ``path`` as it was.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> render(Value(3.0, label="x") * 2, folder / "double.dot").read_text()[:9]
    'digraph {'
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise DrawingError(message(
            f"render(..., {str(path)!r})", f"cannot tell a format from the suffix {suffix!r}",
            f"end the path with one of {', '.join(FORMATS)}"))
    source = to_dot(root, **options).source
    fmt = FORMATS[suffix]
    data = source.encode("utf-8") if fmt is None else _engines.pipe(source, fmt, engine)
    write_atomically(path, data, make_folders=True)
    return path


def _check_choices(edge_labels: str, rankdir: str) -> None:
    check_choice("edge_labels", edge_labels, get_args(EdgeLabels))
    check_choice("rankdir", rankdir, get_args(RankDir))


def _too_many(root: Value, count: int, max_nodes: int) -> DrawingError:
    return DrawingError(message(
        f"drawing {_name(root)}", f"{count} nodes is more than max_nodes={max_nodes} (a layout "
        "that large is slow and unreadable)", "draw part of it with focus=node, depth=2 (the "
        "nodes within 2 edges of node), print it with microgradjp.trace.print_backward, or raise "
        "max_nodes"))


def _around(nodes: list[Value], focus: Value, depth: int) -> list[Value]:
    # The nodes within `depth` edges of focus, both ways: toward inputs and toward users.
    if focus not in set(nodes):
        raise DrawingError(message(
            f"focus={_name(focus)}", "that node is not in the graph being drawn",
            "pass a node that the root was computed from"))
    users: dict[Value, list[Value]] = {}
    for node in nodes:
        for parent in node.parents:
            users.setdefault(parent, []).append(node)
    near = {focus}
    frontier = [focus]
    for _ in range(depth):
        frontier = [n for node in frontier for n in (*node.parents, *users.get(node, ()))
                    if n not in near]
        near.update(frontier)
    return [node for node in nodes if node in near]


# What each mark of a drawing means, in both languages: the player's legend.
MARKS = {
    "input": ("input (a Value you made)", "入力(自分で作った Value)"),
    "parameter": ("parameter", "パラメータ"),
    "constant": ("constant (a number in the expression)", "定数(式の中の数)"),
    "output": ("output", "出力"),
    "made by an op": ("made by an op (the circle)", "演算(丸)の結果"),
    "more": ("\"N more\": inputs outside this view", "「N more」: この図の外にある入力 N 個"),
    "copy": ("dashed box: a leaf drawn again beside a far use", "点線の箱: 離れた所で使う葉の写し"),
}


def marks(recorded: BackwardPass, ids: Mapping[Value, DrawnIds]) -> list[tuple[str, str, str]]:
    """Return the legend of `draw`'s drawing: (fill colour, English, Japanese) per mark used.

    >>> recorded = record((Value(2.0, label="a") * 3).named("y"))
    >>> [english for _, english, _ in marks(recorded, draw(recorded)[1])][:2]
    ['input (a Value you made)', 'constant (a number in the expression)']
    """
    used = dict.fromkeys(_role(node, recorded.root, set()) for node in ids)
    if any(None in drawn.inputs for drawn in ids.values()):
        used["more"] = None
    if len(ids) > LARGE_GRAPH and _far_uses(list(ids)):
        used["copy"] = None
    return [(ROLE_COLOURS.get(mark, "white"), *MARKS[mark]) for mark in used]


def _role(node: Value, root: Value, parameters: set[Value]) -> str:
    if node is root:
        return "output"
    if node in parameters or isinstance(node, Parameter):
        return "parameter"
    if node.parents:
        return "made by an op"
    return "constant" if isinstance(node, Constant) else "input"


def _font_for(nodes: list[Value]) -> str:
    # Only Japanese (wide) text needs a special font; Latin text keeps the lighter Helvetica.
    text = "".join(f"{node.label or ''}{node.op}" for node in nodes)
    if not _engines.needs_cjk(text):
        return LATIN_FONT
    found = _engines.cjk_font()
    if found is None:  # only when the font microgradjp ships is missing from the install
        _engines.warn_once("no Japanese font was found, so Japanese labels may show as boxes; "
                           "reinstall microgradjp (its font file is missing), or "
                           + _engines.INSTALL_FONT)
    elif found == BUNDLED_FONT.family and (missing := uncovered(text)):
        _engines.warn_once(f"the characters {missing[:20]!r} are not in the font microgradjp "
                           "ships (kana and the 2,965 level-1 kanji), so they may show as boxes; "
                           + _engines.INSTALL_FONT)
    return found or LATIN_FONT


def _shorten(text: str) -> list[str]:
    # The lines to draw: at most LABEL_LINES, each at most LABEL_COLUMNS wide, cut with "…".
    lines = text.split("\n")
    if len(lines) > LABEL_LINES:
        lines = [*lines[:LABEL_LINES - 1], ELLIPSIS]
    return [_cut(line) for line in lines]


def _cut(line: str) -> str:
    columns = list(itertools.accumulate(map(char_columns, line)))
    if not columns or columns[-1] <= LABEL_COLUMNS:
        return line
    return line[:bisect.bisect_right(columns, LABEL_COLUMNS - 1)] + ELLIPSIS


def _fitting(lines: list[str], font: str) -> dict[str, str]:
    # A minimum width that holds the text, for engines that measure it too narrow (see
    # CHARACTER_EMS); Helvetica without full-width characters is measured right everywhere.
    shown = [printable(line) for line in lines]
    if font == LATIN_FONT and not _engines.needs_cjk("".join(shown)):
        return {}
    widest = max(ems(line) for line in shown)
    inches = widest * NODE_FONT_SIZE / 72 + 2 * NODE_MARGIN[0]
    return {"width": f"{inches:.2f}"}


def _escape(text: str) -> str:
    # Shown exactly as written: line breaks as DOT's own \n, other control characters as Python
    # escapes (\t), backslashes doubled (DOT reads \N, \l, \G as commands), & as &amp;
    # (Graphviz reads entities such as &alpha; even outside HTML labels). Quotes are the graphviz
    # package's job; nohtml() at the call stops a "<...>" label from becoming an HTML label.
    return "\\n".join(printable(line).replace("\\", "\\\\").replace("&", "&amp;")
                      for line in text.split("\n"))


def _name(node: Value) -> str:
    return repr(node.label) if node.label is not None else repr(node)


def _legend(edge_labels: EdgeLabels, font: str) -> str:
    # An HTML-like label: a small table, all of it our own text (nothing from users).
    meaning = {"grad": "gradient flowing back", "local": "local derivative",
               "both": f"upstream {TIMES} local = gradient flowing back", "none": ""}[edge_labels]
    # Each cell gets a node's minimum width, for engines that measure this font too narrow
    # (a table's own width does not stretch its cells).
    fit = _fitting([*ROLE_COLOURS, f"edge: {meaning}"], font)
    width = f' width="{float(fit["width"]) * 72:.0f}"' if fit else ""
    rows = [f'<tr><td bgcolor="{colour}"{width}>{role}</td></tr>'
            for role, colour in ROLE_COLOURS.items()]
    if meaning:
        colour = LOCAL_COLOUR if edge_labels == "local" else GRAD_COLOUR
        rows.append(f'<tr><td{width}><font color="{colour}">edge: {meaning}</font></td></tr>')
    return f'<<table border="0" cellborder="1" cellspacing="2">{"".join(rows)}</table>>'


def _far_uses(nodes: list[Value]) -> set[tuple[Value, int]]:
    # (op node, position) of each use of a leaf more than FAR_USE ops nearer the root than its
    # use furthest from it: dot ranks each node by its longest path to the root, roughly, and
    # puts the leaf just before that furthest use. Nodes come in creation order.
    height: dict[Value, int] = dict.fromkeys(nodes, 0)
    uses: dict[Value, list[tuple[Value, int]]] = {}
    for node in reversed(nodes):  # every user before the nodes it uses
        for position, parent in enumerate(node.parents):
            if parent in height:
                height[parent] = max(height[parent], height[node] + 1)
            if not parent.parents:
                uses.setdefault(parent, []).append((node, position))
    far: set[tuple[Value, int]] = set()
    for used in uses.values():
        furthest = max(height[node] for node, _ in used)
        far.update(use for use in used if furthest - height[use[0]] > FAR_USE)
    return far


def _copy_text(leaf: Value, number: functools.partial[str]) -> str:
    # What a leaf's dashed copy says: its name, or its number when it has none.
    return _shorten(leaf.label)[0] if leaf.label else number(leaf.data)


def _caption(root: Value, nodes: list[Value], flows: Mapping[Value, float],
             edge_labels: EdgeLabels, number: functools.partial[str]) -> str:
    # The boxes show .grad, the edges one pass's flow: say which is which, and say where they
    # differ, so a learner never reconciles numbers that are not meant to agree.
    lines = []
    computed = [node for node in nodes if has_gradient(node)]
    if edge_labels in ("grad", "both") and computed:
        lines += [f"red on an edge: what one backward() from {_short(root)} sends back on it",
                  "grad in a box: that node's .grad, as Python shows it"]
    if not computed:
        lines += ["no gradient yet: the arrows show where backward() will send them; run "
                  f"{_short(root)}.backward(), or work them out and set .grad yourself"]
    else:
        if len(computed) < len(nodes) and edge_labels != "local":
            lines += [f"{len(nodes) - len(computed)} node(s) have no gradient yet: their edges "
                      "stay blank until backward() or your own .grad = ..."]
        differ = [node for node in computed
                  if not math.isclose(_number_of(node.grad), flows.get(node, 0.0),
                                      rel_tol=1e-9, abs_tol=1e-12)]
        if differ:
            example = differ[0]
            lines += [f"{len(differ)} node(s) hold a .grad other than this pass's flow (e.g. "
                      f"{_short(example)}: .grad {number(_number_of(example.grad))}, this pass "
                      f"{number(flows.get(example, 0.0))}):",
                      "leaves add up every backward() until zero_grad(); other nodes keep "
                      "the latest backward(), from whichever root"]
    return "\\l".join(_escape(line) for line in lines) + "\\l" if lines else ""


def _number_of(grad: float | Value) -> float:
    # After backward(create_graph=True) a leaf's grad is a Value: its box shows the number.
    return grad.data if isinstance(grad, Value) else float(grad)


def _short(node: Value) -> str:
    # The op as its circle shows it: "the \N{MULTIPLICATION SIGN} node", never "the * node".
    return node.label if node.label else f"the {node.rule.drawn if node.parents else 'leaf'} node"
