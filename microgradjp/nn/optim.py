"""Optimizers: `SGD` (momentum, weight decay) and `Adam`, with PyTorch's ``step``/``zero_grad``.

An optimizer reads each parameter's ``.grad`` (filled by ``backward``) and writes its data in
place. The update is plain float arithmetic: it records no graph, so the next forward starts
clean. The updates run in the core's door (`descend`, `descend_with_momentum`, `descend_adam`:
one loop over the slots each) rather than through the checked ``.data``/``.grad`` of each
parameter: the properties cost about 1% of a small MLP training step (callgrind, 337
parameters, 20 points).
Which loss, which data: `train` and the caller decide.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from typing import Any

from ..core.node import Value
from ..core.slots import descend, descend_adam, descend_with_momentum, zero_grads
from ..errors import DomainError, ValueTypeError, message

__all__ = ["SGD", "Adam", "Optimizer"]


class Optimizer:
    """The base of every optimizer: the parameters it updates and ``zero_grad``.

    >>> p = Value(1.0); p.grad = 5.0
    >>> Optimizer([p]).zero_grad(); p.grad
    0.0
    """

    def __init__(self, params: Iterable[Value]) -> None:
        self.params = _check_params(params, type(self).__name__)

    def zero_grad(self) -> None:
        """Return nothing after setting every parameter's ``.grad`` to 0.0 (before backward)."""
        zero_grads(self.params)

    def step(self) -> None:
        """Return nothing after updating every parameter from its ``.grad``."""
        raise NotImplementedError(f"{type(self).__name__} must define step()")


class SGD(Optimizer):
    """Gradient descent: ``w -= lr * g`` (the seeds' update), with optional momentum and decay.

    With ``weight_decay`` the gradient becomes ``g + weight_decay * w`` (L2 regularisation of
    strength ``weight_decay / 2``); with ``momentum`` a velocity ``v = momentum * v + g`` is
    stepped instead of ``g``, as in PyTorch.

    >>> w = Value(0.5); w.grad = 0.1
    >>> SGD([w], lr=0.01).step(); w.data
    0.499
    """

    def __init__(self, params: Iterable[Value], lr: float, *, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params)
        self.lr = _option("SGD", "lr", lr, "> 0")
        self.momentum = _option("SGD", "momentum", momentum, "in [0, 1)")
        self.weight_decay = _option("SGD", "weight_decay", weight_decay, ">= 0")
        self._velocity = [0.0] * len(self.params)

    def step(self) -> None:
        """Return nothing after moving every parameter one step against its gradient."""
        lr, momentum, decay = self.lr, self.momentum, self.weight_decay
        if not momentum and not decay:  # the seeds' plain update, kept tight: it runs every step
            descend(self.params, lr)
            return
        descend_with_momentum(self.params, lr, momentum, decay, self._velocity)


class Adam(Optimizer):
    """Adam: steps scaled by running averages of the gradient and its square, bias-corrected.

    >>> w = Value(1.0); opt = Adam([w], lr=0.1)
    >>> w.grad = 3.0; opt.step(); round(w.data, 6)  # the first step moves by about lr
    0.9
    """

    def __init__(self, params: Iterable[Value], lr: float = 0.001, *,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params)
        self.lr = _option("Adam", "lr", lr, "> 0")
        if not isinstance(betas, tuple) or len(betas) != 2:
            raise ValueTypeError(message(f"Adam(betas={betas!r})", "betas is a pair of numbers",
                                         "pass e.g. betas=(0.9, 0.999)"))
        self.betas = (_option("Adam", "betas[0]", betas[0], "in [0, 1)"),
                      _option("Adam", "betas[1]", betas[1], "in [0, 1)"))
        self.eps = _option("Adam", "eps", eps, "> 0")
        self.weight_decay = _option("Adam", "weight_decay", weight_decay, ">= 0")
        self._first = [0.0] * len(self.params)   # running mean of g
        self._second = [0.0] * len(self.params)  # running mean of g^2
        self._steps = 0

    def step(self) -> None:
        """Return nothing after one Adam update of every parameter."""
        self._steps += 1
        beta1, beta2 = self.betas
        # Dividing by (1 - beta^t) undoes the pull towards the zeros the averages start from.
        correction1, correction2 = 1.0 - beta1 ** self._steps, 1.0 - beta2 ** self._steps
        descend_adam(self.params, self.lr, self.betas, self.eps, self.weight_decay,
                     (correction1, correction2), (self._first, self._second))


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


# The range an option may take, as messages name it -> (its test, what to pass instead).
_RANGES: dict[str, tuple[Callable[[float], bool], str]] = {
    "> 0": (lambda v: v > 0.0, "pass a small positive number, e.g. 0.01"),
    ">= 0": (lambda v: v >= 0.0, "pass 0 or a small positive number"),
    "in [0, 1)": (lambda v: 0.0 <= v < 1.0, "pass e.g. 0.9"),
}


def _option(owner: str, name: str, x: Any, must_be: str) -> float:
    """Return ``x`` as a float after checking that it is a finite number and ``must_be``."""
    asked = f"{owner}({name}={x!r})"
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not math.isfinite(x):
        raise ValueTypeError(message(asked, f"{name} must be a finite number",
                                     "pass an int or a float"))
    value, (test, fix) = float(x), _RANGES[must_be]
    if not test(value):
        raise DomainError(message(asked, f"{name} must be {must_be}", fix))
    return value
