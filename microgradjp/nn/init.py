"""Weight initialisation for `nn`: one layer's starting weights, fresh or reproducible.

Like `torch.nn.init`: He, Xavier, uniform and zeros, one row each. `nn` calls `initial_weights`
for every `Neuron`, `Layer` and `MLP` it builds, and starts every bias at zero itself. Without a
seed, weights come from Python's global `random` generator, as micrograd's do: ``random.seed(n)``
before building a model makes it reproducible, and `manual_seed` (PyTorch's name) does the same.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable

from ..core.node import Value
from ..core.rules import RELU
from ..errors import DomainError, ValueTypeError, message
from .data import _check_count, make_rng

__all__ = ["INITS", "initial_weights", "manual_seed"]

INITS = ("auto", "he", "uniform", "xavier", "zeros")

# Models built without a seed draw from Python's global generator (the one behind random.seed
# and random.uniform), so two of them start different (symmetry broken), and one random.seed
# or manual_seed call fixes every weight of a whole run, as micrograd's users expect.
_SHARED = random._inst  # the module-level functions' own Random: random.seed reseeds it


def manual_seed(seed: int) -> None:
    """Return nothing after seeding the generator every unseeded model draws from: ``random``'s.

    The same as ``random.seed(seed)`` (an int only). Call it once at the top of a script to
    make the whole run reproducible, as ``torch.manual_seed`` does; ``seed=`` on one model
    fixes that model alone.

    >>> manual_seed(0); first = initial_weights(2, 2)
    >>> random.seed(0); first == initial_weights(2, 2) != initial_weights(2, 2)
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueTypeError(message(f"manual_seed({seed!r})", "a seed is an int",
                                     "pass e.g. manual_seed(0)"))
    _SHARED.seed(int(seed))


def generator(seed: int | random.Random | None) -> random.Random:
    """Return ``random``'s global generator for ``None``, else what `data.make_rng` gives."""
    return _SHARED if seed is None else make_rng(seed)


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
                    seed: int | random.Random | None = None) -> list[list[float]]:
    """Return an ``in_features x out_features`` weight matrix for one layer.

    ``seed=None`` draws from Python's global ``random`` (see `manual_seed`); an int
    gives the same matrix every time; a `random.Random` is drawn from in turn.

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
    rng, draw = generator(seed), _SCHEMES[init]
    return [[draw(rng, in_features, out_features) for _ in range(out_features)]
            for _ in range(in_features)]
