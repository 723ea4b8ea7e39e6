"""How many pixels a PNG gets (the budget), and turning an engine's SVG into a PNG with real
Japanese glyphs through resvg (``resvg-py``).

graphviz-pure draws PNG text with its own Latin fonts only, and system ``dot`` sees only the fonts
fontconfig knows; resvg draws with a font file we hand it. Finding that file is `_fonts`' job.
"""

from __future__ import annotations

import html
import importlib.util
import math
import re

from ..errors import MicrogradError, message
from . import fonts as _fonts
from .fonts import Font

__all__ = ["DPI", "FRAME_PIXELS", "FRAME_SIDE_PIXELS", "MAX_PIXELS", "MAX_SIDE_PIXELS",
           "RasterError", "available", "png_dpi",
           "room_for_text", "svg_to_png", "svg_view_to_png"]

DPI = 144  # PNG at 1.5 times Graphviz's default: crisp on high-density screens
# The pixel budget of every PNG, on every route. Drawing time grows with the pixel count (about
# 0.3 s per million pixels through dot, 0.5 s through resvg, on a 2-core machine), and a 300-node
# graph at 144 dpi is 35,000 x 6,000 pixels: a minute or more. A PNG goes on a screen or a slide,
# so it gets at most a 4K screen's worth of pixels (a few seconds); past that, reading means
# zooming, which .svg does for free. The side cap keeps a long chain within what image viewers
# and slide tools take. Smaller drawings keep DPI.
MAX_PIXELS = 3840 * 2160
MAX_SIDE_PIXELS = 8192
# An animation's frames are watched, not zoomed into, and drawn tens of times: each gets at most
# a large screen's worth (GIF timing, docs/drawing.md: 8 Mpx frames took 3.5 s each).
FRAME_PIXELS = 2560 * 1080
FRAME_SIDE_PIXELS = 3000
# The root element's size: Graphviz writes points ("258pt"), which resvg-py 0.5 refuses.
PIXEL_ROUNDING_EMS = 0.03  # per character (measured: Chromium drew a 9 pt caption 2% wider)
_ROOT_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)pt"[^>]*?\bheight="([\d.]+)pt"')
_VIEW_BOX = re.compile(r'\bviewBox="([-\d.]+) ([-\d.]+) ([\d.]+) ([\d.]+)"')
# The graph's scale and shift, and the points of its background (the first polygon in it, after
# the title dot writes).
_GRAPH = re.compile(r'<g id="graph0"[^>]*?transform="scale\(([\d.]+) [\d.]+\) rotate\(0\) '
                    r'translate\(([-\d.]+) [-\d.]+\)">\s*(?:<title>[^<]*</title>\s*)?'
                    r'<polygon\b[^>]*?points="([^"]*)"')
_SVG_TAG = re.compile(r"<svg\b[^>]*>")
_SIZING = re.compile(r'\s(?:width|height|viewBox)="[^"]*"')
_TEXT = re.compile(r'<text\b([^>]*)>([^<]*)</text>')
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')


class RasterError(MicrogradError, RuntimeError):
    """resvg could not draw the SVG."""


def available() -> bool:
    """Return whether resvg-py is installed (a dependency, but a platform may lack its wheel).

    >>> isinstance(available(), bool)
    True
    """
    return importlib.util.find_spec("resvg_py") is not None


def png_dpi(svg: str, pixels: int = MAX_PIXELS, side: int = MAX_SIDE_PIXELS) -> float:
    """Return the dpi to draw Graphviz ``svg`` at: `DPI`, or less to keep within ``pixels``
    (and ``side`` pixels a side).

    >>> png_dpi('<svg width="500pt" height="200pt">'), png_dpi('<svg width="40000pt" height="8pt">')
    (144, 14.74)
    """
    size = _root(svg)
    width, height = max(float(size.group(1)), 1.0), max(float(size.group(2)), 1.0)
    # Pixels per point that fit. The engines round each side up to whole pixels: hence one pixel
    # off the side and 1% off the area (enough up to the side cap's aspect ratios).
    zoom = min((side - 1) / max(width, height), 0.99 * math.sqrt(pixels / (width * height)))
    # Two decimals keep the command line readable; rounding down keeps within the budget.
    return min(DPI, math.floor(zoom * 72 * 100) / 100)


def svg_to_png(svg: str, font: Font, *, pixels: int = MAX_PIXELS,
               side: int = MAX_SIDE_PIXELS) -> bytes:
    """Return PNG bytes of Graphviz ``svg`` at `png_dpi` (within ``pixels``, ``side``), all its
    text drawn with ``font``.

    >>> from microgradjp.views.fonts import japanese_font
    >>> font = japanese_font()
    >>> svg = '<svg width="60pt" height="20pt" viewBox="0 0 60 20"><text>りんご</text></svg>'
    >>> font is None or svg_to_png(svg, font)[:4] == b"\\x89PNG"
    True
    """
    size = _root(svg)
    zoom = png_dpi(svg, pixels, side) / 72
    width, height = float(size.group(1)), float(size.group(2))
    root = size.group(0).replace(f'"{size.group(1)}pt"', f'"{width * zoom:.0f}"', 1)
    root = root.replace(f'"{size.group(2)}pt"', f'"{height * zoom:.0f}"', 1)
    return _resvg(svg[:size.start()] + root + svg[size.end():], font)


