"""Step through the forward and backward pass: an HTML player, numbered frames, an animation.

One recorded pass (`walk.record`) feeds both the picture and the frames. The graph is laid out
once (`drawing.draw` with "upstream x local = grad" on every edge, as the finished drawing shows
it), and the drawing hands out the id of every box, op circle and edge, which the engines put on
the SVG groups; each frame of `storyboard.frames_of` then says which texts of that one picture
are known yet and which groups to highlight, written by the drawing's own text functions. The
player applies that with a few lines of JavaScript; `save_frames` applies it in Python.
"""

from __future__ import annotations

import functools
import os
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal, get_args

from .._files import atomic_file, write_atomically
from ..core.node import Value
from ..core.walk import record
from ..errors import message
from . import layout as _engines
from . import notebook, page
from . import pictures as _pictures
from .animation import write_animation
from .digraph import DrawingError, check_choice
from .drawing import DrawnIds, draw, marks
from .labels import DATA_LINE, GRAD_LINE, data_text, edge_label, edge_text, flow_text, grad_text
from .palette import GRAD_COLOUR
from .pictures import HOT_COLOUR, SVG_NS, Box, Captions
from .raster import FRAME_PIXELS, FRAME_SIDE_PIXELS
from .redraw import frame_images, pillow
from .storyboard import Frame, frames_of
from .text import number_text
from .webfont import embed_glyphs

TIMES = "\N{MULTIPLICATION SIGN}"

__all__ = ["Player"]

UNKNOWN = "?"
# An animation past this many frames is refused at once (the HTML player has no limit): the CLI
# accepted a 249-term sum, 746 frames, which took about 25 minutes to draw.
MAX_ANIMATION_FRAMES = 300

# ("data" | "grad" | "flow" | "edge" | "node" | "op", node, position among its parents)
Slot = tuple[str, Value, int]


