"""Every fast backward is the reference pass: one differential test over random expressions.

Hypothesis draws a program (leaves, then ops over earlier nodes and number constants on either
side: every row of the table, fixed powers, custom ops made with define_op, fan-out and reuse)
and hostile values (nan, +-inf, subnormals, +-0.0, huge numbers, ties). Each path builds the
graph afresh and is compared with `reference_backward` on its own graph:

- bit for bit (nan is nan, and 0.0 is not -0.0): eager ``backward()``, micrograd's ``_backward()``
  called by hand, the recorded pass the views read (`record`, `backpropagate`, `gradients`),
  `Replay` (its generated code) and `SampleReplay` (fit's per-sample replay);
- as numbers, the sign of a zero aside: ``backward(create_graph=True)``, whose gradient graph
  starts each sum at its first share instead of at 0.0 (no "0.0 +" node in every gradient);
- where the reference raises, each path raises the same error type.

`fit(replay=True)` against `fit(replay=False)`: random models, every library loss (with its every
kind of target), regularization or none, optimizers (subclasses too), batch sizes and data (hostile
values too), bit for bit: losses, accuracies, weights and gradients, or the same error.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import assume, example, given, note
from hypothesis import strategies as st

from microgradjp import Value, define_op, gradients, maximum, minimum
from microgradjp.core import rules
from microgradjp.core.backward import reference_backward
from microgradjp.core.node import Constant, apply, made_by_ops
from microgradjp.core.replay import Replay, SampleReplay
from microgradjp.core.slots import stored_inputs
from microgradjp.core.walk import backpropagate, record
from microgradjp.errors import MicrogradError
from microgradjp.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    cross_entropy_from_probabilities,
    l2_regularization,
    max_margin_loss,
    mean_squared_error,
    multiclass_svm_loss,
)
from microgradjp.nn import MLP, Layer, Neuron
from microgradjp.optim import SGD, Adam
from microgradjp.train import fit

# Custom ops, written as a learner writes them: literals that code must write exactly (a
# negative base, inf), a branch, and partials that are Values.
NEGATIVE_BASE = define_op("negative_base", lambda x: (-2.0) ** (x * 0.0 + 2.0) + x,
                          lambda x: 1.0 + x * 0.0)
PLUS_NOTHING = define_op("plus_nothing", lambda x: x + 1.0 / math.inf, lambda x: x * 0.0 + 1.0)
CLIPPED = define_op("clipped", lambda x: x if x < 1.0 else 1.0,
                    lambda x: Value(1.0) if x < 1.0 else Value(0.0))
MIX = define_op("mix", lambda x, y: x * y - 3.0 * x, lambda x, y: y - 3.0, lambda x, y: x)

UNARY: dict[str, Callable[[Any], Any]] = {
    "neg": operator.neg, "abs": abs,
    **{name: operator.methodcaller(name) for name in
       ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "step", "sin", "cos")},
    "softplus": rules.SOFTPLUS, "identity": rules.IDENTITY,
    **{f"**{c:g}": operator.methodcaller("__pow__", c) for c in (2.0, 3.0, -1.0, 0.5, 0.0)},
    "negative_base": NEGATIVE_BASE, "plus_nothing": PLUS_NOTHING, "clipped": CLIPPED,
}
BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
    "**": operator.pow, "maximum": maximum, "minimum": minimum, "mix": MIX,
}
NARY = {"sum": (rules.SUM, 3), "logsumexp": (rules.LOGSUMEXP, 3),
        "weighted_sum": (rules.WEIGHTED_SUM, 5)}

HOSTILE = [0.0, -0.0, 1.0, -1.0, 2.0, -2.0, 0.5, 3.0, math.inf, -math.inf, math.nan,
           5e-324, 1e-310, -1e-310, 1e-300, 1e308, -1e308, 709.0, 710.0]
numbers = st.one_of(st.sampled_from(HOSTILE), st.floats(-4.0, 4.0), st.floats())

# An operand: ("node", k) is the k-th node made so far (taken modulo their number: reuse and
# fan-out come free), ("number", x) a constant beside a Value, on either side.
operands = st.one_of(st.tuples(st.just("node"), st.integers(0, 30)),
                     st.tuples(st.just("number"), numbers))
steps = st.one_of(
    st.tuples(st.sampled_from(sorted(UNARY)), st.tuples(st.tuples(st.just("node"),
                                                                  st.integers(0, 30)))),
    st.tuples(st.sampled_from(sorted(BINARY)), st.tuples(operands, operands)),
    *[st.tuples(st.just(name), st.tuples(*[operands] * arity))
      for name, (_, arity) in NARY.items()],
)
programs = st.tuples(st.lists(numbers, min_size=1, max_size=3),
                     st.lists(steps, min_size=1, max_size=10))


def build(program: tuple[list[float], list[Any]]) -> tuple[list[Value], Value]:
    """Return (leaves, root): the program's graph, made afresh; an op that raises is left out."""
    values, ops = program
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(values)]
    nodes: list[Value] = list(leaves)
    for name, args in ops:
        operands_ = [nodes[k % len(nodes)] if kind == "node" else k for kind, k in args]
        if not any(isinstance(a, Value) for a in operands_):
            operands_[0] = nodes[-1]  # every op has a Value among its inputs
        try:
            if name in UNARY:
                made = UNARY[name](*operands_)
            elif name in BINARY:
                made = BINARY[name](*operands_)
            else:
                made = apply(NARY[name][0], tuple(operands_))
        except (ValueError, ArithmeticError):
            continue
        nodes.append(made)
    return leaves, nodes[-1]


