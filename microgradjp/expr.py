"""The command line's expression grammar: text such as ``(x + y) * z`` to a graph of Values.

A small recursive-descent parser over a fixed grammar; it never calls ``eval``. Anything outside
the grammar (attributes, lambdas, ``__import__``, strings) is refused with a caret under the spot.

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := ("-" | "+") unary | power
    power      := atom ("**" unary)?             right-associative, as in Python
    atom       := number | name | function "(" expression ("," expression)* ")" | "(" expression ")"
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping

from .engine import Value, maximum, minimum
from .errors import DivisionByZeroError, DomainError, MicrogradError, ValueOverflowError

__all__ = ["FUNCTIONS", "ExpressionError", "evaluate", "variables"]

FUNCTIONS: dict[str, Callable[..., Value]] = {
    "exp": Value.exp, "log": Value.log, "sqrt": Value.sqrt, "tanh": Value.tanh,
    "sigmoid": Value.sigmoid, "relu": Value.relu, "step": Value.step, "sin": Value.sin,
    "cos": Value.cos, "abs": abs, "max": maximum, "min": minimum,
}
_ARITY = {"max": 2, "min": 2}
_INFIX: dict[str, Callable[[Value, Value], Value]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
MAX_LENGTH = 2000  # characters: a command-line expression, not a program
MAX_DEPTH = 100  # nesting of brackets and unary signs, far below Python's recursion limit

# Names are letters of any script (りんご works) then letters, digits or underscores.
_TOKEN = re.compile(r"\s*(?:(?P<number>\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
                    r"|(?P<name>[^\W\d]\w*)|(?P<op>\*\*|[-+*/(),]))")


class ExpressionError(MicrogradError, ValueError):
    """An expression outside the grammar; the message shows a caret under the position."""

    def __init__(self, text: str, position: int, why: str, fix: str) -> None:
        self.text, self.position = text, position
        super().__init__(f"{why}; {fix}\n  {text}\n  {' ' * position}^")


def variables(text: str) -> list[str]:
    """Return the variable names in ``text``, in order of first appearance.

    >>> variables("x * sin(y) + x")
    ['x', 'y']
    """
    names = [value for kind, value, _ in _tokens(text) if kind == "name"]
    return list(dict.fromkeys(n for n in names if n not in FUNCTIONS))


def evaluate(text: str, at: Mapping[str, Value | float]) -> Value:
    """Return the graph of ``text`` with variables taken from ``at`` (numbers become leaves).

    >>> y = evaluate("(x + y) * z", {"x": -2.0, "y": 5.0, "z": -4.0})
    >>> y.data
    -12.0
    """
    env = {name: v if isinstance(v, Value) else Value(v, label=name) for name, v in at.items()}
    parser = _Parser(text, env)
    result = parser.expression(0)
    if parser.peek()[0] != "end":
        parser.fail("unexpected text after a complete expression", "remove it or add an operator")
    return result


def _tokens(text: str) -> list[tuple[str, str, int]]:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(text[:60] + "...", 60, f"the expression is longer than "
                              f"{MAX_LENGTH} characters", "shorten it")
    tokens, position = [], 0
    while text[position:].strip():
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            at = len(text) - len(text[position:].lstrip())
            hint = "use ** for powers" if text[at] == "^" else "use numbers, names, + - * / ** ( )"
            raise ExpressionError(text, at, f"unexpected character {text[at]!r}", hint)
        kind = match.lastgroup or "op"
        tokens.append((kind, match.group(kind), match.start(kind)))
        position = match.end()
    tokens.append(("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str, env: Mapping[str, Value]) -> None:
        self.text, self.env = text, env
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

    def expression(self, depth: int) -> Value:
        return self.infix(("+", "-"), self.term, depth)

    def term(self, depth: int) -> Value:
        return self.infix(("*", "/"), self.unary, depth)

    def infix(self, ops: tuple[str, str], operand: Callable[[int], Value], depth: int) -> Value:
        # Left-associative and iterative: "a - b - c" is (a - b) - c, however long the chain.
        result = operand(depth)
        while self.peek()[1] in ops:
            _, op, position = self.take()
            result = self.guard(_INFIX[op], (result, operand(depth)), position)
        return result

    def unary(self, depth: int) -> Value:
        if depth > MAX_DEPTH:
            self.fail(f"nesting deeper than {MAX_DEPTH}", "simplify the expression")
        if self.peek()[1] in ("-", "+"):
            sign = self.take()[1]
            operand = self.unary(depth + 1)
            return -operand if sign == "-" else operand
        return self.power(depth)

    def power(self, depth: int) -> Value:
        base = self.atom(depth)
        if self.peek()[1] != "**":
            return base
        position = self.take()[2]
        exponent = self.unary(depth + 1)
        return self.guard(operator.pow, (base, exponent), position)

    def atom(self, depth: int) -> Value:
        kind, value, position = self.take()
        if kind == "number":
            return Value(float(value))
        if value == "(":
            inner = self.expression(depth + 1)
            self.expect(")")
            return inner
        if kind == "name" and value in FUNCTIONS:
            return self.call(value, position, depth)
        if kind == "name" and value in self.env:
            return self.env[value]
        if kind == "name":
            given = ", ".join(sorted(self.env)) or "none"
            self.fail(f"unknown name {value!r}", f"give it a value with --at {value}=... "
                      f"(variables given: {given}; functions: {', '.join(FUNCTIONS)})", position)
        self.fail("expected a number, a name or '('", "complete the expression", position)
        raise AssertionError("unreachable")  # fail() always raises

    def call(self, name: str, position: int, depth: int) -> Value:
        self.expect("(")
        args = [self.expression(depth + 1)]
        while self.peek()[1] == ",":
            self.take()
            args.append(self.expression(depth + 1))
        self.expect(")")
        if len(args) != _ARITY.get(name, 1):
            self.fail(f"{name} takes {_ARITY.get(name, 1)} argument(s), got {len(args)}",
                      "fix the number of arguments", position)
        return self.guard(FUNCTIONS[name], tuple(args), position)

    def guard(self, function: Callable[..., Value], args: tuple[Value, ...], at: int) -> Value:
        # The engine's errors (log(-1), 1/0, overflow) keep their words and gain a caret.
        try:
            return function(*args)
        except (DomainError, DivisionByZeroError, ValueOverflowError) as error:
            why, _, fix = str(error).rpartition("; ")
            raise ExpressionError(self.text, at, why, fix) from None
