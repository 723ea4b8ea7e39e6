"""The step player's frames as pictures: one SVG per frame, and each drawn as PNG.

Each frame's SVG is the one layout with that frame's texts, highlights and caption lines. Which
texts and highlights a frame has is `player`'s job; drawing PNG is `_raster`'s, joining the
frames into a GIF or APNG `animation`'s.
"""

from __future__ import annotations

import copy
import functools
import html
import itertools
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterable, Iterator
from typing import Literal

from ..errors import message
from . import fonts as _fonts
from . import raster as _raster
from .layout import EngineNotFoundError
from .storyboard import Frame
from .text import ems

__all__ = ["HOT_COLOUR", "SVG_NS", "Box", "Captions", "frame_changes", "frame_svgs", "png",
           "raster_font", "serialise"]

SVG_NS = "http://www.w3.org/2000/svg"
HOT_COLOUR = "#e8590c"  # the step being taken; the seeds' red is already the gradient's
LINES = {f"{{{SVG_NS}}}{kind}" for kind in ("path", "polygon", "ellipse")}  # what is lit
# A lit group's lines, as attributes rather than CSS: every SVG rasterizer reads those.
HOT = {"stroke": HOT_COLOUR, "width": "2.5"}
# Around a marker's number: control characters, which XML forbids, so no text of a parsed SVG
# can hold them (a label's are written as escapes); a private-use character could be a label's.
MARK = ("\x01", "\x02")
CAPTION_SIZE = 12.0  # points: the caption lines under a frame drawn as a picture
Captions = Literal["both", "en", "ja", "none"]
Box = tuple[float, float, float, float]  # left, top, right, bottom
ElementTree.register_namespace("", SVG_NS)
ElementTree.register_namespace("xlink", "http://www.w3.org/1999/xlink")


def frame_svgs(
    svg: ElementTree.Element, frames: list[Frame],
    states: Iterable[tuple[Frame, dict[int, str], list[int]]], caption: Captions,
) -> Iterator[str]:
    """Yield one SVG per state: the tagged ``svg`` with its texts, lit groups and captions."""
    return (picture for picture, _ in frame_changes(svg, frames, states, caption))


def frame_changes(
    svg: ElementTree.Element, frames: list[Frame],
    states: Iterable[tuple[Frame, dict[int, str], list[int]]], caption: Captions,
) -> Iterator[tuple[str, list[Box]]]:
    """Yield each frame's SVG (as `frame_svgs`) and the boxes where it differs from the frame
    before, in the SVG's viewBox units (a text's old and new extent, a lit shape with its
    widened line); the first frame's box is its whole view."""
    # The picture is written out once with a marker wherever a frame differs (a text, a
    # stroke, a caption line); each frame then only fills the markers in. Writing out the
    # whole tree per frame made a 300-node graph's frames take over a minute.
    picture = copy.deepcopy(svg)
    slots: list[tuple[str, int, str]] = []  # (what, which, the original) per marker

    def marker(what: str, which: int, original: str = "") -> str:
        slots.append((what, which, original))
        return f"{MARK[0]}{len(slots) - 1}{MARK[1]}"

    for element in picture.iter():
        if (text := element.get("data-t")) is not None:
            element.text = marker("text", int(text))
        if (group := element.get("data-g")) is not None:
            for shape in (shape for shape in element if shape.tag in LINES):
                shape.set("stroke", marker("stroke", int(group), shape.get("stroke", "none")))
                shape.set("stroke-width", marker("width", int(group), "1"))
    languages = {"en": ["caption"], "ja": ["caption_ja"], "none": [],
                 "both": ["caption", "caption_ja"]}[caption]
    widest = [max((getattr(frame, language) for frame in frames), key=ems)
              for language in languages]
    _add_caption(picture, widest, [marker(language, 0) for language in languages])
    places = _marker_places(picture)
    x0, y0, width, height = (float(v) for v in picture.get("viewBox", "0 0 0 0").split())
    parts = re.split(f"{MARK[0]}(\\d+){MARK[1]}", serialise(picture))
    between, numbers = parts[0::2], [int(number) for number in parts[1::2]]
    holes = [slots[number] for number in numbers]
    before: list[str] | None = None
    for frame, state, hot in states:
        lit = set(hot)
        filled = [_fill(hole, frame, state, lit) for hole in holes]
        pieces = zip(between[:-1], map(html.escape, filled), strict=True)
        if before is None:
            changed = [(x0, y0, x0 + width, y0 + height)]
        else:
            changed = [_union(places[number](old), places[number](new)) for number, old, new
                       in zip(numbers, before, filled, strict=True) if old != new]
        before = filled
        yield "".join(itertools.chain.from_iterable(pieces)) + between[-1], changed


def _marker_places(picture: ElementTree.Element) -> dict[int, Callable[[str], Box]]:
    # Where each marker's element is drawn, as a function of what it reads (a text's extent
    # depends on the text): in the root's units, through the one transform Graphviz writes on
    # its graph group (captions sit outside it).
    places: dict[int, Callable[[str], Box]] = {}
    for top in picture:
        move = _transform(top.get("transform", ""))
        for element in top.iter():
            if element.text and element.text.startswith(MARK[0]):
                places[_number(element.text)] = functools.partial(_text_box, element, move)
            for value in element.attrib.values():
                if value.startswith(MARK[0]):
                    places[_number(value)] = functools.partial(_shape_box, element, move)
    return places


def _number(marked: str) -> int:
    return int(marked[1:marked.index(MARK[1])])