def same(a: float, b: float) -> bool:
    """Bit for bit, as floats: nan is nan, and 0.0 is not -0.0."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def same_number(a: float, b: float) -> bool:
    """Equal as numbers: nan is nan, and 0.0 is -0.0."""
    return (math.isnan(a) and math.isnan(b)) or a == b


def outcome(run: Callable[[], Any]) -> Any:
    """Return what ``run`` returns, or the type of the error it raised (ours only)."""
    try:
        return run()
    except (ValueError, ArithmeticError) as error:
        assert isinstance(error, MicrogradError), f"not our error: {error!r}"
        return type(error)


def by_leaf(program: Any, path: Callable[[list[Value], Value], list[float]]) -> Any:
    leaves, root = build(program)
    return outcome(lambda: path(leaves, root))


def reference(leaves: list[Value], root: Value) -> list[float]:
    grads = reference_backward(root)
    return [grads.get(x, 0.0) for x in leaves]


def eager(leaves: list[Value], root: Value) -> list[float]:
    root.backward()
    return [float(x.grad) for x in leaves]


def by_hand(leaves: list[Value], root: Value) -> list[float]:
    root.grad = 1.0  # as the lecture's cells do: o.grad = 1.0, then each _backward, newest first
    for node in reversed(made_by_ops(root)):
        node._backward()
    return [float(x.grad) for x in leaves]


def recorded(leaves: list[Value], root: Value) -> list[float]:
    grads = record(root).grads
    return [grads.get(x, 0.0) for x in leaves]


def backpropagated(leaves: list[Value], root: Value) -> list[float]:
    grads = backpropagate(root, 1.0, create_graph=False)
    return [grads.get(x, 0.0) for x in leaves]


def as_functions(leaves: list[Value], root: Value) -> list[float]:
    return [float(g) for g in gradients(root, leaves)]


def replayed(leaves: list[Value], root: Value) -> list[float]:
    value, grads = Replay(root, leaves)()
    assert same(value, root.data)
    return grads


def creating_graph(leaves: list[Value], root: Value) -> list[float]:
    root.backward(create_graph=True)
    return [x.grad.data for x in leaves]


BIT_FOR_BIT = [eager, by_hand, recorded, backpropagated, as_functions, replayed]


def agree(expected: Any, got: Any, equal: Callable[[float, float], bool]) -> bool:
    if isinstance(expected, type) or isinstance(got, type):
        return expected is got
    return len(expected) == len(got) and all(map(equal, expected, got))


@given(programs)
def test_every_fast_pass_gives_the_reference_s_numbers(program):
    expected = by_leaf(program, reference)
    note(f"reference: {expected!r}")
    for path in BIT_FOR_BIT:
        got = by_leaf(program, path)
        assert agree(expected, got, same), f"{path.__name__}: {got!r}"
    got = by_leaf(program, creating_graph)
    assert agree(expected, got, same_number), f"create_graph: {got!r}"


@given(programs)
def test_every_node_s_eager_grad_is_the_reference_s(program):
    _, root = build(program)
    try:
        grads = reference_backward(root)
    except (ValueError, ArithmeticError):
        return  # the first test compares the errors
    root.backward()  # the same graph: the reference touched no grad
    for node in made_by_ops(root):
        assert same(float(node.grad), grads[node]), node


@given(programs)
def test_every_node_s_data_is_its_row_s_forward(program):
    # The recorders compute + - * / relu... inline, as the rows write them (core/recorders.py):
    # each node holds what its row's own forward gives on its inputs, bit for bit.
    _, root = build(program)
    for node in made_by_ops(root):
        inputs = [x if type(x) is float else x.data for x in stored_inputs(node)]
        assert same(node.data, node.rule.forward(*inputs)), (node.op, inputs, node.data)


@given(programs, st.lists(numbers, min_size=1, max_size=3), st.sampled_from([1.0, 0.5, -0.25]))
def test_the_per_sample_replay_is_the_reference_summed_over_samples(program, other, seed):
    # Leaf 0 is the parameter; the others are one sample's features, drawn anew for sample 2.
    values, ops = program
    features = [other[i % len(other)] for i in range(1, len(values))]
    leaves, loss = build(program)
    parameter = leaves[:1]
    if loss is parameter[0] or loss in leaves:
        return
    made = made_by_ops(loss)
    # SampleReplay, as Replay, walks only the paths that reach its inputs (a library model has
    # no other): where some node reaches no parameter, eager could raise there and replay not.
    assume(set(made) <= _leads_to(made, parameter[0]))
    sample_replay = SampleReplay(loss, parameter, leaves[1:], [])
    samples = [tuple(values[1:]), tuple(features)]

    def reference_sum() -> list[float]:
        # The parameter's gradient as eager adds it up over the batch: the last sample first,
        # each share added into a sum that starts at 0.0.
        sums = 0.0
        for sample in reversed(samples):
            sample_leaves, sample_loss = build(([values[0], *sample], ops))
            grads = reference_backward(sample_loss, seed)
            for node in reversed(made_by_ops(sample_loss)):
                for x, share in zip(node.parents, _shares(node, grads), strict=True):
                    if x is sample_leaves[0]:
                        sums = sums + share
        return [sums]

    # An op left out where it raised may leave a sample's graph another shape: nothing to replay.
    assume(len({shape(*build(([values[0], *sample], ops))) for sample in samples}) == 1)
    expected = outcome(reference_sum)
    try:  # fit's hot path raises the arithmetic's own error, and fit then steps eagerly
        got = list(sample_replay([values[0]], list(reversed(samples)), seed)[1])
    except (ValueError, ArithmeticError):
        assert isinstance(expected, type), f"per-sample replay raised; reference {expected!r}"
        return
    assert agree(expected, got, same), f"per-sample replay: {got!r}, reference {expected!r}"


def shape(leaves: list[Value], root: Value) -> tuple[Any, ...]:
    """Return the graph's shape: each op node's op and where its inputs come from."""
    made = made_by_ops(root)
    place = {x: k for k, x in enumerate([*leaves, *made])}
    return tuple((node.op, tuple(place.get(x, "number") for x in node.parents))
                 for node in made)


def _leads_to(made: list[Value], parameter: Value) -> set[Value]:
    reaching = {parameter}
    for node in made:
        if any(x in reaching for x in node.parents):
            reaching.add(node)
    return reaching


def _shares(node: Value, grads: dict[Value, float]) -> tuple[float, ...]:
    return node.rule.vjp(grads[node], *[x.data for x in node.parents], node.data)


# fit: the same run replayed and eager, over random models, losses, optimizers and data.


class DecayingSGD(SGD):
    def zero_grad(self) -> None:
        self.lr *= 0.9
        super().zero_grad()


class HalvingSGD(SGD):
    def zero_grad(self) -> None:  # keeps half of each gradient: eager adds onto it
        for p in self.params:
            p.grad = p.grad * 0.5


class ClippedAdam(Adam):
    def step(self) -> None:
        for p in self.params:
            p.grad = max(-1.0, min(1.0, p.grad))
        super().step()


OPTIMIZERS: list[Callable[[list[Value]], Any]] = [
    lambda ps: SGD(ps, lr=0.1), lambda ps: SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.01),
    lambda ps: Adam(ps, lr=0.01), lambda ps: DecayingSGD(ps, lr=0.1),
    lambda ps: HalvingSGD(ps, lr=0.1), lambda ps: ClippedAdam(ps, lr=0.05),
    lambda ps: SGD(ps[::2], lr=0.1, momentum=0.5),  # the others' grads add up step after step
]
MODELS: list[Callable[[int, int, int, str], Any]] = [
    lambda n_in, n_out, seed, out: MLP(n_in, [3, n_out], activation="tanh", seed=seed,
                                       output_activation=out),
    lambda n_in, n_out, seed, out: MLP(n_in, [2, 2, n_out], activation="relu", seed=seed,
                                       output_activation=out),
    lambda n_in, n_out, seed, out: Layer(n_in, n_out, activation=out, seed=seed),
    lambda n_in, n_out, seed, out: Neuron(n_in, activation=out, seed=seed),
]


def _class(x: list[float], n: int) -> int:
    return min(n - 1, max(0, int(x[0] + n / 2))) if math.isfinite(x[0]) else 0


def _one_hot(x: list[float], n: int) -> list[float]:
    return [1.0 if k == _class(x, n) else 0.0 for k in range(n)]


# Each library loss: (outputs, the output activation it takes, the target of an input, the
# accuracy rule). Targets mix every kind a loss takes (0 and 1 for BCE, classes, one-hot).
LOSSES: dict[Callable[..., Any], tuple[int, str, Callable[[list[float]], Any], str | None]] = {
    max_margin_loss: (1, "identity", lambda x: -1 if x[0] < 0 else 1, "sign"),
    mean_squared_error: (2, "identity", lambda x: [x[0], -x[0]], None),
    binary_cross_entropy_with_logits: (
        1, "identity", lambda x: 0 if not x[0] > 0 else 1 if x[0] > 1 else 0.5, "positive"),
    binary_cross_entropy: (1, "sigmoid", lambda x: 0 if x[0] < 0 else 1, "threshold"),
    cross_entropy: (3, "identity", lambda x: _class(x, 3), "argmax"),
    cross_entropy_from_probabilities: (3, "softmax", lambda x: _one_hot(x, 3), "argmax"),
    multiclass_svm_loss: (2, "identity", lambda x: _class(x, 2), "argmax"),
}
HOSTILE = st.sampled_from([math.inf, -math.inf, math.nan, 1e308, -0.0, 5e-324])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # a relu layer may die: the same in both
@given(st.integers(0, len(MODELS) - 1), st.integers(0, len(OPTIMIZERS) - 1),
       st.sampled_from(list(LOSSES)), st.booleans(), st.integers(1, 3),
       st.sampled_from([None, 1, 2, 3]), st.integers(0, 10**6),
       st.lists(st.floats(-3.0, 3.0), min_size=4, max_size=16),
       st.none() | st.tuples(st.integers(0, 15), HOSTILE))
def test_fit_replayed_is_fit_eager_bit_for_bit(model_k, optimizer_k, loss, regularized, n_in,
                                               batch_size, seed, numbers_, hostile):
    if hostile is not None:  # one number that is not finite, or is extreme, somewhere
        numbers_[hostile[0] % len(numbers_)] = hostile[1]
    n_out, output, target, accuracy = LOSSES[loss]
    if n_out > 1 and model_k == 3:  # a Neuron has one output
        model_k = 2
    rows = len(numbers_) // n_in
    inputs = [numbers_[i * n_in:(i + 1) * n_in] for i in range(rows)]
    targets = [target(x) for x in inputs]

    def run(replay: bool) -> Any:
        model = MODELS[model_k](n_in, n_out, seed, output)
        optimizer = OPTIMIZERS[optimizer_k](model.parameters())
        penalty = (lambda: l2_regularization(model.parameters(), 0.01)) if regularized else None

        def train() -> Any:
            history = fit(model, inputs, targets, loss=loss, optimizer=optimizer, epochs=3,
                          batch_size=batch_size, seed=seed, accuracy=accuracy,
                          regularization=penalty, replay=replay)
            return history.loss + history.accuracy + [
                x for p in model.parameters() for x in (p.data, p.grad)]

        try:  # the same error, word for word (a loss of inf is not a loss of nan)
            return train()
        except MicrogradError as error:
            return type(error), str(error)

    expected, got = run(False), run(True)
    if isinstance(expected, tuple):
        assert got == expected
    else:
        assert agree(expected, got, same), f"replayed {got!r}, eager {expected!r}"


def test_a_constant_of_the_program_is_a_constant_leaf_when_looked_at():
    # The paths above compare leaves the user made; a number beside a Value is a Constant.
    _, root = build(([2.0], [("*", (("node", 0), ("number", 3.0)))]))
    assert isinstance(root.parents[1], Constant)


# Batched replay: the same generated code run on numpy arrays, every sample at once.

try:
    import numpy as np
except ImportError:  # the batched paths run on numpy; the tests above do not need it
    np = None
needs_numpy = pytest.mark.skipif(np is None, reason="the batched replay runs on numpy arrays")


def per_row(replay: Replay, rows: list[list[float]]) -> Any:
    """Return (outputs, grads per input) called sample after sample, or the first error's type."""
    results = outcome(lambda: [replay(row) for row in rows])
    if isinstance(results, type):
        return results
    return ([value for value, _ in results],
            [list(column) for column in zip(*(g for _, g in results), strict=True)])


