"""The command line's expression grammar: text such as ``(x + y) * z`` to a graph of Values.

A small recursive-descent parser over a fixed grammar; it never calls ``eval``. Text is parsed in
full first (to a list of steps in postfix order), then run on Values, so a syntax error or an
unknown function is reported before any missing value. Anything outside the grammar (attributes,
lambdas, ``__import__``, strings) and any number that is not finite is refused with a caret
under the spot (lined up for full-width characters, which take two terminal columns).

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | power
    power      := atom ("**" unary)?             right-associative, as in Python
    atom       := number | name | function "(" expression ("," expression)* ")" | "(" expression ")"
"""

from __future__ import annotations

import math
import operator
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from ..core import rules
from ..core.node import Value
from ..errors import DivisionByZeroError, DomainError, MicrogradError, ValueOverflowError
from ..views.text import columns

__all__ = ["FUNCTIONS", "ExpressionError", "evaluate", "variables"]

# The functions are the rows that give themselves a command-line name (``Rule.cli``); a row
# applied to Values records its node, as the Value's method would.
FUNCTIONS: dict[str, Callable[..., Value]] = {row.cli: row for row in rules.ROWS if row.cli}
_ARITY = {row.cli: len(row.domain.intervals) for row in rules.ROWS if row.cli and row.domain}
_INFIX: dict[str, Callable[[Value, Value], Value]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
MAX_LENGTH = 2000  # characters: a command-line expression, not a program
_SHOWN = 70  # characters of it a message shows, around the caret
MAX_DEPTH = 100  # nesting of brackets and unary signs, far below Python's recursion limit

# Names are letters of any script (りんご works) then letters, digits or underscores.
_TOKEN = re.compile(r"\s*(?:(?P<number>\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
                    r"|(?P<name>[^\W\d]\w*)|(?P<op>\*\*|[-+*/(),]))")


def clip(text: str, limit: int = 60) -> str:
    """Return ``text``, or its start and its length when longer than ``limit`` characters.

    A message quotes what the user typed, but not all of a number of 2,000 digits.

    >>> clip("1" * 100, 10)
    '1111111111... (100 characters)'
    """
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


class ExpressionError(MicrogradError, ValueError):
    """An expression outside the grammar; the message shows a caret under the position."""

    def __init__(self, text: str, position: int, why: str, fix: str) -> None:
        self.text, self.position = text, position
        # Tabs, newlines and control characters would break the two lines apart: show a space
        # (or ?) in their place, one column each, so the caret still lines up.
        shown = "".join(c if c.isprintable() else " " if c.isspace() else "?" for c in text)
        base = position  # an accent has no column of its own: point at the letter it sits on
        while 0 < base < len(shown) and unicodedata.combining(shown[base]):
            base -= 1
        # A long expression is shown around the caret only (up to 2,000 characters of it).
        start = max(0, min(base - _SHOWN // 2, len(shown) - _SHOWN))
        end = start + _SHOWN
        shown, base = ("..." if start else "") + shown[start:end], base - start + 3 * (start > 0)
        shown += "..." if end < len(text) else ""
        self.column = columns(shown[:base])
        super().__init__(f"{why}; {fix}\n  {shown}\n  {' ' * self.column}^")


# One step of a parsed expression, in postfix order: push a number, push a variable, or apply
# a function to the top ``arity`` Values. ``position`` is where a failure puts its caret.
_Step = tuple[str, Any, int, int]  # (kind, number / name / function, arity, position)


def variables(text: str) -> list[str]:
    """Return the variable names in ``text``, in order of first appearance (after parsing it).

    >>> variables("x * sin(y) + x")
    ['x', 'y']
    """
    return list(dict.fromkeys(name for kind, name, _, _ in _parse(text) if kind == "name"))


def evaluate(text: str, at: Mapping[str, Value | float]) -> Value:
    """Return the graph of ``text`` with variables taken from ``at`` (numbers in ``at`` become
    leaves; numbers written in ``text`` stay constants, as in Python code: ``x ** 2`` is ``x``
    squared, not ``x`` to the power of a leaf whose gradient needs ``log(x)``).

    >>> y = evaluate("(x + y) * z", {"x": -2.0, "y": 5.0, "z": -4.0})
    >>> y.data
    -12.0
    """
    steps = _parse(text)
    env = {name: v if isinstance(v, Value) else Value(v, label=name) for name, v in at.items()}
    stack: list[Value | float] = []
    for kind, what, arity, position in steps:
        if kind == "number":
            stack.append(what)
        elif kind == "name":
            stack.append(_lookup(text, env, what, position))
        else:
            args = tuple(stack[len(stack) - arity:])
            del stack[len(stack) - arity:]
            stack.append(_guard(text, what, args, position))
    result = stack[0]
    return result if isinstance(result, Value) else Value(result)  # "2 * 3": no variable at all


def _lookup(text: str, env: Mapping[str, Value], name: str, position: int) -> Value:
    if name not in env:
        given = ", ".join(sorted(env)) or "none"
        raise ExpressionError(text, position, f"unknown name {clip(name)!r}",
                              f"give it a value with --at {clip(name)}=... (variables given: "
                              f"{clip(given, 200)})")
    if not math.isfinite(env[name].data):
        raise ExpressionError(text, position, f"{clip(name)} = {env[name].data!r} is not a "
                              "finite number", f"give {clip(name)} a finite value")
    return env[name]


# What each operator is on numbers alone ("2 ** 0.5 * x"): the row, so (-8) ** 0.5 is refused
# as it is on a Value, not turned into a complex number by Python's own **.
_ON_NUMBERS: dict[Callable[..., Any], rules.Rule] = {
    operator.add: rules.ADD, operator.sub: rules.SUB, operator.mul: rules.MUL,
    operator.truediv: rules.DIV, operator.neg: rules.NEG, operator.pow: rules.POW}


def _guard(text: str, function: Callable[..., Any], args: tuple[Value | float, ...],
           at: int) -> Value | float:
    # The engine's errors (log(-1), 1/0, overflow) keep their words and gain a caret.
    if not any(isinstance(arg, Value) for arg in args):
        function = _ON_NUMBERS.get(function, function)
    try:
        result = function(*args)
    except (DomainError, DivisionByZeroError, ValueOverflowError) as error:
        why, _, fix = str(error).rpartition("; ")
        raise ExpressionError(text, at, why, fix) from None
    number = result.data if isinstance(result, Value) else result
    if not math.isfinite(number):  # 1e308 * 10 is inf in IEEE arithmetic; refuse it here
        raise ExpressionError(text, at, f"the result overflows a float ({number!r})",
                              "use smaller numbers")
    return result  # type: ignore[no-any-return]


def _tokens(text: str) -> list[tuple[str, str, int]]:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(text[:60] + "...", 60, f"the expression is longer than "
                              f"{MAX_LENGTH} characters", "shorten it")
    tokens, position = [], 0
    while text[position:].strip():
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            at = len(text) - len(text[position:].lstrip())
            # Full-width + ( ) come from a Japanese input method; NFKC gives the ASCII sign.
            half = unicodedata.normalize("NFKC", text[at])
            hint = ("use ** for powers" if text[at] == "^" else f"type the half-width {half!r}"
                    if half != text[at] and half.isascii()
                    else "use numbers, names, + - * / ** ( )")
            raise ExpressionError(text, at, f"unexpected character {text[at]!r}", hint)
        kind = match.lastgroup or "op"
        tokens.append((kind, match.group(kind), match.start(kind)))
        position = match.end()
    tokens.append(("end", "", len(text)))
    return tokens


def _parse(text: str) -> list[_Step]:
    parser = _Parser(text)
    parser.expression(0)
    if parser.peek()[0] != "end":
        parser.fail(f"unexpected {clip(parser.peek()[1])!r} after a complete expression",
                    "remove it or join it with an operator (+ - * / **)")
    return parser.steps


class _Parser:
    """Recursive descent over the tokens, writing the steps of the expression in postfix order."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.steps: list[_Step] = []
        self.tokens, self.index = _tokens(text), 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.index]

    def take(self) -> tuple[str, str, int]:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def fail(self, why: str, fix: str, position: int | None = None) -> None:
        raise ExpressionError(self.text, self.peek()[2] if position is None else position, why, fix)

    def expect(self, op: str) -> None:
        if self.peek()[1] != op:
            self.fail(f"expected {op!r}", f"add {op!r} here")
        self.take()

    def apply(self, function: Callable[..., Value], arity: int, position: int) -> None:
        self.steps.append(("apply", function, arity, position))

    def expression(self, depth: int) -> None:
        self.infix(("+", "-"), self.term, depth)

    def term(self, depth: int) -> None:
        self.infix(("*", "/"), self.unary, depth)

    def infix(self, ops: tuple[str, str], operand: Callable[[int], None], depth: int) -> None:
        # Left-associative and iterative: "a - b - c" is (a - b) - c, however long the chain.
        operand(depth)
        while self.peek()[1] in ops:
            _, op, position = self.take()
            operand(depth)
            self.apply(_INFIX[op], 2, position)

    def unary(self, depth: int) -> None:
        if depth > MAX_DEPTH:
            self.fail(f"nesting deeper than {MAX_DEPTH}", "simplify the expression")
        if self.peek()[1] in ("-", "+"):
            sign, position = self.take()[1:]
            self.unary(depth + 1)
            if sign == "-":
                self.apply(operator.neg, 1, position)
            return
        self.power(depth)

    def power(self, depth: int) -> None:
        self.atom(depth)
        if self.peek()[1] != "**":
            return
        position = self.take()[2]
        self.unary(depth + 1)
        self.apply(operator.pow, 2, position)

    def atom(self, depth: int) -> None:
        kind, value, position = self.take()
        if kind == "number":
            number = float(value)
            if not math.isfinite(number):
                self.fail(f"{clip(value, 20)} is beyond a float's range (it would be inf)",
                          "use a number below 1.8e308", position)
            self.steps.append(("number", number, 0, position))
        elif value == "(":
            self.expression(depth + 1)
            self.expect(")")
        elif kind == "name" and value in FUNCTIONS:
            self.call(value, position, depth)
        elif kind == "name" and self.peek()[1] == "(":
            self.fail(f"unknown function {clip(value)!r}", f"use one of {', '.join(FUNCTIONS)}",
                      position)
        elif kind == "name":
            self.steps.append(("name", value, 0, position))
        else:
            self.fail("expected a number, a name or '('", "complete the expression", position)

    def call(self, name: str, position: int, depth: int) -> None:
        self.expect("(")
        self.expression(depth + 1)
        count = 1
        while self.peek()[1] == ",":
            self.take()
            self.expression(depth + 1)
            count += 1
        self.expect(")")
        if count != _ARITY.get(name, 1):
            self.fail(f"{name} takes {_ARITY.get(name, 1)} argument(s), got {count}",
                      "fix the number of arguments", position)
        self.apply(FUNCTIONS[name], count, position)
