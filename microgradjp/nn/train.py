"""Training loops: `fit` (gradient descent over epochs and batches) and the perceptron rule.

`fit` is the loop every seed writes by hand: forward, loss, ``zero_grad``, ``backward``,
``step``, with a per-epoch history. The model, loss and optimizer come from `nn`, `losses` and
`optim`; the batches from `data`. A progress bar (tqdm) appears only on long runs, in a terminal
or in Jupyter.
"""

from __future__ import annotations

import contextlib
import math
import random
import reprlib
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.node import Value, no_grad
from ..core.recording import TrainingRecord
from ..core.slots import datas, grads
from ..errors import DomainError, NonFiniteError, ValueTypeError, message
from ._fit_replay import ReplayedSteps
from ._inputs import plain
from .data import _check_count, batches, make_rng
from .losses import mean
from .modules import MLP, Layer, Neuron
from .optim import Optimizer, _option
from .recorder import Recorder, start_recording

__all__ = ["History", "Recorder", "fit", "train_perceptron"]

Outputs = Value | Sequence[Value]


def _index_of_max(values: Sequence[float]) -> int:
    return max(range(len(values)), key=values.__getitem__)


def _argmax(outputs: list[float], target: Any) -> bool:
    # A class index, or a one-hot or probability target (cross_entropy takes all three).
    wanted = _index_of_max(target) if isinstance(target, Sequence) else target
    return bool(_index_of_max(outputs) == wanted)


def _one_output(rule: Callable[[float, Any], bool]) -> Callable[[list[float], Any], bool]:
    def read(outputs: list[float], target: Any) -> bool:
        if len(outputs) != 1:  # reading outputs[0] of a wider model would be silently wrong
            raise DomainError(message(
                f"fit(accuracy=...) on {len(outputs)} outputs",
                "'positive', 'sign' and 'threshold' read a model with one output",
                "use accuracy='argmax' for one output per class"))
        return rule(outputs[0], target)
    return read


# How to read a prediction off the outputs, by the name given as ``accuracy=``.
_ACCURACY_RULES: dict[str, Callable[[list[float], Any], bool]] = {
    "argmax": _argmax,                                                  # one output per class
    "positive": _one_output(lambda y, t: (1 if y > 0.0 else 0) == t),   # logits, 0/1 targets
    "sign": _one_output(lambda y, t: (1 if y > 0.0 else -1) == t),      # scores, -1/+1 targets
    "threshold": _one_output(lambda y, t: (1 if y >= 0.5 else 0) == t),  # probabilities, 0/1
}


