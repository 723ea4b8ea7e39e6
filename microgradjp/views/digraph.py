"""The ``graphviz.Digraph`` that `viz.to_dot` returns: it renders, pipes and displays through
`_engines` (system ``dot`` or the pip-installed graphviz-pure, found even off PATH).

The graphviz package itself runs ``dot`` from PATH only. Building the graph is `viz`'s job.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import graphviz  # type: ignore[import-untyped]  # graphviz ships no type hints

from .._files import write_atomically
from ..errors import MicrogradError, message
from . import layout as _engines
from .notebook import picture_bundle

__all__ = ["Drawing", "DrawingError", "check_choice"]


class DrawingError(MicrogradError, ValueError):
    """A drawing was asked for what it cannot show: too many nodes, an unknown suffix, ..."""


def check_choice(option: str, value: str, choices: tuple[str, ...]) -> None:
    """Raise DrawingError naming ``option`` unless ``value`` is one of ``choices``.

    >>> check_choice("fmt", "svg", ("svg", "png"))
    """
    if value not in choices:
        raise DrawingError(message(f"{option}={value!r}", f"{option} must be one of "
                                   f"{', '.join(choices)}", f"pass {option}={choices[0]!r}"))


class Drawing(graphviz.Digraph):  # type: ignore[misc]  # graphviz ships no type hints
    """A ``graphviz.Digraph`` whose `pipe`, `render` and Jupyter display run our engine choice.

    >>> drawing = Drawing(); drawing.edge("a", "b")
    >>> drawing.pipe("svg", encoding="utf-8").lstrip().startswith("<?xml")
    True
    """

    def pipe(self, format: str | None = None, renderer: str | None = None,
             formatter: str | None = None, neato_no_op: bool | int | None = None,
             quiet: bool = False, *, engine: str | None = None,
             encoding: str | None = None) -> bytes | str:
        """Return the picture as bytes (or str with ``encoding``), as ``graphviz`` does."""
        fmt = format or self.format
        _only_defaults(f"pipe(format={fmt!r})", renderer=renderer, formatter=formatter,
                       neato_no_op=neato_no_op, engine=engine)
        data = _engines.pipe(self.source, fmt)
        return data if encoding is None else data.decode(encoding)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **_: Any) -> dict[str, str]:
        # The picture as SVG and as an HTML image (shown where SVG is not trusted), and a text
        # that says what this is instead of an object address.
        text = ("<Digraph drawn by microgradjp: .source holds its DOT, .render('gout') writes "
                "gout.svg>")
        svg = _engines.pipe(self.source, "svg").decode("utf-8")
        bundle = picture_bundle(svg, text, "a computation graph")
        wanted = set(include if include is not None else bundle) - set(exclude or ())
        return {kind: data for kind, data in bundle.items() if kind in wanted}

    def render(self, filename: str | os.PathLike[str] | None = None,
               directory: str | os.PathLike[str] | None = None, view: bool = False,
               cleanup: bool = False, format: str | None = None,
               renderer: str | None = None, formatter: str | None = None,
               neato_no_op: bool | int | None = None, quiet: bool = False,
               quiet_view: bool = False, *, outfile: str | os.PathLike[str] | None = None,
               engine: str | None = None, **unused: Any) -> str:
        """Return the path written: like ``graphviz``'s render (source saved, then the picture)."""
        if outfile is not None:
            outfile = Path(outfile) if directory is not None else Path(self.directory, outfile)
            format = format or outfile.suffix.lstrip(".") or None
        fmt = format or self.format
        _only_defaults(f"render(format={fmt!r})", renderer=renderer, formatter=formatter,
                       neato_no_op=neato_no_op, engine=engine, **unused)
        if outfile is not None and filename is None:  # the source beside it, as graphviz does
            filename, directory = outfile.with_suffix(".gv").name, outfile.parent
        source_path = self.save(filename, directory=directory)
        target = Path(outfile) if outfile is not None else Path(f"{source_path}.{fmt}")
        write_atomically(target, _engines.pipe(self.source, fmt), make_folders=True)
        if cleanup:
            os.remove(source_path)
        if view or quiet_view:
            self._view(str(target), format=fmt, quiet=quiet_view)
        return str(target)


def _only_defaults(call: str, **options: Any) -> None:
    # graphviz's own knobs (layout engine, renderer) mean nothing to graphviz-pure: refuse them
    # rather than ignore them. engine="dot" is the layout we use anyway.
    given = {name: value for name, value in options.items()
             if value not in (None, False) and not (name == "engine" and value == "dot")}
    if given:
        names = ", ".join(f"{name}={value!r}" for name, value in given.items())
        raise DrawingError(message(
            call, f"{names} is not supported: microgradjp picks the engine (system dot or "
            "graphviz-pure)", "leave it out, or call graphviz.Source(drawing.source) yourself"))
