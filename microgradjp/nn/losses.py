"""Output functions and losses for ONE sample, built from rows of the rule table.

Nothing here writes a derivative: softmax and cross entropy come from the ``logsumexp`` row,
binary cross entropy from logits from the ``softplus`` row, so the engine differentiates them
like any other graph. Averaging over a batch is `mean`'s job (and `train.fit`'s). Logits and
probabilities have separate functions, and a logit loss refuses what our softmax or sigmoid made.
Lists, tuples and numpy arrays are all accepted (numpy itself is never imported).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any

from ..core.node import Value, apply
from ..core.rules import EXP, LOGSUMEXP, SIGMOID, SOFTPLUS, SUB, SUM, WEIGHTED_SUM
from ..errors import DomainError, ValueTypeError, message
from ._inputs import plain, shape

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "cross_entropy",
    "cross_entropy_from_probabilities",
    "l2_regularization",
    "log_softmax",
    "max_margin_loss",
    "mean",
    "mean_squared_error",
    "multiclass_svm_loss",
    "softmax",
]

Operand = Value | float
Outputs = Operand | Sequence[Operand]


def softmax(logits: Sequence[Operand]) -> list[Value]:
    """Return exp(x_i) / sum_j exp(x_j) for each logit, without overflow for any finite input.

    Computed as exp(x_i - logsumexp(x)): the exponent is never positive, which is the seeds'
    "subtract the max first" trick done once inside the ``logsumexp`` row.

    >>> [round(y.data, 8) for y in softmax([1.02, 2.29, 3.56, 4.83])]
    [0.01602796, 0.05707321, 0.20322929, 0.72366954]
    """
    xs = _values(logits, "softmax")
    total = apply(LOGSUMEXP, tuple(xs))
    return [(x - total).exp() for x in xs]


def log_softmax(logits: Sequence[Operand]) -> list[Value]:
    """Return log(softmax(x))_i = x_i - logsumexp(x), exact even where softmax underflows to 0.

    >>> [round(y.data, 4) for y in log_softmax([0.0, 1000.0])]
    [-1000.0, 0.0]
    """
    xs = _values(logits, "log_softmax")
    total = apply(LOGSUMEXP, tuple(xs))
    return [x - total for x in xs]


def cross_entropy(logits: Sequence[Operand], target: int | Sequence[float]) -> Value:
    """Return -sum_k t_k log softmax(logits)_k, from LOGITS, for a class index or a one-hot target.

    For a class ``k`` this is ``logsumexp(logits) - logits[k]``: stable, no epsilon. It applies
    the softmax itself, so it refuses the output of our `softmax` (or of a ``"softmax"`` output
    layer): give those probabilities to `cross_entropy_from_probabilities`, which is the seeds'
    ``cross_entropy_error(d, y)``. It recognises our softmax by its graph, so a softmax written
    by hand, or one computed under `no_grad` (no graph), is not caught. The seeds add 1e-7
    inside the log, so they print 0.3234202933601941 where the exact value is 0.3234204315
    (-log 0.72366954).

    >>> round(cross_entropy([1.02, 2.29, 3.56, 4.83], 3).data, 10)
    0.3234204315
    >>> round(cross_entropy([1.02, 2.29, 3.56, 4.83], [0, 0, 0, 1]).data, 10)
    0.3234204315
    """
    xs = _values(logits, "cross_entropy")
    _refuse_probabilities(xs[0], "cross_entropy")
    total: Value = apply(LOGSUMEXP, tuple(xs))
    target = plain(target)
    if not isinstance(target, Sequence) or isinstance(target, str):
        return total - xs[_class_index(target, len(xs), "cross_entropy")]
    weights = _distribution(target, len(xs))
    hot = [k for k, t in enumerate(weights) if t != 0.0]
    if len(hot) == 1 and weights[hot[0]] == 1.0:  # one-hot: the same two nodes as an index
        return total - xs[hot[0]]
    # sum_k t_k (lse - x_k) = lse * sum(t) - sum_k t_k x_k: one weighted-sum node.
    picked: Value = apply(WEIGHTED_SUM, (*[weights[k] for k in hot], *[xs[k] for k in hot], 0.0))
    return total * math.fsum(weights) - picked


def cross_entropy_from_probabilities(probabilities: Sequence[Operand],
                                     target: int | Sequence[float], *, eps: float = 0.0) -> Value:
    """Return -sum_k t_k log(p_k + eps) for PROBABILITIES p (a softmax output) and a target.

    The seeds' ``cross_entropy_error(d, y)`` with its arguments in our order (output, target);
    ``eps=1e-7`` reproduces their number to 15 digits (0.3234202933601941 for seed 002's 2-3-4
    network; our softmax, exp(x - logsumexp x), may differ from numpy's exp(x - max) / sum in
    the last bit), the default 0 gives the exact one. The probabilities must lie in [0, 1] and
    sum to 1; from logits, `cross_entropy` is the stable choice.

    >>> y = softmax([1.02, 2.29, 3.56, 4.83])
    >>> round(cross_entropy_from_probabilities(y, 3).data, 10)
    0.3234204315
    >>> round(cross_entropy_from_probabilities(y, [0, 0, 0, 1], eps=1e-7).data, 15)
    0.323420293360194
    """
    op = "cross_entropy_from_probabilities"
    ps = _values(probabilities, op)
    eps = _real_input(eps, "eps", op)
    if not 0.0 <= eps < 1.0:
        raise DomainError(message(f"{op}(eps={eps!r})", "eps must be in [0, 1)",
                                  "pass 0 (exact) or 1e-7 (the seeds' value)"))
    data = [p.data for p in ps]
    if not all(0.0 <= p <= 1.0 for p in data) or abs(math.fsum(data) - 1.0) > 1e-6:
        raise DomainError(message(
            f"{op}({_brief(data)})", "these are not probabilities (each in [0, 1], summing to 1)",
            "pass softmax(logits), or give the logits themselves to cross_entropy"))
    target = plain(target)
    if not isinstance(target, Sequence) or isinstance(target, str):
        picked = [(1.0, ps[_class_index(target, len(ps), op)])]
    else:
        picked = [(t, ps[k]) for k, t in enumerate(_distribution(target, len(ps))) if t != 0.0]
    if any(p.data + eps == 0.0 for _, p in picked):
        raise DomainError(message(f"{op}(...)", "a target class has probability 0: log 0 is "
                                  "infinite", "pass eps=1e-7 as the seeds do, or give the "
                                  "logits to cross_entropy"))
    terms = [-t * (p + eps).log() if eps else -t * p.log() for t, p in picked]
    return terms[0] if len(terms) == 1 else apply(SUM, tuple(terms))


def binary_cross_entropy(probability: Outputs, target: float) -> Value:
    """Return -(t log p + (1 - t) log(1 - p)) for a probability p in [0, 1] and a target t.

    A term whose weight is 0 is left out (0 log 0 is taken as 0, its limit), so p = 1 with
    t = 1 gives 0. Where the loss is infinite (p = 0 with t > 0, p = 1 with t < 1) it raises:
    train on the pre-sigmoid score with `binary_cross_entropy_with_logits` instead.

    >>> round(binary_cross_entropy(0.87435214, 1).data, 8)
    0.13427208
    """
    p = _scalar(probability, "binary_cross_entropy")
    t = _unit_interval(target, "target", "binary_cross_entropy")
    asked = f"binary_cross_entropy(probability={p.data!r}, target={t!r})"
    if not 0.0 <= p.data <= 1.0:
        raise DomainError(message(
            asked, "a probability must be in [0, 1]",
            "pass sigmoid(score), or use binary_cross_entropy_with_logits on the score"))
    if (t > 0.0 and p.data == 0.0) or (t < 1.0 and p.data == 1.0):
        raise DomainError(message(
            asked, "the loss is infinite there (log 0): the sigmoid has saturated",
            "use binary_cross_entropy_with_logits on the pre-sigmoid score, which never "
            "saturates"))
    terms = []
    if t > 0.0:
        terms.append(-t * p.log())
    if t < 1.0:
        terms.append(-(1.0 - t) * (1.0 - p).log())
    return terms[0] if len(terms) == 1 else terms[0] + terms[1]


def binary_cross_entropy_with_logits(logit: Outputs, target: float) -> Value:
    """Return binary_cross_entropy(sigmoid(z), t) = softplus(z) - t z, stable for every z.

    >>> round(binary_cross_entropy_with_logits(1.94, 1).data, 8)
    0.13427207
    >>> binary_cross_entropy_with_logits(-1000.0, 1).data
    1000.0
    """
    z = _scalar(logit, "binary_cross_entropy_with_logits")
    _refuse_probabilities(z, "binary_cross_entropy_with_logits")
    t = _unit_interval(target, "target", "binary_cross_entropy_with_logits")
    softplus: Value = apply(SOFTPLUS, (z,))
    return softplus if t == 0.0 else softplus - t * z


def mean_squared_error(predictions: Outputs, targets: float | Sequence[float], *,
                       half: bool = True, reduction: str = "mean") -> Value:
    """Return mean((y - d)^2) / 2 over the components: the seeds' squared error, ½ included.

    The course (seed 002) halves it so that the gradient for one output is simply y - d;
    ``half=False`` gives the plain mean (PyTorch's ``mse_loss``, scikit-learn's
    ``mean_squared_error``). Seed 000's E = 1/2 sum (A - Y)^2 is ``reduction="sum"``.

    >>> round(mean_squared_error([1.02, 2.29], [2.0, 4.0]).data, 10)
    0.971125
    >>> round(mean_squared_error([1.02, 2.29], [2.0, 4.0], half=False).data, 10)
    1.94225
    """
    predictions, targets = plain(predictions), plain(targets)
    ys = _values(predictions if isinstance(predictions, Sequence) else [predictions],
                 "mean_squared_error")
    ds = targets if isinstance(targets, Sequence) else [targets]
    if len(ds) != len(ys):
        raise DomainError(message(
            f"mean_squared_error(predictions of shape {shape(ys)}, targets of shape "
            f"{shape(ds)})", "there must be one target per prediction",
            "pass targets of the same shape"))
    if reduction not in ("mean", "sum"):
        raise DomainError(message(f"mean_squared_error(reduction={reduction!r})",
                                  "reduction is 'mean' or 'sum'", "pick one of them"))
    errors = [y - _real_input(d, f"targets[{i}]", "mean_squared_error")
              for i, (y, d) in enumerate(zip(ys, ds, strict=True))]
    squares: Value = apply(WEIGHTED_SUM, (*errors, *errors, 0.0))  # sum of e*e: one node
    scale = (0.5 if half else 1.0) / (len(ys) if reduction == "mean" else 1)
    return squares if scale == 1.0 else squares * scale


def multiclass_svm_loss(scores: Sequence[Operand], target: int, *,
                        margin: float = 1.0) -> Value:
    """Return sum over wrong classes j of max(0, s_j - s_y + margin): seed 004's hinge loss.

    >>> round(multiclass_svm_loss([3.2, 5.1, -1.7], 0).data, 10)  # CS231n's cat: 2.9 + 0
    2.9
    """
    xs = _values(scores, "multiclass_svm_loss")
    target = plain(target)
    if len(xs) < 2:
        raise DomainError(message(f"multiclass_svm_loss({len(xs)} score)",
                                  "a hinge loss compares the true class with others",
                                  "pass one score per class, at least two"))
    index = _class_index(target, len(xs), "multiclass_svm_loss")
    correct = xs[index]
    hinges = [(x - correct + margin).relu() for j, x in enumerate(xs) if j != index]
    total: Value = apply(SUM, tuple(hinges))
    return total


def max_margin_loss(score: Outputs, label: float) -> Value:
    """Return max(0, 1 - y * score) for a label y of -1 or +1 (micrograd's demo loss, per sample).

    >>> max_margin_loss(0.25, 1).data, max_margin_loss([2.0], 1).data
    (0.75, 0.0)
    """
    s = _scalar(score, "max_margin_loss")
    label = plain(label)
    if label not in (-1, 1) or isinstance(label, bool):
        raise DomainError(message(f"max_margin_loss(label={label!r})",
                                  "the labels of a max-margin loss are -1 and +1",
                                  "map 0/1 labels with 2 * y - 1"))
    return (1.0 - float(label) * s).relu()


def l2_regularization(parameters: Iterable[Value], strength: float) -> Value:
    """Return strength * sum(w^2) over the parameters (add it to the loss; seed 004's lambda).

    >>> from microgradjp import Value
    >>> l2_regularization([Value(3.0), Value(4.0)], 0.1).data
    2.5
    """
    params = list(parameters)
    if not params or not all(isinstance(p, Value) for p in params):
        raise ValueTypeError(message("l2_regularization(...)",
                                     "it needs a non-empty list of parameter Values",
                                     "pass model.parameters()"))
    strength = _real_input(strength, "strength", "l2_regularization")
    if not 0.0 <= strength < math.inf:  # nan or inf would turn every loss into nan or inf
        raise DomainError(message(f"l2_regularization(strength={strength!r})",
                                  "a penalty strength must be >= 0 and finite",
                                  "pass 0 or a small positive"))
    squares: Value = apply(WEIGHTED_SUM, (*params, *params, 0.0))  # sum of w*w: one node
    return squares * strength


def mean(values: Iterable[Operand]) -> Value:
    """Return the average of per-sample losses as one node (a batch's loss).

    >>> mean([1.0, 2.0, 6.0]).data
    3.0
    """
    xs = _values(list(values), "mean")
    total: Value = apply(SUM, tuple(xs))
    return total / len(xs)


def _mean_of_floats(numbers: Sequence[float]) -> float:
    # mean's number without its nodes (fit's replayed steps): the same rows on the same floats,
    # SUM's forward, then / as a Value divides by a count. Kept beside mean so the two stay one.
    return SUM.forward(*numbers) / len(numbers)


def _values(xs: Any, op: str) -> list[Value]:
    # At least one Value keeps the result a Value (all-float input would give floats).
    xs = plain(xs)
    if not isinstance(xs, Sequence) or isinstance(xs, str) or not xs:
        hint = " (a model with one output unit returns a Value: this loss needs one per class)" \
            if isinstance(xs, Value) else ""
        raise ValueTypeError(message(f"{op}({xs!r})", "it needs a non-empty sequence of numbers, "
                                     f"got shape {shape(xs)}{hint}",
                                     "pass a list (or 1-d array) of Values or floats"))
    return [x if isinstance(x, Value) else Value(_real_input(x, f"{op} input", op)) for x in xs]


def _scalar(x: Any, op: str) -> Value:
    # A one-unit model returns y; a hand-made [y] or a 1-element array is accepted as y too.
    if isinstance(x, Value):
        return x
    x = plain(x)
    if isinstance(x, Sequence) and not isinstance(x, str):
        if len(x) != 1:
            raise DomainError(message(f"{op}(outputs of shape {shape(x)})",
                                      "it takes one output per sample, shape (1,) or a Value",
                                      "give the model a single output unit"))
        x = x[0]
    return x if isinstance(x, Value) else Value(_real_input(x, "the output", op))


# What a logit loss says when given probabilities: (what it wants, where probabilities go).
_PROBABILITY_FORMS = {
    "sigmoid": ("a logit (the score before the sigmoid)", "binary_cross_entropy(p, t)"),
    "softmax": ("logits (the scores before the softmax)",
                "cross_entropy_from_probabilities(y, t) (eps=1e-7 gives the seeds' number)"),
}


def _refuse_probabilities(x: Value, op: str) -> None:
    """Raise if ``x`` was made by our softmax or sigmoid: a logit loss would apply it twice."""
    # softmax builds exp(x - logsumexp(xs)); sigmoid is one row. Recognising the graph's shape
    # is exact: no logit, however close to a probability, is ever refused.
    if x.rule is SIGMOID:
        made = "sigmoid"
    elif x.rule is EXP and x.parents[0].rule is SUB and x.parents[0].parents[1].rule is LOGSUMEXP:
        made = "softmax"
    else:
        return
    wanted, fix = _PROBABILITY_FORMS[made]
    raise DomainError(message(
        f"{op}({made}(...))", f"{op} takes {wanted} and applies the {made} itself, but this "
        f"input is already a {made} output (probabilities)",
        f"pass the logits to {op}, or these probabilities to {fix}"))


def _brief(numbers_: list[float], limit: int = 4) -> str:
    shown = ", ".join(f"{x:.4g}" for x in numbers_[:limit])
    return f"[{shown}{', ...' if len(numbers_) > limit else ''}]"


def _real_input(x: Any, what: str, op: str) -> float:
    if isinstance(x, Value):  # the seeds write f(d, y), target first; ours is f(y, d)
        raise ValueTypeError(message(
            f"{op}: {what} = {x!r}", "targets are plain numbers and the model's output comes "
            "first", f"swap the arguments: the seeds' {op}(d, y) is our {op}(y, d)"))
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ValueTypeError(message(f"{op}: {what} = {x!r}", "a real number is needed",
                                     "pass an int or a float"))
    return float(x)


def _unit_interval(x: Any, what: str, op: str) -> float:
    value = _real_input(x, what, op)
    if not 0.0 <= value <= 1.0:
        raise DomainError(message(f"{op}({what}={value!r})", f"the {what} must be in [0, 1]",
                                  "use 0/1 labels or probabilities"))
    return value


def _class_index(target: Any, classes: int, op: str) -> int:
    if isinstance(target, bool) or not isinstance(target, numbers.Integral):
        raise ValueTypeError(message(f"{op}(target={target!r})",
                                     "the target is a class index (int) or a one-hot list",
                                     "pass e.g. 3 or [0, 0, 0, 1]"))
    index = int(target)
    if not 0 <= index < classes:
        raise DomainError(message(f"{op}(target={target!r})",
                                  f"there are {classes} classes, indexed 0..{classes - 1}",
                                  "pass an index in range"))
    return index


def _distribution(target: Sequence[Any], classes: int) -> list[float]:
    if len(target) != classes or (target and isinstance(target[0], Sequence)):
        raise DomainError(message(f"cross_entropy(target of shape {shape(target)})",
                                  f"there are {classes} classes, so a target has shape "
                                  f"({classes},) or is a class index",
                                  "give one target per class, for one sample (d[0] for a "
                                  "batch of one)"))
    weights = [_unit_interval(t, f"target[{k}]", "cross_entropy") for k, t in enumerate(target)]
    if not math.isclose(math.fsum(weights), 1.0, abs_tol=1e-9):
        raise DomainError(message(f"cross_entropy(target={list(target)!r})",
                                  "a one-hot or probability target must sum to 1",
                                  "pass a class index, or normalise the target"))
    return weights
