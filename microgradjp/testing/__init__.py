"""Gradient checks for users: central differences, `gradcheck` and `gradgradcheck`.

On a mismatch, `gradcheck` does more than say the output is wrong: it re-checks every node's
own local derivative against a central difference of its own forward, and names the first one
that disagrees (op, label, inputs, both numbers). Never imports Hypothesis (see `strategies`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..core.functional import grad, value_and_grad
from ..core.node import Value, data_of, made_by_ops
from ..core.rules import describe
from ..errors import (
    DivisionByZeroError,
    DomainError,
    MicrogradError,
    NonFiniteError,
    ValueOverflowError,
    ValueTypeError,
    message,
)
from .backprop import BackpropError, CentralDifferencesWarning, CheckCostWarning, check_backprop

__all__ = [
    "BackpropError",
    "CentralDifferencesWarning",
    "CheckCostWarning",
    "GradcheckError",
    "KinkWarning",
    "check_backprop",
    "gradcheck",
    "gradgradcheck",
    "numerical_grad",
]

EPS = 1e-6
ATOL = 1e-5
RTOL = 1e-3


class GradcheckError(MicrogradError, AssertionError):
    """An analytic gradient disagrees with central differences."""


class KinkWarning(UserWarning):
    """A gradient was checked within ``eps`` of a kink, where central differences mean nothing."""


def _step(x: float, eps: float = EPS) -> float:
    """Return the step central differences take at ``x``: ``eps``, scaled up for ``|x| > 1``.

    A fixed step is lost in rounding far from 0 (around 1e10 a float's spacing is 2e-6), so the
    step grows with the input's size.

    >>> _step(0.5), _step(-1e10)
    (1e-06, 10000.0)
    """
    return eps * max(1.0, abs(x))


def numerical_grad(f: Callable[..., Any], *args: float, eps: float = EPS) -> list[float]:
    """Return the central-difference gradient (f(x+h) - f(x-h)) / 2h for each argument.

    The step ``h`` is ``eps``, times ``|x|`` where ``|x| > 1`` (a fixed step is lost in
    rounding far from 0). ``f`` is called
    with floats and may return a float or a Value. A function written for Values (one that
    calls ``x.exp()`` or ``x.relu()``) fails on floats with a TypeError or AttributeError; it is
    then called with Values instead, so both kinds work. If ``f`` fails at a probed point (the
    step crossed the edge of its domain), the error says the probe moved the argument.

    >>> [round(g, 6) for g in numerical_grad(lambda x: math.sin(x), 0.0)]
    [1.0]
    >>> [round(g, 6) for g in numerical_grad(lambda x, y: x.exp() * y, 0.0, 4.0)]
    [4.0, 1.0]
    """
    point = [float(a) for a in args]
    evaluate = _evaluator(f, point)
    result = []
    for i in range(len(point)):
        up, down = list(point), list(point)
        h = _step(point[i], eps)
        up[i] += h
        down[i] -= h
        result.append((_probe(evaluate, up, i, point[i], eps) -
                       _probe(evaluate, down, i, point[i], eps)) / (up[i] - down[i]))
    return result


def _probe(evaluate: Callable[[list[float]], float], moved: list[float], i: int, at: float,
           eps: float) -> float:
    # f was fine at the point itself: a failure here is central differences' own doing.
    try:
        return evaluate(moved)
    except (ValueError, ArithmeticError) as failure:
        text = message(f"central differences moved argument {i} from {at!r} to {moved[i]!r}",
                       f"f fails there, not at the point asked ({failure})".replace("; ", ", "),
                       f"pass a smaller eps than {eps} (the step is eps, times |x| past 1), or "
                       "check a point farther from the edge of f's domain")
        try:
            error = type(failure)(text)  # the same class: an except clause still catches it
        except TypeError:  # a class that takes other arguments
            error = (DomainError if isinstance(failure, ValueError) else
                     DivisionByZeroError if isinstance(failure, ZeroDivisionError) else
                     ValueOverflowError if isinstance(failure, OverflowError) else
                     NonFiniteError)(text)
        raise error from None


def _evaluator(f: Callable[..., Any], point: list[float]) -> Callable[[list[float]], float]:
    """Return how to call ``f`` on a point: with floats if it takes them, else with Values."""

    def on_floats(xs: list[float]) -> float:
        return data_of(f(*xs), "the function's result")

    def on_values(xs: list[float]) -> float:
        return data_of(f(*[Value(x) for x in xs]), "the function's result")

    try:
        on_floats(point)
        return on_floats
    except (TypeError, AttributeError) as float_error:
        try:
            on_values(point)
        except (TypeError, AttributeError) as value_error:
            raise ValueTypeError(message(
                f"numerical_grad({getattr(f, '__name__', 'f')}, {', '.join(map(repr, point))})",
                f"f fails on floats ({float_error}) and on Values ({value_error})",
                "make f take floats (math.sin) or Values (x.sin())")) from None
        return on_values


def gradcheck(
    f: Callable[..., Any], *args: float, eps: float = EPS, atol: float = ATOL, rtol: float = RTOL
) -> bool:
    """Return True if microgradjp's gradient of ``f`` at ``args`` matches central differences.

    On a mismatch, raise `GradcheckError` naming the argument, both values, the tolerances and
    the first node whose own local derivative is wrong. A kink (relu or abs at 0, a max tie)
    excuses only the arguments whose paths reach it: their check is skipped with a
    `KinkWarning`, every other argument is still checked.

    >>> gradcheck(lambda x, y: (x * y).tanh(), 0.3, -1.2)
    True
    """
    value, analytic = value_and_grad(f, argnums=tuple(range(len(args))))(*args)
    numeric = numerical_grad(f, *args, eps=eps)
    graph: _Graph | None = None
    for position, (a, n) in enumerate(zip(analytic, numeric, strict=True)):
        if _close(a, n, atol, rtol):
            continue
        graph = graph or _Graph.of(f, args)
        checks = graph.checks_reached_by(position, eps)
        wrong = _first_wrong(checks, atol, rtol)
        kink = _first_kink(checks, atol, rtol)
        if wrong is None and kink is not None:
            warnings.warn(f"gradcheck of argument {position} at a kink, not checked: {kink}",
                          KinkWarning, stacklevel=2)
            continue
        raise GradcheckError(
            f"gradient of argument {position} (value {args[position]!r}) is wrong: analytic "
            f"{a!r}, numeric {n!r} (atol={atol}, rtol={rtol}, eps={eps}; f = {value!r})\n"
            + (wrong or _NO_WRONG_NODE))
    return True


def gradgradcheck(
    f: Callable[..., Any], *args: float, eps: float = EPS, atol: float = ATOL, rtol: float = RTOL
) -> bool:
    """Return True if the second derivatives of ``f`` match: `gradcheck` on each first derivative.

    >>> gradgradcheck(lambda x: x.sin() * x, 0.7)
    True
    """
    for position in range(len(args)):
        gradcheck(grad(f, argnums=position), *args, eps=eps, atol=atol, rtol=rtol)
    return True


def _close(a: float, n: float, atol: float, rtol: float) -> bool:
    return abs(a - n) <= atol + rtol * abs(n) or (math.isnan(a) and math.isnan(n))


@dataclass(frozen=True)
class _LocalCheck:
    """One node's derivative along one input: the rule's partial and forward's differences."""

    node: Value
    position: int
    analytic: float
    central: float
    left: float
    right: float
    eps: float  # the step taken: eps, scaled to the input's size
    # One-sided slopes at a tenth of the step: a kink keeps them apart, a smooth curve does not.
    fine_left: float = math.nan
    fine_right: float = math.nan

    def where(self) -> str:
        inputs = tuple(p.data for p in self.node.parents)
        labels = tuple(p.label for p in self.node.parents)
        label = f" (label {self.node.label!r})" if self.node.label else ""
        return f"{describe(self.node.op, inputs, labels)}{label}, d/d input {self.position}"


def _local_checks(node: Value, eps: float) -> list[_LocalCheck]:
    rule, inputs = node.rule, [p.data for p in node.parents]
    try:
        analytic = rule.partials(*inputs, node.data)
    except (ValueError, ArithmeticError):
        return []  # no finite derivative here; the output check already reported it
    checks = []
    for i, partial in enumerate(analytic):

        def shifted(by: float, i: int = i) -> float:
            moved = list(inputs)
            moved[i] += by
            return float(rule.forward(*moved))

        h = _step(inputs[i], eps)
        try:
            up, here, down = shifted(h), shifted(0.0), shifted(-h)
        except (ValueError, ArithmeticError):
            continue  # the edge of the domain is within the step: nothing to compare
        central, left, right = (up - down) / (2 * h), (here - down) / h, (up - here) / h
        try:
            fine = ((here - shifted(-h / 10)) / (h / 10), (shifted(h / 10) - here) / (h / 10))
        except (ValueError, ArithmeticError):
            fine = (math.nan, math.nan)
        checks.append(_LocalCheck(node, i, float(partial), central, left, right, h, *fine))
    return checks


@dataclass(frozen=True)
class _Graph:
    """The nodes of ``f``'s graph, oldest first, and which arguments reach each one."""

    nodes: list[Value]
    reached_by: dict[Value, int]  # a bit mask: bit i is set when argument i is upstream

    @classmethod
    def of(cls, f: Callable[..., Any], args: tuple[float, ...]) -> _Graph:
        leaves = [Value(a) for a in args]
        out = f(*leaves)
        nodes = made_by_ops(out) if isinstance(out, Value) else []
        reached_by = {leaf: 1 << i for i, leaf in enumerate(leaves)}
        for node in nodes:  # oldest first, so every parent's mask is complete
            mask = 0
            for parent in node.parents:
                mask |= reached_by.get(parent, 0)
            reached_by[node] = mask
        return cls(nodes, reached_by)

    def checks_reached_by(self, position: int, eps: float) -> list[_LocalCheck]:
        """Return the local checks of the edges that lie on a path from argument ``position``."""
        bit = 1 << position
        return [check for node in self.nodes if self.reached_by[node] & bit
                for check in _local_checks(node, eps)
                if self.reached_by.get(node.parents[check.position], 0) & bit]


def _is_kink(check: _LocalCheck, atol: float, rtol: float) -> bool:
    # A kink shows as one-sided differences that disagree (0 on the left, 1 on the right), and
    # keep disagreeing as the step shrinks. A steep smooth curve's one-sided slopes disagree
    # too, by about its curvature times the step: at a tenth of the step, a tenth as much.
    if _close(check.left, check.right, atol, rtol):
        return False
    fine_gap = abs(check.fine_left - check.fine_right)
    return not fine_gap < 0.5 * abs(check.left - check.right)  # nan (no finer probe): a kink


def _first_kink(checks: list[_LocalCheck], atol: float, rtol: float) -> str | None:
    for check in checks:
        if _is_kink(check, atol, rtol):
            return (f"{check.where()} has one-sided derivatives {check.left!r} and "
                    f"{check.right!r}; move the point at least {check.eps} away from the kink")
    return None


def _first_wrong(checks: list[_LocalCheck], atol: float, rtol: float) -> str | None:
    # A smooth node's own derivative is checkable even when a kink sits elsewhere on the path.
    for check in checks:
        if not _is_kink(check, atol, rtol) and not _close(check.analytic, check.central,
                                                          atol, rtol):
            return (f"first node whose local derivative is wrong: {check.where()}: "
                    f"analytic {check.analytic!r}, numeric {check.central!r}")
    return None


_NO_WRONG_NODE = ("every node's local derivative matches its forward, so the error is in how "
                  "they combine (a custom op's partials in the wrong order?), or in the "
                  "tolerances")
