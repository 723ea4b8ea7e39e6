"""The error hierarchy: every error microgradjp raises on bad input, and the one message shape.

Each class subclasses the built-in a user would already catch, so ``except ValueError`` keeps
working. Messages read: what was asked, why it cannot be done, what to do instead.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "DivisionByZeroError",
    "DomainError",
    "MicrogradError",
    "NonFiniteError",
    "ValueOverflowError",
    "ValueTypeError",
    "message",
]


class MicrogradError(Exception):
    """Base class of every error microgradjp raises on purpose."""


class DomainError(MicrogradError, ValueError):
    """An op was asked for a point outside its domain, such as ``log(-1.0)``."""


class DivisionByZeroError(MicrogradError, ZeroDivisionError):
    """A division (or a negative power) by zero, such as ``x / 0``."""


class ValueOverflowError(MicrogradError, OverflowError):
    """A result too large for a float, such as ``exp(1000.0)``."""


class NonFiniteError(MicrogradError, FloatingPointError):
    """An inf or nan where a finite number was needed (under ``detect_anomaly``, or fit's loss)."""

    #: From `fit`: the `History` of the epochs finished before the loss went inf or nan.
    history: Any = None


class ValueTypeError(MicrogradError, TypeError):
    """Something that is not a real number was given where one is needed."""


def message(asked: str, why: str, fix: str) -> str:
    """Return the one message shape: ``asked: why; fix``.

    >>> message("log(-1.0)", "log is defined for x > 0", "add a small positive constant")
    'log(-1.0): log is defined for x > 0; add a small positive constant'
    """
    return f"{asked}: {why}; {fix}"
