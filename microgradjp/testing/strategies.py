"""Hypothesis strategies for property-testing derivatives (needs the ``testing`` extra).

`domain_floats(op)` draws points inside one op's domain, `domain_points(rule)` a whole call;
`expressions()` draws a random differentiable expression together with a point where every op is
comfortably inside its domain. The domains are the rows' own (``Rule.domain``). Expressions
shrink toward a single variable, so a failure reads like ``sin(x) * y``. `backprop_points` draws
new values for a learner's network, for `check_backprop`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from hypothesis import strategies as st

from ..core.node import Value, data_of
from ..core.rules import ROWS, Domain, Rule, power
from ..errors import MicrogradError
from ._points import Template

__all__ = ["OPS", "Expression", "backprop_points", "domain_floats", "domain_points",
           "expressions"]


@dataclass(frozen=True)
class _Op:
    apply: Callable[..., Any]  # the row itself: applied to Values it records, to floats computes
    domain: tuple[tuple[float, float], ...]  # one (low, high) per argument
    symmetric: bool = False  # the interval bounds |x|: both sides of a kink or pole are fine
    apart: float = 0.0  # how far the inputs stay from a tie (maximum, minimum)


def _op(rule: Rule) -> _Op:
    domain = _domain(rule)
    return _Op(rule, domain.intervals, domain.symmetric, domain.apart)


def _domain(rule: Rule) -> Domain:
    if rule.domain is None:
        raise ValueError(f"the row {rule.name!r} has no domain: give its Rule a domain= (the "
                         "intervals property tests draw from), e.g. rules.anywhere()")
    return rule.domain


# The expressions' ops by name: every row of one or two inputs, and two fixed powers. Where each
# is smooth and well conditioned is its row's domain, which keeps a margin from any edge.
OPS: dict[str, _Op] = {
    **{row.called: _op(row) for row in ROWS if row.domain and len(row.domain.intervals) <= 2},
    "square": _op(power(2.0)),
    "cube": _op(power(3.0)),
}


def domain_floats(op: str, *, argument: int = 0) -> st.SearchStrategy[float]:
    """Return a strategy for finite floats inside ``op``'s domain, away from its edges and kinks.

    >>> from hypothesis import given
    >>> @given(domain_floats("log"))
    ... def test_log_is_finite(x):
    ...     assert math.isfinite(Value(x).log().data)
    >>> test_log_is_finite()
    """
    return _floats(OPS[op].domain[argument], symmetric=OPS[op].symmetric)


def domain_points(rule: Rule) -> st.SearchStrategy[tuple[float, ...]]:
    """Return a strategy for one call's arguments inside ``rule``'s domain (its ``Rule.domain``).

    Raises ValueError for a row without a domain. Shrinks each argument toward its low end.

    >>> from hypothesis import given
    >>> from microgradjp.core.rules import MAXIMUM
    >>> @given(domain_points(MAXIMUM))
    ... def test_no_ties(args):
    ...     assert abs(args[0] - args[1]) >= 0.01
    >>> test_no_ties()
    """
    domain = _domain(rule)
    points = st.tuples(*[_floats(interval, symmetric=domain.symmetric)
                         for interval in domain.intervals])
    if domain.apart:
        return points.filter(lambda xs: all(abs(a - b) >= domain.apart
                                            for a, b in combinations(xs, 2)))
    return points


def _floats(interval: tuple[float, float], *, symmetric: bool) -> st.SearchStrategy[float]:
    inside = st.floats(*interval, allow_nan=False, allow_infinity=False)
    return inside | inside.map(lambda x: -x) if symmetric else inside


@dataclass(frozen=True)
class Expression:
    """A random expression tree; call it with one number (or Value) per variable.

    >>> e = Expression("*", (Expression("sin", (Expression("x"),)), Expression("y")))
    >>> str(e), e.variables
    ('sin(x) * y', ('x', 'y'))
    """

    op: str  # a key of OPS, or a variable name, or "const"
    children: tuple[Expression, ...] = ()
    constant: float = 0.0

    def __str__(self) -> str:
        if self.op == "const":
            return repr(self.constant)
        if not self.children:
            return self.op
        if not self.op.isidentifier():  # +, -, *, /, **: written between their inputs
            return f" {self.op} ".join(f"({c})" if not c.op.isidentifier() else str(c)
                                       for c in self.children)
        return f"{self.op}({', '.join(str(c) for c in self.children)})"

    def __repr__(self) -> str:
        return f"Expression({str(self)!r})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))  # how Hypothesis shows a falsifying example: readable text

    @property
    def variables(self) -> tuple[str, ...]:
        """The variable names in first-appearance order (a function's argument order)."""
        if self.op == "const":
            return ()
        if not self.children:
            return (self.op,)
        found: dict[str, None] = {}
        for child in self.children:
            found.update(dict.fromkeys(child.variables))
        return tuple(found)

    def __call__(self, *values: Any) -> Any:
        return self.evaluate(dict(zip(self.variables, values, strict=True)))

    def evaluate(self, env: dict[str, Any]) -> Any:
        """Return the expression's value with variables taken from ``env``."""
        if self.op == "const":
            return self.constant
        if not self.children:
            return env[self.op]
        return OPS[self.op].apply(*[child.evaluate(env) for child in self.children])

    def in_domain(self, env: dict[str, Value]) -> bool:
        """Return True if every op's inputs at ``env`` lie inside that op's checked domain."""
        if not self.children:
            return True
        inputs = [data_of(child.evaluate(env), "expression") for child in self.children]
        inside = all(_inside(self.op, i, x) for i, x in enumerate(inputs))
        return inside and all(child.in_domain(env) for child in self.children)


def _inside(op: str, argument: int, x: float) -> bool:
    low, high = OPS[op].domain[argument]
    return low <= (abs(x) if OPS[op].symmetric else x) <= high



def expressions(
    variables: Sequence[str] = ("x", "y"), *, ops: Sequence[str] | None = None, max_leaves: int = 8
) -> st.SearchStrategy[tuple[Expression, tuple[float, ...]]]:
    """Return a strategy for ``(expression, point)``: a random graph and where to check it.

    The number of variables is drawn first (from 1 to ``len(variables)``, each about as likely),
    every chosen variable appears, and every expression has at least one op. Every op at the
    point is inside its domain with a margin, maximum/minimum see no near-tie, and the result is
    finite. Shrinks toward one variable, fewer leaves and ops, then toward simple numbers.

    >>> from hypothesis import given, settings
    >>> from microgradjp.testing import gradcheck
    >>> @settings(max_examples=20)
    ... @given(expressions())
    ... def test_gradients(case):
    ...     expression, point = case
    ...     assert gradcheck(expression, *point)
    >>> test_gradients()
    """
    names = list(ops) if ops is not None else list(OPS)
    unary = [op for op in names if len(OPS[op].domain) == 1]
    binary = [op for op in names if len(OPS[op].domain) == 2]
    if not names or max_leaves < 1 or not variables or (not unary and max_leaves < 2):
        raise ValueError(f"expressions({list(variables)}, ops={ops}, max_leaves={max_leaves}) "
                         "draws nothing: give at least one variable and one op (a binary op "
                         "needs max_leaves >= 2)")
    most = min(len(variables), max_leaves) if binary else 1
    constants = st.floats(-3, 3, allow_nan=False).map(
        lambda c: Expression("const", constant=round(c, 2)))

    @st.composite
    def trees(draw: st.DrawFn) -> Expression:
        # One draw per set of variables (not per ordering), so no two draws alias each other.
        chosen = draw(st.sampled_from(list(combinations(variables, draw(st.integers(1, most))))))
        leaves = st.sampled_from([Expression(v) for v in chosen]) | constants
        return _tree(draw, _Grammar(unary, binary, leaves), chosen, max_leaves, 0)

    @st.composite
    def cases(draw: st.DrawFn) -> tuple[Expression, tuple[float, ...]]:
        expression = draw(trees())
        point = tuple(draw(st.floats(-3, 3, allow_nan=False)) for _ in expression.variables)
        env = dict(zip(expression.variables, point, strict=True))
        if not (_well_posed(expression, env)):
            draw(st.nothing())  # reject this point; Hypothesis tries another
        return expression, point

    return cases()


@dataclass(frozen=True)
class _Grammar:
    unary: list[str]
    binary: list[str]
    leaves: st.SearchStrategy[Expression]


_MAX_DEPTH = 6  # ops above a leaf; deep towers of unary ops mostly leave every domain


def _tree(draw: st.DrawFn, grammar: _Grammar, needs: Sequence[str], budget: int,
          depth: int) -> Expression:
    """Draw a tree, top down, in which every name in ``needs`` appears, with <= budget leaves."""
    # The root is always an op (a bare variable checks nothing); below it, growing is a coin
    # flip that shrinks to "stop", so failures shrink toward one op over one variable.
    if len(needs) >= 2:
        ops = grammar.binary  # two variables must part somewhere
    else:
        ops = grammar.unary + (grammar.binary if budget >= 2 else [])
    if depth > 0 and len(needs) <= 1 and (
            not ops or depth >= _MAX_DEPTH or not draw(st.booleans())):
        return Expression(needs[0]) if needs else draw(grammar.leaves)
    op = draw(st.sampled_from(ops))
    if op in grammar.unary:
        return Expression(op, (_tree(draw, grammar, needs, budget, depth + 1),))
    spare = budget > len(needs)  # room for a side with no needed variable
    split = draw(st.integers(0 if spare else 1, len(needs) if spare else len(needs) - 1))
    left, right = needs[:split], needs[split:]
    left_budget = draw(st.integers(max(len(left), 1), budget - max(len(right), 1)))
    return Expression(op, (_tree(draw, grammar, left, left_budget, depth + 1),
                           _tree(draw, grammar, right, budget - left_budget, depth + 1)))


def _well_posed(expression: Expression, point: dict[str, float]) -> bool:
    env = {name: Value(x) for name, x in point.items()}
    try:
        return (expression.in_domain(env) and not _near_tie(expression, env)
                and math.isfinite(data_of(expression.evaluate(env), "expression")))
    except (MicrogradError, ArithmeticError, ValueError):
        return False


def _near_tie(expression: Expression, env: dict[str, Value]) -> bool:
    apart = OPS[expression.op].apart if expression.children else 0.0
    if apart:
        a, b = (data_of(child.evaluate(env), "expression") for child in expression.children)
        if abs(a - b) < apart:
            return True
    return any(_near_tie(child, env) for child in expression.children)


def backprop_points(
    params: Mapping[str, Any], *inputs: Any, bound: float = 2.0
) -> st.SearchStrategy[tuple[dict[str, Any], tuple[Any, ...]]]:
    """Return a strategy for ``(at, inputs)``: new values for ``params`` and ``inputs``, kept alike.

    Every parameter entry and every float input entry is drawn from [-bound, bound] times the
    root mean square of the given values (so a network at the seeds' scale stays there); integer
    inputs such as one-hot targets are kept as given, and so is anything not numbers. Arrays
    stay arrays of the same shape, nested lists stay lists. Each entry shrinks toward 0, so a
    failing case shrinks toward few non-zero weights. Pass ``at`` to `check_backprop`, which puts
    the values into your own dict (your backward may read it as a global) and restores it.

    >>> import numpy as np
    >>> from hypothesis import given, settings
    >>> from microgradjp.testing import check_backprop
    >>> network = {"w": np.array([0.5, -1.0])}
    >>> def loss(p, x):
    ...     return np.sum(np.tanh(np.dot(x, p["w"])))
    >>> def grads(p, x):
    ...     return {"w": np.dot(x.T, 1 - np.tanh(np.dot(x, p["w"])) ** 2)}
    >>> @settings(max_examples=20, deadline=None)
    ... @given(backprop_points(network, np.array([[1.0, 2.0]])))
    ... def test_my_backward(point):
    ...     at, inputs = point
    ...     assert check_backprop(loss, grads, network, *inputs, at=at)
    >>> test_my_backward()
    """
    template = Template.of(params, inputs)
    unit = st.floats(-bound, bound, allow_nan=False, allow_infinity=False)
    size = template.draw_size
    return st.lists(unit, min_size=size, max_size=size).map(template.fill)
