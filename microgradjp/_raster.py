"""Turning an engine's SVG into a PNG with real Japanese glyphs, through resvg (``resvg-py``).

graphviz-pure draws PNG text with its own Latin fonts only, and system ``dot`` sees only the fonts
fontconfig knows; resvg draws with a font file we hand it. Finding that file is `_fonts`' job.
"""

from __future__ import annotations

import importlib.util
import re

from ._fonts import Font
from .errors import MicrogradError, message

__all__ = ["MAX_SIDE_PIXELS", "RasterError", "available", "svg_to_png"]

# resvg allocates the whole canvas: a 300-node graph at 144 dpi is already 4,000 x 28,000 pixels.
# Past this side we scale down, as Graphviz's own cairo renderer does at 32,767.
MAX_SIDE_PIXELS = 32_000
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


def svg_to_png(svg: str, font: Font, *, dpi: float = 144) -> bytes:
    """Return PNG bytes of Graphviz ``svg``, all its text drawn with ``font`` at ``dpi``.

    >>> from microgradjp._fonts import japanese_font
    >>> font = japanese_font()
    >>> svg = '<svg width="60pt" height="20pt" viewBox="0 0 60 20"><text>りんご</text></svg>'
    >>> font is None or svg_to_png(svg, font)[:4] == b"\\x89PNG"
    True
    """
    import resvg_py  # a dependency, imported where used: `import microgradjp` stays light

    size = _ROOT_SIZE.search(svg)
    if size is None:
        raise RasterError(message("svg_to_png(...)", "the SVG has no width and height in pt",
                                  "pass SVG written by dot or graphviz-pure"))
    width, height = float(size.group(1)), float(size.group(2))
    zoom = min(dpi / 72, MAX_SIDE_PIXELS / max(width, height, 1.0))
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
