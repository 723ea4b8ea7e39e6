"""The true gradient of a learner's loss at one point, and what it costs to get.

Exact where it can be: the learner's own loss runs on Values put where it reads its parameters,
and microgradjp's backward differentiates it. Where the Values went unused, the loss is moved along
one random direction to tell a parameter never read from one read elsewhere; where Values cannot
go, central differences stand in, one entry at a time in place, as the book's numerical_gradient.
"""

from __future__ import annotations

import math
import random
import sys
import time
import warnings
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..core.node import Value, made_by_ops
from ..errors import ValueTypeError, message
from ._points import Template, flatten
from ._state import Handle, LearnerState

EXACT_MOST_VALUES = 1_000_000  # the exact graph's size (about 350 MB) past which it costs too much
BYTES_PER_VALUE = 350  # measured on the book's 784-50-10 network, numpy object arrays included
LONG = 3.0  # seconds: a check this long is announced, and central differences show progress
LOG_CONSTANT = 1e-3  # a constant this small added inside a log is a guard, not part of the model


class CentralDifferencesWarning(UserWarning):
    """The loss could not run on Values, so central differences stood in for the exact truth."""


class CheckCostWarning(UserWarning):
    """A check will take long or hold much memory: said before it starts, with what to do."""


@dataclass
class Truth:
    """The gradient by parameter name, and how each part of it was found."""

    grads: dict[str, list[float]] = field(default_factory=dict)
    central: list[str] = field(default_factory=list)  # names checked by central differences
    still: list[str] = field(default_factory=list)  # names whose moving never moves the loss
    share: Callable[[], tuple[float, float, float] | None] = lambda: None  # the log constant's
    # worst share in the exact graph: found only when asked (when something disagrees)
    reason: str | None = None  # why Values did not give the exact truth of every name
    too_large: bool = False  # the reason is the exact graph's size: a smaller batch fixes it


def one_number(out: Any, on_values: bool = False) -> Any:
    """Return a loss's single number (a Value or a real), or raise naming what it returned."""
    if isinstance(out, Value):
        return out
    try:
        flat = flatten(out, "the loss")[1]
    except (TypeError, ValueError):
        if on_values and not isinstance(out, str | bytes | Mapping | type(None)):
            return out  # an object of its own: central differences will say what it is
        raise ValueTypeError(message(
            f"check_backprop: loss returned {kind_of(out)}",
            "loss(params, *inputs) must return the loss, one number",
            "return it (a function without return gives None), e.g. "
            "return np.sum(...) / batch_size")) from None
    if len(flat) != 1:
        raise ValueTypeError(message(
            f"check_backprop: loss returned {len(flat)} numbers", "a gradient is of one number",
            "return the mean or the sum (np.sum(...) / batch_size, as the seeds do)"))
    return flat[0]


def kind_of(x: Any) -> str:
    """Return what a returned object is, for a message: ``None``, ``a list``, ``a str``..."""
    return "None" if x is None else f"a {type(x).__name__}"