@dataclass
class History:
    """Per-epoch records of a `fit` run: mean loss, and accuracy if an accuracy rule was given.

    ``record`` is the run as the training player draws it, if ``fit(record=...)`` asked for it;
    Jupyter then shows the player inline. ``eager`` says why fit ran every step eagerly (None:
    it replayed them), ``mode`` which mode ran most of the steps.

    >>> History(loss=[0.5, 0.25]).loss[-1]
    0.25
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    record: TrainingRecord | None = None
    # Why every step ran eagerly, or None if fit replayed them (a batch whose numbers do not
    # fit the recording still runs eagerly).
    eager: str | None = field(default=None, compare=False)
    # The mode that ran most steps: "eager", "replay" (floats), "batched" (arrays, exact) or
    # "batched fast" (arrays, numpy's own functions); see fit's replay.
    mode: str = field(default="eager", compare=False)

    def _repr_html_(self) -> str | None:
        # The player is a view, which this layer never imports: microgradjp/__init__ gives the
        # record its notebook display. No record (or no display): Jupyter shows the repr.
        show = getattr(self.record, "_repr_html_", None)
        return show() if show is not None else None

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **_: Any) -> dict[str, str]:
        # The record's display (the player, and a still where no script runs), under this
        # history's own short text.
        show = getattr(self.record, "_repr_mimebundle_", None)
        bundle: dict[str, str] = dict(show()) if show is not None else {}
        bundle["text/plain"] = repr(self)
        return bundle

    def __repr__(self) -> str:
        """Return the run in a few words (a recorded run holds thousands of numbers).

        >>> History(loss=[0.5, 0.25], accuracy=[0.5, 1.0])
        <History: 2 epochs, loss 0.5 to 0.25, accuracy 100%>
        """
        parts = [f"{len(self.loss)} epochs"]
        if self.loss:
            parts.append(f"loss {self.loss[0]:.4g} to {self.loss[-1]:.4g}")
        if self.accuracy:
            parts.append(f"accuracy {self.accuracy[-1]:.0%}")
        if self.record is not None:
            parts.append("recorded for the training player")
        return f"<History: {', '.join(parts)}>"


def fit(model: Callable[[Sequence[float]], Outputs], inputs: Sequence[Sequence[float]],
        targets: Sequence[Any], *, loss: Callable[[Outputs, Any], Value], optimizer: Optimizer,
        epochs: int = 100, batch_size: int | None = None, seed: int | random.Random = 0,
        accuracy: str | Callable[[list[float], Any], bool] | None = None,
        regularization: Callable[[], Value] | None = None,
        progress: bool | None = None, record: bool | Recorder = False,
        replay: bool | str = True) -> History:
    """Return the `History` of training ``model`` for ``epochs`` passes over the data.

    Each batch's loss is the mean of ``loss(model(x), target)`` over its samples, plus
    ``regularization()`` if given. ``batch_size=None`` is batch gradient descent, ``1``
    stochastic, anything else mini-batch; the order is reshuffled every epoch from ``seed``.
    ``accuracy`` names how to read a prediction: ``"argmax"`` (index or one-hot targets),
    ``"threshold"`` (probabilities vs 0/1), ``"positive"`` (logits vs 0/1), ``"sign"`` (scores
    vs -1/+1), or is a function ``(outputs as floats, target) -> bool``; it is counted on the
    training forward passes, as the weights move during the epoch. ``progress=None`` shows a
    bar only when stderr is a terminal or Jupyter runs the code, and the run lasts over a
    second. ``inputs`` and
    ``targets`` may be lists or numpy arrays (the same numbers give the same run, bit for bit).
    A batch whose loss is inf or nan stops the run with `NonFiniteError` naming the epoch,
    before that batch's step (a diverging run does not train on to nan); so does a finite loss
    with an inf or nan gradient (an inf input: 0 * inf), naming the batch, the parameter and
    the sample that is not finite. The error's ``history`` holds the finished epochs, and their
    record if one was asked for. An `MLP`
    whose hidden layer has died (every unit outputs 0 for every input of an epoch, so no
    gradient reaches it again) gets one RuntimeWarning naming the layer and the fixes.
    ``record=True`` (or a `Recorder`) keeps what the training player shows in ``History.record``.
    Where every step provably builds the same graph (a library model and loss: the max-margin,
    squared error, binary cross entropy (from logits, or from probabilities with 0/1 labels),
    cross entropy and multiclass SVM losses, with class indices or one-hot targets), fit
    records one sample's graph per kind of target at the first batches and replays it as
    straight float code for the rest, a ``regularization`` term run eagerly beside it: the same
    losses and weights bit for bit, several times faster. Where numpy is installed, a run of 64
    samples or more of one recording (on x86 Linux) runs that code once on arrays holding every
    sample ("batched"), still bit for bit. ``replay="fast"`` lets numpy's own tanh, exp and sums
    run it from 32 samples (within 1e-12 relative of eager, and faster still: see
    docs/performance.md). ``replay=False`` runs every step eagerly; your own loss or model
    always runs eagerly. ``History.eager`` says why a run was not replayed (None: it was),
    ``History.mode`` which mode ran most steps: "eager", "replay", "batched" or "batched fast".

    >>> from microgradjp.optim import SGD
    >>> from microgradjp.losses import mean_squared_error
    >>> neuron = Neuron(1, activation="identity")
    >>> history = fit(neuron, [[1.0], [2.0]], [2.0, 4.0], loss=mean_squared_error,
    ...               optimizer=SGD(neuron.parameters(), lr=0.4), epochs=300)
    >>> history.loss[0] > history.loss[-1], round(neuron([3.0]).data, 3)
    (True, 6.0)
    """
    _check_count(epochs, "epochs")
    inputs, targets = plain(inputs), plain(targets)  # numpy arrays become lists, same floats
    rule = _accuracy_rule(accuracy)
    rng = make_rng(seed)  # one stream across epochs: a new, reproducible order each epoch
    batched = _batched_mode(replay)
    eager = "replay=False" if not replay else ReplayedSteps.declined(model, loss, optimizer)
    replayed = None if eager is not None else ReplayedSteps(model, loss, optimizer,
                                                            regularization, batched=batched)
    history = History(eager=eager)
    ran: Counter[str] = Counter()  # steps per mode
    recording = start_recording(record, model, inputs, targets, epochs=epochs,
                                accuracy=accuracy)
    warned_dead = False
    with _progress_bar(epochs, progress) as bar:
        for epoch in range(1, epochs + 1):
            total_loss, correct = 0.0, 0
            for batch, (xs, ts) in enumerate(
                    batches(inputs, targets, batch_size=batch_size, seed=rng), 1):
                done = None if replayed is None else replayed.step(xs, ts, rule)
                ran["eager" if done is None or replayed is None else replayed.mode] += 1
                try:
                    if done is None:
                        done = _eager_step(model, loss, optimizer, regularization, rule, xs, ts,
                                           replayed)
                except _GradientNotFinite as refused:  # the step was not taken: weights stay
                    raise _stopped(refused.error(f"fit, epoch {epoch} of {epochs}, batch "
                                                 f"{batch}", xs, ts), history, recording) from None
                batch_loss, batch_correct = done
                if not math.isfinite(batch_loss):  # the step was not taken: the weights stay
                    raise _stopped(_diverged(batch_loss, epoch, epochs, history), history,
                                   recording)
                correct += batch_correct
                total_loss += batch_loss * len(xs)
            history.loss.append(total_loss / len(inputs))
            if replayed is not None and replayed.stopped:
                history.eager = replayed.stopped
            history.mode = ran.most_common(1)[0][0]
            if not warned_dead and isinstance(model, MLP):
                warned_dead = _warn_if_a_layer_died(model, inputs, epoch)
            if rule is not None:
                history.accuracy.append(correct / len(inputs))
            if recording is not None:
                recording.epoch(len(history.loss), history.loss[-1],
                                history.accuracy[-1] if history.accuracy else None)
            if bar is not None:
                shown = {"loss": f"{history.loss[-1]:.4g}"}
                if history.accuracy:
                    shown["accuracy"] = f"{history.accuracy[-1]:.3f}"
                bar.set_postfix(shown, refresh=False)
                bar.update()
    if recording is not None:
        history.record = recording.finish(history.loss, history.accuracy)
    return history


def _stopped(error: NonFiniteError, history: History,
             recording: Any) -> NonFiniteError:
    # The run so far goes with the error, and its record, for the player to show.
    if recording is not None:
        history.record = recording.finish(history.loss, history.accuracy)
    error.history = history
    return error


def _diverged(loss: float, epoch: int, epochs: int, history: History) -> NonFiniteError:
    last = f" (the last finite epoch's loss: {history.loss[-1]:.4g})" if history.loss else ""
    return NonFiniteError(message(
        f"fit, epoch {epoch} of {epochs}", f"the loss is {loss!r}{last}",
        "lower the learning rate (the weights diverged), or run an epoch inside "
        "microgradjp.detect_anomaly() to find the op that made it"))


class _GradientNotFinite(Exception):
    # _eager_step's refusal to step on an inf or nan gradient (every weight it reached would
    # become nan or inf, while the loss still looks fine); fit names the epoch and the batch.
    def __init__(self, name: str, gradient: float, loss: float) -> None:
        super().__init__(name)
        self.name, self.gradient, self.loss = name, gradient, loss

    def error(self, asked: str, xs: list[Any], ts: list[Any]) -> NonFiniteError:
        why = f"the gradient of {self.name} is {self.gradient!r} while the loss is {self.loss:.4g}"
        odd = next((sample for sample in zip(xs, ts, strict=True)
                    if not all(map(math.isfinite, _numbers(sample)))), None)
        fix = (f"the batch holds a sample that is not finite, {_short(odd)}: drop it or "
               "replace its inf or nan before fit" if odd is not None else
               "run the batch inside microgradjp.detect_anomaly() to find the op that made it")
        return NonFiniteError(message(asked, why, fix))


def _check_gradients(parameters: list[Value], loss: float) -> None:
    # One sum says all is finite; only if not is each gradient looked at (a sum of huge finite
    # gradients can overflow: then nothing is refused).
    gradients = grads(parameters)
    if math.isfinite(sum(gradients)):
        return
    for k, (parameter, gradient) in enumerate(zip(parameters, gradients, strict=True)):
        if not math.isfinite(gradient):
            raise _GradientNotFinite(parameter.label or f"parameter {k}", float(gradient), loss)


def _numbers(sample: Any) -> list[float]:
    # The numbers of an (input, target) pair, however nested (a one-hot target is a list).
    if isinstance(sample, (list, tuple)):
        return [number for part in sample for number in _numbers(part)]
    return [float(sample)] if isinstance(sample, (int, float)) else []


def _short(sample: tuple[Any, Any]) -> str:
    x, t = sample
    return f"input {reprlib.repr(list(x))}, target {reprlib.repr(t)}"


def _eager_step(model: Callable[[Sequence[float]], Outputs], loss: Callable[[Outputs, Any], Value],
                optimizer: Optimizer, regularization: Callable[[], Value] | None,
                rule: Callable[[list[float], Any], bool] | None, xs: list[Any], ts: list[Any],
                replayed: ReplayedSteps | None) -> tuple[float, int]:
    # One step as every seed writes it: forward, loss, zero_grad, backward, step. With replay
    # possible, the same numbers go in as leaves and float objects of their own, recorded.
    fed_xs, fed_ts, recorded = (xs, ts, False) if replayed is None else \
        replayed.eager_inputs(xs, ts)
    outputs = [model(x) for x in fed_xs]
    correct = 0
    if rule is not None:  # before the step, so a rule that fails updates nothing
        correct = sum(rule(_floats(y), t) for y, t in zip(outputs, ts, strict=True))
    sample_losses = [loss(y, t) for y, t in zip(outputs, fed_ts, strict=True)]
    batch_loss = mean(sample_losses)
    if regularization is not None:
        batch_loss = batch_loss + regularization()
    if not math.isfinite(batch_loss.data):  # fit raises, naming the epoch, before any step
        return batch_loss.data, correct
    optimizer.zero_grad()
    batch_loss.backward()
    _check_gradients(getattr(optimizer, "params", []), batch_loss.data)
    if replayed is not None and recorded:
        replayed.record(fed_xs, fed_ts, outputs, sample_losses)
    optimizer.step()
    return batch_loss.data, correct


def train_perceptron(neuron: Neuron, inputs: Sequence[Sequence[float]],
                     targets: Sequence[float], *, lr: float = 0.1,
                     epochs: int = 100) -> list[int]:
    """Return the number of mistakes in each epoch of Rosenblatt's perceptron learning rule.

    For each sample: y = neuron(x) (a step neuron gives 0 or 1), then w += lr (t - y) x and
    b += lr (t - y). No gradients: the rule only moves weights on mistakes. It stops after the
    first epoch without a mistake, which always comes if the data are linearly separable (AND,
    OR, NAND) and never for XOR.

    >>> from microgradjp.data import truth_table
    >>> neuron = Neuron(2, activation="step", init="zeros")
    >>> train_perceptron(neuron, *truth_table("AND"))[-1]
    0
    """
    _check_count(epochs, "epochs")
    inputs, targets = plain(inputs), plain(targets)
    lr = _option("train_perceptron", "lr", lr, "> 0")
    if not isinstance(neuron, Neuron):
        raise ValueTypeError(message(f"train_perceptron({neuron!r}, ...)",
                                     "the perceptron rule trains a single Neuron",
                                     "pass Neuron(n, activation='step')"))
    if len(inputs) != len(targets):
        raise DomainError(message(f"train_perceptron({len(inputs)} inputs, {len(targets)} "
                                  "targets)", "there must be one target per input",
                                  "pass lists of the same length"))
    if not inputs:  # no data would count as "learned": zero mistakes in the first epoch
        raise DomainError(message("train_perceptron(neuron, [], [])", "there are no samples",
                                  "pass at least one sample"))
    samples = list(zip(inputs, targets, strict=True))
    mistakes_per_epoch: list[int] = []
    for _ in range(epochs):
        mistakes = 0
        for x, t in samples:
            with no_grad():
                error = float(t) - neuron(x).data
            if error != 0.0:
                mistakes += 1
                # Arithmetic on .data, not a graph: the rule needs no gradients.
                for w, xi in zip(neuron.weights, x, strict=True):
                    w.data += lr * error * xi
                neuron.bias.data += lr * error
        mistakes_per_epoch.append(mistakes)
        if mistakes == 0:
            break
    return mistakes_per_epoch


def _any_gradient(layer: Any) -> bool:
    # The library's layer is read neuron by neuron and stops at the first gradient that is not
    # 0 (parameters() names every parameter first: most of a replayed epoch's time at B = 100).
    if type(layer) is Layer and all(type(n) is Neuron for n in layer.neurons):
        return any(g != 0.0 for n in layer.neurons for g in grads([*n.weights, n.bias]))
    return any(g != 0.0 for g in grads(layer.parameters()))


def _warn_if_a_layer_died(model: MLP, inputs: Sequence[Sequence[float]], epoch: int) -> bool:
    """Warn and return True if a hidden layer output 0 from every unit for every input.

    ``epoch`` counts from 1, as the warning says it."""
    # Cheap first: a dead layer's weights get no gradient at all, so only a hidden layer whose
    # last step left every weight's grad at exactly 0 is checked over the whole epoch's inputs.
    suspects = [k for k, layer in enumerate(model.layers[:-1]) if not _any_gradient(layer)]
    if not suspects:
        return False
    dead = set(suspects)
    with no_grad():
        for x in inputs:
            outputs: list[Any] = list(x)
            for k, layer in enumerate(model.layers[:-1]):
                outputs = layer._outputs(outputs)
                if k in dead and any(y != 0.0 for y in datas(outputs)):
                    dead.discard(k)
            if not dead:
                return False
    k = min(dead)
    layer, n = model.layers[k], k + 1
    warnings.warn(message(
        f"fit(...) at epoch {epoch}",
        f"layer {n} (W{n}, b{n}, {layer.out_features} {layer.activation} units) is dead: every "
        "unit output 0 for every input, so no gradient reaches it or the layers before it and "
        f"the loss stops improving (第{n}層の全ユニットがどの入力にも 0 を出力し、"
        "勾配が流れません)",
        "use activation='tanh' (the lecture's MLP), another init or seed (init='he', seed=...), "
        "or a smaller learning rate (tanh、別の初期化や seed、小さな学習率を試してください)"),
        RuntimeWarning, stacklevel=3)
    return True


def _floats(outputs: Outputs) -> list[float]:
    return [outputs.data] if isinstance(outputs, Value) else [y.data for y in outputs]


def _batched_mode(replay: Any) -> str:
    # fit(replay=True) runs the exact batched mode where it wins, "fast" numpy's own functions.
    if replay is True or replay is False:
        return "exact"
    if replay == "fast":
        return "fast"
    raise DomainError(message(f"fit(replay={replay!r})", "replay is True, False or 'fast'",
                              "leave it out (True: replayed, bit for bit the eager numbers)"))


def _accuracy_rule(accuracy: Any) -> Callable[[list[float], Any], bool] | None:
    if accuracy is None or callable(accuracy):
        function: Callable[[list[float], Any], bool] | None = accuracy
        return function
    if accuracy in _ACCURACY_RULES:
        return _ACCURACY_RULES[accuracy]
    raise DomainError(message(f"fit(accuracy={accuracy!r})",
                              f"the accuracy rules are {sorted(_ACCURACY_RULES)}",
                              "pick one, or pass a function (outputs, target) -> bool"))


def _progress_bar(epochs: int, progress: bool | None) -> Any:
    # A Jupyter kernel's stderr is no terminal, yet the learner watches: a bar there too.
    watched = sys.stderr.isatty() or "ipykernel" in sys.modules
    if progress is False or (progress is None and not watched):
        return contextlib.nullcontext()
    with warnings.catch_warnings():
        # tqdm.auto: a widget in Jupyter, text elsewhere; without ipywidgets it warns and
        # draws text, which a notebook shows as well.
        warnings.simplefilter("ignore")
        from tqdm.auto import tqdm  # type: ignore[import-untyped, unused-ignore]

    # delay: a run that ends within a second never draws a bar ("long runs only").
    return tqdm(total=epochs, desc="fit", unit="epoch", file=sys.stderr,
                delay=0.0 if progress else 1.0, leave=True)

