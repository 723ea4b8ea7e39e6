"""Per-thread modes: `no_grad` (ops record no graph) and `detect_anomaly` (inf and nan raise).

Each block is a flag of the thread that opened it, plus a count of open blocks in all threads,
which the recorders read first: while no block is open anywhere, an op pays one test of an int.
The recorders themselves live with the node; the backward passes read `anomaly` here.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from ..errors import NonFiniteError, message
from .rules import Rule, describe

__all__ = ["anomaly", "detect_anomaly", "no_grad", "non_finite", "off_the_record"]


class _Mode(threading.local):
    recording = True  # class default: every new thread starts out recording
    anomaly = False  # inside detect_anomaly


_mode = _Mode()
# Reading a thread-local costs more than the rest of an op's bookkeeping, so ops first read this
# count of open no_grad and detect_anomaly blocks (all threads) and consult _mode only while some
# block is open: checking every result for inf and nan costs nothing outside detect_anomaly.
open_blocks = 0
_blocks_lock = threading.Lock()


@contextmanager
def _block(flag: str, value: bool) -> Iterator[None]:
    # Set this thread's flag for the block, and count the block open in every thread.
    global open_blocks
    previous = getattr(_mode, flag)
    setattr(_mode, flag, value)
    with _blocks_lock:
        open_blocks += 1
    try:
        yield
    finally:
        setattr(_mode, flag, previous)
        with _blocks_lock:
            open_blocks -= 1


def no_grad() -> AbstractContextManager[None]:
    """Return a context in which ops record no parents (nestable, per thread).

    >>> from microgradjp import Value
    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y.parents
    ()
    """
    return _block("recording", False)


def detect_anomaly() -> AbstractContextManager[None]:
    """Return a context in which the first op or backward step that makes inf or nan raises.

    Outside it, float arithmetic is IEEE's: ``Value(1e308) * 10`` is inf and ``inf - inf`` nan,
    as in PyTorch, and nothing is checked (checking every op would cost every op). Inside it
    (per thread, nestable), each result and each gradient pushed is checked, and the first that
    is not finite raises `NonFiniteError` naming the op and its inputs.

    >>> from microgradjp import Value
    >>> with detect_anomaly():  # doctest: +ELLIPSIS
    ...     Value(1e308) * 10
    Traceback (most recent call last):
    microgradjp.errors.NonFiniteError: 1e+308 * 10.0 = inf: an input or the result is not ...
    """
    return _block("anomaly", True)


def anomaly() -> bool:
    """Return whether this thread is inside `detect_anomaly` (read only while a block is open)."""
    return _mode.anomaly


def off_the_record(rule: Rule, data: float, inputs: tuple[Any, ...]) -> bool:
    """Return True if this thread records no graph now; under detect_anomaly, check the op.

    Asked only while a no_grad or detect_anomaly block is open in some thread. Under
    detect_anomaly, raises if the op made inf or nan, or was given one.
    """
    if _mode.anomaly:
        datas = tuple(x if type(x) is float else x._data for x in inputs)
        if any(x - x != 0.0 for x in (data, *datas)):  # inf - inf and nan - nan are nan
            raise non_finite(f"{describe(rule.name, datas)} = {data!r}")
    return not _mode.recording


def non_finite(asked: str) -> NonFiniteError:
    """Return detect_anomaly's error for ``asked`` (not raised)."""
    return NonFiniteError(message(asked, "an input or the result is not a finite number",
                                  "scale the inputs or lower the learning rate; where a nan "
                                  "comes from an inf, look for the op that overflowed first"))