class Player:
    """Return a player of the forward and backward pass from ``root`` (lays the graph out once).

    ``html()`` is one self-contained page (no network; Jupyter shows it inline), ``save(path)``
    writes it, ``save_frames(folder)`` writes one numbered SVG or PNG per frame and
    ``save_animation(path)`` a GIF or APNG (the ``animate`` extra). ``focus``, ``depth``,
    ``max_nodes``, ``font`` and ``digits`` are `viz.to_dot`'s; ``engine`` is `viz.render`'s.

    >>> x = Value(3.0, label="x")
    >>> player = Player((x * x).named("y"))
    >>> len(player.frames), player.frames[-1].caption_ja.split("。")[1]
    (5, 'x は 2 か所で使われるので、勾配は和 3 + 3 = 6')
    """

    def __init__(
        self,
        root: Value,
        *,
        focus: Value | None = None,
        depth: int = 2,
        max_nodes: int = 500,
        font: str | None = None,
        digits: int = 4,
        engine: Literal["auto", "dot", "graphviz-pure"] = "auto",
    ) -> None:
        # One recorded pass feeds the drawing and the frames. The boxes show its gradients,
        # which .grad holds only after one backward() from root: the last frame is the
        # drawing as it will be then.
        recorded = record(root)
        self._name = root.label or f"the {root.op or 'leaf'} node"
        dot, self._ids = draw(recorded, edge_labels="both", focus=focus, depth=depth,
                              max_nodes=max_nodes, font=font, digits=digits,
                              grads=recorded.grads, with_ids=True)
        self._svg = ElementTree.fromstring(_engines.pipe(dot.source, "svg", engine))
        self._number = functools.partial(number_text, digits=digits)
        self._texts, self._groups = _tag(self._svg, self._ids)
        self.legend = [*marks(recorded, self._ids),
                       (GRAD_COLOUR, f"red on an edge: upstream {TIMES} local = what flows back",
                        f"辺の赤: 上流の勾配 {TIMES} 局所的な微分 = 逆に流れる勾配"),
                       (HOT_COLOUR, "orange: this step", "橙: いまの一歩")]
        self.frames, self._changes, self._hot = self._storyboard(frames_of(
            recorded, digits=digits, drawn=self._ids))

    def _storyboard(
        self, all_frames: list[Frame]
    ) -> tuple[list[Frame], list[dict[int, str]], list[list[int]]]:
        # For each frame: the texts it changes (slot index -> text) and the groups it lights.
        # Frames about nodes outside a focus are dropped; their changes go to the next frame.
        kept: list[Frame] = []
        changes: list[dict[int, str]] = []
        hot: list[list[int]] = []
        pending: dict[int, str] = {}
        contributed: dict[Value, list[Slot]] = {}
        for frame in all_frames:
            texts, lit = self._show(frame, contributed)
            pending.update(texts)
            if frame.node is not None and frame.node not in self._ids:
                continue
            kept.append(frame)
            changes.append(pending)
            # The first group lit is where the eye should go: the player scrolls to it.
            hot.append(list(dict.fromkeys(self._groups[key] for key in lit
                                          if key in self._groups)))
            pending = {}
        changes[-1].update(pending)
        return kept, changes, hot

    def _show(
        self, frame: Frame, contributed: dict[Value, list[Slot]]
    ) -> tuple[dict[int, str], list[Slot]]:
        number, node = self._number, frame.node
        texts: dict[Slot, str] = {}
        lit: list[Slot] = []
        if frame.kind == "inputs":
            for leaf in self._ids:
                if not leaf.parents:
                    texts["data", leaf, 0] = data_text(leaf.data, number)
                    lit.append(("node", leaf, 0))
        elif frame.kind == "forward" and node is not None:
            texts["data", node, 0] = data_text(node.data, number)
            lit += [("node", node, 0), ("op", node, 0)]
            lit += [("edge", node, k) for k in range(len(node.parents))]
        elif frame.kind == "seed" and node is not None:
            texts["grad", node, 0] = grad_text(1.0, number)
            lit.append(("node", node, 0))
        elif node is not None and frame.input is not None:
            edge: Slot = ("edge", node, frame.position)
            # Written by the drawing's own functions, so the last frame is the finished drawing.
            texts["flow", node, 0] = edge_label(flow_text(frame.upstream, number), "LR") or ""
            texts[edge] = edge_label(edge_text(frame, "both", number), "LR") or ""
            texts["grad", frame.input, 0] = grad_text(frame.total, number)
            contributed.setdefault(frame.input, []).append(edge)
            # The input receiving, the node pushing, its op, and every use of the input so far.
            lit += [("node", frame.input, 0), ("node", node, 0), ("op", node, 0),
                    ("flow", node, 0), *contributed[frame.input]]
        return {self._texts[slot]: text for slot, text in texts.items()
                if slot in self._texts}, lit

    def states(self) -> Iterator[tuple[Frame, dict[int, str], list[int]]]:
        """Yield each frame with every changing text as it reads then, and the groups lit.

        Texts and groups are numbered as the SVG's ``data-t`` and ``data-g`` attributes are.

        >>> player = Player(Value(3.0, label="x") * 2)
        >>> known = [set(texts.values()) - set(player.hidden().values())
        ...          for _, texts, _ in player.states()]
        >>> sorted(known[0]), sorted(known[1] - known[0]), sorted(known[2] - known[1])
        (['data 2', 'data 3'], ['data 6'], ['grad 1'])
        """
        state = self.hidden()
        for frame, changes, hot in zip(self.frames, self._changes, self._hot, strict=True):
            state.update(changes)
            yield frame, dict(state), hot

    def hidden(self) -> dict[int, str]:
        """Return each tagged text as it reads before the first frame (numbers unknown)."""
        blank = {"data": f"data {UNKNOWN}", "grad": f"grad {UNKNOWN}", "flow": "", "edge": ""}
        return {index: blank[slot[0]] for slot, index in self._texts.items()}

    def html(self, *, standalone: bool = True) -> str:
        """Return the player as HTML: a whole page, or (``standalone=False``) a fragment.

        >>> Player(Value(2.0, label="x") ** 2).html().startswith("<!DOCTYPE html>")
        True
        """
        data = {"svg": _pictures.serialise(self._svg),
                "hidden": [text for _, text in sorted(self.hidden().items())],
                "legend": self.legend,
                "frames": [[frame.caption, frame.caption_ja, hot, sorted(changes.items())]
                           for frame, changes, hot in
                           zip(self.frames, self._changes, self._hot, strict=True)]}
        fragment = page.fragment("player.html", "mgp", data, HOT=HOT_COLOUR)
        return page.page(fragment, self.frames[0].caption) if standalone else fragment

    def _repr_html_(self) -> str:
        return self.html(standalone=False)

    def _repr_mimebundle_(self, include: object = None, exclude: object = None,
                          **_: object) -> dict[str, str]:
        # Where no script runs (a reopened notebook, GitHub, nbconvert with scripts off), the
        # first frame as a still; no later frame, which would give the gradients away.
        first = embed_glyphs(next(iter(self.frame_svgs())))  # the caption's glyphs too
        note = (f"Frame 1 of {len(self.frames)}, as a still picture: run the cell where "
                "scripts run to step through it. / "
                f"{len(self.frames)} コマ中 1 コマ目の静止画。セルを実行するとコマ送りできます。")
        return notebook.player_bundle(self.html(standalone=False), first, repr(self), note)

    def __repr__(self) -> str:
        return f"<Player: {len(self.frames)} frames, forward and backward through {self._name}>"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Return the path written: the player as one HTML file that works from ``file://``."""
        return page.save_page(path, self.html(), "Player.save", "end the path with .html "
                              "(save_frames and save_animation write pictures)")

    def frame_svgs(self, *, caption: Captions = "both") -> Iterator[str]:
        """Yield each frame as a self-contained SVG: its texts, highlights and caption lines.

        Every frame has the same size (the caption strip fits the longest caption), so the
        frames line up in an animation.
        """
        check_choice("caption", caption, get_args(Captions))
        return _pictures.frame_svgs(self._svg, self.frames, self.states(), caption)

    def save_frames(
        self, folder: str | os.PathLike[str], *, fmt: Literal["svg", "png"] = "svg",
        caption: Captions = "both",
    ) -> list[Path]:
        """Return the files written into ``folder``: ``frame_001.svg`` (or ``.png``), one a frame.

        PNG frames are drawn as the package draws any Japanese PNG (resvg with a Japanese font
        found here, or the one microgradjp ships).
        """
        folder = Path(folder)
        check_choice("fmt", fmt, ("svg", "png"))
        written = []
        digits = max(3, len(str(len(self.frames))))  # names sort in frame order
        for k, svg in enumerate(self.frame_svgs(caption=caption), start=1):
            path = folder / f"frame_{k:0{digits}d}.{fmt}"
            data = svg.encode("utf-8") if fmt == "svg" else _pictures.png(svg)
            write_atomically(path, data, make_folders=True)
            written.append(path)
        return written

    def save_animation(
        self, path: str | os.PathLike[str], *, phase: Literal["both", "forward", "backward"]
        = "both", seconds: float = 1.5, caption: Captions = "both",
    ) -> Path:
        """Return the path written: the frames as an animated ``.gif`` or ``.png`` (APNG).

        ``phase`` keeps the forward or the backward frames only (the backward ones start from
        the finished forward pass); ``seconds`` is each frame's time on screen. Needs the
        ``animate`` extra (Pillow encodes each frame, drawn as `save_frames` does but within
        2560 x 1080 pixels; frames are written as they come, so memory holds one frame however
        many there are). Past 300 frames it refuses at once; a long run shows a progress bar
        in a terminal.
        """
        path = Path(path)
        formats = {".gif": "GIF", ".png": "PNG", ".apng": "PNG"}
        if path.suffix.lower() not in formats:
            raise DrawingError(message(
                f"save_animation({str(path)!r})", "an animation is a .gif or an animated .png",
                "end the path with .gif or .png"))
        check_choice("phase", phase, ("both", "forward", "backward"))
        if not seconds > 0:  # also refuses nan
            raise DrawingError(message(f"seconds={seconds!r}", "a frame must stay on screen for "
                                       "a positive time", "pass seconds=1.5, say"))
        wanted = {"both": ("inputs", "forward", "seed", "backward"),
                  "forward": ("inputs", "forward"), "backward": ("seed", "backward")}[phase]
        count = sum(frame.kind in wanted for frame in self.frames)
        if count > MAX_ANIMATION_FRAMES:  # refused before any frame is drawn
            raise DrawingError(message(
                f"save_animation({str(path)!r})", f"{count} frames is more than "
                f"{MAX_ANIMATION_FRAMES} (about a second each to draw, {seconds:g} s each to "
                "watch)", "save the HTML player with .save('steps.html') (any size), pass "
                "phase='backward', or build the Player with focus=node, depth=2"))
        # One frame at a time, drawn at a watching size where it differs from the one before,
        # encoded, written.
        check_choice("caption", caption, get_args(Captions))
        pillow()  # said before the file is opened
        changes = _pictures.frame_changes(self._svg, self.frames, self.states(), caption)
        kept = _kept(zip(self.frames, changes, strict=True), wanted)
        with atomic_file(path, make_folders=True) as file:
            write_animation(frame_images(kept, pixels=FRAME_PIXELS,
                                         side=FRAME_SIDE_PIXELS),
                            formats[path.suffix.lower()], seconds, file, count)
        return path

    def finished(self) -> dict[int, str]:
        """Return each tagged text as the finished drawing (`viz.to_dot`) has it."""
        return {int(e.get("data-t", "")): e.text or "" for e in self._svg.iter()
                if e.get("data-t") is not None}