def svg_view_to_png(svg: str, font: Font, view: tuple[float, float, float, float],
                    size: tuple[int, int]) -> bytes:
    """Return PNG bytes of the part ``view`` (x, y, width, height in the SVG's viewBox units)
    of ``svg``, drawn ``size`` pixels wide and high: pieces of one picture drawn at one scale
    meet on one pixel grid.

    >>> from microgradjp.views.fonts import japanese_font
    >>> font = japanese_font()
    >>> svg = '<svg width="60pt" height="20pt" viewBox="0 0 60 20"><text>りんご</text></svg>'
    >>> font is None or svg_view_to_png(svg, font, (30, 0, 30, 20), (15, 5))[16:24]
    b'\\x00\\x00\\x00\\x0f\\x00\\x00\\x00\\x05'
    """
    start = _SVG_TAG.search(svg)
    if start is None:
        raise RasterError(message("reading the SVG's root", "it has no <svg> element",
                                  "pass SVG written by dot or graphviz-pure"))
    tag = _SIZING.sub("", start.group(0))
    tag = tag[:4] + (f' width="{size[0]}" height="{size[1]}" viewBox="'
                     + " ".join(f"{v:.6f}" for v in view) + '"') + tag[4:]
    return _resvg(svg[:start.start()] + tag + svg[start.end():], font)


def _resvg(svg: str, font: Font) -> bytes:
    import resvg_py  # a dependency, imported where used: `import microgradjp` stays light

    # resvg draws no text whose font-family names no loaded font, and the engine wrote the
    # family it was given; one style rule points every text at the file we load.
    family = font.family.replace('"', "")
    try:
        return resvg_py.svg_to_bytes(
            svg_string=svg, style_sheet=f'text {{ font-family: "{family}", sans-serif }}',
            sans_serif_family=family, skip_system_fonts=font.path is not None,
            font_files=[str(font.path)] if font.path else None)
    except ValueError as failure:
        raise RasterError(message(
            "drawing the SVG as PNG with resvg", str(failure),
            "write .svg instead, or report the graph that fails")) from None


def room_for_text(svg: str) -> str:
    """Return Graphviz ``svg`` widened, if need be, so that every text fits in the fonts that
    may draw it: the Japanese font found here and the bundled one, whose glyphs an SVG embeds.

    graphviz-pure measures a font it does not know as Times, and dot one it cannot see as
    another font, narrower than the Latin letters of a Japanese font; and a viewer without the
    layout's font draws the embedded one: a long caption line ran past the right edge and was
    cut off. The canvas and its background grow to the right; nothing moves. Texts are measured
    from their anchor, so only the right edge is checked.

    >>> svg = ('<svg width="40pt" height="20pt" viewBox="0.00 0.00 40.00 20.00">'
    ...        '<g id="graph0" class="graph" transform="scale(1 1) rotate(0) translate(4 16)">'
    ...        '<polygon fill="white" stroke="none" points="-4,4 -4,-16 36,-16 36,4 -4,4"/>'
    ...        '<text text-anchor="start" x="0" y="-2" font-size="10.00">grad in a box</text>')
    >>> room_for_text(svg).split(">")[0]  # 13 letters in the widest font, 4 pt shift, 4 pt pad
    '<svg width="73pt" height="20pt" viewBox="0.00 0.00 73.00 20.00"'
    """
    graph, size, box = _GRAPH.search(svg), _root(svg), _VIEW_BOX.search(svg)
    if graph is None or box is None or box.start() < size.end():
        return svg  # not laid out the way Graphviz writes it: leave it as the engine wrote it
    scale, shift, width = float(graph.group(1)), float(graph.group(2)), float(box.group(3))
    right = max((_right_edge(match) for match in _TEXT.finditer(svg)), default=0.0)
    needed = math.ceil((shift + right) * scale + 4.0)  # Graphviz's own 4 pt pad
    if needed <= width:
        return svg
    corners = [corner.split(",") for corner in graph.group(3).split()]
    edge = max(float(x) for x, _ in corners)  # the background's right side moves, nothing else
    points = " ".join(f"{f'{needed / scale - shift:g}' if float(x) == edge else x},{y}"
                      for x, y in corners)
    root = size.group(0).replace(f'width="{size.group(1)}pt"', f'width="{needed}pt"', 1)
    view_box = f'viewBox="{box.group(1)} {box.group(2)} {needed:.2f} {box.group(4)}"'
    start, end = graph.span(3)
    svg = svg[:start] + points + svg[end:]
    svg = svg[:box.start()] + view_box + svg[box.end():]
    return svg[:size.start()] + root + svg[size.end():]


def _right_edge(text: re.Match[str]) -> float:
    # Where a text ends at most, in the graph's coordinates (its x, width from its anchor).
    attributes = dict(_ATTRIBUTE.findall(text.group(1)))
    try:
        x, size = float(attributes.get("x", 0.0)), float(attributes.get("font-size", 14.0))
    except ValueError:
        return 0.0
    shown = html.unescape(text.group(2))
    # A browser at small sizes rounds each advance to whole pixels: a little room for that.
    width = (max(_fonts.width_ems(shown, font) for font in _viewer_fonts())
             + PIXEL_ROUNDING_EMS * len(shown)) * size
    return x + {"start": width, "middle": width / 2}.get(attributes.get("text-anchor", ""), 0.0)


def _viewer_fonts() -> list[Font]:
    # The fonts a viewer may draw a drawing's text in: the one found here, the embedded one.
    found = _fonts.japanese_font()
    return [_fonts.BUNDLED_FONT] + ([found] if found and found.path else [])


def _root(svg: str) -> re.Match[str]:
    size = _ROOT_SIZE.search(svg)
    if size is None:
        raise RasterError(message("reading the size of the SVG", "it has no width and height in pt",
                                  "pass SVG written by dot or graphviz-pure"))
    return size
