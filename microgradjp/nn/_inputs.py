"""User numbers in: lists, tuples, numpy arrays and numpy scalars become plain lists and floats.

numpy is never imported: anything with a ``tolist()`` method is asked for it, which turns an
array into nested Python lists of the same floats (bit for bit) and a numpy scalar into a float.
Checks that name the shape expected and the shape given live here too, shared by `nn` and `losses`.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from ..core.node import Value
from ..core.rules import as_float
from ..errors import DomainError, ValueTypeError, message


def plain(x: Any) -> Any:
    """Return ``x.tolist()`` for a numpy array or scalar (anything with ``tolist``), else ``x``.

    >>> plain((1.0, 2.0)), plain(3)
    ((1.0, 2.0), 3)
    """
    if isinstance(x, Value | str):
        return x
    tolist = getattr(x, "tolist", None)
    return tolist() if callable(tolist) else x


def shape(x: Any) -> str:
    """Return the shape of nested sequences as numpy prints it: ``(2, 3)``, ``(4,)``, ``()``.

    >>> shape([[1, 2, 3], [4, 5, 6]]), shape([1.0]), shape(2.5)
    ('(2, 3)', '(1,)', '()')
    """
    sizes: list[str] = []
    x = plain(x)
    while isinstance(x, Sequence) and not isinstance(x, str):
        sizes.append(str(len(x)))
        if not x:
            break
        x = x[0]
    return f"({sizes[0]},)" if len(sizes) == 1 else f"({', '.join(sizes)})"


def finite(x: Any, where: str) -> float:
    """Return ``x`` as a float after checking it is a finite real number (numpy scalars too)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ValueTypeError(message(f"{where} = {x!r}", "a parameter must be a real number",
                                     "pass an int or a float"))
    value = as_float(x, where)  # an int past float's range is a ValueOverflowError, not bare
    if not math.isfinite(value):
        raise DomainError(message(f"{where} = {x!r}", "a parameter must be finite",
                                  "check where the inf or nan came from"))
    return value


def vector(values: Any, name: str) -> list[float]:
    """Return a non-empty 1-d list or array as finite floats (one per input or per unit)."""
    values = plain(values)
    if not isinstance(values, Sequence) or isinstance(values, str) or not values:
        raise ValueTypeError(message(f"{name}={values!r}",
                                     f"{name} must be a non-empty list or 1-d array of numbers, "
                                     f"got shape {shape(values)}",
                                     "write one number per input (or per unit)"))
    return [finite(x, f"{name}[{i}]") for i, x in enumerate(values)]


def matrix(values: Any, name: str) -> list[list[float]]:
    """Return a non-empty 2-d list or array (one row per input, one column per unit) as floats."""
    values = plain(values)
    if (not isinstance(values, Sequence) or isinstance(values, str) or not values
            or not isinstance(values[0], Sequence)):
        raise ValueTypeError(message(
            f"{name}={values!r}",
            f"{name} must be a 2-d list or array (inputs x units), got shape {shape(values)}",
            "write it as the seeds do: one row per input, one column per unit, e.g. [[0.1], "
            "[0.2]] for 2 inputs and 1 unit"))
    rows = [vector(row, f"{name}[{i}]") for i, row in enumerate(values)]
    for i, row in enumerate(rows):
        if len(row) != len(rows[0]):
            raise DomainError(message(f"{name}[{i}] (length {len(row)})",
                                      f"row 0 has {len(rows[0])} columns",
                                      "give every row one number per unit"))
    return rows


def inputs(values: Any, width: int, owner: object) -> Sequence[Any]:
    """Return one sample's ``width`` inputs as a list or tuple (an array becomes a list)."""
    if type(values) is not list and type(values) is not tuple:  # the hot path skips this
        if isinstance(values, Value) and width == 1:
            return [values]  # what a one-unit layer returns, fed to the next layer by hand
        values = plain(values)
        if not isinstance(values, Sequence) or isinstance(values, str):
            raise ValueTypeError(message(
                f"{owner!r}({values!r})", f"inputs must be a sequence of {width} numbers",
                "pass one list (or 1-d array) per sample, e.g. [0.5, 1.0]"))
    nested = bool(values) and isinstance(values[0], Sequence) and not isinstance(values[0], str)
    if len(values) != width or nested:
        batch = " (a batch: call once per row, e.g. x[0] for a batch of one)" if nested else ""
        raise DomainError(message(f"{owner!r}(inputs of shape {shape(values)})",
                                  f"it takes shape ({width},), got {shape(values)}{batch}",
                                  f"pass {width} numbers per sample"))
    checked: Sequence[Any] = values
    return checked
