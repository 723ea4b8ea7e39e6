"""Finding a layout engine on this machine, running it, writing files.

The system Graphviz ``dot`` comes first; the ``graphviz-pure`` command (a PyPI wheel, installed
with microgradjp) is the fallback, found on PATH or in this Python's scripts folder, so rendering
works after ``pip install`` alone, activated or not. A host that cannot start a program (Pyodide
in a browser) supplies a layout function instead: `set_layout`. Building the DOT source is
`viz`'s job; finding a Japanese font `_fonts`'; drawing Japanese PNG `_raster`'s; embedding
Japanese glyphs in an SVG `_webfont`'s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import threading
import warnings
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

from ..errors import MicrogradError, message
from . import fonts as _fonts
from . import raster as _raster
from . import webfont as _webfont
from .fonts import needs_cjk

__all__ = ["EngineError", "EngineNotFoundError", "Layout", "cjk_font", "needs_cjk", "pipe",
           "search_path", "set_layout", "warn_once"]

# What each engine can write (graphviz-pure 0.2 has no PDF yet), in the order we try them.
FORMATS = {"dot": ("svg", "png", "pdf"), "graphviz-pure": ("svg", "png")}
INSTALL_GRAPHVIZ = ("install Graphviz (Debian/Ubuntu: sudo apt install graphviz; macOS: brew "
                    "install graphviz; Windows: winget install graphviz)")
INSTALL_FONT = ("install a Japanese font (Debian/Ubuntu: sudo apt install fonts-noto-cjk or "
                "fonts-ipafont-gothic; macOS has Hiragino, Windows has Yu Gothic and Meiryo) or "
                "name one with font='...'")
# Which fonts each engine draws PNG text with by itself. Japanese text in a font the engine
# cannot see goes engine -> SVG -> resvg with the font file instead (graphviz-pure sees none:
# its PNG text uses its bundled Latin fonts; dot sees what fontconfig sees, not pip's files).
SEES_FONTS_FROM = {"dot": ("fontconfig", "folder"), "graphviz-pure": ()}
# A layout past this is a graph too big to read anyway; fail instead of hanging.
TIMEOUT_SECONDS = 120
# Pyodide (and JupyterLite, which runs it) is a Python inside a browser, and WASI's a Python in a
# wasm sandbox: neither can start a program.
IN_BROWSER = sys.platform in ("emscripten", "wasi")

# There the browser draws the SVG's text with its own fonts, Japanese included.
BROWSER_FONT = "sans-serif"

Layout = Callable[[str], str]  # DOT source in, SVG text out
_layouts: list[Layout] = []  # the one set_layout gave, if any


class EngineError(MicrogradError, RuntimeError):
    """The layout engine failed or ran out of time."""


class EngineNotFoundError(EngineError):
    """No layout engine that can write the requested format is installed."""


def cjk_font() -> str | None:
    """Return the family to draw Japanese text in: one found here (see `fonts.cjk_font`), or
    the browser's own sans-serif when this Python runs in one. None: none found.

    >>> cjk_font() is None or isinstance(cjk_font(), str)
    True
    """
    return BROWSER_FONT if IN_BROWSER else _fonts.cjk_font()


def find_engine(engine: str, fmt: str) -> str:
    """Return the path of the engine to run for ``fmt``; ``engine`` is "auto" or a name.

    >>> Path(find_engine("graphviz-pure", "svg")).stem   # found even when PATH lacks it
    'graphviz-pure'
    """
    if IN_BROWSER:
        raise EngineNotFoundError(message(
            f"rendering to .{fmt}", "this Python runs in a browser (Pyodide), where no layout "
            "engine can start", "supply one with microgradjp.viz.set_layout(dot_to_svg) (the "
            "playground backs it with viz-js), or write .dot, which needs no engine"))
    if engine != "auto" and engine not in FORMATS:
        raise EngineNotFoundError(message(
            f"engine={engine!r}", "there is no engine of that name",
            f"pass one of {', '.join(('auto', *FORMATS))}"))
    names = [name for name in FORMATS if engine in ("auto", name)]
    folders = search_path()
    installed = {name: path for name in names if (path := shutil.which(name, path=folders))}
    for name, executable in installed.items():
        if fmt in FORMATS[name]:
            return executable
    if installed:  # installed, but none writes this format
        name = next(iter(installed))
        why = f"{name} cannot write .{fmt} (it writes {', '.join(FORMATS[name])})"
        fix = f"write .svg or .png, or {INSTALL_GRAPHVIZ}"
    else:
        why = (f"no Graphviz engine was found (looked for {' and '.join(names)} on PATH and in "
               "this Python's scripts folder)")
        fix = (f"{INSTALL_GRAPHVIZ}, or pip install graphviz-pure into this Python "
               f"({sys.executable}); .dot output needs no engine")
    raise EngineNotFoundError(message(f"rendering to .{fmt}", why, fix))


def search_path() -> str:
    """Return the folders searched for an engine, as one PATH string: PATH, then this Python's.

    pip puts graphviz-pure into the interpreter's scripts folder (``bin/``, Windows
    ``Scripts\\``), which is on PATH only in an activated environment: a Jupyter kernel, an IDE's
    run button, ``venv/bin/python script.py`` or a pipx install run without it.

    >>> sysconfig.get_path("scripts") in search_path().split(os.pathsep)
    True
    """
    folders = os.environ.get("PATH", os.defpath).split(os.pathsep)
    folders.append(sysconfig.get_path("scripts"))
    if sys.executable:  # empty when embedded; Path("").parent would search the current folder
        folders.append(str(Path(sys.executable).parent))
    # pip install --user (a venv never uses that folder); Pyodide has no user scheme at all.
    if sys.prefix == sys.base_prefix:
        with suppress(ValueError):
            folders.append(sysconfig.get_path("scripts", sysconfig.get_preferred_scheme("user")))
    return os.pathsep.join(dict.fromkeys(folder for folder in folders if folder))


def pipe(source: str, fmt: str, engine: str = "auto", *,
         timeout: float = TIMEOUT_SECONDS) -> bytes:
    """Return the picture the engine makes of DOT ``source`` in format ``fmt`` (all in memory).

    A PNG is laid out as SVG first (cheap): its size sets the dpi within `_raster`'s pixel budget.
    Then the engine draws it, or resvg does when the text is Japanese the engine cannot draw.
    An SVG of Japanese text is widened first to hold its texts (`room_for_text`), and carries
    the glyphs it uses (`webfont.embed_glyphs`).
    Each run of the engine past ``timeout`` seconds is stopped with an EngineError. An SVG
    asked of the "auto" engine comes from the `set_layout` function when one is set.
    """
    if _layouts and fmt == "svg" and engine == "auto":
        return _host_svg(_layouts[0], source).encode("utf-8")
    executable = find_engine(engine, fmt)
    name = Path(executable).stem
    if fmt not in ("png", "svg"):
        return _run([executable, f"-T{fmt}"], source, timeout)
    svg = _run([executable, "-Tsvg"], source, timeout).decode("utf-8")
    if needs_cjk(source):
        # The engine measured Latin letters in another font than a viewer may draw them in
        # (graphviz-pure measures Times; an SVG opened where the layout's font is missing draws
        # the embedded one): room for every text in either font, or a caption is cut off.
        svg = _raster.room_for_text(svg)
    if fmt == "svg":  # drawn by whoever opens it: the Japanese glyphs go with it
        return _webfont.embed_glyphs(svg).encode("utf-8")
    font = _resvg_font(name, source)
    if font is not None:
        return _raster.svg_to_png(svg, font)
    return _run([executable, "-Tpng", f"-Gdpi={_raster.png_dpi(svg)}"], source, timeout)


def set_layout(layout: Layout | None) -> None:
    """Lay out every SVG with ``layout`` (DOT source in, SVG text out); None goes back to engines.

    For a host that cannot start a layout engine: under Pyodide the playground page passes
    viz-js's ``renderString``, and drawings, notebook display and the step player work as they
    do with an installed Graphviz. PNG and PDF still need an engine.

    >>> from microgradjp import Value
    >>> set_layout(lambda dot: f"<svg><!-- {dot.split()[0]} --></svg>")
    >>> Value(2.0, label="x")._repr_mimebundle_()["image/svg+xml"]
    '<svg><!-- digraph --></svg>'
    >>> set_layout(None)
    """
    if layout is not None and not callable(layout):
        raise TypeError(message(f"set_layout({layout!r})", "a layout is a function from DOT "
                                "text to SVG text", "pass such a function, or None"))
    _layouts[:] = [] if layout is None else [layout]


def _host_svg(layout: Layout, source: str) -> str:
    try:
        svg = layout(source)
    except Exception as failure:  # the host's code (JavaScript under Pyodide) may raise anything
        raise EngineError(message(
            "the layout function given to set_layout", f"it failed ({failure})",
            "write .dot to inspect the source, or set_layout(None)")) from None
    if not isinstance(svg, str):
        raise EngineError(message(
            "the layout function given to set_layout", f"it returned {type(svg).__name__}, not "
            "SVG text", "return the SVG as a str"))
    if not needs_cjk(source):
        return svg
    # Graphviz in wasm (viz-js) measures Japanese as it measures Latin letters, like
    # graphviz-pure: widen the picture to hold its texts.
    try:
        return _raster.room_for_text(svg)
    except _raster.RasterError:  # not laid out as Graphviz writes SVG: keep it as it came
        return svg


def _resvg_font(name: str, source: str) -> _fonts.Font | None:
    # The font resvg must draw with when engine `name` cannot draw the Japanese in `source`;
    # None when the engine draws the PNG itself (warning once when its Japanese shows as boxes).
    if not needs_cjk(source):
        return None
    font = _fonts.japanese_font()
    if font is not None and font.source not in SEES_FONTS_FROM.get(name, ()):
        if _raster.available():
            return font
        warn_once(f"{name} cannot draw Japanese PNG text in {font.family}, and resvg-py (a "
                  "dependency of microgradjp) is missing; pip install resvg-py, or write .svg")
    elif font is None and name == "graphviz-pure":
        warn_once("graphviz-pure draws PNG text with its own Latin fonts, so Japanese labels "
                  f"show as boxes; write .svg (a browser draws its text) or {INSTALL_FONT}")
    return None


def _run(command: list[str], source: str, timeout: float = TIMEOUT_SECONDS) -> bytes:
    try:
        done = subprocess.run(command, input=source.encode("utf-8"), capture_output=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise EngineError(message(
            " ".join(command), f"the layout took longer than {timeout:g} s",
            "draw fewer nodes with focus=node, depth=2")) from None
    except OSError as failure:  # on PATH but not runnable: a broken install, a wrong binary
        raise EngineError(message(
            " ".join(command), f"it could not be started ({failure})",
            "reinstall it, or pass engine='dot' or engine='graphviz-pure'")) from None
    if done.returncode != 0:
        errors = done.stderr.decode("utf-8", "replace").strip()
        raise EngineError(message(
            " ".join(command), f"it exited with status {done.returncode}: {errors}",
            "write .dot to inspect the source, or try engine='dot' or 'graphviz-pure'"))
    return bytes(done.stdout)


_warned: set[str] = set()
_warned_lock = threading.Lock()  # two threads drawing at once must not both warn


def warn_once(text: str) -> None:
    """Warn with ``text`` the first time only: a notebook redraws often, the fix is the same."""
    with _warned_lock:
        if text in _warned:
            return
        _warned.add(text)
    warnings.warn(text, stacklevel=3)
