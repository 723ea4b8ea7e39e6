"""Code written by the rows themselves: each row's forward and vjp traced into Python text.

`Replay` writes a recorded graph as a straight-line function with it; backward's fast push
writes its inline steps for the common rows with it (backward.py). Either way the derivative
has one home, the row's ``vjp``, and the code does the row's float operations in its order.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from . import rules

__all__ = ["Code", "Writer"]


class Writer:
    """Writes each row's forward and vjp as code, once per row and number of inputs.

    A row writes its own code: its forward (or ``replay_forward``) and vjp are applied to
    `Code` placeholders, whose operators return the text of what they were asked (``g * (1.0 -
    out * out)`` gives ``({g} * (1.0 - ({out} * {out})))``), and a rule applied to a placeholder
    writes a call to its forward. So the replayed step does exactly the row's float operations
    in the row's order (bit for bit the eager numbers), with no call where the row is plain
    arithmetic. A row that needs a real float (``math.tanh``) is called; so is a row that
    branches (relu's ``0.0 if x <= 0.0 else g``) unless ``branches`` is set: then the row is
    traced once along every path its comparisons can take, and each result is written as
    conditional expressions (``(0.0 if ({0} <= 0.0) else {g})``), the same tests in its order.
    """

    def __init__(self, *, branches: bool = False) -> None:
        self.namespace: dict[str, Any] = {"inf": math.inf, "nan": math.nan}  # see _text
        self.functions: dict[str, None] = {}  # names of the functions the code calls
        self.branches = branches
        self._names: dict[int, str] = {}
        self._written: dict[tuple[rules.Rule, int], tuple[str | None, list[str] | None]] = {}
        # The path being traced: the answers to give the comparisons, then those asked.
        self._script: list[bool] = []
        self._asked: list[tuple[str, bool]] = []

    def forward(self, rule: rules.Rule, args: list[str]) -> str:
        template = self.templates(rule, len(args))[0]
        if template is None:
            return f"{self.call(rule.forward)}({', '.join(args)})"
        return template.format(*args)

    def shares(self, rule: rules.Rule, upstream: str, args: list[str], out: str,
               lines: list[str]) -> list[str]:
        """Return the code of each input's share, adding to ``lines`` what must run first."""
        templates = self.templates(rule, len(args))[1]
        if templates is not None:
            return [template.format(*args, out=out, g=upstream) for template in templates]
        names = [f"d{i}" for i in range(len(args))]  # read at once by the lines that follow
        call = f"{self.call(rule.vjp)}({', '.join([upstream, *args, out])})"
        lines.append(f"    {''.join(f'{n}, ' for n in names)}= {call}")
        return names

    def call(self, function: Callable[..., Any]) -> str:
        """Return the name under which the code calls ``function``."""
        key = self._names.setdefault(id(function), f"f{len(self._names)}")
        self.namespace[key] = function  # also keeps it alive, so its id stays unique
        self.functions[key] = None
        return key

    def templates(self, rule: rules.Rule, arity: int) -> tuple[str | None, list[str] | None]:
        """Return the row's forward and its shares as templates (None: the row is called).

        ``{0}``, ``{1}``... stand for the inputs, ``{out}`` for the result, ``{g}`` for upstream.

        >>> Writer().templates(rules.MUL, 2)
        ('({0} * {1})', ['({g} * {1})', '({g} * {0})'])
        """
        if (rule, arity) not in self._written:
            inputs = [Code(f"{{{i}}}", self) for i in range(arity)]
            trace = self._trace_paths if self.branches else self._trace
            forward = trace(rule.replay_forward or rule.forward, inputs)
            shares = trace(rule.vjp, [Code("{g}", self), *inputs, Code("{out}", self)])
            self._written[rule, arity] = (
                forward[0] if forward and len(forward) == 1 else None,
                shares if shares and len(shares) == arity else None)
        return self._written[rule, arity]

    @staticmethod
    def _trace(function: Callable[..., Any], inputs: list[Code]) -> list[str] | None:
        # Any failure means "this row needs real floats": call it instead. The function may be a
        # user's (define_op), and a placeholder can fail in it in any way, hence Exception.
        try:
            result = function(*inputs)
            results = result if isinstance(result, tuple) else (result,)
            if not all(type(r) in (Code, float, int) for r in results):
                return None
            return [_text(r) for r in results]
        except Exception:
            return None

    def _trace_paths(self, function: Callable[..., Any], inputs: list[Code]) -> list[str] | None:
        # Depth first over the answers: every comparison answers True until a path ends, then
        # the last True turns False. A row of many paths (or a loop on a comparison) is called.
        paths: list[tuple[list[tuple[str, bool]], list[str]]] = []
        self._script = []
        while len(paths) < _MOST_PATHS:
            self._asked = []
            results = self._trace(function, inputs)
            if results is None or (paths and len(results) != len(paths[0][1])):
                return None
            paths.append((self._asked, results))
            answers = [answer for _, answer in self._asked]
            while answers and not answers[-1]:
                answers.pop()
            if not answers:
                return [_conditional(paths, 0, i) for i in range(len(results))]
            self._script = [*answers[:-1], False]
        return None

    def answer(self, condition: str) -> bool:
        """Return the answer the path being traced gives ``condition`` (see _trace_paths)."""
        if not self.branches:
            raise TypeError("a placeholder has no truth value: the row branches, so it is called")
        asked = len(self._asked)
        if asked == _MOST_QUESTIONS:  # a loop on a comparison would never end: called instead
            raise TypeError("the row asks too many questions to be written: it is called")
        answer = self._script[asked] if asked < len(self._script) else True
        self._asked.append((condition, answer))
        return answer


_MOST_PATHS, _MOST_QUESTIONS = 8, 16


def _conditional(paths: list[tuple[list[tuple[str, bool]], list[str]]], depth: int,
                 index: int) -> str:
    # The paths share their first ``depth`` answers; the next comparison splits them, unless
    # this path asked no more (then it is the only one left).
    asked, results = paths[0]
    if len(asked) == depth:
        return results[index]
    condition = asked[depth][0]
    taken = [path for path in paths if path[0][depth][1]]
    not_taken = [path for path in paths if not path[0][depth][1]]
    return (f"({_conditional(taken, depth + 1, index)} if {condition} "
            f"else {_conditional(not_taken, depth + 1, index)})")


def _text(x: Any) -> str:
    if isinstance(x, Code):
        return x.text
    if type(x) in (float, int):
        # repr of a float reads back as the same float; a negative one is bracketed, so that
        # (-2.0) ** v0 is not read as -(2.0 ** v0); inf and nan are names (see Writer).
        number = float(x)
        shown = repr(number) if math.isfinite(number) else _NON_FINITE[repr(abs(number))]
        return shown if math.copysign(1.0, number) > 0.0 else f"(-{shown.lstrip('-')})"
    raise TypeError("only numbers and placeholders are written as code")


_NON_FINITE = {"inf": "inf", "nan": "nan"}  # the names Writer puts in the code's namespace


def _infix(sign: str, *, reflected: bool = False) -> Callable[[Code, Any], Code]:
    def write(self: Code, other: Any) -> Code:
        left, right = (_text(other), self.text) if reflected else (self.text, _text(other))
        return Code(f"({left} {sign} {right})", self.writer)

    return write


def _comparison(sign: str) -> Callable[[Code, Any], Condition]:
    def compare(self: Code, other: Any) -> Condition:
        # 2.0 < x comes here as x > 2.0 (Python reflects it): the same test on floats.
        return Condition(f"({self.text} {sign} {_text(other)})", self.writer)

    return compare


class Condition:
    """A comparison of placeholders: its truth is the answer of the path being traced."""

    __slots__ = ("answered", "text", "writer")

    def __init__(self, text: str, writer: Writer) -> None:
        self.text, self.writer = text, writer
        self.answered: bool | None = None

    def __bool__(self) -> bool:
        # Asked once: ``x >= y or ...`` hands the comparison itself to the ``if`` that follows,
        # which on floats tests the same bool again, not the comparison.
        if self.answered is None:
            self.answered = self.writer.answer(self.text)
        return self.answered


class Code:
    """A placeholder for a float in generated code: each operator returns the code it stands for."""

    __slots__ = ("text", "writer")

    def __init__(self, text: str, writer: Writer) -> None:
        self.text, self.writer = text, writer

    __add__, __radd__ = _infix("+"), _infix("+", reflected=True)
    __sub__, __rsub__ = _infix("-"), _infix("-", reflected=True)
    __mul__, __rmul__ = _infix("*"), _infix("*", reflected=True)
    __truediv__, __rtruediv__ = _infix("/"), _infix("/", reflected=True)
    __pow__, __rpow__ = _infix("**"), _infix("**", reflected=True)

    def __neg__(self) -> Code:
        return Code(f"(-{self.text})", self.writer)

    __lt__, __gt__ = _comparison("<"), _comparison(">")
    __le__, __ge__ = _comparison("<="), _comparison(">=")

    def __bool__(self) -> bool:
        raise TypeError("a placeholder has no truth value: the row branches, so it is called")

    def __eq__(self, other: object) -> bool:  # never identity: that would write a constant
        raise TypeError("a placeholder cannot be compared: the row is called instead")

    __ne__ = __eq__
    __hash__ = None  # type: ignore[assignment]

    def __float__(self) -> float:
        raise TypeError("a placeholder is no float: the row needs one, so it is called")

    def _record(self, rule: rules.Rule, args: tuple[Any, ...]) -> Code:
        # A rule applied to a placeholder (sin's partial is cos(x)) writes a call to its forward.
        return Code(f"{self.writer.call(rule.forward)}({', '.join(map(_text, args))})",
                     self.writer)