def on_arrays(replay: Replay, rows: list[list[float]], *, fast: bool) -> Any:
    def run() -> Any:
        outputs, grads = replay.batch([list(column) for column in zip(*rows, strict=True)],
                                      fast=fast)
        return outputs.tolist(), [g.tolist() for g in grads]

    return outcome(run)


def close(a: float, b: float) -> bool:
    """Within 1e-12 relative where both are finite (1e-14 apart for a weight that cancels to
    about 0: 7.8e-18 for 5.1e-18 is no difference at the scale of the others); else bit for bit."""
    if math.isfinite(a) and math.isfinite(b):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-14)
    return same(a, b)


@needs_numpy
@given(programs, st.lists(st.lists(numbers, min_size=3, max_size=3), min_size=1, max_size=5))
def test_replay_batch_is_the_replay_called_sample_after_sample(program, others):
    leaves, root = build(program)
    replay = Replay(root, leaves)
    rows = [[x.data for x in leaves], *([row[i] for i in range(len(leaves))] for row in others)]
    expected = per_row(replay, rows)
    got = on_arrays(replay, rows, fast=False)
    if isinstance(expected, type) or isinstance(got, type):
        assert expected is got, f"batch: {got!r}, sample after sample: {expected!r}"
        return
    assert agree(expected[0], got[0], same), f"outputs {got[0]!r}, expected {expected[0]!r}"
    for e, g in zip(expected[1], got[1], strict=True):
        assert agree(e, g, same), f"gradients {g!r}, expected {e!r}"


