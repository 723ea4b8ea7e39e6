"""`fit`'s replayed steps: one sample's graph recorded once, then replayed for every batch.

Only where the graph is provably the same for every sample with the same kind of target, and
every step: a library model (exact `Neuron`, `Layer`, `MLP` classes, built-in activations), a
library loss (`_LOSSES` says how each takes its targets), and an optimizer whose ``zero_grad``
is the inherited one (its ``step``, its own or inherited, runs every batch, as eager runs it).
A regularization term runs eagerly every step, before the samples' replay, as eager backward
reaches it first. Anything else (your own loss or model, whose Python may branch on data) is
left to eager steps, the reference. The first batches run eagerly and are the recordings; a
batch whose numbers do not fit a recording runs eagerly.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

from ..core.node import Constant, Value, made_by_ops
from ..core.replay import SampleReplay
from ..core.rules import ADD
from ..core.slots import datas, grads, made_after, next_order, set_grads, stored_inputs
from .losses import (
    _mean_of_floats,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    cross_entropy_from_probabilities,
    max_margin_loss,
    mean_squared_error,
    multiclass_svm_loss,
)
from .modules import MLP, Layer, Neuron
from .optim import Optimizer

Rule = Callable[[list[float], Any], bool]
Run = tuple[list[float], tuple[float, ...], list[tuple[float, ...]]]


def _number(t: Any) -> bool:
    return type(t) in (int, float)


def _numbers(t: Any) -> bool:
    return type(t) in (list, tuple) and all(map(_number, t))


def _one_hot(t: Any) -> bool:
    return _numbers(t) and sorted(t) == [0] * (len(t) - 1) + [1]


def _class(t: Any) -> bool:
    return type(t) is int or _one_hot(t)


def _class_index(t: Any) -> Hashable:
    return t if type(t) is int else (list(t).index(1), len(t))


def _fresh(t: Any) -> Any:
    # A float object of its own for each number, which replay finds in the graph by identity.
    return [float(d) * 1.0 for d in t] if type(t) in (list, tuple) else float(t) * 1.0


def _as_given(t: Any) -> Any:
    return t


@dataclass(frozen=True)
class _Targets:
    """How a library loss takes its targets, for replay.

    ``accepts``: a target replay can take (any other runs its batch eagerly, so that the loss
    raises its own error). ``recording``: targets with the same key build the same graph, so one
    recording serves them. ``fed``: the target as a recorded step passes it to the loss, and
    ``numbers`` the floats of it that sit in the graph (given anew for every sample).
    ``records``: whether a sample with this target may be the recording of its key.
    ``outputs``: what the model's outputs must satisfy where the loss checks them by a Python
    ``if`` the replay does not run (a replayed batch whose outputs fail runs eagerly).
    """

    accepts: Callable[[Any], bool]
    recording: Callable[[Any], Hashable]
    fed: Callable[[Any], Any] = _as_given
    numbers: Callable[[Any], tuple[float, ...]] = lambda t: ()
    records: Callable[[Any], bool] = lambda t: True
    outputs: Callable[[tuple[float, ...]], bool] = lambda ys: True


_LOSSES: dict[Callable[..., Any], _Targets] = {
    max_margin_loss: _Targets(
        accepts=lambda t: _number(t) and t in (-1, 1), recording=lambda t: None,
        fed=_fresh, numbers=lambda t: (t,)),
    mean_squared_error: _Targets(  # a number, or a list of them: one recording per length
        accepts=lambda t: _number(t) or _numbers(t),
        recording=lambda t: len(t) if type(t) in (list, tuple) else None,
        fed=_fresh, numbers=lambda t: tuple(t) if type(t) in (list, tuple) else (t,)),
    # softplus(z) - t z, but softplus(z) alone for t = 0: the t != 0 graph is recorded and serves
    # t = 0 as well. Fed 0.0 it computes softplus(z) - (+-0.0), which is softplus(z) (never
    # -0.0), and adds the share -seed * 0.0 = -0.0 to z's gradient, which leaves it as it is (a
    # sum of seed * sigmoid(z) >= +0.0). Only for a finite z: 0 * inf is nan, and a loss that is
    # not finite runs its batch eagerly.
    binary_cross_entropy_with_logits: _Targets(
        accepts=lambda t: _number(t) and 0 <= t <= 1, recording=lambda t: None,
        fed=_fresh, numbers=lambda t: (t,), records=lambda t: t != 0),
    # 0/1 labels: -log(p) or -log(1 - p), a graph for each with its own constants; a soft label's
    # constants -t and -(1 - t) are not the number given, so it runs eagerly.
    binary_cross_entropy: _Targets(
        accepts=lambda t: _number(t) and t in (0, 1), recording=lambda t: t == 1,
        outputs=lambda ys: all(0.0 <= y <= 1.0 for y in ys)),
    # A class index, or a one-hot list (the same two nodes): one recording per class. The index
    # picks a node; no number of the target enters the graph.
    cross_entropy: _Targets(accepts=_class, recording=_class_index),
    # -1.0 * log(p_k) for a class index or a one-hot list alike; the loss refuses outputs that
    # are not probabilities by a Python check, which is the ``outputs`` rule here.
    cross_entropy_from_probabilities: _Targets(
        accepts=_class, recording=_class_index, outputs=lambda ps: all(
            0.0 <= p <= 1.0 for p in ps) and not abs(math.fsum(ps) - 1.0) > 1e-6),
    multiclass_svm_loss: _Targets(accepts=lambda t: type(t) is int, recording=lambda t: t),
}


class ReplayedSteps:
    """Run `fit`'s batches by replay where that gives eager's numbers, else say None."""

    def __init__(self, model: Any, loss: Callable[..., Value], optimizer: Optimizer,
                 regularization: Callable[[], Value] | None = None, *,
                 batched: str = "exact") -> None:
        self.model, self.optimizer, self.regularization = model, optimizer, regularization
        self.targets = _LOSSES[loss]
        self.batched = batched  # how SampleReplay runs a batch where numpy is installed
        self.mode = "replay"  # the mode that ran most samples of the last replayed step
        self.parameters: list[Value] = model.parameters()
        # Every Value whose grad a step writes: the model's, and the optimizer's if others.
        self._written = list(dict.fromkeys([*self.parameters, *optimizer.params]))
        self._leaves = set(self._written)
        # Eager backward adds into what zero_grad left: 0.0 for the optimizer's parameters,
        # the running sum for a model parameter it does not train. Only if some are not 0.0,
        # or a term adds first, does the replay go on from the grads rather than from 0.0s.
        self._from_grads = regularization is not None or set(self.parameters) != set(
            optimizer.params)
        self.stopped: str | None = None  # why replay stopped during the run, if it did
        self._recordings: dict[Hashable, SampleReplay] = {}
        self._features = 0
        self._seeds: dict[int, float] = {}  # batch size -> d batch loss / d sample loss

    @staticmethod
    def declined(model: Any, loss: Any, optimizer: Optimizer) -> str | None:
        """Return why this fit's steps might not build the same graph per sample, or None."""
        if loss not in _LOSSES:
            return (f"the loss {getattr(loss, '__name__', type(loss).__name__)} is not one of "
                    "the library's (its Python may branch)")
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
        # Replay goes on from what zero_grad left, as eager backward adds into it. It calls the
        # inherited one first (it writes 0.0s, nothing else), before it knows whether the step
        # is taken (a loss that is not finite leaves the step to eager, which never calls it
        # then); one of yours may decay a rate or move weights as well: every step runs eagerly.
        if getattr(optimizer.zero_grad, "__func__", None) is not Optimizer.zero_grad:
            return "the optimizer's zero_grad is its own, not the inherited one"
        return None

    def eager_inputs(self, xs: list[Any], ts: list[Any]) -> tuple[list[Any], list[Any], bool]:
        """Return the batch as the recording sees it, and whether it can be recorded.

        Features become leaves and each target number a float object of its own (so replay
        finds where it sits in the graph): the same numbers eager fit uses, as a layer makes its
        inputs leaves and the losses make targets floats. A batch with any other kind of number
        is passed on as it is, so that the eager step raises or computes exactly what it would.
        """
        if self.stopped or not all(map(self.targets.accepts, ts)) or not all(
                _number(v) for x in xs for v in x):
            return xs, ts, False
        leaves = [[Value(v) for v in x] for x in xs]
        return leaves, [self.targets.fed(t) for t in ts], True

    def record(self, leaves: list[list[Value]], targets: list[Any], outputs: list[Any],
               sample_losses: list[Value]) -> None:
        """Keep a graph for each new kind of target, and this batch size's seed (after backward).
        """
        seed, *others = grads(sample_losses)
        if any(grad != seed for grad in others):
            return
        for sample in zip(leaves, targets, outputs, sample_losses, strict=True):
            key = self.targets.recording(sample[1])
            if key not in self._recordings and self.targets.records(sample[1]):
                replay = self._recorded(*sample)
                if replay is None:
                    return
                self._recordings[key] = replay
                self._features = len(sample[0])
        self._seeds[len(leaves)] = seed

    def _recorded(self, leaves: list[Value], target: Any, outputs: Any,
                  loss: Value) -> SampleReplay | None:
        # One sample's graph, if its loss reaches the parameters only through the model and
        # every number of its target sits in the graph as the float given.
        outputs = outputs if isinstance(outputs, list) else [outputs]
        numbers = self.targets.numbers(target)
        params = self._leaves
        model_nodes = set(made_by_ops(outputs[0]))
        for output in outputs[1:]:
            model_nodes.update(made_by_ops(output))
        seen_targets: set[int] = set()
        for node in made_by_ops(loss):
            if node in model_nodes:
                continue
            for parent in node.parents:
                if parent in params:  # a loss that used a parameter would add out of order
                    return None
                seen_targets.add(id(parent.data))  # the float object itself
        if not all(id(t) in seen_targets for t in numbers):
            return None  # a target did not enter the graph as the number given: not fed
        return SampleReplay(loss, self.parameters, leaves, numbers, outputs,
                            batched=self.batched)

    def step(self, xs: list[Any], ts: list[Any], rule: Rule | None) -> tuple[float, int] | None:
        """Return ``(batch loss, correct)`` after a replayed step, or None to run it eagerly."""
        seed = self._seeds.get(len(xs))
        if seed is None or self.stopped or not self._fits(xs, ts):
            return None
        keys = [self.targets.recording(t) for t in reversed(ts)]
        if not all(key in self._recordings for key in keys):
            return None
        samples = [(*map(float, x), *map(float, self.targets.numbers(t)))
                   for x, t in zip(reversed(xs), reversed(ts), strict=True)]
        before = start = penalty = None
        if self._from_grads:
            before = grads(self._written)  # put back if the step runs eagerly after all
            penalty = self._regularization()
            if self.stopped:
                return None
        try:
            if self._from_grads:
                self.optimizer.zero_grad()  # the inherited one: writes 0.0s, nothing else
                if penalty is not None:
                    penalty.backward()
                start = grads(self.parameters)
            losses, gradients, watched = self._replay(samples, keys, seed, start)
        except (ValueError, ArithmeticError):
            # The eager step raises the engine's own error, naming the op.
            self._restore(before)
            return None
        losses.reverse()
        watched.reverse()
        # Eager's mean and + on the same floats, by their rows, without making nodes.
        batch_loss = _mean_of_floats(losses)
        if penalty is not None:
            batch_loss = ADD.forward(batch_loss, penalty.data)
        # Not finite (fit raises, naming the epoch), a gradient not finite (eager refuses,
        # naming it), or an output the loss would refuse: the eager step says so itself.
        if not math.isfinite(batch_loss) or not math.isfinite(sum(gradients)) or not all(
                map(self.targets.outputs, watched)):
            self._restore(before)
            return None
        correct = 0
        if rule is not None:  # before the step, as eager counts it (before its zero_grad too)
            try:
                correct = sum(rule(list(y), t) for y, t in zip(watched, ts, strict=True))
            except BaseException:
                self._restore(before)
                raise
        # The inherited zero_grad (declined() checked) only writes the 0.0s that eager backward
        # adds into; each replayed gradient is that sum. Then the optimizer's own step.
        set_grads(self.parameters, list(gradients))
        self.optimizer.step()
        return batch_loss, correct

    def _replay(self, samples: list[tuple[float, ...]], keys: list[Hashable], seed: float,
                start: Sequence[float] | None) -> Run:
        """Replay the samples in eager backward's order (the last made first), going on from
        ``start``: each run of samples that share a recording is one call, going on from the
        sums so far (float sums depend on their order)."""
        parameters = datas(self.parameters)
        losses: list[float] = []
        watched: list[tuple[float, ...]] = []
        gradients: tuple[float, ...] = ()
        ran: Counter[str] = Counter()  # samples per mode
        for key, run in groupby(zip(keys, samples, strict=True), key=itemgetter(0)):
            replay, given = self._recordings[key], [sample for _, sample in run]
            run_losses, gradients, run_watched = replay(parameters, given, seed, start)
            ran[replay.last] += len(given)
            losses += run_losses
            watched += run_watched
            start = gradients
        self.mode = ran.most_common(1)[0][0]
        return losses, gradients, watched

    def _regularization(self) -> Value | None:
        """Return the regularization term, if any, built eagerly (None also if replay stops).

        Its nodes are newer than every sample's, so eager backward adds its shares into each
        parameter first: the samples' replay goes on from these sums. Only if the term is built
        afresh over the parameters (an older node would come later in eager's order, and another
        leaf would have its gradient added twice if the step ran again eagerly); otherwise replay
        stops and says why.
        """
        if self.regularization is None:
            return None
        mark = next_order()
        term = self.regularization()
        made = made_by_ops(term) if isinstance(term, Value) else []
        # As stored (a constant is a float there): `parents` would make each constant a leaf.
        leaves = {x for node in made for x in stored_inputs(node) if isinstance(x, Value)}
        leaves -= set(made)
        if not made or not made_after(made[0], mark):
            self.stopped = "the regularization term is not a graph built afresh on each call"
        elif not all(leaf in self._leaves or isinstance(leaf, Constant) for leaf in leaves):
            self.stopped = ("the regularization term uses a Value that is not a parameter of "
                            "the model or the optimizer")
        return None if self.stopped else term

    def _restore(self, before: list[float] | None) -> None:
        # The grads as the last step left them: the eager step that follows starts from there.
        if before is not None:
            set_grads(self._written, before)

    def _fits(self, xs: list[Any], ts: list[Any]) -> bool:
        accepts = self.targets.accepts
        return all(len(x) == self._features and accepts(t) and all(map(_number, x))
                   for x, t in zip(xs, ts, strict=True))
