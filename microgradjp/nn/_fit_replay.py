"""`fit`'s replayed steps: one sample's graph recorded once, then replayed for every batch.

Only where the graph is provably the same for every sample and every step: a library model
(exact `Neuron`, `Layer`, `MLP` classes, built-in activations), a library loss that takes the
target as a number only (`max_margin_loss`, `mean_squared_error`), no regularization, and an
optimizer over exactly the model's parameters whose ``zero_grad`` is the inherited one (its
``step``, its own or inherited, runs every batch, as eager runs it). Anything else (your
own loss or model, whose Python may branch on data) is left to eager steps, the reference. The
first batch of each size runs eagerly and is the recording; a batch whose numbers do not fit the
recording runs eagerly.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..core.node import Value, made_by_ops
from ..core.replay import SampleReplay
from ..core.slots import datas, grads, set_grads
from .losses import max_margin_loss, mean, mean_squared_error
from .modules import MLP, Layer, Neuron
from .optim import Optimizer

Rule = Callable[[list[float], Any], bool]

# The losses whose graph has the same shape for every target, and the targets each accepts (a
# target it would refuse runs eagerly, so that the eager step raises the loss's own error).
_TARGETS_ACCEPTED: dict[Callable[..., Any], Callable[[Any], bool]] = {
    max_margin_loss: lambda t: type(t) in (int, float) and t in (-1, 1),
    mean_squared_error: lambda t: (type(t) in (int, float) or (
        type(t) in (list, tuple) and all(type(d) in (int, float) for d in t))),
}


class ReplayedSteps:
    """Run `fit`'s batches by replay where that gives eager's numbers, else say None."""

    def __init__(self, model: Any, loss: Callable[..., Value], optimizer: Optimizer, *,
                 batched: str = "exact") -> None:
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.batched = batched  # how SampleReplay runs a batch where numpy is installed
        self.parameters: list[Value] = model.parameters()
        self._replay: SampleReplay | None = None
        self._features = 0
        self._target_shape: int | None = None  # None: a number; n: a list of n numbers
        self._seeds: dict[int, float] = {}  # batch size -> d batch loss / d sample loss

    @staticmethod
    def declined(model: Any, loss: Any, optimizer: Optimizer,
                 regularization: Callable[[], Value] | None) -> str | None:
        """Return why this fit's steps might not build the same graph per sample, or None."""
        if regularization is not None:
            return "fit does not replay a regularization term yet"
        if loss not in _TARGETS_ACCEPTED:
            return (f"the loss {getattr(loss, '__name__', type(loss).__name__)} is not one fit "
                    "replays (max_margin_loss, mean_squared_error)")
        if type(model) is Neuron:
            neurons = [model]
        elif type(model) is Layer:
            neurons = list(model.neurons)
        elif type(model) is MLP and all(type(layer) is Layer for layer in model.layers):
            neurons = [n for layer in model.layers for n in layer.neurons]
        else:
            return "the model is not the library's Neuron, Layer or MLP (its Python may branch)"
        # A function of the user's as an activation could branch on data.
        if not all(type(n) is Neuron and isinstance(n.activation, str) for n in neurons):
            return "an activation is a function, not a built-in one's name (it may branch)"
        # Replay adds each gradient into a 0.0, as eager backward adds into what zero_grad left:
        # the same only for the zero_grad every optimizer inherits (one of yours may decay a
        # rate, or keep gradients to accumulate them: then every step runs eagerly).
        if getattr(optimizer.zero_grad, "__func__", None) is not Optimizer.zero_grad:
            return "the optimizer's zero_grad is its own, not the inherited one"
        params = model.parameters()
        if len(params) != len(optimizer.params) or set(params) != set(optimizer.params):
            return "the optimizer does not train exactly the model's parameters"
        return None

    def eager_inputs(self, xs: list[Any], ts: list[Any]) -> tuple[list[Any], list[Any], bool]:
        """Return the batch as the recording sees it, and whether it can be recorded.

        Features become leaves and each target a float object of its own (so replay finds where
        it sits in the graph): the same numbers eager fit uses, as a layer makes its inputs
        leaves and the losses make targets floats. A batch with any other kind of number is
        passed on as it is, so that the eager step raises or computes exactly what it would.
        """
        accepted = _TARGETS_ACCEPTED[self.loss]
        if not all(accepted(t) for t in ts) or not all(
                type(v) in (int, float) for x in xs for v in x):
            return xs, ts, False
        leaves = [[Value(v) for v in x] for x in xs]
        targets = [[float(d) * 1.0 for d in t] if isinstance(t, list | tuple) else float(t) * 1.0
                   for t in ts]
        return leaves, targets, True

    def record(self, leaves: list[list[Value]], targets: list[Any], outputs: list[Any],
               sample_losses: list[Value]) -> None:
        """Keep the first sample's graph and this batch size's seed (after eager backward)."""
        seed, *others = grads(sample_losses)
        if any(grad != seed for grad in others):
            return
        first_outputs = outputs[0] if isinstance(outputs[0], list) else [outputs[0]]
        first_targets = targets[0] if isinstance(targets[0], list) else [targets[0]]
        params = set(self.parameters)
        model_nodes = set(made_by_ops(first_outputs[0]))
        for output in first_outputs[1:]:
            model_nodes.update(made_by_ops(output))
        seen_targets: set[int] = set()
        for node in made_by_ops(sample_losses[0]):
            if node in model_nodes:
                continue
            for parent in node.parents:
                if parent in params:  # a loss that used a parameter would add out of order
                    return
                seen_targets.add(id(parent.data))  # the float object itself
        if not all(id(t) in seen_targets for t in first_targets):
            return  # a target did not enter the graph as the number given: it cannot be fed
        if self._replay is None:
            self._replay = SampleReplay(sample_losses[0], self.parameters, leaves[0],
                                        first_targets, first_outputs, batched=self.batched)
            self._features = len(leaves[0])
            self._target_shape = len(targets[0]) if isinstance(targets[0], list) else None
        self._seeds[len(leaves)] = seed

    @property
    def mode(self) -> str:
        """Return the mode of the last replayed step: "replay", "batched" or "batched fast"."""
        return "replay" if self._replay is None else self._replay.last

    def step(self, xs: list[Any], ts: list[Any], rule: Rule | None) -> tuple[float, int] | None:
        """Return ``(batch loss, correct)`` after a replayed step, or None to run it eagerly."""
        seed = self._seeds.get(len(xs))
        if self._replay is None or seed is None or not self._fits(xs, ts):
            return None
        samples = [(*map(float, x), *(map(float, t) if self._target_shape is not None
                                      else (float(t),)))
                   for x, t in zip(reversed(xs), reversed(ts), strict=True)]
        try:
            losses, gradients, watched = self._replay(datas(self.parameters), samples, seed)
        except (ValueError, ArithmeticError):
            return None  # the eager step raises the engine's own error, naming the op
        losses.reverse()
        watched.reverse()
        correct = 0
        if rule is not None:  # before the step, as eager counts it
            correct = sum(rule(list(y), t) for y, t in zip(watched, ts, strict=True))
        batch_loss = mean(losses).data  # the same rows on the same floats as eager's mean
        if not math.isfinite(batch_loss):  # fit raises, naming the epoch, before any step
            return batch_loss, correct
        if not math.isfinite(sum(gradients)):  # an inf or nan gradient: eager refuses, naming it
            return None
        # The inherited zero_grad (possible() checked) only writes the 0.0s that eager backward
        # adds into; each replayed gradient is that sum, from 0.0. Then the optimizer's own step.
        set_grads(self.parameters, list(gradients))
        self.optimizer.step()
        return batch_loss, correct

    def _fits(self, xs: list[Any], ts: list[Any]) -> bool:
        accepted = _TARGETS_ACCEPTED[self.loss]
        shape = self._target_shape
        for x, t in zip(xs, ts, strict=True):
            if len(x) != self._features or not all(type(v) in (int, float) for v in x):
                return False
            if not accepted(t) or (shape is None) != (type(t) in (int, float)):
                return False
            if shape is not None and len(t) != shape:
                return False
        return True