def bit_for_bit_or_raised(run: Callable[[], Any], expected: Any) -> None:
    # The arrays may refuse what floats accept (numpy raises on 1e308 * 10, Python gives inf):
    # then the caller runs the floats. Where the floats raise, the arrays must raise too.
    try:
        losses, gradients, watched = run()
    except (ValueError, ArithmeticError):
        return
    assert not isinstance(expected, type), f"arrays answered where floats raise {expected!r}"
    assert agree(expected[0], losses, same), f"losses {losses!r}, floats {expected[0]!r}"
    assert agree(expected[1], gradients, same), f"grads {gradients!r}, floats {expected[1]!r}"
    assert len(watched) == len(expected[2])
    for e, g in zip(expected[2], watched, strict=True):
        assert agree(e, g, same), f"watched {g!r}, floats {e!r}"


@needs_numpy
@given(programs, st.lists(st.lists(numbers, min_size=3, max_size=3), min_size=1, max_size=6),
       st.sampled_from([1.0, 0.5, -0.25]), st.sampled_from([None, (0.75,), (-2.5,), (1e308,)]))
def test_the_per_sample_replay_on_arrays_is_the_per_sample_replay_on_floats(program, others,
                                                                            seed, start):
    # ``start``: the sums fit goes on from (a regularization term's shares, another recording's).
    # Leaf 0 is the parameter, the others a sample's features; fit's numbers come from these.
    leaves, loss = build(program)
    if loss in leaves:
        return
    made = made_by_ops(loss)
    assume(set(made) <= _leads_to(made, leaves[0]))
    samples = [tuple(x.data for x in leaves[1:]),
               *(tuple(row[:len(leaves) - 1]) for row in others)]
    floats = SampleReplay(loss, leaves[:1], leaves[1:], [], made[-1:], batched=None)
    arrays = SampleReplay(loss, leaves[:1], leaves[1:], [], made[-1:], batched="exact")
    try:
        expected = floats([leaves[0].data], samples, seed, start)
    except (ValueError, ArithmeticError) as error:  # the arithmetic's own: fit then runs eagerly
        expected = type(error)
    bit_for_bit_or_raised(lambda: arrays._batch([leaves[0].data], samples, seed, start),
                          expected)


