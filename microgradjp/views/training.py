"""The training player: one offline page that plays a recorded `fit` run, epoch by epoch.

It reads a `core.recording.TrainingRecord` (plain numbers: this module never imports the
neural-net layer) and hands the page those numbers as one escaped JSON block, as the step
player does; the page's own script draws the model on the plane (or along the line) with the
data, the network (edge width |weight|, colour its sign, dead and saturated units marked) and
the loss curve, all as SVG. One chosen sample's graph comes as the step player's own page or,
when it is too large to read element by element, one neuron a box (`neurons`) with each neuron's
element-level graph a click away: all laid out here, shown by the page as SVG it parses.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Literal

from ..core.node import Value, nodes_under
from ..core.recording import Snapshot, TrainingRecord
from ..core.walk import record as record_pass
from ..errors import message
from . import layout, notebook, page
from .drawing import LARGE_GRAPH, DrawingError, to_dot
from .neurons import neuron_dot, neurons_in
from .player import Player
from .stills import loss_curve
from .text import number_text

__all__ = ["TrainingPlayer"]

SATURATED = 0.9  # a unit flat on this share of the samples (or more) is marked saturated


class TrainingPlayer:
    """Return the player of a recorded run (``fit(..., record=True).record``).

    ``html()`` is one self-contained page (no network; Jupyter shows it inline) and
    ``save(path)`` writes it. ``sample``, a Value such as one sample's loss, adds a tab with
    its graph, with ``note`` said above it: up to `drawing.LARGE_GRAPH` values, or when no
    neuron is found, in the step player (`Player`, drawn from ``sample`` back ``depth`` steps);
    larger, one neuron a box (`neurons.neuron_dot`: it fits one screen), where clicking a neuron
    (or choosing it in a list) shows its weighted sum and activation element by element.

    >>> from microgradjp.core.recording import Snapshot, TrainingRecord
    >>> run = TrainingRecord(((1.0,),), (2.0,), ("w",), (), None, 0.0, 1, (4.0, 1.0), (),
    ...                      (Snapshot(2, 1.0, None, (1.0,), (-2.0,), (), (), ()),))
    >>> TrainingPlayer(run).captions[0]
    ('Epoch 2 of 2: loss 1.', 'エポック 2 / 2:損失 1。')
    """

    def __init__(self, record: TrainingRecord, *, sample: Value | None = None,
                 note: str = "", depth: int = 4,
                 engine: Literal["auto", "dot", "graphviz-pure"] = "auto") -> None:
        if not isinstance(record, TrainingRecord) or not record.snapshots:
            raise DrawingError(message(
                f"TrainingPlayer({type(record).__name__})",
                "the player plays a recorded run with at least one snapshot",
                "pass fit(..., record=True).record"))
        self.record = record
        self.captions = [_captions(record, snapshot) for snapshot in record.snapshots]
        self._sample = None if sample is None else _sample_view(sample, depth, engine)
        self._note = note

    def data(self) -> dict[str, Any]:
        """Return what the page reads: the record's numbers (shown ones to 4 digits), captions."""
        record = self.record
        grid = record.grid
        return {
            "loss": list(record.loss), "accuracy": list(record.accuracy),
            "inputs": [list(x) for x in record.inputs],
            "targets": [list(t) if isinstance(t, tuple) else t for t in record.targets],
            "labels": list(record.labels),
            "layers": [{"in": layer.in_features, "out": layer.out_features,
                        "activation": layer.activation, "w": [list(row) for row in layer.weights],
                        "b": list(layer.bias)} for layer in record.layers],
            "grid": None if grid is None else {"xs": list(grid.xs), "ys": list(grid.ys)},
            "level": record.level, "outputs": record.outputs,
            "snapshots": [_snapshot(s, en, ja) for s, (en, ja) in
                          zip(record.snapshots, self.captions, strict=True)],
            "sample": None if self._sample is None else {
                **self._sample, "tab": "graph of one sample / 1 サンプルの計算グラフ",
                "note": self._note},
        }

    def html(self, *, standalone: bool = True) -> str:
        """Return the player as HTML: a whole page, or (``standalone=False``) a fragment."""
        fragment = page.fragment("training.html", "mgt", self.data())
        title = f"training: {self.record.epochs} epochs / 学習の様子"
        return page.page(fragment, title) if standalone else fragment

    def _repr_html_(self) -> str:
        return self.html(standalone=False)

    def _repr_mimebundle_(self, include: object = None, exclude: object = None,
                          **_: object) -> dict[str, str]:
        # Where no script runs: the loss curve to the final epoch, as a still.
        note = ("The loss over every epoch, as a still picture: run the cell where scripts "
                "run to play the training. / "
                "全エポックの損失の静止画。セルを実行すると学習を再生できます。")
        return notebook.player_bundle(self.html(standalone=False),
                                      loss_curve(self.record, self.captions[-1]), repr(self), note)

    def __repr__(self) -> str:
        return f"<TrainingPlayer: {training_summary(self.record)}>"

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Return the path written: the player as one HTML file that works from ``file://``."""
        return page.save_page(path, self.html(), "TrainingPlayer.save", "end the path with .html")


