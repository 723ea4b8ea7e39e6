"""Replay's generated code run on numpy arrays: each name holds every sample's number at once.

The code `replay` writes is arithmetic and calls. On float64 arrays numpy's + - * / are the same
IEEE operations as Python's on floats, so only the calls and ``**`` change: the exact mode calls
each row's own Python function on every element (fsum's correctly rounded sum is found in
extended precision where that is surely it, else asked of fsum), the fast mode numpy's own
tanh, exp and sums. numpy is optional (the ``fast`` extra): without it `numpy()` is None and
replay runs on floats.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from itertools import chain, repeat
from typing import Any

from . import rules

__all__ = ["BATCHED_FROM", "arithmetic_errors", "arrays", "compile_on_arrays", "numpy",
           "sums_in_order", "wins"]

# From how many samples a batch runs faster as arrays than as floats, sample after sample, in
# each mode (measured on two moons, 2-16-16-1 tanh, with benchmarks/batched.py: the arrays cost
# about 1.2 ms a step (fast: 0.8 ms) plus 12 us a sample (2 us), the floats 33 us a sample).
BATCHED_FROM = {"exact": 64, "fast": 32}


@cache
def numpy() -> Any:
    """Return the numpy module, or None where it is not installed.

    >>> numpy() is None or numpy().__name__ == "numpy"
    True
    """
    try:
        import numpy as np
    except ImportError:
        return None
    return np


def wins(mode: str, size: int) -> bool:
    """Return whether ``mode`` ("exact" or "fast") runs ``size`` samples faster than floats do.

    Both need numpy. The exact mode also needs an extended ``long double`` (x86 Linux has one;
    where it is a plain double, as on Windows or Apple silicon, most sums would go to fsum).

    >>> wins("exact", 1)
    False
    """
    np = numpy()
    if np is None or size < BATCHED_FROM[mode]:
        return False
    return mode == "fast" or np.finfo(np.longdouble).nmant >= 63


@contextmanager
def arithmetic_errors() -> Iterator[None]:
    """Raise FloatingPointError wherever numpy's arithmetic meets what Python's might refuse.

    A division by zero, an overflow or an inf - inf raise here; the caller then runs the same
    code on floats, which gives Python's own number or error (1e308 * 10 is inf there, 1 / 0 a
    ZeroDivisionError), so arrays never decide what a float would have given.
    """
    with numpy().errstate(divide="raise", over="raise", invalid="raise", under="ignore"):
        yield


def compile_on_arrays(source: str, namespace: dict[str, Any], *, fast: bool) -> Callable[..., Any]:
    """Return the generated ``run`` with every called function mapped to work on arrays."""
    # Parsed only where there is a ** to map: for a large graph that takes longer than the rest.
    code = compile(ast.fix_missing_locations(_PowerAsCall().visit(ast.parse(source)))
                   if "**" in source else source, "<microgradjp batched replay>", "exec")
    mapped = {name: _on_arrays(value, fast) if callable(value) else value
              for name, value in namespace.items()}
    mapped["power"] = _on_arrays(operator.pow, fast)
    # As in replay: the source holds only generated names, operators and numbers, no user text.
    exec(code, mapped)
    run: Callable[..., Any] = mapped["run"]
    return run


class _PowerAsCall(ast.NodeTransformer):
    # numpy's ** squares where the exponent is 2 (x * x), and its power may be its own; Python
    # calls the C library's pow: so ** becomes a call the mode maps.
    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.op, ast.Pow):
            return node
        return ast.Call(ast.Name("power", ast.Load()), [node.left, node.right], [])


def _on_arrays(function: Callable[..., Any], fast: bool) -> Callable[..., Any]:
    if fast and function in _FAST:
        mapped: Callable[..., Any] = _FAST[function]()
        return mapped
    if function is rules.SUM.forward:
        return _exact_sum
    return _each(function)


def _each(function: Callable[..., Any]) -> Callable[..., Any]:
    # The row's own function on every element: the very floats float replay computes.
    def on_each(*args: Any) -> Any:
        np = numpy()
        size = next((len(a) for a in args if isinstance(a, np.ndarray)), None)
        if size is None:
            return function(*args)
        columns = [a.tolist() if isinstance(a, np.ndarray) else repeat(a, size) for a in args]
        results = map(function, *columns)
        first = next(results)
        if type(first) is tuple:  # a vjp: one share per input
            shares = zip(*chain((first,), results), strict=True)
            return tuple(np.array(share, dtype=float) for share in shares)
        return np.fromiter(chain((first,), results), float, count=size)

    return on_each


def _exact_sum(*terms: Any) -> Any:
    # SUM's forward (fsum: the exact sum, rounded once) on every sample. Two terms: a + b rounds
    # it once too. More: the sum in extended precision (a 64-bit significand) is within
    # n * 2**-64 * sum|x| of the exact one, so rounded to a double it is fsum's wherever that
    # margin stays clear of the points halfway to the neighbouring doubles. fsum itself answers
    # for the other samples (a rounding too close to call, a zero whose sign fsum decides,
    # a subnormal, inf or nan): about 1 in 10 sums of 16 products on two moons.
    np = numpy()
    arrays = [isinstance(t, np.ndarray) for t in terms]
    if not any(arrays):
        return rules.SUM.forward(*terms)
    if not all(arrays):
        terms = tuple(np.broadcast_arrays(*terms))
    stacked = np.array(terms)
    if len(terms) == 2:
        total = terms[0] + terms[1]
        unsure = np.flatnonzero(total == 0.0)
    else:
        wide = stacked.astype(np.longdouble).sum(axis=0)
        total = wide.astype(float)
        unsure = np.flatnonzero(~_rounds_surely(stacked, wide, total))
    if len(unsure):
        total[unsure] = [rules.SUM.forward(*column) for column in stacked[:, unsure].T.tolist()]
    return total


def _rounds_surely(terms: Any, wide: Any, total: Any) -> Any:
    # Is every number within margin of wide nearer to total than to either neighbouring double?
    # total is wide rounded, diff away from it; half the smaller gap (below a power of two it is
    # half the one above) leaves room for |diff| + margin on either side. inf, nan and zero
    # have no such gap (the comparison is False), nor does a total too near the subnormals.
    np = numpy()
    # Each of the n - 1 additions errs by at most 2**-64 of its result, at most sum|x|; the sum
    # of |x| taken in doubles is within n * 2**-53 of its own: one more n covers that.
    margin = np.abs(terms).sum(axis=0) * (len(terms) * 2.0 ** -64)
    diff = (wide - total.astype(np.longdouble)).astype(float)  # exact, and a double
    size = np.abs(total)
    gap = np.minimum(np.spacing(size), size - np.nextafter(size, 0.0))
    return (np.abs(diff) + margin < gap * 0.5) & (size >= _SMALLEST)


# Far enough from the subnormals that a wide sum's distance to its double is a double too.
_SMALLEST = 2.0 ** -958


def _fast_sum() -> Callable[..., Any]:
    np = numpy()
    ndarray = np.ndarray

    def add(*terms: Any) -> Any:
        if not all(isinstance(t, ndarray) for t in terms):
            terms = tuple(np.broadcast_arrays(*terms))
        return np.add.reduce(np.array(terms), axis=0)

    return add


def _ufunc(name: str) -> Callable[[], Any]:
    return lambda: getattr(numpy(), name)


# The fast mode's functions: numpy's own for Python's (not a derivative among them: every
# derivative is still the row's vjp, written as code).
_FAST: dict[Callable[..., Any], Callable[[], Any]] = {
    math.tanh: _ufunc("tanh"), math.exp: _ufunc("exp"), math.log: _ufunc("log"),
    math.sqrt: _ufunc("sqrt"), math.sin: _ufunc("sin"), math.cos: _ufunc("cos"),
    operator.pow: _ufunc("power"), rules.SUM.forward: _fast_sum,
}


def arrays(columns: Sequence[Any]) -> tuple[list[Any], int]:
    """Return the columns as float arrays of one length (a number stands for all), and it."""
    np = numpy()
    found = [np.asarray(c, dtype=float) for c in columns]
    size = max((len(c) for c in found if c.ndim == 1), default=1)
    return [np.broadcast_to(c, (size,)) if c.ndim == 0 else c for c in found], size


def sums_in_order(shares: list[list[Any]], size: int, *, fast: bool,
                  start: Sequence[float] | None = None) -> list[float]:
    """Return each list's shares added sample after sample, each sample's in order, from 0.0.

    That is the order in which eager backward adds a batch's shares into a zeroed parameter
    (exact: a running sum); the fast mode lets numpy add them as it likes. ``start`` gives the
    sums to go on from instead of 0.0 (what newer nodes added first).
    """
    np = numpy()
    totals = [0.0] * len(shares) if start is None else [float(s) for s in start]
    by_count: dict[int, list[int]] = {}
    for i, parts in enumerate(shares):
        if parts:
            by_count.setdefault(len(parts), []).append(i)
    for count, members in by_count.items():
        if count == 1:
            columns = [shares[i][0] for i in members]
        else:  # a parameter used twice in a sample: its shares, sample after sample
            columns = [np.stack([np.broadcast_to(s, (size,)) for s in shares[i]],
                                axis=1).reshape(-1) for i in members]
        if not all(isinstance(c, np.ndarray) for c in columns):
            columns = [np.broadcast_to(c, (size * count,)) for c in columns]
        block = np.array(columns)  # one row per parameter: its shares in order
        begun = np.array([totals[i] for i in members])
        added = begun + block.sum(axis=1) if fast else _running_sum(begun, block)
        for i, total in zip(members, added.tolist(), strict=True):
            totals[i] = total
    return totals


def _running_sum(begun: Any, block: Any) -> Any:
    # Column after column, as eager adds: the first into what the sum holds (0.0 turns a -0.0
    # into 0.0). A loop, not cumsum: numpy promises cumsum's order too, but takes five times as
    # long to keep it.
    columns = numpy().ascontiguousarray(block.T)
    total = begun + columns[0]
    for column in columns[1:]:
        total += column
    return total