class Oracle:
    """One call's loss, its parameters where the loss reads them, and the cost so far."""

    def __init__(self, loss: Callable[..., Any], params: MutableMapping[str, Any],
                 template: Template, state: LearnerState, eps: float, seed: int,
                 points: int) -> None:
        self.loss, self.params, self.template, self.state = loss, params, template, state
        self.eps, self.points = eps, points
        self.handles = {name: Handle(state, params, name, slot)
                        for name, slot in template.parameters.items()}
        self.draws = random.Random(seed)
        self.warned: set[type[Warning]] = set()
        self.seconds = math.inf  # the fastest forward on floats seen: what one costs

    def at(self, numbers: Mapping[str, Sequence[float]]) -> None:
        """Put the learner's state back as found, then these numbers where the loss reads them."""
        self.state.restore()
        for name, handle in self.handles.items():
            handle.put(numbers[name])

    def forward(self, inputs: tuple[Any, ...]) -> float:
        """Return the loss on floats at the numbers put."""
        out = one_number(self.loss(self.params, *inputs))
        return out.data if isinstance(out, Value) else float(out)

    def truth(self, numbers: Mapping[str, Sequence[float]], inputs: tuple[Any, ...]) -> Truth:
        """Return the gradient at ``numbers``; the state is as found (with them) afterwards.

        A parameter whose Values the exact graph never used is moved along a random direction:
        if the loss stays, its gradient is 0 and it is said to be still; if the loss moves
        smoothly, the loss reads it where Values could not be put, and central differences stand
        in; if it moves on one side only, the Values took the flat side of a kink (ReLU at 0):
        the exact 0 is the branch the learner's code takes, and it stands.
        """
        truth = Truth()
        exact, reached = self._exact(numbers, inputs, truth)
        self.at(numbers)
        need = []
        started = time.perf_counter()
        base = self.forward(inputs)
        self.seconds = min(self.seconds, time.perf_counter() - started)
        for name in self.handles:
            if name in exact and reached(name):
                truth.grads[name] = exact[name]
                continue
            up, down = self._moves(name, numbers[name], inputs, base)
            if up == down == 0:
                truth.grads[name] = [0.0] * len(numbers[name])
                truth.still.append(name)
            elif name in exact and abs(up - down) > 1e-2 * max(abs(up), abs(down)):
                truth.grads[name] = exact[name]  # a kink: one side flat, as the Values saw it
            else:
                need.append(name)
        if need:
            self._central(need, numbers, inputs, truth, self.seconds)
        self.at(numbers)
        return truth

    def _exact(self, numbers: Mapping[str, Sequence[float]], inputs: tuple[Any, ...],
               truth: Truth) -> tuple[dict[str, list[float]], Callable[[str], bool]]:
        size = sum(len(flat) for flat in numbers.values())
        batch = max((slot.shape[0] for slot in self.template.inputs if len(slot.shape) >= 2),
                    default=1)
        if batch * size > EXACT_MOST_VALUES:
            truth.reason = (f"the exact graph would hold about {batch * size:,} Values (batch "
                            f"{batch} x {size:,} parameters, about {_size(batch * size)}), more "
                            f"than {EXACT_MOST_VALUES:,}")
            truth.too_large = True
            return {}, _never
        if batch * size > EXACT_MOST_VALUES // 4:
            self._warn(CheckCostWarning, f"check_backprop: the exact truth builds about "
                       f"{batch * size:,} Values per point (batch {batch} x {size:,} "
                       f"parameters, about {_size(batch * size)}), {self.points} point(s); "
                       "a batch of 3 checks the same code in seconds")
        leaves = {name: [Value(x) for x in flat] for name, flat in numbers.items()}
        try:
            for name, handle in self.handles.items():
                handle.put_values(leaves[name])
            raw = self.loss(self.params, *inputs)
        except (TypeError, AttributeError) as error:
            truth.reason = f"your loss cannot run on Values ({type(error).__name__}: {error})"
            return {}, _never
        finally:
            self.at(numbers)  # the learner's layers let go of the Values
        out = one_number(raw, on_values=True)
        if not isinstance(out, Value):
            truth.reason = ("your loss cannot run on Values (it returned a plain number on "
                            "Values: the graph was lost (float(), .astype(float), math.* or "
                            "np.array(..., dtype=float) inside?))")
            return {}, _never
        out.backward()
        truth.share = lambda: _log_constant_share(out, leaves)
        grads = {name: [leaf.grad for leaf in group] for name, group in leaves.items()}
        # Which leaves the graph reached: walked only when some gradient is all zeros.
        flat_zero = {name for name, g in grads.items() if not any(g)}
        used = ({id(parent) for node in made_by_ops(out) for parent in node.parents}
                if flat_zero else set())
        return grads, lambda name: name not in flat_zero or any(
            id(leaf) in used for leaf in leaves[name])

    def _moves(self, name: str, flat: Sequence[float], inputs: tuple[Any, ...],
               base: float) -> tuple[float, float]:
        """Return how much the loss rises one step each way along a random unit direction."""
        handle, sides = self.handles[name], []
        direction = [self.draws.gauss(0.0, 1.0) for _ in flat]
        norm = math.sqrt(math.fsum(d * d for d in direction)) or 1.0
        for step in (self.eps, -self.eps):
            handle.put([x + step * d / norm for x, d in zip(flat, direction, strict=True)])
            sides.append(self.forward(inputs))
        handle.put(flat)
        return sides[0] - base, base - sides[1]

    def _central(self, names: list[str], numbers: Mapping[str, Sequence[float]],
                 inputs: tuple[Any, ...], truth: Truth, seconds: float) -> None:
        entries = sum(len(numbers[name]) for name in names)
        cost = 2 * entries * seconds
        why = truth.reason or ("your loss reads " + ", ".join(names) + " where Values cannot be "
                               "put (a view, a tuple, a copy?)")
        self._warn(CentralDifferencesWarning, (
            f"check_backprop: central differences (eps={self.eps}) stand in for the exact "
            f"gradient of {', '.join(names)}: {why}; {2 * entries:,} forwards of your loss, "
            f"about {_seconds(cost)} per point, {self.points} point(s)"
            + ("; for the exact truth, check a smaller batch (x[:3], t[:3])"
               if truth.too_large else "")))
        bar = _progress(entries, cost)
        try:
            for name in names:
                handle, slopes = self.handles[name], []
                for i, x in enumerate(numbers[name]):
                    sides = []
                    for step in (self.eps, -self.eps):
                        handle.put_entry(i, x + step)
                        sides.append(self.forward(inputs))
                    handle.put_entry(i, x)
                    slopes.append((sides[0] - sides[1]) / (2 * self.eps))
                    if bar is not None:
                        bar.update()
                truth.grads[name] = slopes
                truth.central.append(name)
        finally:
            if bar is not None:
                bar.close()

    def _warn(self, kind: type[Warning], text: str) -> None:
        if kind not in self.warned:
            self.warned.add(kind)
            warnings.warn(text, kind, stacklevel=6)  # the learner's call


