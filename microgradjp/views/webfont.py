"""Japanese glyphs that travel inside an SVG: the bundled font's glyphs for its text, embedded.

A browser draws an SVG's text with the viewer's fonts, so a drawing of りんご opened where no
Japanese font is installed (a fresh Linux box, a CI screenshot) shows boxes. `embed_glyphs` puts
the few glyphs the SVG's texts use, cut from the bundled font (`fonts.BUNDLED_FONT`), into the SVG
as a WOFF ``@font-face`` (a few KB), and names that font after each text's own family: the
family the layout measured still wins where it is installed. The text stays text (searchable,
selectable, what the player lights up), which glyphs drawn as paths would lose. Which font a
drawing uses is `fonts`' job.
"""

from __future__ import annotations

import base64
import functools
import html
import io
import re

from .fonts import BUNDLED_FONT, needs_cjk

__all__ = ["embed_glyphs"]

_TEXT = re.compile(r"<text\b[^>]*>([^<]*)</text>")
_FAMILY = re.compile(r'\bfont-family="([^"]*)"')
_ROOT = re.compile(r"<svg\b[^>]*>")
_FACE = f'@font-face{{font-family:"{BUNDLED_FONT.family}";'
_EMBEDDED = re.compile(f"<style>{re.escape(_FACE)}[^<]*</style>")
# Kept in every embedded copy: the OFL asks each copy to carry the copyright and licence
# (name records 0, 13, 14), and 1-6 name the font.
_NAME_RECORDS = [0, 1, 2, 3, 4, 5, 6, 13, 14]


def embed_glyphs(svg: str) -> str:
    """Return Graphviz ``svg`` carrying the bundled font's glyphs for its Chinese/Japanese text.

    An SVG without such text is returned as it is; one that already carries glyphs (texts
    were added since, such as a player frame's caption) gets them anew for all its texts.

    >>> svg = '<svg width="9pt"><text font-family="Helvetica,sans-Serif">りんご</text></svg>'
    >>> embedded = embed_glyphs(svg)
    >>> embedded.count("@font-face"), embedded.split("</style>")[1]
    (1, '<text font-family="Helvetica,sans-Serif,microgradjp Sans JP">りんご</text></svg>')
    >>> latin = svg.replace("りんご", "apple")
    >>> embed_glyphs(embedded) == embedded, embed_glyphs(latin) == latin
    (True, True)
    """
    svg = _EMBEDDED.sub("", svg)
    text = "".join(html.unescape(found) for found in _TEXT.findall(svg))
    root = _ROOT.search(svg)
    if not needs_cjk(text) or root is None:
        return svg
    woff = _glyphs("".join(sorted(set(text))))
    if woff is None:
        return svg
    face = f"{_FACE}src:url(data:font/woff;base64,{base64.b64encode(woff).decode('ascii')})}}"
    svg = svg[:root.end()] + f"<style>{face}</style>" + svg[root.end():]
    return _FAMILY.sub(_with_bundled, svg)


def _with_bundled(attribute: re.Match[str]) -> str:
    families = attribute.group(1)
    if BUNDLED_FONT.family not in families:
        families = f"{families},{BUNDLED_FONT.family}" if families else BUNDLED_FONT.family
    return f'font-family="{families}"'


@functools.lru_cache(maxsize=64)  # a notebook redraws the same labels after every step
def _glyphs(characters: str) -> bytes | None:
    # The bundled font cut down to `characters`, as WOFF (zlib: no extra package needed).
    # A dependency outside Pyodide, imported where used (no type hints); subsetting takes 0.3 s.
    try:
        from fontTools import subset  # type: ignore[import-untyped]
        from fontTools.ttLib import TTFont  # type: ignore[import-untyped]
    except ImportError:  # Pyodide: the page draws with its own fonts
        return None

    if BUNDLED_FONT.path is None or not BUNDLED_FONT.path.is_file():
        return None
    options = subset.Options(layout_features=["kern"], name_IDs=_NAME_RECORDS,
                             name_languages=["*"])
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    with TTFont(BUNDLED_FONT.path) as font:
        subsetter.subset(font)
        font.flavor = "woff"
        data = io.BytesIO()
        font.save(data)
    return data.getvalue()
