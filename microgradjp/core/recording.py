"""What a recorded training run looked like, epoch by epoch, as plain numbers.

`nn.train.fit(record=...)` fills these in; the training player (`views.training`) draws them.
They live in the core, the floor both stand on, so a view can read a run without importing the
neural-net layer. Nothing here computes: tuples of floats, ints and strings only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Grid", "LayerShape", "Snapshot", "TrainingRecord"]


@dataclass(frozen=True)
class LayerShape:
    """One layer of a recorded network: its widths, activation, and where its numbers are.

    ``weights[i][j]`` is the index (into `TrainingRecord.labels` and a snapshot's ``weights``)
    of the weight from input ``i`` to unit ``j``; ``bias[j]`` that of unit ``j``'s bias.

    >>> LayerShape(1, 1, "tanh", ((0,),), (1,)).out_features
    1
    """

    in_features: int
    out_features: int
    activation: str
    weights: tuple[tuple[int, ...], ...]
    bias: tuple[int, ...]


@dataclass(frozen=True)
class Grid:
    """Where the model was evaluated: ``xs`` for one input, every ``(x, y)`` for two.

    A snapshot's ``outputs`` run over ``ys`` then ``xs`` (row by row, ``x`` fastest).

    >>> Grid((0.0, 1.0), (0.0, 1.0, 2.0)).points()[1]
    (1.0, 0.0)
    """

    xs: tuple[float, ...]
    ys: tuple[float, ...] = ()

    def points(self) -> list[tuple[float, ...]]:
        """Return the points in the order of a snapshot's ``outputs``."""
        if not self.ys:
            return [(x,) for x in self.xs]
        return [(x, y) for y in self.ys for x in self.xs]


@dataclass(frozen=True)
class Snapshot:
    """The model at the end of one epoch: its numbers, its units, its outputs on the grid.

    ``loss`` and ``accuracy`` are `History`'s for that epoch (``epoch`` counts from 1);
    ``weights`` are every parameter at the end of the epoch and ``grads`` the gradients its last
    step used, both in `TrainingRecord.labels` order. ``activations[k][j]`` is unit ``j`` of
    layer ``k`` on every sample, and ``flat[k][j]`` the share of samples on which that unit
    passes (almost) no gradient back: 1.0 is a dead unit. ``outputs`` are the model's outputs
    on the grid (one output), or the class it picks there (several).

    >>> Snapshot(1, 0.5, None, (0.1,), (0.0,), (), (), ()).loss
    0.5
    """

    epoch: int
    loss: float
    accuracy: float | None
    weights: tuple[float, ...]
    grads: tuple[float, ...]
    activations: tuple[tuple[tuple[float, ...], ...], ...]
    flat: tuple[tuple[float, ...], ...]
    outputs: tuple[float, ...]


@dataclass(frozen=True)
class TrainingRecord:
    """A training run as the player shows it: the data, the network's shape and the snapshots.

    ``loss`` and ``accuracy`` hold every epoch (as `History` does); ``snapshots`` the recorded
    epochs (every k-th and the last). ``layers`` is empty for a model not built of layers;
    ``grid`` is None unless the inputs have one or two features. ``level`` is where a single
    output changes class (0 for scores and logits, 0.5 for probabilities); ``outputs`` is the
    model's number of outputs.

    >>> TrainingRecord(((0.0,),), (1.0,), (), (), None, 0.0, 1, (0.5,), (), ()).epochs
    1
    """

    inputs: tuple[tuple[float, ...], ...]
    targets: tuple[Any, ...]
    labels: tuple[str, ...]
    layers: tuple[LayerShape, ...]
    grid: Grid | None
    level: float
    outputs: int
    loss: tuple[float, ...]
    accuracy: tuple[float, ...]
    snapshots: tuple[Snapshot, ...]

    @property
    def epochs(self) -> int:
        """Return how many epochs were run (recorded or not)."""
        return len(self.loss)

    def __repr__(self) -> str:
        """Return the record in a few words (it holds thousands of numbers; the player shows them).

        >>> TrainingRecord(((0.0,),), (1.0,), (), (), None, 0.0, 1, (0.5, 0.25), (), ())
        <TrainingRecord: 2 epochs, 0 recorded, 1 sample, loss 0.5 to 0.25>
        """
        samples = len(self.inputs)
        parts = [f"{self.epochs} epochs", f"{len(self.snapshots)} recorded",
                 f"{samples} sample{'' if samples == 1 else 's'}"]
        if self.loss:
            parts.append(f"loss {self.loss[0]:.4g} to {self.loss[-1]:.4g}")
        return f"<TrainingRecord: {', '.join(parts)}>"
