"""The recorders every op goes through, written from the rows: one Python call per op.

A recorder reads its inputs' floats, computes the row's forward and makes the node (its slots
laid out as slots.py says), or a plain leaf while a `no_grad` block is open (modes). It is
written as code, as backward's push is: where a row of the table computes its forward with
plain arithmetic (``+``, ``-``, ``*``, ``/``, relu...), the row writes that arithmetic
(writing.py) and the recorder does it inline, no call; any other row's forward is called. So
``x * y`` costs one Python call, the operator itself. The code runs in node.py's names (`Value`,
its leaves, the creation numbers: see _NAMES). Only generated names and the rows' traced
arithmetic are written; a user's op (define_op) is always called, never traced.

>>> print(source(rules.MUL, ("Value", "number")).split("try:")[1].splitlines()[1].strip())
data = (x_data * y_data)
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from . import rules
from .writing import Writer

__all__ = ["binary", "source", "unary"]

# What node.py's names must hold for the code below (see unary and binary).
_NAMES = ("Value", "_new", "_leaf", "NOT_YET", "_next_order", "modes", "real_number",
          "_OPERAND_FIX")

# How an input is read. A Value on the left of its own operator is a Value: read at once. Any
# other operand may be a number, kept as a float in the node (an int becomes one; anything
# else is refused, naming the op).
_READ_VALUE = "        {0}_data = {0}._data\n"
_READ_OPERAND = """\
        if type({0}) is Value:
            {0}_data = {0}._data
        elif type({0}) is float:
            {0}_data = {0}
        elif isinstance({0}, Value):
            {0}_data = {0}._data
        else:
            {0} = {0}_data = real_number({0}, asked, _OPERAND_FIX)
"""

# One statement per slot: a tuple assignment of seven slots builds and unpacks a tuple.
_RECORDER = """\
def make(rule, forward, asked):
    def record({parameters}):
{reads}\
        try:
            data = {forward}
        except (ValueError, ArithmeticError) as failure:
            raise rule.error(failure, {datas}, {labels}) from None
        if modes.open_blocks and modes.off_the_record(rule, data, {inputs}):
            return _leaf(data)
        node = _new(Value)
        node._data = data
        node._grad = NOT_YET
        node._label = None
        node._rule = rule
        node._x = x
        node._y = {y}
        node._order = _next_order()
        return node

    return record
"""

_writer = Writer(branches=True)  # relu's forward selects: written as a conditional expression
# A trace keeps the path it follows in the writer: two threads making their first maximum() at
# once must not trace through each other's answers.
_tracing = threading.Lock()


def unary(rule: rules.Rule, names: dict[str, Any]) -> Callable[[Any], Any]:
    """Return a new recorder of ``rule`` on one Value, its code run in ``names`` (node.py's)."""
    return _factory(source(rule, ("Value",)), names)(rule, rule.forward, "")


def binary(rule: rules.Rule, names: dict[str, Any], kinds: tuple[str, str] = ("number", "number")
           ) -> Callable[[Any, Any], Any]:
    """Return a recorder of ``rule`` on two inputs, its code run in ``names`` (node.py's).

    ``kinds`` says what each input may be: ``"Value"`` for the one whose operator it is
    (``x * 2``: x; ``2 * x``, the reflected operator: x, the second input, comes first),
    ``"number"`` for an input that may be a number (apply and maximum take either anywhere).
    """
    asked = f"{rule.name!r} with {{}}"  # real_number puts the operand in, if it refuses it
    return _factory(source(rule, kinds), names)(rule, rule.forward, asked)


def source(rule: rules.Rule, kinds: tuple[str, ...]) -> str:
    """Return the code of a recorder of ``rule`` whose inputs are of these kinds (see binary)."""
    inputs = ["x", "y"][: len(kinds)]
    datas = [f"{name}_data" for name in inputs]
    template = None
    if rule in _LIBRARY_ROWS:
        with _tracing:
            template = _writer.templates(rule, len(kinds))[0]
    forward = template.format(*datas) if template else f"forward({', '.join(datas)})"
    reads = [(_READ_VALUE if kind == "Value" else _READ_OPERAND).format(name)
             for name, kind in zip(inputs, kinds, strict=True)]
    if kinds == ("number", "Value"):  # the reflected operator: self, the second input, first
        inputs.reverse()
    return _RECORDER.format(
        parameters=", ".join(inputs), reads="".join(reads), forward=forward,
        datas=_tuple(datas), inputs=_tuple(sorted(inputs)),
        labels=_tuple([f"getattr({name}, '_label', None)" for name in sorted(inputs)]),
        y="y" if len(kinds) == 2 else "None")


def _tuple(items: list[str]) -> str:
    return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"


# The library's own rows only: a user's forward may do anything (draw a random number, count
# its calls), so it is called every time, never traced once.
_LIBRARY_ROWS = frozenset(rules.ROWS)


@lru_cache(maxsize=64)
def _compiled(text: str) -> Any:
    # One compilation per shape of code, however many rows share it (every called forward).
    return compile(text, "<microgradjp recorder>", "exec")


def _factory(text: str, names: dict[str, Any]) -> Callable[..., Callable[..., Any]]:
    scope: dict[str, Any] = {}
    exec(_compiled(text), names, scope)  # defines make() in scope, its globals node.py's
    factory: Callable[..., Callable[..., Any]] = scope["make"]
    return factory