def _kept(changes: Iterable[tuple[Frame, tuple[str, list[Box]]]],
          kinds: tuple[str, ...]) -> Iterator[tuple[str, list[Box]]]:
    # The frames of the kinds kept, each with what changed since the last one kept.
    since: list[Box] = []
    for frame, (svg, boxes) in changes:
        since += boxes
        if frame.kind in kinds:
            yield svg, since
            since = []


def _tag(
    svg: ElementTree.Element, drawn: dict[Value, DrawnIds]
) -> tuple[dict[Slot, int], dict[Slot, int]]:
    # Mark the texts a frame changes (data-t) and the groups it lights (data-g) in the one
    # layout. Both engines give each node's and edge's group the id the drawing gave it.
    groups = {group.get("id"): group for group in svg.iter(f"{{{SVG_NS}}}g")
              if group.get("class") in ("node", "edge")}
    texts: dict[Slot, int] = {}
    lit: dict[Slot, int] = {}

    def light(key: Slot, *drawn: ElementTree.Element) -> None:
        lit[key] = len(lit)
        for group in drawn:
            group.set("data-g", str(lit[key]))

    def parts(edge_id: str) -> list[ElementTree.Element]:
        # In a large drawing an edge's number is a node of its own, cut into the edge: the
        # number (id + "n") and the edge's second half (id + "h") light with it.
        return [groups[part] for part in (f"{edge_id}n", f"{edge_id}h") if part in groups]

    def number(edge_id: str) -> ElementTree.Element | None:
        # The text of an edge's number: on the edge, or in its number node.
        found = groups[edge_id].find(f"{{{SVG_NS}}}text")
        if found is None and f"{edge_id}n" in groups:
            found = groups[f"{edge_id}n"].find(f".//{{{SVG_NS}}}text")
        return found

    def text(key: Slot, element: ElementTree.Element | None) -> None:
        if element is not None:  # an edge drawn without a label has no text to change
            texts[key] = len(texts)
            element.set("data-t", str(texts[key]))

    for node, ids in drawn.items():
        box = groups[ids.box]
        light(("node", node, 0), box)
        lines = box.findall(f"{{{SVG_NS}}}text")  # one a drawn line
        text(("data", node, 0), lines[DATA_LINE])
        text(("grad", node, 0), lines[GRAD_LINE])
        if ids.op is None or ids.flow is None:  # a leaf
            continue
        light(("op", node, 0), groups[ids.op])
        flow = groups[ids.flow]
        light(("flow", node, 0), flow, *parts(ids.flow))
        text(("flow", node, 0), number(ids.flow))
        for position, edge_id in enumerate(ids.inputs):
            if edge_id is not None:  # an input outside a focus has no edge of its own
                light(("edge", node, position), groups[edge_id], *parts(edge_id))
                text(("edge", node, position), number(edge_id))
    return texts, lit
