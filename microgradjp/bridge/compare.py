"""`compare_with_torch`: both backward passes over the same numbers, every gradient side by side.

Our side is the engine (`gradients`, no ``.grad`` touched); torch's side is `to_torch`'s twin
and, for a model, torch's own loss functions (the twin of each of our losses is in `LOSS_TWINS`).
The table is `report`'s job.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..core.functional import gradients
from ..core.node import Value, apply
from ..core.rules import SUM
from ..errors import DomainError, ValueTypeError, message
from ..nn import losses
from ..nn.modules import MLP, Layer, Module, Neuron
from ._torch import UntranslatableError, require_torch
from .expressions import TorchExpression
from .models import model_to_torch, paired_parameters
from .report import Comparison, GradientRow

if TYPE_CHECKING:
    import torch

__all__ = ["LOSS_TWINS", "compare_with_torch"]


def _classes(targets: Sequence[Any]) -> torch.Tensor:
    import torch

    return torch.tensor(targets, dtype=torch.long)


def _like(targets: Sequence[Any], out: torch.Tensor) -> torch.Tensor:
    # One target per output unit (a number per sample for a one-unit model).
    import torch

    return torch.tensor(targets, dtype=torch.float64).reshape(out.shape)


def _is_index(target: Any) -> bool:
    return isinstance(target, numbers.Integral) and not isinstance(target, bool)


# Each twin takes the batch of outputs (samples x units) and the targets, and returns the batch
# mean of our per-sample loss, written with torch's own loss functions where torch has one.


def _mean_squared_error(out: torch.Tensor, targets: Sequence[Any], *, half: bool = True,
                        reduction: str = "mean") -> torch.Tensor:
    import torch.nn.functional as F

    d = _like(targets, out)
    if reduction == "mean":
        loss = F.mse_loss(out, d)
    else:  # our sum is per sample; the batch is still averaged
        loss = F.mse_loss(out, d, reduction="sum") / len(out)
    return loss * 0.5 if half else loss


def _cross_entropy(out: torch.Tensor, targets: Sequence[Any]) -> torch.Tensor:
    import torch.nn.functional as F

    if _is_index(targets[0]):
        return F.cross_entropy(out, _classes(targets))
    return F.cross_entropy(out, _like(targets, out))  # one-hot or probabilities per class


def _cross_entropy_from_probabilities(out: torch.Tensor, targets: Sequence[Any], *,
                                      eps: float = 0.0) -> torch.Tensor:
    import torch.nn.functional as F

    logs = (out + eps).log()
    if _is_index(targets[0]):
        return F.nll_loss(logs, _classes(targets))
    return -(_like(targets, out) * logs).sum(1).mean()


def _binary_cross_entropy(out: torch.Tensor, targets: Sequence[Any]) -> torch.Tensor:
    import torch.nn.functional as F

    return F.binary_cross_entropy(out, _like(targets, out))


def _binary_cross_entropy_with_logits(out: torch.Tensor, targets: Sequence[Any]) -> torch.Tensor:
    import torch.nn.functional as F

    return F.binary_cross_entropy_with_logits(out, _like(targets, out))


def _multiclass_svm_loss(out: torch.Tensor, targets: Sequence[Any], *,
                         margin: float = 1.0) -> torch.Tensor:
    import torch.nn.functional as F

    # torch averages the hinges over the classes; CS231n's loss (ours) sums them.
    return F.multi_margin_loss(out, _classes(targets), margin=margin) * out.shape[1]


def _max_margin_loss(out: torch.Tensor, targets: Sequence[Any]) -> torch.Tensor:
    import torch.nn.functional as F

    # max(0, -y (score - 0) + 1): micrograd's max(0, 1 - y score), as torch names it.
    return F.margin_ranking_loss(out, out.new_zeros(out.shape), _like(targets, out), margin=1.0)


LOSS_TWINS: dict[Callable[..., Value], Callable[..., torch.Tensor]] = {
    losses.mean_squared_error: _mean_squared_error,
    losses.cross_entropy: _cross_entropy,
    losses.cross_entropy_from_probabilities: _cross_entropy_from_probabilities,
    losses.binary_cross_entropy: _binary_cross_entropy,
    losses.binary_cross_entropy_with_logits: _binary_cross_entropy_with_logits,
    losses.multiclass_svm_loss: _multiclass_svm_loss,
    losses.max_margin_loss: _max_margin_loss,
}


def compare_with_torch(subject: Value | Module, inputs: Any = None, targets: Any = None, *,
                       loss: Callable[..., Value] | None = None,
                       **loss_options: Any) -> Comparison:
    """Return both backward passes side by side: per leaf or parameter, ours, torch's, the gap.

    For a `Value`: its value and its leaves' gradients against torch's autograd on
    ``to_torch(value)``. For a model and ``inputs`` (one sample or a list of samples): the
    batch mean of ``loss(model(x), target, **loss_options)`` (without a loss, the sum of the
    outputs) and every parameter's gradient, against ``to_torch(model)`` and torch's own loss.
    Nothing's ``.grad`` is touched.

    >>> from microgradjp.nn import MLP
    >>> from microgradjp.losses import cross_entropy
    >>> model = MLP(2, [4, 3], activation="tanh", seed=0)
    >>> report = compare_with_torch(model, [[0.5, -1.0], [1.0, 2.0]], [2, 0], loss=cross_entropy)
    >>> len(report.rows), report.max_difference < 1e-15
    (27, True)
    """
    if isinstance(subject, Value):
        if inputs is not None or targets is not None or loss is not None or loss_options:
            raise ValueTypeError(message(
                "compare_with_torch(value, ...)", "an expression brings its own numbers",
                "pass the Value alone, or a model with inputs and a loss"))
        return _compare_expression(subject)
    if not isinstance(subject, Neuron | Layer | MLP):
        raise ValueTypeError(message(
            f"compare_with_torch({type(subject).__name__})", "it compares a Value or a model",
            "pass an expression's output, or a Neuron, Layer or MLP with inputs"))
    return _compare_model(subject, inputs, targets, loss, loss_options)


def _compare_expression(root: Value) -> Comparison:
    function = TorchExpression(root)
    leaves = list(function.leaves)
    ours = gradients(root, leaves)
    tensors = function.tensors()
    out = function(*tensors)
    theirs = _torch_gradients(out, tensors)
    rows = tuple(GradientRow(name, f"args[{k}]", float(g),
                             0.0 if t is None else float(t.item()))
                 for k, (name, g, t) in enumerate(zip(function.names, ours, theirs, strict=True)))
    output = GradientRow(root.label or "output", "output", root.data, float(out.item()))
    return Comparison("expression", output, rows)


def _torch_gradients(out: torch.Tensor, tensors: Sequence[torch.Tensor]
                     ) -> list[torch.Tensor | None]:
    # None where nothing differentiable connects the tensor to the output (a step between
    # them, or an unused leaf): torch's way of saying 0.
    import torch

    if not out.requires_grad:
        return [None] * len(tensors)
    return list(torch.autograd.grad(out, list(tensors), allow_unused=True))


def _samples(inputs: Any, width: int) -> list[list[float]]:
    if inputs is None:
        raise ValueTypeError(message("compare_with_torch(model)", "a model needs inputs",
                                     "pass one sample (a list of numbers) or a list of samples"))
    try:
        listed = list(inputs.tolist() if hasattr(inputs, "tolist") else inputs)
        if listed and all(isinstance(x, numbers.Real) for x in listed):
            listed = [listed]  # one sample
        samples = [[float(x) for x in sample] for sample in listed]
    except (TypeError, ValueError):
        raise ValueTypeError(message(
            f"compare_with_torch(model, inputs={inputs!r:.60})", "inputs are numbers",
            "pass one sample (a list of numbers) or a list of samples")) from None
    if not samples or any(len(sample) != width for sample in samples):
        raise DomainError(message(f"compare_with_torch(model, inputs of {len(samples)} samples)",
                                  f"the model takes {width} numbers per sample",
                                  "pass samples of that width"))
    return samples


def _compare_model(model: Neuron | Layer | MLP, inputs: Any, targets: Any,
                   loss: Callable[..., Value] | None, options: dict[str, Any]) -> Comparison:
    require_torch(f"compare_with_torch({type(model).__name__})")
    import torch

    module = model_to_torch(model)  # refuses what torch cannot take over, before any work
    samples = _samples(inputs, model.in_features)
    twin = _loss_twin(loss, targets, len(samples), options)
    outputs = [model(x) for x in samples]
    out = module(torch.tensor(samples, dtype=torch.float64))
    if loss is None or twin is None:  # the twin is None exactly when the loss is
        ours = apply(SUM, tuple(v for y in outputs for v in (y if isinstance(y, list) else [y])))
        theirs = out.sum()
    else:
        ours = losses.mean([loss(y, t, **options) for y, t in zip(outputs, targets, strict=True)])
        theirs = twin(out, list(targets), **options)
    pairs = paired_parameters(model, module)
    our_grads = gradients(ours, [p for p, _, _, _ in pairs])
    tensors = list(dict.fromkeys(tensor for _, _, tensor, _ in pairs))
    # Each gradient as nested Python lists once: indexing a tensor 40,000 times costs seconds.
    grads = {tensor: None if g is None else g.tolist()
             for tensor, g in zip(tensors, _torch_gradients(theirs, tensors), strict=True)}
    rows = tuple(GradientRow(p.label or name, name, float(g), _at(grads[tensor], index))
                 for (p, name, tensor, index), g in zip(pairs, our_grads, strict=True))
    name = "output" if loss is None else getattr(loss, "__name__", "loss")
    return Comparison("model", GradientRow(name, name, ours.data, float(theirs.item())), rows)


def _at(grad: Any, index: tuple[int, ...]) -> float:
    if grad is None:
        return 0.0
    for i in index:
        grad = grad[i]
    return float(grad)


def _loss_twin(loss: Callable[..., Value] | None, targets: Any, count: int,
               options: dict[str, Any]) -> Callable[..., torch.Tensor] | None:
    if loss is None:
        if targets is not None or options:
            raise ValueTypeError(message("compare_with_torch(model, inputs, targets)",
                                         "targets need a loss to compare against",
                                         "pass loss=, e.g. loss=mean_squared_error"))
        return None
    twin = LOSS_TWINS.get(loss)
    if twin is None:
        raise UntranslatableError(message(
            f"compare_with_torch(loss={getattr(loss, '__name__', loss)!r})",
            "the bridge knows the torch twin of microgradjp.losses' per-sample losses only",
            "build your loss as a Value and compare that: compare_with_torch(my_loss)"))
    if targets is None or len(targets) != count:
        raise DomainError(message(f"compare_with_torch(loss={loss.__name__})",
                                  f"there are {count} samples", "pass one target per sample"))
    return twin