@needs_numpy
@pytest.mark.parametrize("terms", [
    [[0.1, 1e-30, -0.1, 3.0], [1e16, 1.0, -1e16, 0.5]],  # cancellation: only fsum gets these
    [[1.0, 2.0 ** -53], [1.0, 2.0 ** -53 * 3], [2.0 ** -53, 1.0]],  # ties, both ways round
    [[-0.0, -0.0], [0.0, -0.0], [5e-324, -5e-324], [1e-310, 1e-310]],  # zeros' signs, subnormal
    [[math.inf, -math.inf], [math.nan, 1.0], [1e308, 1e308], [1e308, -1e308]],  # past fsum
    [[1.0, -1.5 * 2.0 ** -54, 2.0 ** -80], [1.0, 2.0 ** -53, 2.0 ** -90],  # near a halfway
     [1.0, -(2.0 ** -54), -(2.0 ** -100)], [1e-300, 1e-300, -1e-300]],  # point, below a power
])
def test_the_exact_sum_on_arrays_is_fsum_s_sum(terms):
    from microgradjp.core import batched
    # SUM's forward as the code calls it: over columns, one row per sample.
    run = batched.compile_on_arrays("def run(*xs, f0=f0):\n    return f0(*xs)\n",
                                    {"f0": rules.SUM.forward}, fast=False)
    expected = [rules.SUM.forward(*row) for row in terms]
    with np.errstate(all="ignore"):  # inf - inf: the callers raise, then run the floats
        got = run(*np.array(terms).T).tolist()
    assert agree(expected, got, same), got


