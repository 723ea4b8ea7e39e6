"""What a notebook shows for an object: a picture that needs no script, a page where scripts run.

Front ends differ. JupyterLab shows neither scripts nor SVG in a notebook it does not trust (one
reopened from disk), only sanitised HTML; GitHub and nbconvert's HTML with scripts off run no
script; a terminal shows text. So a picture travels three ways (`picture_bundle`): as SVG, as an
``<img>`` of that SVG inside HTML (sanitised HTML keeps it), and as short text. A player
(`player_bundle`) shows a still picture, and its interactive page replaces the still once the
page's script runs. The pictures are the drawings' and players' own; this module only packs them.
"""

from __future__ import annotations

import base64
import html
import uuid

__all__ = ["picture_bundle", "player_bundle", "still"]


def still(svg: str, alt: str) -> str:
    """Return HTML showing ``svg`` as an image: no script, no inline SVG for a sanitiser to drop.

    >>> still("<svg/>", "a & b")
    '<img alt="a &amp; b" style="max-width:100%" src="data:image/svg+xml;base64,PHN2Zy8+">'
    """
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<img alt="{html.escape(alt)}" style="max-width:100%" '
            f'src="data:image/svg+xml;base64,{data}">')


def picture_bundle(svg: str, text: str, alt: str) -> dict[str, str]:
    """Return a display bundle of one picture: SVG, the same as an HTML image, and ``text``.

    >>> sorted(picture_bundle("<svg/>", "Value(data=1.0, grad=0.0)", "x"))
    ['image/svg+xml', 'text/html', 'text/plain']
    """
    return {"image/svg+xml": svg, "text/html": still(svg, alt), "text/plain": text}


def player_bundle(page: str, svg: str, text: str, note: str) -> dict[str, str]:
    """Return a player's display bundle: a still picture that its ``page`` replaces once it runs.

    ``page`` is the player's HTML fragment, kept hidden until its script runs (no dead buttons
    where scripts do not run); ``svg`` the still, ``note`` a line under it saying what it shows.

    >>> bundle = player_bundle("<div>page</div>", "<svg/>", "<Player: 5 frames>", "frame 1")
    >>> bundle["text/plain"], bundle["text/html"].count("<img")
    ('<Player: 5 frames>', 1)
    """
    key = f"mgs{uuid.uuid4().hex[:12]}"
    shown = (f'<div id="{key}">{still(svg, note)}'
             f'<div style="font-size:smaller">{html.escape(note)}</div></div>'
             f'<div id="{key}p" style="display:none">{page}</div>'
             # Runs after the page's own script: the live player takes the still's place.
             f'<script>(function () {{ var still = document.getElementById("{key}");'
             f' if (still) {{ still.remove(); }}'
             f' document.getElementById("{key}p").style.display = ""; }})();</script>')
    return {"text/html": shown, "text/plain": text}