def _never(name: str) -> bool:
    return False


def _size(values: int) -> str:
    megabytes = values * BYTES_PER_VALUE / 1e6
    return f"{megabytes / 1e3:.1f} GB" if megabytes >= 1e3 else f"{megabytes:.0f} MB"


def _seconds(seconds: float) -> str:
    if seconds < 0.1:
        return "under 0.1 s"
    return f"{seconds / 60:.1f} min" if seconds >= 90 else f"{seconds:.1f} s"


def _progress(total: int, cost: float) -> Any:
    if cost < LONG:
        return None
    from tqdm import tqdm  # type: ignore[import-untyped, unused-ignore]  # only when shown

    return tqdm(total=total, desc="check_backprop (central differences)", unit="entry",
                file=sys.stderr, delay=1.0, mininterval=0.5, leave=False)


def _log_constant_share(out: Value, leaves: Mapping[str, Sequence[Value]]
                        ) -> tuple[float, float, float] | None:
    """Return (constant, share, y) for the log(y + constant) where the constant weighs most.

    The gradient through log(y + c) is the one through log(y) times y / (y + c): it differs by
    the share c / (y + c), tiny at ordinary points and large where y is tiny.
    """
    ours = {id(leaf) for group in leaves.values() for leaf in group}
    worst: tuple[float, float, float] | None = None
    for node in made_by_ops(out):
        if node.op != "log" or node.parents[0].op != "+":
            continue
        inside = node.parents[0]
        for term, other in (inside.parents, inside.parents[::-1]):
            if (not term.parents and id(term) not in ours and 0 < term.data <= LOG_CONSTANT
                    and inside.data > 0):
                share = term.data / inside.data
                if worst is None or share > worst[1]:
                    worst = (term.data, share, other.data)
    return worst
