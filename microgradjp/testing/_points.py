"""The learner's parameters and inputs as numbers with shapes: read, rebuilt, drawn anew.

`check_backprop` and the `backprop_points` strategy share this: a `Template` remembers how each
parameter and input is kept (numpy array, nested list, number), so a point can be rebuilt in the
same kind, of floats or of Values. numpy is imported only where an array is already in hand.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..core.conversions import real_number
from ..core.node import Value

Shape = tuple[int, ...]


def flatten(x: Any, what: str) -> tuple[Shape, list[Any]]:
    """Return the shape of a number, nested list or array, and its entries in row-major order.

    >>> flatten([[1, 2], [3, 4]], "W")
    ((2, 2), [1, 2, 3, 4])
    """
    if isinstance(x, numbers.Real | Value):
        return (), [x]
    if hasattr(x, "shape") and hasattr(x, "ravel"):  # a numpy array: its entries in order
        return tuple(x.shape), x.ravel().tolist()
    if isinstance(x, list | tuple):
        parts = [flatten(item, what) for item in x]
        shapes = {shape for shape, _ in parts}
        if len(shapes) > 1:
            raise ValueError(f"{what}: ragged nesting, rows of shapes {sorted(shapes)}")
        inner = shapes.pop() if shapes else ()
        return (len(x), *inner), [entry for _, flat in parts for entry in flat]
    raise TypeError(f"{what}: expected a number, a nested list or a numpy array, got "
                    f"{type(x).__name__}")


def numbers_of(x: Any, what: str) -> tuple[Shape, list[float]]:
    """Return `flatten`'s shape and entries, every entry checked to be a real number (a float)."""
    shape, flat = flatten(x, what)
    fix = "a gradient is numbers (for a Value's number use .data)"
    return shape, [real_number(entry, what, fix) for entry in flat]


@dataclass(frozen=True)
class Slot:
    """One parameter or input: how it is kept, its shape, its given numbers, whether it is drawn."""

    kind: str  # "array", "list", "tuple" or "number"
    shape: Shape
    given: tuple[Any, ...]
    drawn: bool  # floats are drawn; integers (one-hot targets, labels) are kept
    scale: float  # the given entries' root mean square: draws are of that size

    @classmethod
    def of(cls, x: Any, what: str, *, parameter: bool) -> Slot:
        shape, flat = flatten(x, what)
        numbers_only = all(isinstance(e, numbers.Real) for e in flat)
        integers = numbers_only and (_integer_dtype(x) or all(
            isinstance(e, numbers.Integral) for e in flat))
        kind = ("number" if isinstance(x, numbers.Real) else "array" if hasattr(x, "shape")
                else "tuple" if isinstance(x, tuple) else "list")
        drawn = numbers_only and (parameter or not (integers or _rows_of_labels(shape, flat)))
        squares = [float(e) ** 2 for e in flat] if numbers_only else []
        scale = math.sqrt(sum(squares) / len(squares)) if squares and any(squares) else 1.0
        return cls(kind, shape, tuple(flat), drawn, scale)

    @property
    def size(self) -> int:
        return len(self.given)

    def build(self, flat: Sequence[Any], *, of_values: bool = False) -> Any:
        """Return ``flat`` (floats or Values) shaped and kept as the original was."""
        if self.kind == "number":
            return flat[0]
        if self.kind == "array":
            import numpy  # an array was given, so numpy is installed

            array = numpy.empty(self.shape, dtype=object if of_values else float)
            for i, entry in enumerate(flat):
                array.flat[i] = entry
            return array
        nested: Any = list(flat)
        for length in reversed(self.shape[1:]):
            nested = [nested[i:i + length] for i in range(0, len(nested), length)]
        return _retyped(nested, tuple if self.kind == "tuple" else list)


def _rows_of_labels(shape: Shape, flat: Sequence[Any]) -> bool:
    """Return True for one-hot rows or rows of probabilities: entries in [0, 1], each row of the
    last axis summing to 1 (the book's float one-hot labels). Drawn as noise they would no
    longer be labels, and the gradient y - t holds only for rows summing to 1."""
    if not flat or not all(0 <= e <= 1 for e in flat):
        return False
    length = shape[-1] if shape else 1
    return all(math.isclose(math.fsum(flat[i:i + length]), 1.0, rel_tol=1e-9)
               for i in range(0, len(flat), length))


def _retyped(nested: Any, kind: type) -> Any:
    return kind(_retyped(x, kind) for x in nested) if isinstance(nested, list) else nested


def _integer_dtype(x: Any) -> bool:
    return getattr(getattr(x, "dtype", None), "kind", "f") in ("b", "i", "u")


@dataclass(frozen=True)
class Template:
    """How the learner keeps their parameters (by name) and inputs, and which numbers are drawn."""

    parameters: dict[str, Slot]
    inputs: tuple[Slot, ...]
    originals: tuple[Any, ...]  # the inputs as given: kept ones are passed on untouched

    @classmethod
    def of(cls, params: Mapping[str, Any], inputs: Sequence[Any]) -> Template:
        return cls({name: Slot.of(value, f"params[{name!r}]", parameter=True)
                    for name, value in params.items()},
                   tuple(Slot.of(x, f"input {i}", parameter=False) if _numeric(x) else
                         Slot("kept", (), (), False, 1.0) for i, x in enumerate(inputs)),
                   tuple(inputs))

    @property
    def draw_size(self) -> int:
        """Return how many numbers one draw needs: every parameter entry and float input entry."""
        return (sum(slot.size for slot in self.parameters.values())
                + sum(slot.size for slot in self.inputs if slot.drawn))

    def fill(self, unit: Sequence[float]) -> tuple[dict[str, Any], tuple[Any, ...]]:
        """Return parameters and inputs, each drawn entry ``unit[i]`` times its slot's scale."""
        numbers_left = iter(unit)

        def drawn(slot: Slot) -> Any:
            return slot.build([next(numbers_left) * slot.scale for _ in range(slot.size)])

        params = {name: drawn(slot) for name, slot in self.parameters.items()}
        inputs = tuple(drawn(slot) if slot.drawn else given
                       for slot, given in zip(self.inputs, self.originals, strict=True))
        return params, inputs


def _numeric(x: Any) -> bool:
    try:
        flat = flatten(x, "input")[1]
    except (TypeError, ValueError):
        return False
    return all(isinstance(e, numbers.Real) for e in flat)


def compact(x: Any) -> str:
    """Return a short text of a number, list or array, entries to 4 significant digits.

    >>> compact([[0.123456, -2.0], [3.5, 1e-09]])
    '[[0.1235, -2], [3.5, 1e-09]]'
    """
    try:
        shape, flat = flatten(x, "value")
    except (TypeError, ValueError):
        return repr(x)
    texts = [f"{float(e):.4g}" if isinstance(e, numbers.Real) else repr(e) for e in flat]
    for length in reversed(shape[1:] or ()):
        texts = ["[" + ", ".join(texts[i:i + length]) + "]"
                 for i in range(0, len(texts), length)]
    return "[" + ", ".join(texts) + "]" if shape else texts[0]
