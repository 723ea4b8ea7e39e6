"""Recording a `fit` run for the training player: `Recorder`, called once per epoch by `fit`.

Every k-th epoch it copies every weight and gradient, evaluates each unit on the data and the
model on a grid (no graph: under `no_grad`), and `fit` hands the result back as
`History.record`, a `core.recording.TrainingRecord` of plain numbers that a view can draw.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from typing import Any

from ..core.node import Value, no_grad
from ..core.recording import Grid, LayerShape, Snapshot, TrainingRecord
from ..core.rules import ROWS, WEIGHTED_SUM
from ..core.slots import datas, grads
from ..errors import DomainError, ValueTypeError, message
from .data import _check_count
from .modules import MLP, Layer, Module, Neuron

__all__ = ["Recorder"]

# Where a unit passes (almost) no gradient back, read off its output: the activation's row says.
_FLAT = {row.name: row.flat for row in ROWS if row.flat is not None}


class Recorder:
    """Return a recorder for ``fit(..., record=Recorder(...))``; ``record=True`` is ``Recorder()``.

    It keeps epoch 1, every ``every``-th epoch and the last (``every=None``: about 20 epochs
    of the run): each time every weight and its gradient, each unit's output on every sample
    (for models built of `Layer`s or a `Neuron`) and, for one or two input features, the model
    on a ``grid`` x ``grid`` lattice (``4 * grid`` points for one feature) around the data.
    Loss and accuracy are kept every epoch. A recorded epoch costs about one forward pass per
    sample and grid point, without a graph: at the demo's size (100 points, 2-16-16-1, grid
    20) two thirds of an eager training epoch, or five replayed ones, so every 5th epoch adds
    about 10% to an eager run and doubles a replayed one (docs/training.md has the figures).

    >>> from microgradjp.optim import SGD
    >>> from microgradjp.losses import mean_squared_error
    >>> from microgradjp.train import fit
    >>> neuron = Neuron(1, activation="identity", seed=0)
    >>> history = fit(neuron, [[1.0], [2.0]], [2.0, 4.0], loss=mean_squared_error,
    ...               optimizer=SGD(neuron.parameters(), lr=0.1), epochs=9,
    ...               record=Recorder(every=4, grid=5))
    >>> [s.epoch for s in history.record.snapshots], len(history.record.grid.xs)
    ([1, 4, 8, 9], 20)
    """

    def __init__(self, *, every: int | None = None, grid: int = 20) -> None:
        if every is not None:
            _check_count(every, "every")
        _check_count(grid, "grid")
        if grid < 2:
            raise ValueTypeError(message(f"Recorder(grid={grid})", "a grid needs at least two "
                                         "points a side", "pass grid=20, say"))
        self.every, self.grid = every, grid

    def start(self, model: Any, inputs: Sequence[Sequence[float]], targets: Sequence[Any], *,
              epochs: int, accuracy: Any) -> Recording:
        """Return the recording of one run (`fit` calls this; its ``epoch`` once per epoch)."""
        return Recording(self, model, inputs, targets, epochs=epochs, accuracy=accuracy)


def start_recording(record: bool | Recorder, model: Any, inputs: Sequence[Sequence[float]],
                    targets: Sequence[Any], *, epochs: int, accuracy: Any) -> Recording | None:
    """Return the recording ``fit(record=...)`` asked for, or None for ``record=False``."""
    if record is False:
        return None
    if record is True:
        record = Recorder()
    if not isinstance(record, Recorder):
        raise ValueTypeError(message(f"fit(record={record!r})", "record is True, False or a "
                                     "Recorder", "pass record=True or record=Recorder(every=5)"))
    return record.start(model, inputs, targets, epochs=epochs, accuracy=accuracy)


class Recording:
    """One run being recorded: `fit` calls ``epoch`` after each epoch and ``finish`` at the end."""

    def __init__(self, recorder: Recorder, model: Any, inputs: Sequence[Sequence[float]],
                 targets: Sequence[Any], *, epochs: int, accuracy: Any) -> None:
        self._every = recorder.every or max(1, epochs // 20)
        self._epochs, self._model = epochs, model
        self._inputs = tuple(tuple(float(c) for c in x) for x in inputs)
        self._targets = tuple(tuple(t) if isinstance(t, Sequence) else t for t in targets)
        named = model.named_parameters() if isinstance(model, Module) else []
        self._parameters = [parameter for _, parameter in named]
        self._labels = tuple(parameter.label or name for name, parameter in named)
        self._layers = _layers_of(model)
        index = {id(parameter): k for k, parameter in enumerate(self._parameters)}
        self._shapes = tuple(LayerShape(
            layer.in_features, len(layer.neurons), _name(layer.activation),
            tuple(tuple(index[id(n.weights[i])] for n in layer.neurons)
                  for i in range(layer.in_features)),
            tuple(index[id(n.bias)] for n in layer.neurons)) for layer in self._layers)
        features = len(self._inputs[0]) if self._inputs else 0
        self._grid = _grid(self._inputs, recorder.grid) if features in (1, 2) else None
        self._points = self._grid.points() if self._grid is not None else []
        self._level = 0.5 if accuracy == "threshold" else 0.0
        self._width = len(self._layers[-1].neurons) if self._layers else 0
        self._snapshots: list[Snapshot] = []

    def epoch(self, number: int, loss: float, accuracy: float | None) -> None:
        """Record epoch ``number`` (from 1) if it is one this recorder keeps."""
        if number != 1 and number % self._every and number != self._epochs:
            return
        if not self._width:  # a model not built of layers: count its outputs once
            with no_grad():
                out = self._model(list(self._inputs[0]))
            self._width = 1 if isinstance(out, Value) else len(out)
        run = self._forward()
        activations = self._activations(run)
        flat = tuple(tuple(_flat_share(unit, layer.activation) for unit in units)
                     for layer, units in zip(self._layers, activations, strict=True))
        self._snapshots.append(Snapshot(
            number, loss, accuracy, tuple(datas(self._parameters)),
            tuple(map(float, grads(self._parameters))), activations, flat,
            self._on_grid(run)))

    def finish(self, loss: Sequence[float], accuracy: Sequence[float]) -> TrainingRecord:
        """Return the record: the data, the network's shape, every epoch's numbers, snapshots."""
        return TrainingRecord(self._inputs, self._targets, self._labels, self._shapes,
                              self._grid, self._level, self._width, tuple(loss),
                              tuple(accuracy), tuple(self._snapshots))

    def _activations(self, run: Callable[[Sequence[float]], list[list[float]]]
                     ) -> tuple[tuple[tuple[float, ...], ...], ...]:
        # Each layer's outputs on every sample, [layer][unit][sample].
        per_layer: list[list[list[float]]] = [[] for _ in self._layers]
        for x in self._inputs:
            for k, outputs in enumerate(run(x)):
                per_layer[k].append(outputs)
        return tuple(tuple(zip(*samples, strict=True)) for samples in per_layer)

    def _on_grid(self, run: Callable[[Sequence[float]], list[list[float]]]
                 ) -> tuple[float, ...]:
        if self._grid is None:
            return ()
        found: list[float] = []
        for point in self._points:
            try:
                if self._layers:
                    outputs = run(point)[-1]
                else:
                    with no_grad():  # a prediction per point: nothing to differentiate
                        out = self._model(list(point))
                    outputs = [out.data] if isinstance(out, Value) else [y.data for y in out]
            except (ArithmeticError, DomainError):
                # The grid reaches past the data, where the model need not be defined (a log of
                # an input near 0): no value there, which the player shows as such.
                outputs = [math.nan]
            found.append(outputs[0] if len(outputs) == 1 else float(
                max(range(len(outputs)), key=outputs.__getitem__)))
        return tuple(found)

    def _forward(self) -> Callable[[Sequence[float]], list[list[float]]]:
        """Return x -> every layer's outputs, computed as the model computes them, on floats.

        The rows the neurons apply (the weighted sum, the activation) are called on floats,
        which gives the engine's numbers bit for bit without making a Value per node: twice as
        fast as a forward under no_grad, which matters when it runs on a grid every epoch. A
        layer whose activation is not a row's (softmax, a function) runs under no_grad.
        """
        plan = [_float_plan(layer) for layer in self._layers]

        def run(x: Sequence[float]) -> list[list[float]]:
            found = []
            for layer, units in zip(self._layers, plan, strict=True):
                if units is None:
                    with no_grad():
                        x = [v.data for v in (
                            [n._forward(x) for n in layer.neurons]
                            if isinstance(layer, _OneNeuron) else layer._outputs(x))]
                else:
                    weighted, activate = units
                    x = [WEIGHTED_SUM.forward(*w, *x, b) for w, b in weighted]
                    if activate is not None:
                        x = [activate(z) for z in x]
                found.append(x)
            return found

        return run


# The activations a unit applies as a row (by name); None: it applies nothing.
_ROW_FORWARD: dict[str, Callable[[float], float] | None] = {
    "identity": None, "linear": None, **{row.name: row.forward for row in ROWS if row.activation}}


def _float_plan(layer: Any) -> tuple[list[tuple[tuple[float, ...], float]],
                                     Callable[[float], float] | None] | None:
    name = layer.activation
    if not isinstance(name, str) or name not in _ROW_FORWARD:
        return None
    return ([(tuple(datas(n.weights)), n.bias.data) for n in layer.neurons],
            _ROW_FORWARD[name])


class _OneNeuron:
    # A lone Neuron drawn as a layer of one unit.
    def __init__(self, neuron: Neuron) -> None:
        self.neurons, self.in_features = (neuron,), neuron.in_features
        self.activation = neuron.activation


def _layers_of(model: Any) -> list[Any]:
    if isinstance(model, MLP):
        return list(model.layers)
    if isinstance(model, Layer):
        return [model]
    if isinstance(model, Neuron):
        return [_OneNeuron(model)]
    return []  # any other model: weights by name, no units to draw


def _name(activation: Any) -> str:
    return activation if isinstance(activation, str) else getattr(
        activation, "__name__", type(activation).__name__)


def _flat_share(outputs: Sequence[float], activation: Any) -> float:
    flat = _FLAT.get(activation) if isinstance(activation, str) else None
    if flat is None or not outputs:  # identity, softmax, a function of the user's: unknown
        return 0.0
    return sum(map(flat, outputs)) / len(outputs)


def _grid(inputs: Sequence[Sequence[float]], size: int) -> Grid | None:
    if not inputs:
        return None
    features = list(zip(*inputs, strict=True))
    steps = 4 * size if len(features) == 1 else size  # a curve needs more points than a side
    # Computed scaled down by 2**k, which is exact, so these are the plain formulas' numbers to
    # the bit, but (high - low) * i of inputs near 1e308 does not overflow.
    k = steps.bit_length() + 1
    axes = []
    for feature in features:
        # Around the finite data (a nan or inf input has no place on the plot), a little room.
        finite = [x for x in feature if math.isfinite(x)] or [0.0]
        low, high = math.ldexp(min(finite), -k), math.ldexp(max(finite), -k)
        margin = 0.1 * (high - low) or math.ldexp(0.5, -k)
        edge = math.ldexp(sys.float_info.max, -k)
        low, high = max(low - margin, -edge), min(high + margin, edge)
        axes.append(tuple(math.ldexp(low + (high - low) * i / (steps - 1), k)
                          for i in range(steps)))
    return Grid(*axes)
