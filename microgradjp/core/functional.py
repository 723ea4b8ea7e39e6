"""Gradients as functions: `gradients`, `grad`, `value_and_grad`, and `define_op` for custom ops.

Built on the engine's walk; nothing here touches ``.grad``. Nested calls see Values and answer
with Values, so ``grad(grad(f))`` works to any order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..errors import ValueTypeError, message
from .modes import no_grad
from .node import Value, apply, data_of
from .rules import IDENTITY, Rule
from .walk import backpropagate

__all__ = ["define_op", "grad", "gradients", "value_and_grad"]


def gradients(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list[Any]:
    """Return d(output)/d(input) for each input, leaving every ``.grad`` untouched.

    Floats by default; with ``create_graph=True``, Values with a graph of their own, which can
    be differentiated again.

    >>> x = Value(2.0); y = x ** 3
    >>> gradients(y, [x])
    [12.0]
    >>> [dy] = gradients(y, [x], create_graph=True); gradients(dy, [x])
    [12.0]
    """
    seed: Any = Value(1.0) if create_graph else 1.0
    zero: Any = Value(0.0) if create_graph else 0.0
    grads = backpropagate(output, seed, create_graph=create_graph)
    return [grads.get(x, zero) for x in inputs]


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[Any, Any]]:
    """Return a function giving ``(f(*args), df/dargs[argnums])``.

    Floats in, floats out (a tuple of gradients when ``argnums`` is a sequence). Called with
    Values, as an outer ``grad`` does, it answers with Values, so derivatives compose.

    >>> value_and_grad(lambda x, y: x * y, argnums=(0, 1))(3.0, 4.0)
    (12.0, (4.0, 3.0))
    """
    positions = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def value_and_grad_f(*args: Any) -> tuple[Any, Any]:
        nested = any(isinstance(arg, Value) for arg in args)
        call_args = list(args)
        inputs = []
        for position in positions:
            if not 0 <= position < len(args):
                raise ValueTypeError(message(
                    f"argnums={argnums!r}", f"the function was called with {len(args)} "
                    "arguments", "pick argument positions that exist"))
            arg = args[position]
            # A fresh node per level, even for a Value from an outer level, so an inner
            # derivative never mistakes the outer variable for its own (perturbation confusion).
            x = apply(IDENTITY, (arg,)) if isinstance(arg, Value) else Value(arg)
            call_args[position] = x
            inputs.append(x)
        out = f(*call_args)
        if not isinstance(out, Value):
            out = Value(out)  # f ignored its inputs: every gradient is zero
        grads = gradients(out, inputs, create_graph=nested)
        value = out if nested else out.data
        return value, grads[0] if isinstance(argnums, int) else tuple(grads)

    return value_and_grad_f


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Return a function giving df/dargs[argnums]; compose it for higher derivatives.

    >>> f = lambda x: x ** 4 - 2 * x ** 2
    >>> grad(f)(2.0), grad(grad(f))(2.0)
    (24.0, 44.0)
    """
    value_and_grad_f = value_and_grad(f, argnums)
    return lambda *args: value_and_grad_f(*args)[1]


def define_op(
    name: str, forward: Callable[..., float], *partials: Callable[..., Any]
) -> Rule:
    """Return a new differentiable op from its forward on floats and one partial per argument.

    Each partial takes the op's inputs as Values and returns d(op)/d(that input). Write it with
    microgradjp ops (``x.exp()``, ``sigmoid(x)``, ``+ - * / **``) and it works at every order.
    The op shows ``name`` in ``.op``, drawings and errors.

    >>> import math
    >>> from microgradjp import sigmoid
    >>> softplus = define_op("softplus", lambda x: math.log1p(math.exp(x)), sigmoid)
    >>> y = softplus(Value(0.0)); y.backward(); y.op, round(y.data, 6)
    ('softplus', 0.693147)
    """
    if not name.isidentifier():
        raise ValueTypeError(message(
            f"define_op({name!r})", "an op name must be an identifier", "use a name like 'my_op'"))
    if not partials:
        raise ValueTypeError(message(
            f"define_op({name!r})", "no partial derivatives were given",
            "pass one partial per argument of the forward"))

    def checked_forward(*args: float) -> float:
        if len(args) != len(partials):
            raise ValueTypeError(message(
                f"{name}{args!r}", f"{name} takes {len(partials)} argument(s), got {len(args)}",
                "call it with one argument per partial given to define_op"))
        return forward(*args)

    def all_partials(*args: Any) -> tuple[Any, ...]:
        inputs = args[:-1]  # the last one is the op's output, which user partials do not take
        if any(isinstance(x, Value) for x in inputs):  # create_graph: record as usual
            return tuple(partial(*inputs) for partial in partials)
        # A plain backward passes floats; give user code Values anyway, so ``x.exp()`` works.
        with no_grad():
            values = [Value(x) for x in inputs]
            return tuple(data_of(partial(*values), name) for partial in partials)

    return Rule(name, checked_forward, all_partials)
