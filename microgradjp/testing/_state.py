"""The learner's state as their own functions reach it: found, given new numbers, put back.

A book-style network keeps its own references to its parameter arrays (``Affine(W, b)``), so a
point is checked where the loss really reads it: numbers are written into the very arrays, Values
are put in every place that holds them, and everything reached is put back as it was.
"""

from __future__ import annotations

import functools
import numbers
import sys
import sysconfig
import types
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from typing import Any

from ._points import Slot

# Where the standard library and installed packages live: their objects are not the learner's.
_LIBRARIES = tuple({sysconfig.get_paths()[key]
                    for key in ("stdlib", "platstdlib", "purelib", "platlib")})
_MOST_OBJECTS = 100_000  # a walk reaching further is not a network: stop following there
_ATOMS = (numbers.Number, str, bytes, type(None))


def _learners(thing: Any) -> bool:
    """Return True for a class or function the learner wrote (not a library's, not ours)."""
    name = getattr(thing, "__module__", None) or ""
    if name in ("", "builtins") or name.split(".")[0] == "microgradjp":
        return False
    module = sys.modules.get(name)
    if module is None or name == "__main__":
        return True  # a script's, a notebook's, a doctest's or an exec'd namespace's own
    file = getattr(module, "__file__", None)
    return file is not None and not str(file).startswith(_LIBRARIES)


def _global_names(code: types.CodeType) -> Iterator[str]:
    yield from code.co_names
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _global_names(constant)


class LearnerState:
    """Everything the learner's functions can reach, as found: `restore` puts it all back.

    Followed: dicts, lists, tuples, instances of the learner's classes, and the learner's
    functions (closures, defaults, the globals they name). Copied: dicts' and lists' entries,
    closure cells, named globals, and every numpy array's numbers.
    """

    def __init__(self, roots: Iterable[Any], watched: Iterable[Any]) -> None:
        watched_ids = {id(x) for x in watched if mutable(x)}
        self.holders: dict[int, list[tuple[Any, Any]]] = {i: [] for i in watched_ids}
        self._containers: list[tuple[Any, Any]] = []  # dict or list, its entries as found
        self._globals: list[tuple[dict[str, Any], str, Any]] = []
        self._cells: list[tuple[types.CellType, Any]] = []
        self._arrays: list[tuple[Any, Any]] = []
        seen: set[int] = set()
        stack = list(roots)
        while stack and len(seen) < _MOST_OBJECTS:
            thing = stack.pop()
            if id(thing) in seen or isinstance(thing, _ATOMS):
                continue
            seen.add(id(thing))
            stack.extend(self._visit(thing))

    def _hold(self, container: Any, key: Any, value: Any) -> Any:
        if id(value) in self.holders:
            self.holders[id(value)].append((container, key))
        return value

    def _visit(self, thing: Any) -> Iterable[Any]:
        if hasattr(thing, "shape") and hasattr(thing, "copy") and hasattr(thing, "flags"):
            if thing.flags.writeable:
                self._arrays.append((thing, thing.copy()))
            return ()
        if isinstance(thing, dict):
            self._containers.append((thing, dict(thing)))
            return [self._hold(thing, key, value) for key, value in thing.items()]
        if isinstance(thing, list):
            self._containers.append((thing, list(thing)))
            return [self._hold(thing, i, value) for i, value in enumerate(thing)]
        if isinstance(thing, tuple):
            return thing
        if isinstance(thing, types.MethodType):
            return (thing.__self__, thing.__func__)
        if isinstance(thing, functools.partial):
            return (thing.func, thing.args, thing.keywords)
        if isinstance(thing, types.FunctionType):
            return self._function(thing) if _learners(thing) else ()
        if not isinstance(thing, type | types.ModuleType) and _learners(type(thing)):
            return (vars(thing),) if hasattr(thing, "__dict__") else ()
        return ()

    def _function(self, function: types.FunctionType) -> list[Any]:
        reached: list[Any] = [function.__defaults__ or (), function.__kwdefaults__ or {}]
        for cell in function.__closure__ or ():
            try:
                contents = cell.cell_contents
            except ValueError:  # a name not yet bound
                continue
            self._cells.append((cell, contents))
            reached.append(self._hold(cell, None, contents))
        names = function.__globals__
        for name in dict.fromkeys(_global_names(function.__code__)):
            if name in names:
                self._globals.append((names, name, names[name]))
                reached.append(self._hold(names, name, names[name]))
        return reached

    def swap(self, original: Any, replacement: Any) -> None:
        """Put ``replacement`` everywhere ``original`` is held (`restore` puts it back)."""
        for container, key in self.holders.get(id(original), ()):
            if isinstance(container, types.CellType):
                container.cell_contents = replacement
            else:
                container[key] = replacement

    def restore(self) -> None:
        """Put back every entry, cell, global and array's numbers as they were found."""
        for container, entries in self._containers:
            if isinstance(container, dict):
                if container.keys() != entries.keys() or any(
                        container[key] is not value for key, value in entries.items()):
                    container.clear()
                    container.update(entries)
            elif len(container) != len(entries) or any(
                    a is not b for a, b in zip(container, entries, strict=True)):
                container[:] = entries
        for names, name, value in self._globals:
            names[name] = value
        for cell, contents in self._cells:
            cell.cell_contents = contents
        for array, numbers_found in self._arrays:
            if array.shape == numbers_found.shape:
                array[...] = numbers_found


def mutable(x: Any) -> bool:
    """Return True for what may be shared by reference (an array, a list), so found by identity.

    A number is never looked for by identity: ``0`` and ``1.0`` may be the very objects held by
    anything else, so a number parameter is changed in the learner's dict only.
    """
    return isinstance(x, list) or hasattr(x, "shape")


class Handle:
    """One parameter where the loss reads it: numbers written in place, or swapped in."""

    def __init__(self, state: LearnerState, params: MutableMapping[str, Any], name: str,
                 slot: Slot) -> None:
        self.state, self.params, self.name, self.slot = state, params, name, slot
        self.original = original = params[name]
        self.in_place = (hasattr(original, "flags") and original.flags.writeable
                         and getattr(original.dtype, "kind", "") == "f"
                         and original.shape == slot.shape)
        self.target: Any = original
        self._flat: list[float] = []

    def put(self, flat: Sequence[float]) -> None:
        """Make the loss read ``flat`` for this parameter (after the state was restored)."""
        self._flat = list(flat)
        if self.in_place:
            self.original.flat[:] = self._flat
            self.target = self.original
        else:
            self._swap(self.slot.build(self._flat))

    def put_entry(self, i: int, number: float) -> None:
        """Move one entry, as the book's numerical_gradient does: in place where it can."""
        if hasattr(self.target, "flat"):
            self.target.flat[i] = number
            return
        self._flat[i] = number
        self._swap(self.slot.build(self._flat))

    def put_values(self, values: Sequence[Any]) -> None:
        """Put an object array (or list) of Values wherever this parameter is held."""
        self._swap(self.slot.build(list(values), of_values=True))

    def _swap(self, replacement: Any) -> None:
        self.target = replacement
        if mutable(self.original):
            self.state.swap(self.original, replacement)
        else:
            self.params[self.name] = replacement
