"""`check_backprop`: a learner's hand-written backward against the exact gradient of their loss.

The truth is exact: the learner's own numpy ``loss`` runs on object arrays of Values, and
microgradjp's backward differentiates it (central differences stand in, said so, where it cannot
run on Values). Naming the mistake is `_diagnosis`'s job; shapes and draws are `_points`'.

>>> import numpy as np
>>> params = {"W": np.array([[0.5], [-1.0]]), "b": 0.1}
>>> def loss(p, x, y):
...     return np.sum((np.dot(x, p["W"]) + p["b"] - y) ** 2) / 2
>>> def grads(p, x, y):
...     delta = np.dot(x, p["W"]) + p["b"] - y
...     return {"W": np.dot(x.T, delta), "b": np.sum(delta)}
>>> check_backprop(loss, grads, params, np.array([[1.0, 2.0]]), np.array([[1.0]]), trials=5)
True
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any

from ..core.node import Value, made_by_ops
from ..errors import MicrogradError, ValueTypeError, message
from ._diagnosis import Cause, Finding, cause, diagnose, log_epsilon
from ._points import Template, compact, flatten, numbers_of

__all__ = ["BackpropError", "CentralDifferencesWarning", "check_backprop"]

ATOL = 1e-6
RTOL = 1e-4  # accepts the seeds' log(y + 1e-7) against y - d wherever y > 1e-3 (see docs)
EPS = 1e-6
LOG_CONSTANT = 1e-3  # a constant this small added inside a log is a guard, not part of the model


class BackpropError(MicrogradError, AssertionError):
    """A hand-written gradient disagrees with the exact gradient of the loss."""

    def __init__(self, text: str, findings: list[Finding], cause: Cause | None,
                 trial: int | None, at: dict[str, Any] | None, inputs: tuple[Any, ...]) -> None:
        super().__init__(text)
        self.findings = findings  #: one per wrong parameter: ``.parameter``, ``.kind``, ...
        self.cause = cause  #: what the wrong ones have in common (``.kind``, ``.layer``) or None
        self.trial = trial  #: the random draw that failed (1, 2, ...), None at the given point
        self.at = at  #: that draw's parameters, to pass back as ``at=``
        self.inputs = inputs  #: and its inputs


class CentralDifferencesWarning(UserWarning):
    """The loss could not run on Values, so central differences stood in for the exact truth."""


def check_backprop(
    loss: Callable[..., Any], grads: Callable[..., Mapping[str, Any]],
    params: MutableMapping[str, Any], *inputs: Any, trials: int = 0,
    at: Mapping[str, Any] | None = None, atol: float = ATOL, rtol: float = RTOL,
    eps: float = EPS, seed: int = 0,
) -> bool:
    """Return True if ``grads(params, *inputs)`` is the gradient of ``loss(params, *inputs)``.

    ``params`` is the learner's own dict (name -> numpy array, nested list or number): every
    point is checked by putting its values into that very dict, so code reading it as a global
    sees them, and every entry is put back afterwards. ``at`` checks other values than the
    dict's own; ``trials`` random draws (entries of the given values' size, integer inputs such
    as one-hot targets kept, reproducible from ``seed``) follow the given point.

    An entry agrees when ``|yours - truth| <= atol + rtol * |truth|`` (defaults 1e-6 and 1e-4;
    the rtol also accepts the seeds' ``log(y + 1e-7)`` against ``y - d`` wherever y > 1e-3).
    Otherwise `BackpropError` names each wrong parameter, its worst entry, yours and the truth,
    the likely mistake (shape, transposed, sign, factor, zero, an error entering between two
    layers, the 1e-7 in the log) and the failing draw, in English and Japanese. ``eps`` is the
    step of central differences, used (with a `CentralDifferencesWarning`) only when ``loss``
    cannot run on Values.

    >>> try:
    ...     check_backprop(lambda p, x: p["w"] * x, lambda p, x: {"w": -x}, {"w": 2.0}, 3.0)
    ... except BackpropError as error:
    ...     print(error.findings[0].words())
    w: opposite sign everywhere (d - y where y - d is meant?); worst entry w: yours -3.0, truth 3.0
    """
    if not isinstance(params, MutableMapping):
        raise ValueTypeError(message(
            f"check_backprop(..., params={type(params).__name__})", "params must be the dict "
            "your forward reads (name -> numpy array, nested list or number)",
            "pass it as the seeds keep it, e.g. network = {'W1': ..., 'b1': ...}"))
    template = Template.of(at if at is not None else params, inputs)
    originals = dict(params)
    context = _Context(loss, grads, params, template, atol, rtol, eps)
    try:
        context.check(dict(at) if at is not None else None, inputs, None)
        draws = random.Random(seed)
        for trial in range(1, trials + 1):
            point, drawn_inputs = template.fill(
                [draws.gauss(0.0, 1.0) for _ in range(template.draw_size)])
            context.check(point, drawn_inputs, (trial, trials, seed))
    finally:
        for name, value in originals.items():
            params[name] = value
    return True


class _Context:
    """One call's functions, tolerances and the learner's dict: checks one point at a time."""

    def __init__(self, loss: Callable[..., Any], grads: Callable[..., Mapping[str, Any]],
                 params: MutableMapping[str, Any], template: Template, atol: float, rtol: float,
                 eps: float) -> None:
        self.loss, self.grads, self.params, self.template = loss, grads, params, template
        self.atol, self.rtol, self.eps = atol, rtol, eps
        self.warned = False

    def check(self, point: dict[str, Any] | None, inputs: tuple[Any, ...],
              trial: tuple[int, int, int] | None) -> None:
        names = list(self.template.parameters)
        where = ("at the given point" if trial is None else
                 f"at random draw {trial[0]} of {trial[1]} (seed={trial[2]})")
        try:
            if point is not None:
                self.params.update(point)
            theirs = dict(self.grads(self.params, *inputs))
            truth, share, how = self._truth(inputs)
        except Exception as error:
            if trial is not None:
                error.add_note(f"check_backprop, {where}: {_draw_words(point, inputs)}")
            raise
        findings = []
        for name in names:
            slot = self.template.parameters[name]
            if name not in theirs:
                findings.append(Finding(name, "missing", truth_shape=slot.shape))
                continue
            shape, flat = numbers_of(theirs[name], f"grads(...)[{name!r}]")
            found = diagnose(name, shape, flat, slot.shape, truth[name], self.atol, self.rtol)
            if found is not None:
                findings.append(found)
        if findings:
            explained = share is not None and all(
                f.kind not in ("missing", "shape", "transposed") for f in findings
            ) and _all_entries_explained(theirs, truth, names, share[1], self.atol)
            found_cause = log_epsilon(*share) if share is not None and explained else cause(
                findings, names)
            raise BackpropError(self._words(findings, found_cause, where, how, point, inputs,
                                            trial), findings, found_cause,
                                None if trial is None else trial[0],
                                point if trial is not None else None, inputs)

    def _truth(self, inputs: tuple[Any, ...]) -> tuple[dict[str, list[float]],
                                                     tuple[float, float, float] | None, str]:
        """Return the exact gradient by name, the worst log constant's share, and how it was got."""
        slots = self.template.parameters
        point = {name: self.params[name] for name in slots}
        leaves = {name: [Value(x) for x in numbers_of(value, name)[1]]
                  for name, value in point.items()}
        try:
            self.params.update({name: slots[name].build(leaves[name], of_values=True)
                                for name in slots})
            raw, reason = self.loss(self.params, *inputs), None
        except (TypeError, AttributeError) as error:
            raw, reason = None, f"{type(error).__name__}: {error}"
        finally:
            self.params.update(point)
        out = _one(raw) if reason is None else None  # a loss of many numbers is refused here
        if reason is None and not isinstance(out, Value):
            reason = ("it returned a plain number on Values: the graph was lost (float(), "
                      ".astype(float), math.* or np.array(..., dtype=float) inside?)")
        if isinstance(out, Value):
            out.backward()
            return ({name: [leaf.grad for leaf in leaves[name]] for name in slots},
                    _log_constant_share(out, leaves), "exact: your loss run on microgradjp Values")
        if not self.warned:
            warnings.warn(f"check_backprop: your loss cannot run on Values ({reason}), so "
                          f"central differences (eps={self.eps}) stand in for the exact "
                          "gradient", CentralDifferencesWarning, stacklevel=4)
            self.warned = True
        return (self._central_differences(point, inputs), None,
                f"central differences (eps={self.eps}): your loss cannot run on Values ({reason})")

    def _central_differences(self, point: dict[str, Any],
                             inputs: tuple[Any, ...]) -> dict[str, list[float]]:
        result = {}
        for name, slot in self.template.parameters.items():
            flat = numbers_of(point[name], name)[1]
            slopes = []
            for i in range(len(flat)):
                sides = []
                for step in (self.eps, -self.eps):
                    moved = list(flat)
                    moved[i] += step
                    self.params[name] = slot.build(moved)
                    sides.append(numbers_of(_one(self.loss(self.params, *inputs)), "loss")[1][0])
                slopes.append((sides[0] - sides[1]) / (2 * self.eps))
            self.params[name] = point[name]
            result[name] = slopes
        return result

    def _words(self, findings: list[Finding], found_cause: Cause | None, where: str, how: str,
               point: dict[str, Any] | None, inputs: tuple[Any, ...],
               trial: tuple[int, int, int] | None) -> str:
        n, m = len(findings), len(self.template.parameters)
        likely = found_cause.english if found_cause else findings[0].words()
        right = [name for name in self.template.parameters
                 if name not in {f.parameter for f in findings}]
        lines = [message(f"check_backprop {where}",
                         f"{n} of {m} gradients disagree with the exact gradient of your loss"
                         if how.startswith("exact") else f"{n} of {m} gradients disagree with "
                         "central differences of your loss", likely)]
        lines += [f"  {f.words()}" for f in findings]
        lines += [f"  right: {', '.join(right)}"] if right else []
        if trial is not None:
            lines.append(f"  the draw: {_draw_words(point, inputs)}; check it again with "
                         "check_backprop(loss, grads, params, *error.inputs, at=error.at)")
        lines.append(f"  truth: {how}; tolerance |yours - truth| <= atol + rtol * |truth| "
                     f"with atol={self.atol}, rtol={self.rtol}")
        place = ("与えられた点で" if trial is None else
                 f"ランダムな点 {trial[0]}/{trial[1]} (seed={trial[2]}) で")
        truth_ja = ("あなたの loss を microgradjp の Value で実行した厳密な勾配"
                    if how.startswith("exact") else f"中心差分 (eps={self.eps}): loss が Value "
                    "で実行できないため")
        lines.append(f"日本語: check_backprop {place} {m} 個中 {n} 個の勾配が正しい勾配と合いませ"
                     f"ん。考えられる誤り: "
                     f"{found_cause.japanese if found_cause else findings[0].words(True)}")
        lines += [f"  {f.words(True)}" for f in findings]
        lines += [f"  正しい: {'、'.join(right)}"] if right else []
        lines.append(f"  正しい値: {truth_ja}。許容誤差 atol={self.atol}, rtol={self.rtol}")
        return "\n".join(lines)


def _one(out: Any) -> Any:
    """Return a loss's single number: itself, or the one entry of a size-1 array or list."""
    if isinstance(out, Value):
        return out
    try:
        flat = flatten(out, "the loss")[1]
    except (TypeError, ValueError):
        return out
    if len(flat) != 1:
        raise ValueTypeError(message(
            f"check_backprop: loss returned {len(flat)} numbers", "a gradient is of one number",
            "return the mean or the sum (np.sum(...) / batch_size, as the seeds do)"))
    return flat[0]


def _log_constant_share(out: Value, leaves: Mapping[str, Sequence[Value]]
                        ) -> tuple[float, float, float] | None:
    """Return (constant, share, y) for the log(y + constant) where the constant weighs most.

    The gradient through log(y + c) is the one through log(y) times y / (y + c): it differs by
    the share c / (y + c), tiny at ordinary points and large where y is tiny.
    """
    ours = {id(leaf) for group in leaves.values() for leaf in group}
    worst: tuple[float, float, float] | None = None
    for node in made_by_ops(out):
        if node.op != "log" or node.parents[0].op != "+":
            continue
        inside = node.parents[0]
        for term, other in (inside.parents, inside.parents[::-1]):
            if (not term.parents and id(term) not in ours and 0 < term.data <= LOG_CONSTANT
                    and inside.data > 0):
                share = term.data / inside.data
                if worst is None or share > worst[1]:
                    worst = (term.data, share, other.data)
    return worst


def _all_entries_explained(theirs: Mapping[str, Any], truth: Mapping[str, list[float]],
                           names: Sequence[str], share: float, atol: float) -> bool:
    bound = 2 * share / (1 - share) if share < 1 else float("inf")
    for name in names:
        flat = numbers_of(theirs[name], name)[1]
        if len(flat) != len(truth[name]):
            return False
        if any(abs(t - g) > bound * abs(t) + atol for t, g in zip(flat, truth[name], strict=True)):
            return False
    return True


def _draw_words(point: Mapping[str, Any] | None, inputs: tuple[Any, ...]) -> str:
    params = ", ".join(f"{name} = {compact(value)}" for name, value in (point or {}).items())
    return f"{params}; inputs {', '.join(compact(x) for x in inputs)}"
