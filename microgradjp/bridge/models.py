"""Our models as torch modules and back: `Neuron`, `Layer`, `MLP` <-> ``nn.Sequential``.

Each of our layers becomes a float64 ``nn.Linear`` (our ``W[i][j]``, input i to unit j, is
torch's ``weight[j, i]``) followed by its activation's torch module; `from_torch` reads such a
Sequential back and refuses, by name, any layer we do not have. Numbers cross as Python floats,
so nothing is rounded either way.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..core.node import Value
from ..errors import ValueTypeError, message
from ..nn.modules import MLP, Layer, Module, Neuron
from ._torch import UntranslatableError, require_torch

if TYPE_CHECKING:
    import torch

__all__ = ["from_torch", "model_to_torch", "paired_parameters"]

# Our activation names, in the order error messages list them.
_NAMES = ("identity", "relu", "tanh", "sigmoid", "step", "softmax")


@functools.cache
def _step_class() -> type[torch.nn.Module]:
    import torch

    # Where torch is not installed, mypy sees its Module as Any (the one ignore it needs then).
    class Step(torch.nn.Module):  # type: ignore[misc, unused-ignore]
        """1.0 where the input is > 0, else 0.0 (the perceptron's step); its gradient is 0."""

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            # A comparison has no gradient in torch: what flows back is None, the row's 0.
            return (x > 0.0).to(x.dtype)

    return Step


def _activation_classes() -> dict[str, type[torch.nn.Module]]:
    """Return our activation name -> its torch module class (identity: none is applied)."""
    import torch

    nn = torch.nn
    return {"identity": nn.Identity, "relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid,
            "step": _step_class(), "softmax": nn.Softmax}


def _layers(model: Module) -> list[tuple[Any, tuple[Neuron, ...]]]:
    """Return (activation, units) per layer: an MLP's layers, a Layer, a Neuron as one unit."""
    if isinstance(model, MLP):
        return [(layer.activation, layer.neurons) for layer in model.layers]
    if isinstance(model, Layer):
        return [(model.activation, model.neurons)]
    if isinstance(model, Neuron):
        return [(model.activation, (model,))]
    raise UntranslatableError(message(
        f"to_torch({type(model).__name__})", "the bridge knows Neuron, Layer and MLP",
        "pass one of them, or a Value (an expression) to get a torch function"))


def model_to_torch(model: Module) -> torch.nn.Sequential:
    """Return ``nn.Sequential(Linear, activation, Linear, ...)`` in float64, our numbers in it.

    Used by `to_torch` for models (see there for an example).
    """
    require_torch(f"to_torch({type(model).__name__})")
    import torch

    classes = _activation_classes()
    parts: list[torch.nn.Module] = []
    for k, (activation, units) in enumerate(_layers(model)):
        if activation not in classes and activation != "linear":
            raise UntranslatableError(message(
                f"to_torch(...) at layer {k}: activation={activation!r}",
                "a Python function has no torch twin the bridge can know of",
                f"use one of {', '.join(_NAMES)}, or build this layer in torch yourself"))
        # Made on the meta device, no random weights are drawn (torch's random stream is left
        # as the user set it); then our numbers become its parameters.
        linear = torch.nn.Linear(units[0].in_features, len(units), device="meta")
        linear.weight = torch.nn.Parameter(torch.tensor(
            [[w.data for w in unit.weights] for unit in units], dtype=torch.float64))
        linear.bias = torch.nn.Parameter(torch.tensor(
            [unit.bias.data for unit in units], dtype=torch.float64))
        parts.append(linear)
        if activation == "softmax":
            parts.append(torch.nn.Softmax(dim=-1))  # over the units: the last dimension
        elif activation not in ("identity", "linear"):
            parts.append(classes[activation]())
    return torch.nn.Sequential(*parts)


def paired_parameters(model: Module, module: torch.nn.Sequential
                      ) -> list[tuple[Value, str, torch.Tensor, tuple[int, int] | tuple[int]]]:
    """Return, per parameter of ``model`` in its order, (it, torch's name, torch's tensor, index).

    ``module`` is what `model_to_torch` made of ``model``.
    """
    import torch

    linears = [(name, m) for name, m in module.named_children()
               if isinstance(m, torch.nn.Linear)]
    pairs: list[tuple[Value, str, torch.Tensor, tuple[int, int] | tuple[int]]] = []
    for (name, linear), (_, units) in zip(linears, _layers(model), strict=True):
        for j, unit in enumerate(units):
            pairs += [(w, f"{name}.weight[{j},{i}]", linear.weight, (j, i))
                      for i, w in enumerate(unit.weights)]
            pairs.append((unit.bias, f"{name}.bias[{j}]", linear.bias, (j,)))
    return pairs


def _flattened(module: torch.nn.Module, prefix: str) -> Iterator[tuple[str, torch.nn.Module]]:
    import torch

    if not isinstance(module, torch.nn.Sequential):
        yield prefix or type(module).__name__, module
        return
    for name, child in module.named_children():
        yield from _flattened(child, f"{prefix}.{name}" if prefix else name)


def from_torch(module: torch.nn.Module) -> MLP:
    """Return our `MLP` with the numbers of an ``nn.Sequential`` of ``Linear`` + activations.

    Each ``Linear`` (with a bias) may be followed by one of ``ReLU``, ``Tanh``, ``Sigmoid``,
    ``Softmax(dim=-1)``, ``Identity`` or the bridge's step; nested Sequentials are read in
    order. Any other layer is refused by its name in the Sequential. Weights of any float dtype
    become Python floats exactly, so ``from_torch(to_torch(model))`` keeps every bit.

    >>> import torch
    >>> torch_model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(),
    ...                                   torch.nn.Linear(3, 1))
    >>> from_torch(torch_model)
    MLP(
      (0): Layer(2, 3, activation='tanh')
      (1): Layer(3, 1, activation='identity')
    )
    """
    require_torch("from_torch(module)")
    import torch

    if not isinstance(module, torch.nn.Module):
        raise ValueTypeError(message(
            f"from_torch({type(module).__name__})", "it reads a torch module",
            "pass an nn.Sequential of Linear layers and activations"))
    kinds = {cls: name for name, cls in _activation_classes().items()}
    layers: list[list[Any]] = []  # [W as ours (inputs x units), b, activation]
    for name, child in _flattened(module, ""):
        asked = f"from_torch: layer {name!r} ({type(child).__name__})"
        kind = kinds.get(type(child))
        if isinstance(child, torch.nn.Linear):
            layers.append([*_linear_numbers(child, asked), "identity"])
        elif kind is None:
            raise UntranslatableError(message(
                asked, "our MLP has only Linear layers and the activations "
                f"{', '.join(_NAMES)}", "replace that layer, or keep this model in torch"))
        elif kind == "identity":
            continue
        elif not layers or layers[-1][2] != "identity":
            raise UntranslatableError(message(
                asked, "each of our layers applies one activation, right after its Linear",
                "put one activation after each Linear"))
        elif isinstance(child, torch.nn.Softmax) and child.dim not in (-1, 1):
            raise UntranslatableError(message(
                asked, f"our softmax is over a layer's units (dim=-1), this one is over dim="
                f"{child.dim}", "use nn.Softmax(dim=-1)"))
        else:
            layers[-1][2] = kind
    if not layers:
        raise UntranslatableError(message(
            f"from_torch({type(module).__name__})", "it holds no Linear layer",
            "pass an nn.Sequential of Linear layers and activations"))
    return MLP.from_layers(Layer.from_weights(w, b, activation=a) for w, b, a in layers)


def _linear_numbers(linear: torch.nn.Linear, asked: str) -> tuple[list[list[float]], list[float]]:
    import torch

    if linear.bias is None:
        raise UntranslatableError(message(
            asked, "it has no bias, and each of our units has one (it would be trained)",
            "make it with bias=True, or keep this model in torch"))
    if not linear.weight.is_floating_point():
        raise UntranslatableError(message(asked, f"its weights are {linear.weight.dtype}",
                                          "convert the model with .double() first"))

    def numbers(tensor: torch.Tensor) -> Any:
        return tensor.detach().cpu().to(torch.float64).tolist()

    weight = numbers(linear.weight)  # (units, inputs): ours is (inputs, units)
    return [list(column) for column in zip(*weight, strict=True)], numbers(linear.bias)