Move = tuple[float, float, float, float]  # scale x, scale y, then translate x, y before it


def _transform(transform: str) -> Move:
    # Graphviz writes "scale(s s) rotate(0) translate(x y)"; no transform is the identity.
    scale = re.search(r"scale\(([-\d.]+)[ ,]+([-\d.]+)\)", transform)
    shift = re.search(r"translate\(([-\d.]+)[ ,]+([-\d.]+)\)", transform)
    sx, sy = (float(scale.group(1)), float(scale.group(2))) if scale else (1.0, 1.0)
    tx, ty = (float(shift.group(1)), float(shift.group(2))) if shift else (0.0, 0.0)
    return sx, sy, tx, ty


def _moved(move: Move, x0: float, y0: float, x1: float, y1: float) -> Box:
    sx, sy, tx, ty = move
    return (x0 + tx) * sx, (y0 + ty) * sy, (x1 + tx) * sx, (y1 + ty) * sy


def _text_box(element: ElementTree.Element, move: Move, text: str) -> Box:
    # A text's extent with room to spare: `ems` is an upper bound in every font drawn with,
    # plus an em for a browser's or resvg's rounding and the anchor.
    size = float(element.get("font-size", "14"))
    x, y = float(element.get("x", "0")), float(element.get("y", "0"))
    width = (ems(text) + 1) * size
    left = {"middle": x - width / 2, "end": x - width}.get(element.get("text-anchor", ""), x)
    return _moved(move, left - size / 2, y - 1.2 * size, left + width + size / 2,
                  y + 0.6 * size)


def _shape_box(element: ElementTree.Element, move: Move, _: str) -> Box:
    # Every point a path, polygon or ellipse goes through (a Bezier curve stays within its
    # control points), widened by the lit line's width and its joins.
    if element.get("cx") is not None:
        cx, cy = float(element.get("cx", "0")), float(element.get("cy", "0"))
        rx, ry = float(element.get("rx", "0")), float(element.get("ry", "0"))
        xs, ys = [cx - rx, cx + rx], [cy - ry, cy + ry]
    else:
        points = _POINT.findall(element.get("d", "") or element.get("points", ""))
        xs, ys = [float(x) for x, _ in points], [float(y) for _, y in points]
    if not xs:
        return 0.0, 0.0, 0.0, 0.0
    pad = 2 * float(HOT["width"]) + 2
    return _moved(move, min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad)


_POINT = re.compile(r"(-?[\d.]+),(-?[\d.]+)")


def _union(one: Box, other: Box) -> Box:
    return (min(one[0], other[0]), min(one[1], other[1]), max(one[2], other[2]),
            max(one[3], other[3]))


def _fill(hole: tuple[str, int, str], frame: Frame, state: dict[int, str], lit: set[int]) -> str:
    # What a marker of frame_svgs reads in this frame.
    what, which, original = hole
    if what == "text":
        return state[which]
    if what in HOT:
        return HOT[what] if which in lit else original
    return str(getattr(frame, what))  # a caption line


def _add_caption(svg: ElementTree.Element, widest: list[str], lines: list[str]) -> None:
    # Caption lines under the graph, for frames shown without the player (slides, a GIF),
    # as wide as the widest caption needs.
    if not lines:
        return
    x0, y0, width, height = (float(v) for v in svg.get("viewBox", "0 0 0 0").split())
    width = max(width, *(CAPTION_SIZE * (ems(line) + 1) for line in widest))
    strip = CAPTION_SIZE * 1.5 * len(lines) + CAPTION_SIZE
    svg.set("viewBox", f"{x0:g} {y0:g} {width:g} {height + strip:g}")
    svg.set("width", f"{width:.2f}pt")
    svg.set("height", f"{height + strip:.2f}pt")
    svg.insert(0, ElementTree.Element(f"{{{SVG_NS}}}rect", x=f"{x0:g}", y=f"{y0:g}",
                                      width="100%", height="100%", fill="white"))
    font = svg.find(f".//{{{SVG_NS}}}text")
    family = font.get("font-family", "sans-serif") if font is not None else "sans-serif"
    for k, line in enumerate(lines, start=1):
        text = ElementTree.SubElement(svg, f"{{{SVG_NS}}}text", x=f"{x0 + 8:g}",
                                      y=f"{y0 + height + CAPTION_SIZE * 1.5 * k:g}")
        text.set("font-family", family)
        text.set("font-size", f"{CAPTION_SIZE:g}")
        text.text = line


def png(svg: str, *, pixels: int = _raster.MAX_PIXELS,
        side: int = _raster.MAX_SIDE_PIXELS) -> bytes:
    """Return a frame's SVG drawn as PNG (within ``pixels``), as the package draws any
    Japanese PNG."""
    return _raster.svg_to_png(svg, raster_font(), pixels=pixels, side=side)


def raster_font() -> _fonts.Font:
    """Return the font frames are drawn with, or say resvg-py is missing."""
    # The project's raster route (resvg with the Japanese font found here, or the bundled one);
    # with no Japanese font at all (a broken install), the system's sans-serif draws the text.
    if not _raster.available():
        raise EngineNotFoundError(message(
            "drawing frames as PNG", "resvg-py is not installed (no wheel for this platform?)",
            "pip install resvg-py, or save_frames(folder) as SVG"))
    return _fonts.japanese_font() or _fonts.Font("sans-serif", None, "fontconfig")


def serialise(svg: ElementTree.Element) -> str:
    """Return the SVG element as text."""
    return ElementTree.tostring(svg, encoding="unicode")
