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
import time
import warnings
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any

from ..errors import MicrogradError, ValueTypeError, message
from ._diagnosis import Cause, Finding, cause, diagnose, log_epsilon
from ._points import Template, compact, numbers_of
from ._state import LearnerState
from ._truth import LONG, CentralDifferencesWarning, CheckCostWarning, Oracle, Truth, kind_of

__all__ = ["BackpropError", "CentralDifferencesWarning", "CheckCostWarning", "check_backprop"]

ATOL = 1e-6
RTOL = 1e-4  # accepts the seeds' log(y + 1e-7) against y - d wherever y > 1e-3 (see docs)
EPS = 1e-6


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


def check_backprop(
    loss: Callable[..., Any], grads: Callable[..., Mapping[str, Any]],
    params: MutableMapping[str, Any], *inputs: Any, trials: int = 0,
    at: Mapping[str, Any] | None = None, atol: float = ATOL, rtol: float = RTOL,
    eps: float = EPS, seed: int = 0,
) -> bool:
    """Return True if ``grads(params, *inputs)`` is the gradient of ``loss(params, *inputs)``.

    ``params`` is the learner's own dict (name -> numpy array, nested list or number). Every
    point is checked where the loss really reads it: numbers are written into those very arrays,
    so a global ``network`` and layers keeping their own ``W`` and ``b`` (the book's ``Affine``)
    see them, and everything your functions reach (arrays, dicts, lists, your objects' attributes)
    is put back as it was afterwards, whatever ``grads`` does to it. ``at`` checks other values
    than the dict's own; ``trials`` random draws (entries of the given values' size, labels such
    as one-hot rows or class indices kept, reproducible from ``seed``) follow the given point.

    An entry agrees when ``|yours - truth| <= atol + rtol * |truth|`` (defaults 1e-6 and 1e-4;
    the rtol also accepts the seeds' ``log(y + 1e-7)`` against ``y - d`` wherever y > 1e-3).
    Otherwise `BackpropError` names each wrong parameter, its worst entry, yours and the truth,
    the likely mistake (shape, transposed, sign, factor, zero, an error entering between two
    layers, the 1e-7 in the log, a parameter your loss never reads) and the failing draw, in
    English and Japanese. ``eps`` is the step of central differences, which stand in (with a
    `CentralDifferencesWarning` naming why and the cost) only where the loss cannot run on
    Values or its exact graph would be too large.

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
    unknown = sorted(set(at or ()) - set(params))
    if unknown:
        raise ValueTypeError(message(
            f"check_backprop(..., at=...) names {', '.join(map(repr, unknown))}",
            "at gives new values to parameters of params, which has no such name",
            f"use the names of params: {', '.join(map(repr, params))}"))
    template = Template.of(at if at is not None else params, inputs)
    state = LearnerState((loss, grads, *inputs, params),
                         [params[name] for name in template.parameters])
    oracle = Oracle(loss, params, template, state, eps, seed, trials + 1)
    context = _Context(grads, oracle, atol, rtol)
    try:
        started = time.perf_counter()
        context.check(dict(at) if at is not None else None, inputs, None)
        took = time.perf_counter() - started
        if trials and took * trials > LONG and not oracle.warned:
            warnings.warn(f"check_backprop: one point took {took:.1f} s, so trials={trials} "
                          f"take about {took * trials:.0f} s more", CheckCostWarning,
                          stacklevel=2)
        draws = random.Random(seed)
        for trial in range(1, trials + 1):
            point, drawn_inputs = template.fill(
                [draws.gauss(0.0, 1.0) for _ in range(template.draw_size)])
            context.check(point, drawn_inputs, (trial, trials, seed))
    finally:
        state.restore()
    return True


class _Context:
    """One call's backward, truth and tolerances: checks one point at a time."""

    def __init__(self, grads: Callable[..., Mapping[str, Any]], oracle: Oracle, atol: float,
                 rtol: float) -> None:
        self.grads, self.oracle, self.atol, self.rtol = grads, oracle, atol, rtol
        self.template = oracle.template

    def check(self, point: dict[str, Any] | None, inputs: tuple[Any, ...],
              trial: tuple[int, int, int] | None) -> None:
        names = list(self.template.parameters)
        where = ("at the given point" if trial is None else
                 f"at random draw {trial[0]} of {trial[1]} (seed={trial[2]})")
        source = point if point is not None else self.oracle.params
        numbers = {name: numbers_of(source[name], name)[1] for name in names}
        try:
            self.oracle.at(numbers)
            theirs = self._theirs(inputs)
            self.oracle.at(numbers)  # their backward may have stepped the parameters: undone
            truth = self.oracle.truth(numbers, inputs)
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
            shape, flat = theirs[name]
            found = diagnose(name, shape, flat, slot.shape, truth.grads[name], self.atol,
                             self.rtol)
            if found is not None and name in truth.still and found.kind not in ("shape",):
                found = Finding(name, "still", found.entry, found.theirs, found.truth,
                                found.theirs_shape, found.truth_shape)
            if found is not None:
                findings.append(found)
        if findings:
            share = truth.share()
            explained = share is not None and all(
                f.kind not in ("missing", "shape", "transposed", "still") for f in findings
            ) and _all_entries_explained(theirs, truth.grads, names, share[1], self.atol)
            found_cause = log_epsilon(*share) if share is not None and explained else cause(
                findings, names)
            raise BackpropError(self._words(findings, found_cause, where, truth, point, inputs,
                                            trial), findings, found_cause,
                                None if trial is None else trial[0],
                                point if trial is not None else None, inputs)

    def _theirs(self, inputs: tuple[Any, ...]) -> dict[str, tuple[tuple[int, ...], list[float]]]:
        """Call the learner's backward; return each gradient's shape and numbers, read at once."""
        raw = self.grads(self.oracle.params, *inputs)
        if not isinstance(raw, Mapping):
            sized = f" of {len(raw)}" if isinstance(raw, list | tuple) else ""
            raise ValueTypeError(message(
                f"check_backprop: grads returned {kind_of(raw)}{sized}",
                "grads(params, *inputs) must return a dict of gradients by parameter name, "
                "like params",
                ("end it with return grads (a function without return gives None), "
                 if raw is None else "return a dict ") + "keyed like params: {"
                + ", ".join(f"{name!r}: ..." for name in self.template.parameters) + "}"))
        theirs = {}
        for name in self.template.parameters:
            if name in raw:
                what = f"grads(...)[{name!r}]"
                try:
                    theirs[name] = numbers_of(raw[name], what)
                except (TypeError, ValueError) as error:
                    if isinstance(error, ValueTypeError):
                        raise
                    raise ValueTypeError(message(
                        f"check_backprop: {what} is {kind_of(raw[name])}",
                        f"a gradient is numbers shaped like params[{name!r}] ({error})",
                        "return the array your backward computed (a layer's dW is None until "
                        "its backward has run)")) from None
        return theirs

    def _words(self, findings: list[Finding], found_cause: Cause | None, where: str,
               truth: Truth, point: dict[str, Any] | None, inputs: tuple[Any, ...],
               trial: tuple[int, int, int] | None) -> str:
        n, m = len(findings), len(self.template.parameters)
        how, how_ja = _how(truth, self.oracle.eps, list(self.template.parameters))
        likely = found_cause.english if found_cause else findings[0].words()
        right = [name for name in self.template.parameters
                 if name not in {f.parameter for f in findings}]
        lines = [message(f"check_backprop {where}",
                         f"{n} of {m} gradients disagree with the exact gradient of your loss"
                         if not truth.central else f"{n} of {m} gradients disagree with the "
                         "gradient of your loss", likely)]
        lines += [f"  {f.words()}" for f in findings]
        lines += [f"  right: {', '.join(right)}"] if right else []
        if trial is not None:
            lines.append(f"  the draw: {_draw_words(point, inputs)}; check it again with "
                         "check_backprop(loss, grads, params, *error.inputs, at=error.at)")
        lines.append(f"  truth: {how}; tolerance |yours - truth| <= atol + rtol * |truth| "
                     f"with atol={self.atol}, rtol={self.rtol}")
        place = ("与えられた点で" if trial is None else
                 f"ランダムな点 {trial[0]}/{trial[1]} (seed={trial[2]}) で")
        lines.append(f"日本語: check_backprop {place} {m} 個中 {n} 個の勾配が正しい勾配と合いませ"
                     f"ん。考えられる誤り: "
                     f"{found_cause.japanese if found_cause else findings[0].words(True)}")
        lines += [f"  {f.words(True)}" for f in findings]
        lines += [f"  正しい: {'、'.join(right)}"] if right else []
        lines.append(f"  正しい値: {how_ja}。許容誤差 atol={self.atol}, rtol={self.rtol}")
        return "\n".join(lines)