def fit_numbers(model_k: int, loss: Any, seed: int, inputs: list[list[float]],
                targets: list[Any], replay: bool | str, batch_size: int | None,
                regularized: bool) -> Any:
    n_out, output, _, accuracy = LOSSES[loss]
    model = MODELS[model_k](len(inputs[0]), n_out, seed, output)
    optimizer = SGD(model.parameters(), lr=0.1, momentum=0.9)
    penalty = (lambda: l2_regularization(model.parameters(), 0.01)) if regularized else None

    def train() -> Any:
        history = fit(model, inputs, targets, loss=loss, optimizer=optimizer, epochs=3,
                      batch_size=batch_size, seed=seed, accuracy=accuracy,
                      regularization=penalty, replay=replay)
        # The accuracy last: fast mode's outputs may differ in the last bits, which flips an
        # argmax at an exact tie; it is compared for the exact mode only.
        return history.loss + [p.data for p in model.parameters()] + history.accuracy, \
            history.mode, len(history.accuracy)

    return outcome(train)


@needs_numpy
@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # a relu layer may die: the same in both
@given(st.integers(0, len(MODELS) - 1), st.sampled_from(list(LOSSES)), st.booleans(),
       st.integers(0, 10**6), st.sampled_from([None, 16]),
       st.lists(st.floats(-3.0, 3.0), min_size=32, max_size=40))
