"""Small data sets for the seeds' exercises, reproducible from a seed, in plain Python lists.

Logic-gate tables, two moons, spirals and seed 002's linear target, plus the shuffled batching
that turns one loop into batch, stochastic or mini-batch gradient descent. Every draw comes from
a `random.Random` made from the seed: never the global random state, never numpy.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from ..errors import DomainError, ValueTypeError, message
from ._inputs import plain

__all__ = ["GATES", "batches", "linear_target", "make_rng", "spiral", "truth_table", "two_moons"]

Target = TypeVar("Target")

_INPUTS = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))
_GATE_TARGETS = {"AND": (0, 0, 0, 1), "OR": (0, 1, 1, 1), "NAND": (1, 1, 1, 0),
                 "XOR": (0, 1, 1, 0)}
GATES = tuple(sorted(_GATE_TARGETS))


def make_rng(seed: int | random.Random) -> random.Random:
    """Return a `random.Random` for ``seed``, or ``seed`` itself if it already is one.

    Passing one generator to several calls shares a single stream (every layer of an MLP
    drawn from it in turn); passing an int makes the call reproducible on its own.

    >>> make_rng(0).random() == make_rng(0).random()
    True
    """
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueTypeError(message(f"seed={seed!r}", "a seed is an int or a random.Random",
                                     "pass e.g. seed=0"))
    return random.Random(int(seed))


def truth_table(gate: str) -> tuple[list[list[float]], list[int]]:
    """Return the four inputs [[0,0],[0,1],[1,0],[1,1]] and the gate's 0/1 outputs.

    >>> truth_table("AND")
    ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 0, 0, 1])
    """
    name = gate.upper() if isinstance(gate, str) else gate
    if name not in _GATE_TARGETS:
        raise DomainError(message(f"truth_table({gate!r})", f"the gates are {GATES}",
                                  "pick one of them"))
    return [list(x) for x in _INPUTS], list(_GATE_TARGETS[name])


def two_moons(n_samples: int = 100, noise: float = 0.1, *, seed: int | random.Random = 0,
              labels: tuple[int, int] = (0, 1)) -> tuple[list[list[float]], list[int]]:
    """Return ``n_samples`` points on two interleaving half circles, and their labels.

    Like scikit-learn's ``make_moons``, but when ``n_samples`` is odd the extra point goes to the
    upper moon (first label); Gaussian noise of std ``noise`` is added, the order is shuffled.
    Use ``labels=(-1, 1)`` for a max-margin loss.

    >>> points, classes = two_moons(6, 0.0)
    >>> sorted(classes), len(points[0])
    ([0, 0, 0, 1, 1, 1], 2)
    """
    _check_count(n_samples, "n_samples")
    _check_noise(noise)
    if not isinstance(labels, Sequence) or len(labels) != 2 or labels[0] == labels[1]:
        raise DomainError(message(f"two_moons(labels={labels!r})", "one label per moon, two "
                                  "different ones", "pass e.g. labels=(0, 1) or (-1, 1)"))
    rng = make_rng(seed)
    upper = n_samples - n_samples // 2
    samples = [([math.cos(a), math.sin(a)], labels[0]) for a in _linspace(0.0, math.pi, upper)]
    samples += [([1.0 - math.cos(a), 0.5 - math.sin(a)], labels[1])
                for a in _linspace(0.0, math.pi, n_samples - upper)]
    return _shuffled_with_noise(samples, noise, rng)


def spiral(n_samples: int = 300, noise: float = 0.2, *, classes: int = 3,
           seed: int | random.Random = 0) -> tuple[list[list[float]], list[int]]:
    """Return ``n_samples`` points on ``classes`` interleaved spiral arms, labelled 0..classes-1.

    CS231n's toy set: arm k sweeps the angle 4k..4(k+1) radians while the radius grows 0 -> 1;
    ``noise`` is the std of the Gaussian jitter added to the angle. No line separates it.

    >>> points, arms = spiral(9, classes=3)
    >>> sorted(arms)
    [0, 0, 0, 1, 1, 1, 2, 2, 2]
    """
    _check_count(n_samples, "n_samples")
    _check_count(classes, "classes")
    _check_noise(noise)
    rng = make_rng(seed)
    samples: list[tuple[list[float], int]] = []
    for k in range(classes):
        count = n_samples // classes + (1 if k < n_samples % classes else 0)
        radii = _linspace(0.0, 1.0, count)
        angles = _linspace(4.0 * k, 4.0 * (k + 1), count)
        for r, angle in zip(radii, angles, strict=True):
            t = angle + rng.gauss(0.0, noise) if noise else angle
            samples.append(([r * math.sin(t), r * math.cos(t)], k))
    return _shuffled_with_noise(samples, 0.0, rng)


def linear_target(n_samples: int = 100_000, *, seed: int | random.Random = 0
                  ) -> tuple[list[list[float]], list[float]]:
    """Return seed 002's regression pool: x ~ U[0, 1)^2 and d = f(x) = 3 x0 + 2 x1.

    >>> inputs, targets = linear_target(2)
    >>> targets[0] == 3 * inputs[0][0] + 2 * inputs[0][1]
    True
    """
    _check_count(n_samples, "n_samples")
    rng = make_rng(seed)
    inputs = [[rng.random(), rng.random()] for _ in range(n_samples)]
    return inputs, [3.0 * x0 + 2.0 * x1 for x0, x1 in inputs]


def batches(inputs: Sequence[Sequence[float]], targets: Sequence[Target], *,
            batch_size: int | None = None, shuffle: bool = True,
            seed: int | random.Random = 0) -> Iterator[tuple[list[Sequence[float]], list[Target]]]:
    """Yield ``(inputs, targets)`` batches covering every sample once (one epoch).

    ``batch_size=None`` is batch gradient descent (one batch of everything), ``1`` stochastic,
    anything between mini-batch; the last batch may be smaller. Lists or numpy arrays. Pass
    one `random.Random` as ``seed`` across epochs to get a fresh, reproducible order each epoch.

    >>> [targets for _, targets in batches([[0], [1], [2]], [0, 1, 2], batch_size=2, seed=1)]
    [[1, 2], [0]]
    """
    inputs, targets = plain(inputs), plain(targets)  # numpy arrays: lists of the same floats
    if len(inputs) != len(targets):
        raise DomainError(message(f"batches({len(inputs)} inputs, {len(targets)} targets)",
                                  "there must be one target per input",
                                  "pass lists of the same length"))
    if not inputs:
        raise DomainError(message("batches([], [])", "there are no samples",
                                  "pass at least one sample"))
    size = len(inputs) if batch_size is None else batch_size
    _check_count(size, "batch_size")
    order = list(range(len(inputs)))
    if shuffle:
        make_rng(seed).shuffle(order)
    for start in range(0, len(order), size):
        chosen = order[start:start + size]
        yield [inputs[i] for i in chosen], [targets[i] for i in chosen]


def _linspace(start: float, stop: float, count: int) -> list[float]:
    if count == 1:
        return [start]
    step = (stop - start) / (count - 1)
    return [start + i * step for i in range(count)]


def _shuffled_with_noise(samples: list[tuple[list[float], int]], noise: float,
                         rng: random.Random) -> tuple[list[list[float]], list[int]]:
    rng.shuffle(samples)
    points = [[x + rng.gauss(0.0, noise) for x in point] if noise else point
              for point, _ in samples]
    return points, [label for _, label in samples]


def _check_noise(noise: Any) -> None:
    if (isinstance(noise, bool) or not isinstance(noise, int | float)
            or not 0.0 <= noise < math.inf):  # inf noise turns every point into inf or nan
        raise DomainError(message(f"noise={noise!r}", "noise is a standard deviation, finite "
                                  "and >= 0", "pass e.g. 0.1"))


def _check_count(count: Any, name: str) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueTypeError(message(f"{name}={count!r}", f"{name} must be a positive int",
                                     "pass a whole number >= 1"))