def _how(truth: Truth, eps: float, names: list[str]) -> tuple[str, str]:
    """Return how the truth was found, in English and Japanese."""
    exact = [name for name in names if name not in truth.central]
    central = f"central differences (eps={eps})"
    why = f": {truth.reason}" if truth.reason else ": your loss reads them where Values cannot go"
    if not truth.central:
        return "exact: your loss run on microgradjp Values", ("あなたの loss を microgradjp の "
                                                               "Value で実行した厳密な勾配")
    if not exact:
        return f"{central}{why}", f"中心差分 (eps={eps}): 厳密な勾配が得られないため"
    return (f"exact for {', '.join(exact)}; {central} for {', '.join(truth.central)}{why}",
            f"{'、'.join(exact)} は厳密な勾配、{'、'.join(truth.central)} は中心差分 (eps={eps})")


def _all_entries_explained(theirs: Mapping[str, tuple[Any, list[float]]],
                           truth: Mapping[str, list[float]], names: Sequence[str], share: float,
                           atol: float) -> bool:
    bound = 2 * share / (1 - share) if share < 1 else float("inf")
    for name in names:
        flat = theirs[name][1]
        if len(flat) != len(truth[name]):
            return False
        if any(abs(t - g) > bound * abs(t) + atol for t, g in zip(flat, truth[name], strict=True)):
            return False
    return True


def _draw_words(point: Mapping[str, Any] | None, inputs: tuple[Any, ...]) -> str:
    params = ", ".join(f"{name} = {compact(value)}" for name, value in (point or {}).items())
    return f"{params}; inputs {', '.join(compact(x) for x in inputs)}"
