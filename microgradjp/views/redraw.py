"""An animation's frames as images, each drawn only where it differs from the frame before.

A step player's frames share one layout: from one frame to the next a few texts, the lit step's
lines and the caption lines change. resvg drawing every frame whole took 0.4-0.6 s a frame (the
21-term sum's 62 frames: 44 s). Here the first frame is drawn whole; each next one is the one
before with only the rectangles around what changed drawn again and pasted in. Every piece is
drawn at the one scale on the one pixel grid, so the pieces meet the frame around them. Where
things change `pictures` says; joining frames into a file is `animation`'s job.
"""

from __future__ import annotations

import importlib
import io
import itertools
import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import message
from . import raster as _raster
from .layout import EngineNotFoundError
from .pictures import Box, raster_font

__all__ = ["CALL_PIXELS", "WHOLE_FRAME", "frame_images", "on_white", "pillow"]

# Past this share of a frame's pixels changed, the frame is drawn whole: one call to resvg
# costs about 0.06 s before any pixel (parsing the SVG, loading the font), many pieces more.
WHOLE_FRAME = 0.5
# Pixels resvg draws in the time of one call's fixed cost (0.05 s against 0.2 s a megapixel,
# measured on the 21-term sum's frames).
CALL_PIXELS = 250_000
_MARGIN = 4  # pixels
_VIEW_BOX = re.compile(r'<svg\b[^>]*?\bviewBox="([-\d.]+)[ ,]+([-\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)"')
_WIDTH = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)pt"')

Rect = tuple[int, int, int, int]  # left, top, right, bottom, in whole pixels


def frame_images(changes: Iterable[tuple[str, list[Box]]], *, pixels: int,
                 side: int) -> Iterator[Any]:
    """Yield each frame of ``changes`` (its SVG, where it differs from the one before; as
    `pictures.frame_changes` gives them) as an RGB Pillow image on white, at the dpi of
    `raster.png_dpi` within ``pixels`` (``side`` a side). One image is drawn on and yielded
    again and again: use each before asking for the next.
    """
    image = pillow()
    font = raster_font()
    canvas: Any = None
    for svg, boxes in changes:
        if canvas is None:
            view, zoom, size = _scale(svg, pixels, side)
            whole = (0, 0, *size)
        rects = _merged([_pixels(box, view, zoom, size) for box in boxes])
        if canvas is None or sum(_area(rect) for rect in rects) > WHOLE_FRAME * _area(whole):
            rects = [whole]
        for rect in rects:
            # Drawn with a margin that is not kept: resvg's pixels at a picture's very edge
            # differ a little from the same pixels drawn inside a larger one.
            left, top, right, bottom = _within(_grown(rect, _MARGIN), whole)
            part = (view[0] + left / zoom, view[1] + top / zoom, (right - left) / zoom,
                    (bottom - top) / zoom)
            png = _raster.svg_view_to_png(svg, font, part, (right - left, bottom - top))
            with image.open(io.BytesIO(png)) as piece:
                flat = on_white(image, piece)
            if canvas is None:
                canvas = flat
            else:
                kept = _within(rect, whole)
                canvas.paste(flat.crop((kept[0] - left, kept[1] - top, kept[2] - left,
                                        kept[3] - top)), kept[:2])
        yield canvas


def _grown(rect: Rect, by: int) -> Rect:
    return rect[0] - by, rect[1] - by, rect[2] + by, rect[3] + by


def _within(rect: Rect, frame: Rect) -> Rect:
    return (max(rect[0], frame[0]), max(rect[1], frame[1]), min(rect[2], frame[2]),
            min(rect[3], frame[3]))


def _scale(svg: str, pixels: int, side: int) -> tuple[tuple[float, float], float,
                                                       tuple[int, int]]:
    # The view's corner, pixels per viewBox unit, and the frame's size in pixels.
    box, width = _VIEW_BOX.search(svg), _WIDTH.search(svg)
    if box is None or width is None:
        raise _raster.RasterError(message(
            "reading a frame's size", "its <svg> has no viewBox or no width in pt",
            "report this: the player writes both"))
    x, y, units_wide, units_high = (float(value) for value in box.groups())
    zoom = _raster.png_dpi(svg, pixels, side) / 72 * float(width.group(1)) / units_wide
    return (x, y), zoom, (max(1, round(units_wide * zoom)), max(1, round(units_high * zoom)))


def _pixels(box: Box, corner: tuple[float, float], zoom: float, size: tuple[int, int]) -> Rect:
    # The whole pixels a box touches, one more each side for anti-aliasing, within the frame.
    left, top, right, bottom = ((value - corner[k % 2]) * zoom for k, value in enumerate(box))
    return (max(0, math.floor(left) - 1), max(0, math.floor(top) - 1),
            min(size[0], math.ceil(right) + 1), min(size[1], math.ceil(bottom) + 1))


def _merged(rects: list[Rect]) -> list[Rect]:
    # Two pieces as one wherever drawing the pixels between them costs less than a second call
    # to resvg (which parses and shapes the whole SVG whatever part it draws).
    pieces = [rect for rect in rects if rect[2] > rect[0] and rect[3] > rect[1]]
    joined = True
    while joined:
        joined = False
        for i, j in itertools.combinations(range(len(pieces)), 2):
            both = _around(pieces[i], pieces[j])
            if _area(both) - _area(pieces[i]) - _area(pieces[j]) < CALL_PIXELS:
                pieces[i] = both
                del pieces[j]
                joined = True
                break
    return pieces


def _around(one: Rect, other: Rect) -> Rect:
    return (min(one[0], other[0]), min(one[1], other[1]), max(one[2], other[2]),
            max(one[3], other[3]))


def _area(rect: Rect) -> int:
    return (rect[2] - rect[0]) * (rect[3] - rect[1])


def on_white(image: Any, picture: Any) -> Any:
    """Return Pillow ``picture`` laid on a white page, as RGB (a GIF frame has no alpha, and
    resvg leaves the page transparent)."""
    page = image.new("RGBA", picture.size, "white")
    return image.alpha_composite(page, picture.convert("RGBA")).convert("RGB")


def pillow() -> Any:
    """Return ``PIL.Image``, or say how to install it (the ``animate`` extra)."""
    try:
        return importlib.import_module("PIL.Image")
    except ImportError:
        raise EngineNotFoundError(message(
            "writing an animation", "Pillow is not installed",
            "pip install 'microgradjp[animate]', or save_frames(folder) for numbered "
            "pictures")) from None
