"""Neural networks on scalars: `Module`, `Neuron`, `Layer` and `MLP`, built from `Value`s.

A neuron's weighted sum is ONE node (the ``weighted_sum`` row), its activation one more. Weights
can be given exactly as the seeds write them (``W`` of shape inputs x units, ``b`` per unit, lists
or numpy arrays). As in micrograd, a layer or model with one output unit returns a `Value`.
Starting weights: `init`; losses, optimizers, loops, files: `losses`, `optim`, `train`, `saving`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from ..core.node import Parameter, Value, apply
from ..core.rules import IDENTITY, ROWS, WEIGHTED_SUM, Rule
from ..core.slots import datas, grads, zero_grads
from ..errors import DomainError, ValueTypeError, message
from ._inputs import finite, matrix, plain, shape, vector
from ._inputs import inputs as checked_inputs
from .init import generator, initial_weights
from .losses import softmax

__all__ = ["ACTIVATIONS", "MLP", "Layer", "Module", "Neuron", "Parameter"]

Activation = str | Callable[[Value], Value]
Matrix = Sequence[Sequence[float]] | Any  # Any: a 2-d numpy array (never imported here)
Vector = Sequence[float] | Any  # Any: a 1-d numpy array
Output = Value | list[Value]  # one output unit gives a Value, as in micrograd; more, a list
Inputs = Sequence[Value | float] | Any  # Any: a 1-d numpy array (or a Value for one input)

# Per-unit activations by name: the rows marked ``activation``. ``None`` means "no node":
# identity costs nothing at forward. A row's Value method (Value.relu), where it has one,
# reaches the engine in one call, faster than calling the row.
_ACTIVATION_ROWS = [row for row in ROWS if row.activation]
_UNIT_ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "identity": None, "linear": None,
    **{row.name: getattr(Value, row.name, row) for row in _ACTIVATION_ROWS},
}
_RULE_NAMES = {rule: rule.name for rule in (IDENTITY, *_ACTIVATION_ROWS)}
# softmax mixes all units of a layer, so it is a layer's activation, never a neuron's.
ACTIVATIONS = (*sorted(_UNIT_ACTIVATIONS), "softmax")


class Module:
    """The base of every model: parameters by name, their gradients, and their state.

    Subclasses define ``named_parameters``; everything else here is built on it.

    >>> Neuron(2).parameters()[-1].label
    'b'
    """

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Return ``(name, parameter)`` pairs; a name is the attribute path, like PyTorch's."""
        raise NotImplementedError(f"{type(self).__name__} must define named_parameters()")

    def parameters(self) -> list[Value]:
        """Return every trainable `Value`, in a fixed order (what an optimizer updates)."""
        return [parameter for _, parameter in self.named_parameters()]

    def zero_grad(self) -> None:
        """Return nothing after setting every parameter's ``.grad`` to 0.0."""
        zero_grads(self.parameters())

    def state_dict(self) -> dict[str, float]:
        """Return ``{name: float}`` for every parameter (a copy: later training does not change it).

        >>> Layer.from_weights([[0.5]], [0.25]).state_dict()
        {'neurons.0.weights.0': 0.5, 'neurons.0.bias': 0.25}
        """
        named = self.named_parameters()
        return dict(zip([name for name, _ in named], datas([p for _, p in named]), strict=True))

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Return nothing after copying ``state``'s numbers into the parameters.

        Every name must match and every value be a finite number; on any error the model is
        left untouched.

        >>> layer = Layer(1, 1); layer.load_state_dict({"neurons.0.weights.0": 2.0,
        ...                                             "neurons.0.bias": 0.0})
        >>> layer([3.0]).data
        6.0
        """
        if not isinstance(state, Mapping):
            raise ValueTypeError(message(
                f"{type(self).__name__}.load_state_dict({type(state).__name__})",
                "a state must be a mapping from parameter names to numbers",
                "pass what state_dict() returned"))
        named = dict(self.named_parameters())
        missing = [name for name in named if name not in state]
        unexpected = [str(name) for name in state if name not in named]
        if missing or unexpected:
            raise DomainError(message(
                f"{type(self).__name__}.load_state_dict(...)",
                f"the names do not match this model (missing: {_few(missing)}; "
                f"unexpected: {_few(unexpected)})",
                "load a state saved from a model of the same shape"))
        values = {name: finite(plain(state[name]), f"state[{name!r}]") for name in named}
        for name, parameter in named.items():  # only after every value passed the checks
            parameter.data = values[name]


class Neuron(Module):
    """Return ``activation(w . x + b)`` when called on a sequence of ``in_features`` inputs.

    ``Neuron(n)`` is a ReLU neuron, as micrograd's ``Neuron(n)`` is; micrograd's
    ``nonlin=False`` is accepted and means ``activation="identity"``, and its ``.w`` and ``.b``
    are ``weights`` and ``bias``. Weights are fresh random numbers from Python's ``random``
    unless ``seed`` is given (see `microgradjp.init.manual_seed`); ``init="uniform"`` draws
    them exactly as micrograd does. ``from_weights`` builds the seeds' ``u = x.w + b``: it
    applies no activation unless one is named.

    >>> Neuron(3), Neuron(3, nonlin=False)
    (Neuron(3, activation='relu'), Neuron(3, activation='identity'))
    >>> Neuron.from_weights([0.1, 0.2], 0.5, activation="relu")([2.0, 3.0]).data
    1.3
    """

    def __init__(self, in_features: int, nonlin: bool | None = None, *,
                 activation: Activation = "relu", init: str = "auto",
                 seed: int | random.Random | None = None) -> None:
        if nonlin is not None:  # micrograd's flag: ReLU or nothing
            if activation != "relu":
                raise ValueTypeError(message(
                    f"Neuron({in_features}, nonlin={nonlin!r}, activation={activation!r})",
                    "nonlin (micrograd's flag) and activation both say which activation",
                    "pass one of them"))
            activation = "relu" if nonlin else "identity"
        weights = initial_weights(in_features, 1, activation=activation, init=init, seed=seed)
        self._assemble([row[0] for row in weights], 0.0, activation)

    @property
    def w(self) -> list[Value]:
        """micrograd's name for `weights`, as a list (``[n.b] + n.w`` works as there)."""
        return list(self.weights)

    @property
    def b(self) -> Value:
        """micrograd's name for `bias`."""
        return self.bias

    @classmethod
    def from_weights(cls, weights: Vector, bias: float, *,
                     activation: Activation = "identity") -> Neuron:
        """Return a neuron with exactly these weights (one per input) and bias.

        >>> Neuron.from_weights([1.0, -1.0], 0.0).weights[1].data
        -1.0
        """
        neuron = cls.__new__(cls)
        neuron._assemble(vector(weights, "weights"), finite(plain(bias), "bias"), activation)
        return neuron

    def _assemble(self, weights: list[float], bias: float, activation: Activation) -> None:
        # activation: a name for the built-in ones (what files store), else the function itself
        self.activation, self._activation = _unit_activation(activation)
        self.in_features = len(weights)
        # A tuple: the forward unpacks it as is, and nobody can swap a weight out from under it.
        self.weights = tuple(Parameter(w, f"w[{i}]") for i, w in enumerate(weights))
        self.bias = Parameter(bias, "b")

    def __call__(self, inputs: Inputs) -> Value:
        return self._forward(checked_inputs(inputs, self.in_features, self))

    def _forward(self, inputs: Sequence[Value | float]) -> Value:
        # One node for the whole weighted sum (w1..wn, x1..xn, bias), one for the activation.
        total: Value = apply(WEIGHTED_SUM, (*self.weights, *inputs, self.bias))
        function = self._activation
        return total if function is None else function(total)

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Return ``weights.0 ... weights.n-1`` then ``bias``."""
        return [*((f"weights.{i}", w) for i, w in enumerate(self.weights)), ("bias", self.bias)]

    def __repr__(self) -> str:
        return f"Neuron({self.in_features}, activation={_show(self.activation)})"


class Layer(Module):
    """Return a list with one output per unit when called; a `Value` if there is one unit.

    ``Layer(n, m)`` has ReLU units with fresh random weights, like micrograd's; ``from_weights``
    builds the seeds' ``A = XW + B`` and applies no activation unless one is named.

    >>> layer = Layer.from_weights([[0.1, 1.0], [0.2, 1.0]], [0.5, 0.0], activation="relu")
    >>> [round(y.data, 12) for y in layer([2.0, 3.0])]
    [1.3, 5.0]
    >>> Layer.from_weights([[0.1], [0.2]], [0.5])([2.0, 3.0]).data  # one unit: a Value
    1.3
    """

    def __init__(self, in_features: int, out_features: int, *,
                 activation: Activation = "relu", init: str = "auto",
                 seed: int | random.Random | None = None) -> None:
        weights = initial_weights(in_features, out_features, activation=activation, init=init,
                                  seed=seed)
        self._assemble(weights, [0.0] * out_features, activation)

    @classmethod
    def from_weights(cls, weights: Matrix, bias: Sequence[float], *,
                     activation: Activation = "identity") -> Layer:
        """Return a layer with exactly these numbers, written as the seeds write them.

        ``weights[i][j]`` connects input ``i`` to unit ``j`` (``A = XW + B``); ``bias[j]`` is
        unit ``j``'s bias.

        >>> Layer.from_weights([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], [0.1, 0.2, 0.3])
        Layer(2, 3, activation='identity')
        """
        rows, biases = matrix(weights, "weights"), vector(bias, "bias")
        if len(biases) != len(rows[0]):
            raise DomainError(message(
                f"Layer.from_weights(bias of shape {shape(biases)})",
                f"weights have shape {shape(rows)} ({len(rows[0])} units), so bias needs shape "
                f"({len(rows[0])},)", "pass one bias per column of weights"))
        layer = cls.__new__(cls)
        layer._assemble(rows, biases, activation)
        return layer

    def _assemble(self, weights: list[list[float]], bias: list[float],
                  activation: Activation) -> None:
        # softmax mixes all units, so it is applied here; each unit then applies nothing.
        mixed = activation == "softmax"
        self.activation = "softmax" if mixed else _unit_activation(activation)[0]
        unit_activation = "identity" if mixed else self.activation
        self.in_features, self.out_features = len(weights), len(bias)
        self.neurons: tuple[Neuron, ...] = tuple(
            Neuron.from_weights([row[j] for row in weights], bias[j], activation=unit_activation)
            for j in range(len(bias)))
        self._relabel("")

    def _relabel(self, suffix: str) -> None:
        # Labels read like the seeds' matrices, W1[i,j] and b1[j], in drawings and messages.
        for j, neuron in enumerate(self.neurons):
            for i, weight in enumerate(neuron.weights):
                weight.named(f"W{suffix}[{i},{j}]")
            neuron.bias.named(f"b{suffix}[{j}]")

    def __call__(self, inputs: Inputs) -> Output:
        outputs = self._outputs(checked_inputs(inputs, self.in_features, self))
        return outputs[0] if len(outputs) == 1 else outputs

    def _outputs(self, inputs: Sequence[Value | float]) -> list[Value]:
        # The list form, whatever the width: what the next layer and the losses iterate over.
        if not isinstance(inputs[0], Value):
            # Numbers become leaves once here, not once per unit inside the weighted sums.
            inputs = [x if isinstance(x, Value) else Value(x) for x in inputs]
        outputs = [neuron._forward(inputs) for neuron in self.neurons]
        return softmax(outputs) if self.activation == "softmax" else outputs

    def to_weights(self, *, grad: bool = False) -> tuple[list[list[float]], list[float]]:
        """Return ``(W, b)`` as the seeds write them: the data, or the gradients if ``grad``.

        >>> Layer.from_weights([[1.0, 2.0]], [3.0, 4.0]).to_weights()
        ([[1.0, 2.0]], [3.0, 4.0])
        """
        read = grads if grad else datas
        weights = [read([neuron.weights[i] for neuron in self.neurons])
                   for i in range(self.in_features)]
        return weights, read([neuron.bias for neuron in self.neurons])

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Return ``neurons.j.<name>`` for every parameter of every unit ``j``."""
        return [(f"neurons.{j}.{name}", parameter) for j, neuron in enumerate(self.neurons)
                for name, parameter in neuron.named_parameters()]

    def __repr__(self) -> str:
        return (f"Layer({self.in_features}, {self.out_features}, "
                f"activation={_show(self.activation)})")


