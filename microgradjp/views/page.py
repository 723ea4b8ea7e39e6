"""A player as an HTML page: built from data, never by pasting user text into a template.

Both players (the step player and the training player) ship a template holding markup and script
only. Everything drawn from the user's graph or run travels in one JSON block that the page's own
script reads; the template is filled once, with our own id and constants.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import uuid
from importlib import resources
from pathlib import Path

from .._files import write_atomically
from ..errors import message
from .digraph import DrawingError

__all__ = ["fill", "fragment", "inert_json", "page", "save_page"]


def inert_json(data: object) -> str:
    """Return ``data`` as JSON that cannot end or escape the script block that holds it.

    A float that is not finite travels as the text Python writes for it (JSON has no nan:
    ``JSON.parse`` rejects the ``NaN`` Python would write, and the page would stay blank).

    >>> inert_json({"label": "</script><!--", "loss": [float("nan"), -float("inf")]})
    '{"label":"\\\\u003c/script\\\\u003e\\\\u003c!--","loss":["nan","-inf"]}'
    """
    # Inside <script type="application/json"> the JSON must not contain "<" (it could end the
    # script or open a comment), ">" or "&": JSON writes all three as \u escapes, and the
    # line separators JavaScript once rejected go the same way.
    text = json.dumps(_finite_json(data), ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def _finite_json(data: object) -> object:
    if isinstance(data, float) and not math.isfinite(data):
        return repr(data)  # 'nan', 'inf' or '-inf': what Python shows, and no number to JS
    if isinstance(data, dict):
        return {key: _finite_json(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [_finite_json(value) for value in data]
    return data


def fill(template: str, **values: str) -> str:
    """Return ``template`` with each ``__NAME__`` marker replaced, in one pass.

    >>> fill("__A__ and __B__", A="__B__", B="b")
    '__B__ and b'
    """
    # A marker inside a filled-in value is never filled again.
    return re.sub(r"__([A-Z]+)__", lambda match: values[match.group(1)], template)


def fragment(template: str, prefix: str, data: object, **constants: str) -> str:
    """Return the named template of this package filled with a fresh id, ``data`` and constants.

    Two players on one notebook page never share an id.
    """
    text = resources.files(__package__).joinpath(template).read_text("utf-8")
    return fill(text, ID=f"{prefix}{uuid.uuid4().hex[:12]}", DATA=inert_json(data), **constants)


def page(fragment: str, title: str) -> str:
    """Return ``fragment`` as a whole page (the title is escaped)."""
    return (f'<!DOCTYPE html>\n<html lang="ja"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head>\n<body>\n{fragment}</body></html>\n")


def save_page(path: str | os.PathLike[str], text: str, asked: str, fix: str) -> Path:
    """Return the path written: ``text`` as one HTML file, or DrawingError if not ``.html``."""
    path = Path(path)
    if path.suffix.lower() not in (".html", ".htm"):
        raise DrawingError(message(f"{asked}({str(path)!r})", "a player is an HTML page", fix))
    return write_atomically(path, text.encode("utf-8"), make_folders=True)
