"""A `Value`'s expression as a torch function of its leaves: the same ops, torch's autograd.

Every row of the rule table has a twin here, written with torch ops; `TorchExpression` walks the
graph once and replays it on tensors, so the gradients it gives come from torch, never from our
rows. Leaves are the arguments, in creation order or by label; numbers in the expression stay
constants. A custom op (``define_op``) has no twin: it is refused by name.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..core import rules
from ..core.node import Constant, Value
from ..core.rules import Rule
from ..core.walk import creation_order
from ..errors import ValueTypeError, message
from ._torch import UntranslatableError, require_torch

if TYPE_CHECKING:
    from torch import Tensor

__all__ = ["TWINS", "TorchExpression"]

Twin = Callable[..., "Tensor"]


def _stacked(xs: Sequence[Tensor]) -> Tensor:
    # n-ary rows take one tensor per argument; a batch of one argument broadcasts with scalars.
    import torch

    # torch leaves broadcast_tensors unannotated: this names what it returns.
    broadcast: Callable[..., Sequence[Tensor]] = torch.broadcast_tensors
    return torch.stack(list(broadcast(*xs)))


def _sum(*xs: Tensor) -> Tensor:
    return _stacked(xs).sum(0)


def _logsumexp(*xs: Tensor) -> Tensor:
    return _stacked(xs).logsumexp(0)


def _weighted_sum(*args: Tensor) -> Tensor:
    # Arguments as the row takes them: w1..wn, x1..xn, bias.
    n = len(args) // 2
    return _sum(*map(operator.mul, args[:n], args[n : 2 * n])) + args[-1]


def _maximum(x: Tensor, y: Tensor) -> Tensor:
    # torch.maximum splits the gradient of a tie in halves; the row gives it all to the first
    # input, and so does where (x.where(c, y) is torch.where(c, x, y)).
    return x.where(x >= y, y)


def _minimum(x: Tensor, y: Tensor) -> Tensor:
    return x.where(x <= y, y)


def _softplus(x: Tensor) -> Tensor:
    # Not F.softplus: past its threshold (x > 20) it returns x itself and a slope of exactly 1,
    # 2e-9 away from log(1 + e^x) and sigmoid(x). logaddexp(x, 0) is the row's formula.
    return x.logaddexp(x.new_zeros(()))


def _step(x: Tensor) -> Tensor:
    # A comparison has no gradient in torch: what reaches x is None, which is the row's 0.
    return (x > 0.0).to(x.dtype)


def _identity(x: Tensor) -> Tensor:
    return x


# The twin of every row of rules.ROWS (a test holds this table to the rule table). Arithmetic is
# Python's operators on tensors; one-input rows are the tensor method of the same name.
TWINS: dict[Rule, Twin] = {
    rules.ADD: operator.add,
    rules.SUB: operator.sub,
    rules.MUL: operator.mul,
    rules.DIV: operator.truediv,
    rules.NEG: operator.neg,
    rules.POW: operator.pow,
    **{row: operator.methodcaller(row.name) for row in (
        rules.EXP, rules.LOG, rules.SQRT, rules.TANH, rules.SIGMOID, rules.RELU, rules.ABS,
        rules.SIN, rules.COS)},
    rules.STEP: _step,
    rules.MAXIMUM: _maximum,
    rules.MINIMUM: _minimum,
    rules.SOFTPLUS: _softplus,
    rules.SUM: _sum,
    rules.LOGSUMEXP: _logsumexp,
    rules.WEIGHTED_SUM: _weighted_sum,
    rules.IDENTITY: _identity,
}


def _exponent(rule: Rule) -> float:
    # The fixed exponent of a power(e) row (x ** 2.0), which the row keeps only inside its
    # forward; its name rounds it (:g). The row's partial at x = 1 is e * 1 ** (e - 1) = e
    # exactly (0 for e = 0), so the public partials give it back bit for bit.
    return float(rule.partials(1.0, 1.0)[0])


def _twin(node: Value) -> Twin:
    rule = node.rule
    twin = TWINS.get(rule)
    if twin is not None:
        return twin
    if rule.name.startswith("**") and rule is not rules.POW:  # x ** e, e a number
        exponent = _exponent(rule)
        return lambda x: x ** exponent
    where = f" (the node labelled {node.label!r})" if node.label else ""
    raise UntranslatableError(message(
        f"to_torch: the op {rule.name!r}{where}",
        "it is a custom op (define_op), and torch has no twin for it: the bridge never guesses",
        "write it with built-in ops (exp, log, tanh, ...), or compute this part in torch "
        "yourself, e.g. with torch.autograd.Function"))


class TorchExpression:
    """A torch function computing the same expression as a `Value`, from its leaves.

    Call it with one tensor (or number) per leaf: in the order of `leaves` (creation order,
    each leaf at its first use, as `backward_table` lists them), or by label as keywords.
    Tensors of any shape give the same graph batched. `tensors` gives the leaves' own data.
    Made by `to_torch`.

    >>> from microgradjp import Value
    >>> from microgradjp.bridge import to_torch
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> f = to_torch(a * b + b ** 2)
    >>> f
    TorchExpression(a, b)
    >>> x, y = f.tensors()
    >>> out = f(x, y); out.backward()
    >>> out.item(), x.grad.item(), y.grad.item()
    (3.0, -3.0, -4.0)
    """

    def __init__(self, root: Value) -> None:
        require_torch("to_torch(value)")
        order = creation_order(root)
        self.root = root
        self.leaves = tuple(n for n in order if not n.parents and not isinstance(n, Constant))
        self._constants = tuple(n.data for n in order if isinstance(n, Constant))
        slot = {node: i for i, node in enumerate(
            [*self.leaves, *(n for n in order if isinstance(n, Constant))])}
        # One step per op node, oldest first: its twin and the slots of its inputs.
        self._steps: list[tuple[Twin, tuple[int, ...]]] = []
        for node in order:
            if node.parents:
                self._steps.append((_twin(node), tuple(slot[p] for p in node.parents)))
                slot[node] = len(slot)
        self._result = slot[root]

    @property
    def names(self) -> tuple[str, ...]:
        """The leaves' labels, in argument order (``#k`` for the k-th unlabelled argument)."""
        return tuple(leaf.label or f"#{k}" for k, leaf in enumerate(self.leaves))

    def tensors(self, *, requires_grad: bool = True) -> list[Tensor]:
        """Return each leaf's data as a float64 tensor, in argument order (new tensors)."""
        import torch

        return [torch.tensor(leaf.data, dtype=torch.float64, requires_grad=requires_grad)
                for leaf in self.leaves]

    def __call__(self, *args: Any, **by_label: Any) -> Tensor:
        import torch

        values = [*self._arguments(args, by_label), *self._constants]
        slots = [x if isinstance(x, torch.Tensor) and x.dtype == torch.float64
                 else torch.as_tensor(x, dtype=torch.float64) for x in values]
        for twin, inputs in self._steps:
            slots.append(twin(*(slots[i] for i in inputs)))
        return slots[self._result]

    def _arguments(self, args: tuple[Any, ...], by_label: dict[str, Any]) -> list[Any]:
        names = self.names
        if len(args) > len(names):
            raise ValueTypeError(message(
                f"{self!r} called with {len(args)} arguments",
                f"the expression has {len(names)} leaves", "pass one tensor per leaf"))
        given: dict[int, Any] = dict(enumerate(args))
        for label, value in by_label.items():
            positions = [k for k, leaf in enumerate(self.leaves) if leaf.label == label]
            if len(positions) != 1:
                why = (f"{len(positions)} leaves have this label" if positions
                       else f"no leaf has this label (the leaves: {', '.join(names)})")
                raise ValueTypeError(message(f"{self!r} called with {label}=...", why,
                                             "pass the tensors by position, in leaves order"))
            if positions[0] in given:
                raise ValueTypeError(message(f"{self!r} called with {label}=...",
                                             "that leaf was also given by position",
                                             "give each leaf once"))
            given[positions[0]] = value
        missing = [names[k] for k in range(len(names)) if k not in given]
        if missing:
            raise ValueTypeError(message(f"{self!r} called without {', '.join(missing)}",
                                         "every leaf needs a value", "pass one tensor per leaf"))
        return [given[k] for k in range(len(names))]

    def __repr__(self) -> str:
        return f"TorchExpression({', '.join(self.names)})"
