"""Record a graph once, then replay its forward and backward on new leaf values, fast.

Training loops rebuild the same graph every step. `Replay` turns one recorded graph into a
straight-line Python function over floats (no nodes, no dicts, no sort), generated from the rule
table, and gives gradients identical to eager `backward()`. The eager engine stays the reference.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from ..core import rules
from ..core.node import Value, apply, made_by_ops
from ..errors import ValueTypeError, message

__all__ = ["Replay"]

# Inline code for the rows a training step is made of, written to compute exactly what the row
# computes (same float operations, same order), so replayed numbers equal eager ones bit for bit.
# {0}, {1}... are the inputs, {out} the result. Rows not listed here are called through the table.
_INLINE: dict[rules.Rule, tuple[str, tuple[str, ...]]] = {
    rules.ADD: ("{0} + {1}", ("1.0", "1.0")),
    rules.SUB: ("{0} - {1}", ("1.0", "-1.0")),
    rules.MUL: ("{0} * {1}", ("{1}", "{0}")),
    rules.DIV: ("{0} / {1}", ("1.0 / {1}", "-{out} / {1}")),
    rules.NEG: ("-{0}", ("-1.0",)),
    rules.EXP: ("exp({0})", ("{out}",)),
    rules.LOG: ("log({0})", ("1.0 / {0}",)),
    rules.TANH: ("tanh({0})", ("1.0 - {out} * {out}",)),
    rules.RELU: ("0.0 if {0} <= 0.0 else {0}", ("float({0} > 0.0)",)),
}


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
        # The source is built only from our own templates and generated names (v12, g12); no
        # user text (labels, custom op names) ever reaches it.
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
    namespace: dict[str, Any] = {"exp": math.exp, "log": math.log, "tanh": math.tanh,
                                 "fsum": math.fsum}
    forward = [f"    {', '.join(name[x] for x in inputs)}{',' if len(inputs) == 1 else ''}"
               " = values" if inputs else ""]
    for node in made:
        for parent in node.parents:
            if parent not in name:  # a constant leaf: bake its value in by reference
                name[parent] = f"c{len(namespace)}"
                namespace[name[parent]] = parent.data
        name[node] = f"v{len(name)}"
        args = [name[p] for p in node.parents]
        forward.append(f"    {name[node]} = {_forward_code(node.rule, args, namespace)}")
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
        locals_ = _partials_code(node.rule, args, out, namespace, backward)
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
    lines = ["def run(values):", *forward, *backward,
             f"    return {name[output]}, ({results}{',' if len(inputs) == 1 else ''})"]
    return "\n".join(lines) + "\n", namespace


def _leads_to_inputs(made: list[Value], inputs: set[Value]) -> set[Value]:
    wanted = set(inputs)
    for node in made:  # oldest first: a node's inputs are decided before the node
        if any(p in wanted for p in node.parents):
            wanted.add(node)
    return wanted


def _forward_code(rule: rules.Rule, args: list[str], namespace: dict[str, Any]) -> str:
    if rule in _INLINE:
        return _INLINE[rule][0].format(*args)
    if rule is rules.WEIGHTED_SUM:  # fsum of the same products, plus the bias: as the row does
        n = len(args) // 2
        products = ", ".join(f"{w} * {x}" for w, x in zip(args[:n], args[n : 2 * n], strict=True))
        return f"fsum(({products},)) + {args[-1]}"
    return f"{_bind(rule.forward, namespace)}({', '.join(args)})"


def _partials_code(rule: rules.Rule, args: list[str], out: str, namespace: dict[str, Any],
                   lines: list[str]) -> list[str]:
    if rule in _INLINE:
        return [p.format(*args, out=out) for p in _INLINE[rule][1]]
    if rule is rules.WEIGHTED_SUM:
        n = len(args) // 2
        return [*args[n : 2 * n], *args[:n], "1.0"]
    table = f"t{out[1:]}"
    lines.append(f"    {table} = {_bind(rule.partials, namespace)}({', '.join([*args, out])})")
    return [f"{table}[{i}]" for i in range(len(args))]


def _bind(function: Callable[..., Any], namespace: dict[str, Any]) -> str:
    key = f"f{id(function)}"
    namespace[key] = function
    return key
