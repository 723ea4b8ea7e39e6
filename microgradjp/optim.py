"""Optimizers: `SGD` (momentum, weight decay) and `Adam`, with PyTorch's ``step``/``zero_grad``.

An optimizer reads each parameter's ``.grad`` (filled by ``backward``) and writes its data in
place. The update is plain float arithmetic on the package-internal ``_data``: it records no
graph, so the next forward starts clean. Which loss, which data: `train` and the caller decide.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

from .engine import Value
from .errors import DomainError, ValueTypeError, message

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """The base of every optimizer: the parameters it updates and ``zero_grad``.

    >>> p = Value(1.0); p._grad = 5.0
    >>> Optimizer([p]).zero_grad(); p.grad
    0.0
    """

    def __init__(self, params: Iterable[Value]) -> None:
        self.params = _check_params(params, type(self).__name__)

    def zero_grad(self) -> None:
        """Return nothing after setting every parameter's ``.grad`` to 0.0 (before backward)."""
        for p in self.params:
            p._grad = 0.0

    def step(self) -> None:
        """Return nothing after updating every parameter from its ``.grad``."""
        raise NotImplementedError(f"{type(self).__name__} must define step()")


class SGD(Optimizer):
    """Gradient descent: ``w -= lr * g`` (the seeds' update), with optional momentum and decay.

    With ``weight_decay`` the gradient becomes ``g + weight_decay * w`` (L2 regularisation of
    strength ``weight_decay / 2``); with ``momentum`` a velocity ``v = momentum * v + g`` is
    stepped instead of ``g``, as in PyTorch.

    >>> w = Value(0.5); w._grad = 0.1
    >>> SGD([w], lr=0.01).step(); w.data
    0.499
    """

    def __init__(self, params: Iterable[Value], lr: float, *, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params)
        self.lr = _check_rate(lr, "SGD")
        self.momentum = _check_fraction(momentum, "momentum", "SGD")
        self.weight_decay = _check_nonnegative(weight_decay, "weight_decay", "SGD")
        self._velocity = [0.0] * len(self.params)

    def step(self) -> None:
        """Return nothing after moving every parameter one step against its gradient."""
        lr, momentum, decay = self.lr, self.momentum, self.weight_decay
        if not momentum and not decay:  # the seeds' plain update, kept tight: it runs every step
            for p in self.params:
                p._data -= lr * p._grad
            return
        velocity = self._velocity
        for i, p in enumerate(self.params):
            g = p._grad + decay * p._data
            if momentum:
                g = velocity[i] = momentum * velocity[i] + g
            p._data -= lr * g


class Adam(Optimizer):
    """Adam: steps scaled by running averages of the gradient and its square, bias-corrected.

    >>> w = Value(1.0); opt = Adam([w], lr=0.1)
    >>> w._grad = 3.0; opt.step(); round(w.data, 6)  # the first step moves by about lr
    0.9
    """

    def __init__(self, params: Iterable[Value], lr: float = 0.001, *,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params)
        self.lr = _check_rate(lr, "Adam")
        if not isinstance(betas, tuple) or len(betas) != 2:
            raise ValueTypeError(message(f"Adam(betas={betas!r})", "betas is a pair of numbers",
                                         "pass e.g. betas=(0.9, 0.999)"))
        self.betas = (_check_fraction(betas[0], "betas[0]", "Adam"),
                      _check_fraction(betas[1], "betas[1]", "Adam"))
        self.eps = _check_rate(eps, "Adam", "eps")
        self.weight_decay = _check_nonnegative(weight_decay, "weight_decay", "Adam")
        self._first = [0.0] * len(self.params)   # running mean of g
        self._second = [0.0] * len(self.params)  # running mean of g^2
        self._steps = 0

    def step(self) -> None:
        """Return nothing after one Adam update of every parameter."""
        self._steps += 1
        beta1, beta2 = self.betas
        # Dividing by (1 - beta^t) undoes the pull towards the zeros the averages start from.
        correction1, correction2 = 1.0 - beta1 ** self._steps, 1.0 - beta2 ** self._steps
        lr, eps, decay = self.lr, self.eps, self.weight_decay
        first, second = self._first, self._second
        for i, p in enumerate(self.params):
            g = p._grad + decay * p._data
            first[i] = m = beta1 * first[i] + (1.0 - beta1) * g
            second[i] = v = beta2 * second[i] + (1.0 - beta2) * g * g
            p._data -= lr * (m / correction1) / (math.sqrt(v / correction2) + eps)


def _check_params(params: Iterable[Value], owner: str) -> list[Value]:
    if isinstance(params, Value):
        params = [params]
    found = list(params)
    if not found:
        raise ValueTypeError(message(f"{owner}([])", "there are no parameters to update",
                                     "pass model.parameters()"))
    for i, p in enumerate(found):
        if not isinstance(p, Value):
            raise ValueTypeError(message(f"{owner}(params[{i}] = {p!r})",
                                         "parameters must be Values",
                                         "pass model.parameters() or a list of Values"))
    if len({id(p) for p in found}) != len(found):
        raise DomainError(message(f"{owner}(...)", "a parameter appears twice, so it would be "
                                  "updated twice per step", "pass each parameter once"))
    return found


def _number(x: Any, name: str, owner: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
        raise ValueTypeError(message(f"{owner}({name}={x!r})", f"{name} must be a finite number",
                                     "pass an int or a float"))
    return float(x)


def _check_rate(x: Any, owner: str, name: str = "lr") -> float:
    value = _number(x, name, owner)
    if value <= 0.0:
        raise DomainError(message(f"{owner}({name}={x!r})", f"{name} must be > 0",
                                  "pass a small positive number, e.g. 0.01"))
    return value


def _check_fraction(x: Any, name: str, owner: str) -> float:
    value = _number(x, name, owner)
    if not 0.0 <= value < 1.0:
        raise DomainError(message(f"{owner}({name}={x!r})", f"{name} must be in [0, 1)",
                                  "pass e.g. 0.9"))
    return value


def _check_nonnegative(x: Any, name: str, owner: str) -> float:
    value = _number(x, name, owner)
    if value < 0.0:
        raise DomainError(message(f"{owner}({name}={x!r})", f"{name} must be >= 0",
                                  "pass 0 or a small positive number"))
    return value
