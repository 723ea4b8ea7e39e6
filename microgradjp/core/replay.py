"""Record a graph once, then replay its forward and backward on new leaf values, fast.

Training loops rebuild the same graph every step. `Replay` turns one recorded graph into a
straight-line Python function over floats (no nodes, no dicts, no sort), written by the rows
themselves (see `_Code`), and gives gradients identical to eager `backward()`. The eager engine
stays the reference. It lives in the core because `fit` (in `nn`) replays its steps with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..errors import ValueTypeError, message
from . import rules
from .node import Value, apply, made_by_ops

__all__ = ["Replay"]

class Replay:
    """A recorded graph from ``inputs`` to ``output``, replayable on new input values.

    Every other leaf under ``output`` is a constant. The function must build the same graph for
    every input (relu and maximum are fine; a Python ``if`` on a Value is not).

    >>> w, x = Value(2.0), Value(3.0)
    >>> replay = Replay((w * x).tanh() + w, [w, x])
    >>> value, grads = replay([0.5, -1.0])
    >>> round(value, 6), [round(g, 6) for g in grads]
    (0.037883, [0.213552, 0.393224])
    """

    def __init__(self, output: Value, inputs: Sequence[Value]) -> None:
        for x in inputs:
            if x.parents:
                raise ValueTypeError(message(
                    f"Replay(inputs=[..., {x!r}])", "an input must be a leaf",
                    "pass the leaves whose values change, such as parameters and data"))
        self.inputs = list(inputs)
        self._output = output
        self._made = made_by_ops(output)
        source, namespace = _generate(self._made, output, self.inputs)
        # The source is built only from generated names (v12, g12, f3), Python operators and the
        # repr of floats (see _Writer); no user text (labels, custom op names) ever reaches it.
        exec(compile(source, "<microgradjp replay>", "exec"), namespace)
        self._run: Callable[[Sequence[float]], tuple[float, tuple[float, ...]]] = namespace["run"]
        self.source = source

    def __call__(self, values: Sequence[float] | None = None) -> tuple[float, list[float]]:
        """Return ``(output, [d output / d input, ...])`` at ``values`` (default: inputs' data).

        Nothing is recorded and no ``.grad`` is touched.
        """
        point = [x.data for x in self.inputs] if values is None else [float(v) for v in values]
        if len(point) != len(self.inputs):
            raise ValueTypeError(message(
                f"replay with {len(point)} values", f"the graph has {len(self.inputs)} inputs",
                "pass one value per input, in the order given to Replay"))
        try:
            value, grads = self._run(point)
        except (ValueError, ArithmeticError):
            self._explain(point)  # raises the eager engine's own error for the failing node
            raise
        return value, list(grads)

    def _explain(self, point: list[float]) -> None:
        # Rebuild the graph eagerly at the failing point: the eager error names op and inputs.
        clone = {x: Value(v, x.label) for x, v in zip(self.inputs, point, strict=True)}
        for node in self._made:
            parents = [clone[p] if p in clone else Value(p.data, p.label) for p in node.parents]
            clone[node] = apply(node.rule, tuple(parents))
        clone[self._output].backward()


def _generate(
    made: list[Value], output: Value, inputs: list[Value]
) -> tuple[str, dict[str, Any]]:
    """Return the source of ``run(values)`` and the names it needs (``made``: oldest first)."""
    name = {x: f"v{i}" for i, x in enumerate(inputs)}
    writer = _Writer()
    namespace = writer.namespace
    forward = [f"    {', '.join(name[x] for x in inputs)}{',' if len(inputs) == 1 else ''}"
               " = values" if inputs else ""]
    for node in made:
        for parent in node.parents:
            if parent not in name:  # a constant leaf: bake its value in by reference
                name[parent] = f"c{len(name)}"
                namespace[name[parent]] = parent.data
        name[node] = f"v{len(name)}"
        args = [name[p] for p in node.parents]
        forward.append(f"    {name[node]} = {writer.forward(node.rule, args)}")
    if not made:
        name.setdefault(output, "c_out")
        namespace["c_out"] = output.data

    # Backward, newest first like the eager walk, only along paths that reach an input.
    wanted = _leads_to_inputs(made, set(inputs))
    grad = {output: "1.0"}
    backward: list[str] = []
    for node in reversed(made):
        if node not in grad:
            continue
        args, out = [name[p] for p in node.parents], name[node]
        locals_ = writer.partials(node.rule, args, out, backward)
        for parent, local in zip(node.parents, locals_, strict=True):
            if parent not in wanted:
                continue
            contribution = f"{grad[node]} * ({local})"
            if parent in grad:
                backward.append(f"    {grad[parent]} = {grad[parent]} + {contribution}")
            else:
                grad[parent] = f"g{len(grad)}"
                backward.append(f"    {grad[parent]} = {contribution}")
    results = ", ".join(grad.get(x, "0.0") for x in inputs)
    # The functions called are default arguments: a local is read faster than a global.
    called = "".join(f", {f}={f}" for f in writer.functions)
    lines = [f"def run(values{called}):", *forward, *backward,
             f"    return {name[output]}, ({results}{',' if len(inputs) == 1 else ''})"]
    return "\n".join(lines) + "\n", namespace


def _leads_to_inputs(made: list[Value], inputs: set[Value]) -> set[Value]:
    wanted = set(inputs)
    for node in made:  # oldest first: a node's inputs are decided before the node
        if any(p in wanted for p in node.parents):
            wanted.add(node)
    return wanted


class _Writer:
    """Writes each row's forward and partials as code, once per row and number of inputs.

    A row writes its own code: its forward (or ``replay_forward``) and partials are applied to
    `_Code` placeholders, whose operators return the text of what they were asked (``1.0 - out
    * out`` gives ``(1.0 - ({out} * {out}))``), and a rule applied to a placeholder writes a
    call to its forward. So the replayed step does exactly the row's float operations in the row's order
    (bit for bit the eager numbers), with no call where the row is plain arithmetic. A row that
    needs a real float (``math.tanh``, an ``if``, ``float(x > 0)``) is called instead.
    """

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {}
        self.functions: dict[str, None] = {}  # names of the functions the code calls
        self._names: dict[int, str] = {}
        self._written: dict[tuple[rules.Rule, int], tuple[str | None, list[str] | None]] = {}

    def forward(self, rule: rules.Rule, args: list[str]) -> str:
        template = self._write(rule, len(args))[0]
        if template is None:
            return f"{self.call(rule.forward)}({', '.join(args)})"
        return template.format(*args)

    def partials(self, rule: rules.Rule, args: list[str], out: str, lines: list[str]) -> list[str]:
        """Return the code of each partial, adding to ``lines`` what must run first."""
        templates = self._write(rule, len(args))[1]
        if templates is not None:
            return [template.format(*args, out=out) for template in templates]
        names = [f"d{i}" for i in range(len(args))]  # read at once by the lines that follow
        call = f"{self.call(rule.partials)}({', '.join([*args, out])})"
        lines.append(f"    {''.join(f'{n}, ' for n in names)}= {call}")
        return names

    def call(self, function: Callable[..., Any]) -> str:
        """Return the name under which the code calls ``function``."""
        key = self._names.setdefault(id(function), f"f{len(self._names)}")
        self.namespace[key] = function  # also keeps it alive, so its id stays unique
        self.functions[key] = None
        return key

    def _write(self, rule: rules.Rule, arity: int) -> tuple[str | None, list[str] | None]:
        if (rule, arity) not in self._written:
            inputs = [_Code(f"{{{i}}}", self) for i in range(arity)]
            forward = self._trace(rule.replay_forward or rule.forward, inputs)
            partials = self._trace(rule.partials, [*inputs, _Code("{out}", self)])
            self._written[rule, arity] = (
                forward[0] if forward and len(forward) == 1 else None,
                partials if partials and len(partials) == arity else None)
        return self._written[rule, arity]

    @staticmethod
    def _trace(function: Callable[..., Any], inputs: list[_Code]) -> list[str] | None:
        # Any failure means "this row needs real floats": call it instead. The function may be a
        # user's (define_op), and a placeholder can fail in it in any way, hence Exception.
        try:
            result = function(*inputs)
        except Exception:
            return None
        results = result if isinstance(result, tuple) else (result,)
        if not all(type(r) in (_Code, float, int) for r in results):
            return None
        return [_text(r) for r in results]


def _text(x: Any) -> str:
    if isinstance(x, _Code):
        return x.text
    if type(x) in (float, int):  # repr of a float reads back as the same float
        return repr(float(x))
    raise TypeError("only numbers and placeholders are written as code")


def _infix(sign: str, *, reflected: bool = False) -> Callable[[_Code, Any], _Code]:
    def write(self: _Code, other: Any) -> _Code:
        left, right = (_text(other), self.text) if reflected else (self.text, _text(other))
        return _Code(f"({left} {sign} {right})", self.writer)

    return write


class _Code:
    """A placeholder for a float in generated code: each operator returns the code it stands for."""

    __slots__ = ("text", "writer")

    def __init__(self, text: str, writer: _Writer) -> None:
        self.text, self.writer = text, writer

    __add__, __radd__ = _infix("+"), _infix("+", reflected=True)
    __sub__, __rsub__ = _infix("-"), _infix("-", reflected=True)
    __mul__, __rmul__ = _infix("*"), _infix("*", reflected=True)
    __truediv__, __rtruediv__ = _infix("/"), _infix("/", reflected=True)
    __pow__, __rpow__ = _infix("**"), _infix("**", reflected=True)

    def __neg__(self) -> _Code:
        return _Code(f"(-{self.text})", self.writer)

    def __bool__(self) -> bool:
        raise TypeError("a placeholder has no truth value: the row branches, so it is called")

    def __eq__(self, other: object) -> bool:  # never identity: that would write a constant
        raise TypeError("a placeholder cannot be compared: the row is called instead")

    __ne__ = __eq__
    __hash__ = None  # type: ignore[assignment]

    def __float__(self) -> float:
        raise TypeError("a placeholder is no float: the row needs one, so it is called")

    def _record(self, rule: rules.Rule, args: tuple[Any, ...]) -> _Code:
        # A rule applied to a placeholder (sin's partial is cos(x)) writes a call to its forward.
        return _Code(f"{self.writer.call(rule.forward)}({', '.join(map(_text, args))})",
                     self.writer)
