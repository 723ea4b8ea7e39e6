"""Weight initialisation for `nn`: one layer's starting weights, reproducible from a seed.

Like `torch.nn.init`: He, Xavier, uniform and zeros, one row each. `nn` calls `initial_weights`
for every `Neuron`, `Layer` and `MLP` it builds, and starts every bias at zero itself.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from .data import _check_count, make_rng
from .engine import Value
from .errors import DomainError, message
from .rules import RELU

__all__ = ["INITS", "initial_weights"]

INITS = ("auto", "he", "uniform", "xavier", "zeros")

# One row per scheme: (generator, fan_in, fan_out) -> one weight.
_SCHEMES: dict[str, Callable[[random.Random, int, int], float]] = {
    "he": lambda rng, fan_in, fan_out: rng.gauss(0.0, math.sqrt(2.0 / fan_in)),
    "xavier": lambda rng, fan_in, fan_out: rng.uniform(-1.0, 1.0) * math.sqrt(
        6.0 / (fan_in + fan_out)),
    "uniform": lambda rng, fan_in, fan_out: rng.uniform(-1.0, 1.0),
    "zeros": lambda rng, fan_in, fan_out: 0.0,
}


def initial_weights(in_features: int, out_features: int, *,
                    activation: str | Callable[[Value], Value] = "relu", init: str = "auto",
                    seed: int | random.Random = 0) -> list[list[float]]:
    """Return a reproducible ``in_features x out_features`` weight matrix for one layer.

    ``"he"`` draws N(0, 2/in) (keeps relu activations from shrinking), ``"xavier"`` draws
    U(+-sqrt(6/(in+out))) (suits tanh and sigmoid), ``"uniform"`` draws U(-1, 1) like micrograd,
    ``"zeros"`` gives zeros; ``"auto"`` picks He for relu and Xavier otherwise.

    >>> initial_weights(2, 1, init="zeros")
    [[0.0], [0.0]]
    """
    if init not in INITS:
        raise DomainError(message(f"init={init!r}", f"unknown scheme; the schemes are {INITS}",
                                  "pick one of them"))
    _check_count(in_features, "in_features")
    _check_count(out_features, "out_features")
    if init == "auto":
        init = "he" if activation in ("relu", RELU, Value.relu) else "xavier"
    rng, draw = make_rng(seed), _SCHEMES[init]
    return [[draw(rng, in_features, out_features) for _ in range(out_features)]
            for _ in range(in_features)]
