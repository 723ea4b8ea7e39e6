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

from ..engine import Value, data_of
from ..errors import MicrogradError
from ..functional import grad, value_and_grad
from ..graph import made_by_ops
from ..rules import describe

__all__ = ["GradcheckError", "KinkWarning", "gradcheck", "gradgradcheck", "numerical_grad"]

EPS = 1e-6
ATOL = 1e-5
RTOL = 1e-3


class GradcheckError(MicrogradError, AssertionError):
    """An analytic gradient disagrees with central differences."""


class KinkWarning(UserWarning):
    """A gradient was checked within ``eps`` of a kink, where central differences mean nothing."""


def numerical_grad(f: Callable[..., Any], *args: float, eps: float = EPS) -> list[float]:
    """Return the central-difference gradient (f(x+eps) - f(x-eps)) / 2eps for each argument.

    ``f`` may take floats or Values and return a float or a Value.

    >>> [round(g, 6) for g in numerical_grad(lambda x, y: x * y, 3.0, 4.0)]
    [4.0, 3.0]
    """
    point = [float(a) for a in args]
    result = []
    for i in range(len(point)):
        up, down = list(point), list(point)
        up[i] += eps
        down[i] -= eps
        result.append((_evaluate(f, up) - _evaluate(f, down)) / (2 * eps))
    return result


def gradcheck(
    f: Callable[..., Any], *args: float, eps: float = EPS, atol: float = ATOL, rtol: float = RTOL
) -> bool:
    """Return True if microgradjp's gradient of ``f`` at ``args`` matches central differences.

    On a mismatch, raise `GradcheckError` naming the argument, both values, the tolerances and
    the first node whose own local derivative is wrong. At a kink (relu or abs at 0, a max
    tie) the check is skipped with a `KinkWarning` instead of a false failure.

    >>> gradcheck(lambda x, y: (x * y).tanh(), 0.3, -1.2)
    True
    """
    value, analytic = value_and_grad(f, argnums=tuple(range(len(args))))(*args)
    numeric = numerical_grad(f, *args, eps=eps)
    for position, (a, n) in enumerate(zip(analytic, numeric, strict=True)):
        if _close(a, n, atol, rtol):
            continue
        graph = _graph_at(f, args)
        kink = _first_kink(graph, eps, atol, rtol)
        if kink is not None:
            warnings.warn(f"gradcheck at a kink, not checked: {kink}", KinkWarning, stacklevel=2)
            return True
        raise GradcheckError(
            f"gradient of argument {position} (value {args[position]!r}) is wrong: analytic "
            f"{a!r}, numeric {n!r} (atol={atol}, rtol={rtol}, eps={eps}; f = {value!r})\n"
            + _first_wrong_node(graph, eps, atol, rtol)
        )
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


def _evaluate(f: Callable[..., Any], point: list[float]) -> float:
    out = f(*[Value(x) for x in point])
    return data_of(out, "the function's result")


def _close(a: float, n: float, atol: float, rtol: float) -> bool:
    return abs(a - n) <= atol + rtol * abs(n) or (math.isnan(a) and math.isnan(n))


def _graph_at(f: Callable[..., Any], args: tuple[float, ...]) -> list[Value]:
    # Every node made by an op, oldest first: the order in which the graph was built.
    out = f(*[Value(a) for a in args])
    return made_by_ops(out) if isinstance(out, Value) else []


@dataclass(frozen=True)
class _LocalCheck:
    """One node's derivative along one input: the rule's partial and forward's differences."""

    node: Value
    position: int
    analytic: float
    central: float
    left: float
    right: float

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

        def shifted(step: float, i: int = i) -> float:
            moved = list(inputs)
            moved[i] += step
            return float(rule.forward(*moved))

        try:
            up, here, down = shifted(eps), shifted(0.0), shifted(-eps)
        except (ValueError, ArithmeticError):
            continue  # the edge of the domain is within eps: nothing to compare
        central, left, right = (up - down) / (2 * eps), (here - down) / eps, (up - here) / eps
        checks.append(_LocalCheck(node, i, float(partial), central, left, right))
    return checks


def _first_kink(graph: list[Value], eps: float, atol: float, rtol: float) -> str | None:
    # A kink shows as one-sided differences that disagree: 0 on the left, 1 on the right.
    for node in graph:
        for check in _local_checks(node, eps):
            if not _close(check.left, check.right, atol, rtol):
                return (f"{check.where()} has one-sided derivatives {check.left!r} and "
                        f"{check.right!r}; move the point at least {eps} away from the kink")
    return None


def _first_wrong_node(graph: list[Value], eps: float, atol: float, rtol: float) -> str:
    for node in graph:
        for check in _local_checks(node, eps):
            if not _close(check.analytic, check.central, atol, rtol):
                return (f"first node whose local derivative is wrong: {check.where()}: "
                        f"analytic {check.analytic!r}, numeric {check.central!r}")
    return ("every node's local derivative matches its forward, so the error is in how they "
            "combine (a custom op's partials in the wrong order?), or in the tolerances")
