"""A still picture of a recorded training run, for where the training player's script never runs.

The loss curve over every epoch, and the final epoch's caption in English and Japanese, as one
small SVG (its Japanese glyphs embedded, `webfont`). Packing it for a notebook is `notebook`'s
job; the live player is `training`'s.
"""

from __future__ import annotations

import html
import math

from ..core.recording import TrainingRecord
from .text import number_text
from .webfont import embed_glyphs

__all__ = ["loss_curve"]

WIDTH, HEIGHT, MARGIN = 520.0, 180.0, 44.0  # points: the plot, and the room for its axes
LINE = 16.0  # points between caption lines
CURVE_COLOUR = "#1f5fa8"


def loss_curve(record: TrainingRecord, captions: tuple[str, str]) -> str:
    """Return an SVG of ``record``'s loss per epoch, with ``captions`` (English, Japanese) under it.

    >>> from microgradjp.core.recording import TrainingRecord
    >>> run = TrainingRecord(((1.0,),), (2.0,), (), (), None, 0.0, 1, (4.0, 1.0), (), ())
    >>> svg = loss_curve(run, ("Epoch 2 of 2: loss 1.", "エポック 2 / 2:損失 1。"))
    >>> svg.count("<polyline"), "Epoch 2 of 2: loss 1." in svg  # the axes and the curve
    (2, True)
    """
    finite = [x for x in record.loss if math.isfinite(x)]
    top, bottom = max(finite, default=1.0), min([0.0, *finite])
    span = (top - bottom) or 1.0
    last = max(len(record.loss) - 1, 1)

    def x_of(epoch: int) -> float:
        return MARGIN + (WIDTH - 2 * MARGIN) * epoch / last

    def y_of(loss: float) -> float:
        return HEIGHT - MARGIN + (MARGIN - HEIGHT + MARGIN) * (loss - bottom) / span

    points = " ".join(f"{x_of(k):.1f},{y_of(x):.1f}" for k, x in enumerate(record.loss)
                      if math.isfinite(x))
    height = HEIGHT + LINE * len(captions)
    texts = [  # (x, y, anchor, text)
        (MARGIN - 4, y_of(top) + 4, "end", number_text(top, 3)),
        (MARGIN - 4, y_of(bottom) + 4, "end", number_text(bottom, 3)),
        (MARGIN, HEIGHT - MARGIN + 16, "start", "epoch 1"),
        (WIDTH - MARGIN, HEIGHT - MARGIN + 16, "end", f"{len(record.loss)}"),
        (MARGIN, MARGIN - 10, "start", "loss per epoch / エポックごとの損失"),
        *((MARGIN, HEIGHT + LINE * k, "start", caption) for k, caption in enumerate(captions)),
    ]
    body = "".join(
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-family="sans-serif" '
        f'font-size="11">{html.escape(text)}</text>' for x, y, anchor, text in texts)
    frame = (f'<polyline fill="none" stroke="#999999" points="{MARGIN},{MARGIN} {MARGIN},'
             f'{HEIGHT - MARGIN} {WIDTH - MARGIN},{HEIGHT - MARGIN}"/>')
    curve = f'<polyline fill="none" stroke="{CURVE_COLOUR}" stroke-width="1.5" points="{points}"/>'
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH:g}pt" height="{height:g}pt" '
           f'viewBox="0 0 {WIDTH:g} {height:g}"><rect width="100%" height="100%" fill="white"/>'
           f"{frame}{curve}{body}</svg>")
    return embed_glyphs(svg)
