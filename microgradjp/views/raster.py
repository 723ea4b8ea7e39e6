"""How many pixels a PNG gets (the budget), and turning an engine's SVG into a PNG with real
Japanese glyphs through resvg (``resvg-py``).

graphviz-pure draws PNG text with its own Latin fonts only, and system ``dot`` sees only the fonts
fontconfig knows; resvg draws with a font file we hand it. Finding that file is `_fonts`' job.
"""

from __future__ import annotations

import importlib.util
import math
import re

from ..errors import MicrogradError, message
from .fonts import Font

__all__ = ["DPI", "MAX_PIXELS", "MAX_SIDE_PIXELS", "RasterError", "available", "png_dpi",
           "svg_to_png"]

DPI = 144  # PNG at 1.5 times Graphviz's default: crisp on high-density screens
# The pixel budget of every PNG, on every route. Drawing time grows with the pixel count (about
# 0.3 s per million pixels through dot, 0.5 s through resvg, on a 2-core machine), and a 300-node
# graph at 144 dpi is 35,000 x 6,000 pixels: a minute or more. A PNG goes on a screen or a slide,
# so it gets at most a 4K screen's worth of pixels (a few seconds); past that, reading means
# zooming, which .svg does for free. The side cap keeps a long chain within what image viewers
# and slide tools take. Smaller drawings keep DPI.
MAX_PIXELS = 3840 * 2160
MAX_SIDE_PIXELS = 8192
# The root element's size: Graphviz writes points ("258pt"), which resvg-py 0.5 refuses.
_ROOT_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)pt"[^>]*?\bheight="([\d.]+)pt"')


class RasterError(MicrogradError, RuntimeError):
    """resvg could not draw the SVG."""


def available() -> bool:
    """Return whether resvg-py is installed (a dependency, but a platform may lack its wheel).

    >>> isinstance(available(), bool)
    True
    """
    return importlib.util.find_spec("resvg_py") is not None


def png_dpi(svg: str) -> float:
    """Return the dpi to draw Graphviz ``svg`` at: `DPI`, or less to keep within the budget.

    >>> png_dpi('<svg width="500pt" height="200pt">'), png_dpi('<svg width="40000pt" height="8pt">')
    (144, 14.74)
    """
    size = _root(svg)
    width, height = max(float(size.group(1)), 1.0), max(float(size.group(2)), 1.0)
    # Pixels per point that fit. The engines round each side up to whole pixels: hence one pixel
    # off the side and 1% off the area (enough up to the side cap's aspect ratios).
    zoom = min((MAX_SIDE_PIXELS - 1) / max(width, height),
               0.99 * math.sqrt(MAX_PIXELS / (width * height)))
    # Two decimals keep the command line readable; rounding down keeps within the budget.
    return min(DPI, math.floor(zoom * 72 * 100) / 100)


def svg_to_png(svg: str, font: Font) -> bytes:
    """Return PNG bytes of Graphviz ``svg`` at `png_dpi`, all its text drawn with ``font``.

    >>> from microgradjp.views.fonts import japanese_font
    >>> font = japanese_font()
    >>> svg = '<svg width="60pt" height="20pt" viewBox="0 0 60 20"><text>りんご</text></svg>'
    >>> font is None or svg_to_png(svg, font)[:4] == b"\\x89PNG"
    True
    """
    import resvg_py  # a dependency, imported where used: `import microgradjp` stays light

    size = _root(svg)
    zoom = png_dpi(svg) / 72
    width, height = float(size.group(1)), float(size.group(2))
    root = size.group(0).replace(f'"{size.group(1)}pt"', f'"{width * zoom:.0f}"', 1)
    root = root.replace(f'"{size.group(2)}pt"', f'"{height * zoom:.0f}"', 1)
    svg = svg[:size.start()] + root + svg[size.end():]
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


def _root(svg: str) -> re.Match[str]:
    size = _ROOT_SIZE.search(svg)
    if size is None:
        raise RasterError(message("reading the size of the SVG", "it has no width and height in pt",
                                  "pass SVG written by dot or graphviz-pure"))
    return size