def _sample_view(sample: Value, depth: int,
                 engine: Literal["auto", "dot", "graphviz-pure"]) -> dict[str, Any]:
    # The step player while a learner can read the graph element by element; past that, the
    # neuron view and, per neuron, its weighted sum and activation drawn element by element.
    count = len(nodes_under(sample))
    recorded = record_pass(sample) if count > LARGE_GRAPH else None
    found = [] if recorded is None else neurons_in(recorded)
    if recorded is None or not found:
        return {"page": Player(sample, focus=sample, depth=depth, engine=engine).html()}

    def svg(source: str) -> str:
        return layout.pipe(source, "svg", engine).decode("utf-8")

    def name(k: int) -> str:  # "layer 2, neuron 5 (relu): out 0.1234": counted in its layer
        n = found[k]
        index = sum(1 for other in found[:k] if other.layer == n.layer)
        return (f"layer {n.layer}, neuron {index} ({n.kind}): out "
                f"{number_text(n.output.data, 4)} / 層 {n.layer}、ニューロン {index}")

    return {
        "svg": svg(neuron_dot(sample).source),
        "about": [f"One neuron a box: this sample's graph has {count} values, too many to read "
                  "one by one. Click a neuron, or choose it in the list above, to see its "
                  "weighted sum and activation element by element (boxes hold this sample's "
                  "gradients; red on an edge: what its backward sends along it).",
                  f"1 つの箱が 1 つのニューロン(このサンプルのグラフは値が {count} 個あり、1 つずつ"
                  "では読めません)。ニューロンをクリックするか上の一覧で選ぶと、その重み付き和と活性化を"
                  "要素ごとに表示します(箱の勾配はこのサンプルの逆伝播のもの、辺の赤い数は逆伝播が"
                  "その辺で送る値)。"],
        "neurons": [{"name": name(k), "svg": svg(to_dot(
                        sample, focus=n.total, depth=1, grads=recorded.grads).source)}
                    for k, n in enumerate(found)],
    }


def _shown(x: float) -> float:
    # The page shows 4 significant digits; rounding here keeps the page small and lets it
    # print the number as JavaScript writes it, with no rounding of its own. A nan or inf
    # stays as it is: the page gets it as "nan" or "inf" (page.inert_json).
    return float(number_text(x, 4)) if math.isfinite(x) else x


def _snapshot(snapshot: Snapshot, en: str, ja: str) -> dict[str, Any]:
    return {"epoch": snapshot.epoch, "loss": _shown(snapshot.loss),
            "accuracy": "" if snapshot.accuracy is None else f"{snapshot.accuracy:.0%}",
            "w": [_shown(w) for w in snapshot.weights], "g": [_shown(g) for g in snapshot.grads],
            "flat": [[_shown(f) for f in layer] for layer in snapshot.flat],
            "grid": [_shown(v) for v in snapshot.outputs], "en": en, "ja": ja}


def _captions(record: TrainingRecord, snapshot: Snapshot) -> tuple[str, str]:
    loss = number_text(snapshot.loss, 4)
    en = f"Epoch {snapshot.epoch} of {record.epochs}: loss {loss}"
    ja = f"エポック {snapshot.epoch} / {record.epochs}:損失 {loss}"
    if snapshot.accuracy is not None:
        en += f", accuracy {snapshot.accuracy:.0%}"
        ja += f"、正解率 {snapshot.accuracy:.0%}"
    units = [f for layer in snapshot.flat for f in layer]
    dead = sum(f == 1.0 for f in units)
    saturated = sum(SATURATED <= f < 1.0 for f in units)
    if not units:  # a model not built of layers: no units to speak of
        return f"{en}.", f"{ja}。"
    if not dead and not saturated:
        return (f"{en}. Every unit passes gradient back.",
                f"{ja}。どのユニットも勾配を通しています。")
    en_marks = ", ".join(f"{n} {'unit is' if n == 1 else 'units are'} {what}"
                         for n, what in ((dead, "dead"), (saturated, "saturated")) if n)
    ja_marks = "、".join(f"{what}ユニット {n} 個"
                         for n, what in ((dead, "死んだ"), (saturated, "飽和した")) if n)
    return (f"{en}. {en_marks}: little or no gradient flows back through them.",
            f"{ja}。{ja_marks}:そこを通って戻る勾配はほとんどありません。")


def training_summary(record: TrainingRecord) -> str:
    """Return a run in a few words: its epochs, snapshots and final loss.

    >>> from microgradjp.core.recording import TrainingRecord
    >>> training_summary(TrainingRecord(((1.0,),), (2.0,), (), (), None, 0.0, 1, (4.0, 1.0),
    ...                                 (), ()))
    '2 epochs, 0 snapshots, final loss 1'
    """
    loss = number_text(record.loss[-1], 4) if record.loss else "none"
    return f"{record.epochs} epochs, {len(record.snapshots)} snapshots, final loss {loss}"
