"""The step player's frames as pictures: one SVG per frame, and each drawn as PNG.

Each frame's SVG is the one layout with that frame's texts, highlights and caption lines. Which
texts and highlights a frame has is `player`'s job; drawing PNG is `_raster`'s, joining the
frames into a GIF or APNG `animation`'s.
"""

from __future__ import annotations

import copy
import html
import itertools
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Iterator
from typing import Literal

from ..errors import message
from . import fonts as _fonts
from . import raster as _raster
from .layout import EngineNotFoundError
from .storyboard import Frame
from .text import ems

__all__ = ["HOT_COLOUR", "SVG_NS", "Captions", "frame_svgs", "png", "serialise"]

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
ElementTree.register_namespace("", SVG_NS)
ElementTree.register_namespace("xlink", "http://www.w3.org/1999/xlink")


def frame_svgs(
    svg: ElementTree.Element, frames: list[Frame],
    states: Iterable[tuple[Frame, dict[int, str], list[int]]], caption: Captions,
) -> Iterator[str]:
    """Yield one SVG per state: the tagged ``svg`` with its texts, lit groups and captions."""
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
    parts = re.split(f"{MARK[0]}(\\d+){MARK[1]}", serialise(picture))
    between, holes = parts[0::2], [slots[int(number)] for number in parts[1::2]]
    for frame, state, hot in states:
        lit = set(hot)
        filled = [html.escape(_fill(hole, frame, state, lit)) for hole in holes]
        pieces = zip(between[:-1], filled, strict=True)
        yield "".join(itertools.chain.from_iterable(pieces)) + between[-1]


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
    # The project's raster route (resvg with the Japanese font found here, or the bundled one);
    # with no Japanese font at all (a broken install), the system's sans-serif draws the text.
    if not _raster.available():
        raise EngineNotFoundError(message(
            "drawing frames as PNG", "resvg-py is not installed (no wheel for this platform?)",
            "pip install resvg-py, or save_frames(folder) as SVG"))
    font = _fonts.japanese_font() or _fonts.Font("sans-serif", None, "fontconfig")
    return _raster.svg_to_png(svg, font, pixels=pixels, side=side)


def serialise(svg: ElementTree.Element) -> str:
    """Return the SVG element as text."""
    return ElementTree.tostring(svg, encoding="unicode")
