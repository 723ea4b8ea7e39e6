"""The benchmark workloads, written once for every engine that has a scalar ``Value``.

`chain` and `ElementaryMLP` use only operators and methods that microgradjp, the floor and
micrograd all have, so each engine builds the same graph from elementary ops (constants as
numbers beside Values). The fused microgradjp step (one ``weighted_sum`` node per neuron) is in
run.py; the hand-written float versions are in handwritten.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from microgradjp.data import two_moons
from microgradjp.nn import MLP

ALPHA, LR = 1e-4, 0.05
SIZES = (2, 16, 16, 1)  # a 2-16-16-1 MLP, tanh hidden layers, linear output


def chain(make: Callable[[float], Any], n_ops: int) -> tuple[Any, Any]:
    """The chain workload: mul, add, relu, exp, log, repeated; returns (input, output)."""
    x = make(0.5)
    y = x
    for _ in range(n_ops // 5):
        y = (y * 1.0001 + 0.001).relu().exp().log()
    return x, y


def moons(n_points: int) -> tuple[list[list[float]], list[int]]:
    """The MLP step's data: two-moons points with labels -1 and 1."""
    return two_moons(n_points, 0.1, seed=0, labels=(-1, 1))


def initial_model() -> MLP:
    """The microgradjp MLP every step starts from (the other engines copy its weights)."""
    return MLP(SIZES[0], list(SIZES[1:]), activation="tanh", seed=0)


class ElementaryMLP:
    """The MLP step from elementary ops only (``b + w1 * x1 + ...``, ``tanh``), on any engine.

    ``make`` builds a parameter from a float. One step, as micrograd's demo writes it: zero the
    gradients, forward the max-margin loss plus L2 over every point, backward, SGD update on
    ``p.data``. Returns the loss.
    """

    def __init__(self, make: Callable[[float], Any]) -> None:
        # [(W, b)] with W[unit][input], copied from the same seeded microgradjp model.
        self.layers = [([[make(w) for w in column] for column in zip(*weights, strict=True)],
                        [make(b) for b in biases])
                       for weights, biases in initial_model().to_weights()]
        self.parameters = [p for rows, biases in self.layers
                           for p in (*[w for row in rows for w in row], *biases)]

    def loss(self, points: list[list[float]], labels: list[int]) -> Any:
        hinges = []
        for x, y in zip(points, labels, strict=True):
            activations: list[Any] = list(x)
            for k, (rows, biases) in enumerate(self.layers):
                sums = []
                for row, bias in zip(rows, biases, strict=True):
                    total = bias
                    for w, a in zip(row, activations, strict=True):
                        total = total + w * a
                    sums.append(total)
                last = k == len(self.layers) - 1
                activations = sums if last else [s.tanh() for s in sums]
            hinges.append((1 + -y * activations[0]).relu())
        penalty = sum(p * p for p in self.parameters)
        return sum(hinges) * (1.0 / len(points)) + ALPHA * penalty

    def step(self, points: list[list[float]], labels: list[int]) -> float:
        for p in self.parameters:
            p.grad = 0.0
        total = self.loss(points, labels)
        total.backward()
        for p in self.parameters:
            p.data -= LR * p.grad
        return float(total.data)