@example(2, multiclass_svm_loss, False, 147, None,  # ties: fast mode flips an argmax there
         [0.0, 0.0, 0.0, 0.0, -1.0, 0.0, -1.0, 0.0, 0.0, -1.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0, 0.0,
          0.0, 0.0, 0.0, -1.0, 0.0, -1.0, 0.0, -1.0, 0.0, -1.0, 0.0, 0.0, -1.0, 0.0, 0.0, 0.0,
          -1.0])
def test_fit_batched_is_fit_eager_bit_for_bit_and_fast_within_1e_12(model_k, loss, regularized,
                                                                    seed, batch_size, numbers_):
    from microgradjp.core import batched

    n_out, _, target, _ = LOSSES[loss]
    if n_out > 1 and model_k == 3:  # a Neuron has one output
        model_k = 2
    inputs = [numbers_[i:i + 2] for i in range(0, len(numbers_) - 1, 2)]
    targets = [target(x) for x in inputs]
    expected = fit_numbers(model_k, loss, seed, inputs, targets, False, batch_size, regularized)
    # Arrays from 2 samples on: a class loss replays each run of one class apart, and the runs
    # (going on from each other's sums, after a regularization term's) are short.
    with patch.dict(batched.BATCHED_FROM, {"exact": 2, "fast": 2}):
        exact = fit_numbers(model_k, loss, seed, inputs, targets, True, batch_size, regularized)
        fast = fit_numbers(model_k, loss, seed, inputs, targets, "fast", batch_size,
                           regularized)
        arrays_win = batched.wins("exact", len(inputs))
    for got in (exact, fast):
        if isinstance(expected, type) or isinstance(got, type):
            assert expected is got, f"{got!r}, eager {expected!r}"
            return
    assert expected[1] == "eager"
    one_recording = loss in (max_margin_loss, mean_squared_error) or (
        loss is binary_cross_entropy_with_logits and any(targets))  # recorded at a t != 0
    if batch_size is None and arrays_win and one_recording:  # else most steps may be eager
        assert exact[1] == "batched" and fast[1] == "batched fast", (exact[1], fast[1])
    assert agree(expected[0], exact[0], same), f"batched {exact[0]!r}, eager {expected[0]!r}"
    if model_k == 1:  # relu: an input exactly 0.0 in eager may be 1e-18 in fast, the other branch
        return
    measured = len(expected[0]) - expected[2]  # losses and weights, not the accuracy
    assert agree(expected[0][:measured], fast[0][:measured], close), \
        f"batched fast {fast[0]!r}, eager {expected[0]!r}"