class MLP(Module):
    """Return the last layer's outputs for one input vector: a list, or a `Value` for one unit.

    Hidden layers share ``activation`` (ReLU by default, as in micrograd); the output layer has
    its own ``output_activation`` ("identity", the default, gives logits/scores for the losses;
    "sigmoid" or "softmax" give probabilities). Weights are fresh unless ``seed`` is given.

    >>> model = MLP(2, [16, 16, 1], seed=1)  # micrograd's MLP(2, [16, 16, 1])
    >>> len(model.parameters()), isinstance(model([0.5, -1.0]), Value)
    (337, True)
    >>> len(MLP(2, [3, 4])([0.5, -1.0]))
    4
    """

    def __init__(self, in_features: int, layer_sizes: Sequence[int], *,
                 activation: Activation = "relu", output_activation: Activation = "identity",
                 init: str = "auto", seed: int | random.Random | None = None) -> None:
        if not isinstance(layer_sizes, Sequence) or not layer_sizes:
            raise ValueTypeError(message(
                f"MLP({in_features}, {layer_sizes!r})", "layer_sizes must be a non-empty list",
                "give one unit count per layer, e.g. [16, 16, 1]"))
        rng = generator(seed)  # one stream for all layers: the seed fixes every weight
        widths = [in_features, *layer_sizes]
        last = len(layer_sizes) - 1
        self._assemble([
            Layer(widths[k], widths[k + 1], init=init, seed=rng,
                  activation=output_activation if k == last else activation)
            for k in range(len(layer_sizes))])

    @classmethod
    def from_layers(cls, layers: Iterable[Layer]) -> MLP:
        """Return an MLP that runs these layers in order (each width must feed the next).

        >>> MLP.from_layers([Layer(2, 3), Layer(3, 1)]).out_features
        1
        """
        model = cls.__new__(cls)
        model._assemble(list(layers))
        return model

    @classmethod
    def from_weights(cls, weights: Sequence[tuple[Matrix, Sequence[float]]], *,
                     activation: Activation = "relu",
                     output_activation: Activation = "identity") -> MLP:
        """Return an MLP with exactly these ``(W, b)`` pairs, one per layer (the seeds' shapes).

        Lists or numpy arrays; the numbers are copied, so changing your arrays afterwards does
        not change the model: update its parameters (``p.data -= lr * p.grad``) instead.

        >>> W1, b1 = [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]], [0.1, 0.2, 0.3]
        >>> W2, b2 = [[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]], [0.1, 0.2]
        >>> [round(y.data, 12) for y in MLP.from_weights([(W1, b1), (W2, b2)])([1.0, 2.0])]
        [1.02, 2.29]
        """
        last = len(weights) - 1
        return cls.from_layers(
            Layer.from_weights(w, b, activation=output_activation if k == last else activation)
            for k, (w, b) in enumerate(weights))

    def _assemble(self, layers: list[Layer]) -> None:
        if not layers or not all(isinstance(layer, Layer) for layer in layers):
            raise ValueTypeError(message(
                f"MLP.from_layers({layers!r})", "an MLP needs a non-empty list of Layers",
                "pass Layer objects"))
        if len({id(layer) for layer in layers}) != len(layers):
            raise DomainError(message(
                "MLP.from_layers(...)", "a Layer appears twice (its labels would be overwritten "
                "and optimizers refuse a parameter listed twice)", "make a new Layer for each"))
        for k in range(1, len(layers)):
            if layers[k].in_features != layers[k - 1].out_features:
                raise DomainError(message(
                    f"MLP.from_layers(...) at layer {k}",
                    f"layer {k} takes {layers[k].in_features} inputs (its W has shape "
                    f"({layers[k].in_features}, {layers[k].out_features})) but layer {k - 1} "
                    f"gives {layers[k - 1].out_features}, so W needs "
                    f"({layers[k - 1].out_features}, {layers[k].out_features})",
                    "make each layer's width feed the next"))
        self.layers = tuple(layers)
        self.in_features, self.out_features = layers[0].in_features, layers[-1].out_features
        for k, layer in enumerate(layers):
            layer._relabel(str(k + 1))  # W1, b1, W2, ... as in the seeds

    def __call__(self, inputs: Inputs) -> Output:
        first, *rest = self.layers
        outputs = first._outputs(checked_inputs(inputs, self.in_features, self))
        for layer in rest:
            outputs = layer._outputs(outputs)
        return outputs[0] if len(outputs) == 1 else outputs

    def to_weights(self, *, grad: bool = False) -> list[tuple[list[list[float]], list[float]]]:
        """Return one ``(W, b)`` pair per layer: the data, or the gradients if ``grad``."""
        return [layer.to_weights(grad=grad) for layer in self.layers]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Return ``layers.k.neurons.j.<name>`` for every parameter."""
        return [(f"layers.{k}.{name}", parameter) for k, layer in enumerate(self.layers)
                for name, parameter in layer.named_parameters()]

    def __repr__(self) -> str:
        lines = "".join(f"  ({k}): {layer!r}\n" for k, layer in enumerate(self.layers))
        return f"MLP(\n{lines})"


def _unit_activation(activation: Any) -> tuple[Activation, Callable[[Value], Value] | None]:
    """Return (the name, or the function itself if it is not built in; what a unit applies)."""
    if isinstance(activation, Rule):  # microgradjp.relu etc.: keep the name, files can store it
        activation = _RULE_NAMES.get(activation, activation)
    if isinstance(activation, str):
        if activation in _UNIT_ACTIVATIONS:
            return activation, _UNIT_ACTIVATIONS[activation]
        hint = " (softmax mixes units: give it to a Layer)" if activation == "softmax" else ""
        raise DomainError(message(
            f"activation={activation!r}", f"unknown activation{hint}",
            f"use one of {sorted(_UNIT_ACTIVATIONS)} or a function Value -> Value"))
    if callable(activation):
        return activation, activation
    raise ValueTypeError(message(
        f"activation={activation!r}", "an activation is a name or a function Value -> Value",
        f"use one of {ACTIVATIONS}"))


def _show(activation: Activation) -> str:
    return repr(activation) if isinstance(activation, str) else getattr(
        activation, "__name__", repr(activation))


def _few(names: Sequence[Any], limit: int = 3) -> str:
    shown = ", ".join(str(name) for name in names[:limit])
    more = f", ... ({len(names)} in all)" if len(names) > limit else ""
    return f"[{shown}{more}]"
