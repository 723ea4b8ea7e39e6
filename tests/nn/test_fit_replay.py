"""fit replays its steps where the graph is provably the same, with eager's numbers bit for bit,
and runs every other step eagerly (the reference)."""

import math

import pytest

from microgradjp import Value
from microgradjp.data import two_moons
from microgradjp.errors import DomainError, NonFiniteError
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
from microgradjp.nn import train as train_module
from microgradjp.optim import SGD, Adam
from microgradjp.train import fit

POINTS, LABELS = two_moons(40, 0.1, seed=0, labels=(-1, 1))


@pytest.fixture
def eager_steps(monkeypatch):
    """Count the steps fit runs eagerly (the others are replayed)."""
    counted = []
    eager_step = train_module._eager_step

    def counting(*args):
        counted.append(len(args[5]))  # the batch's inputs
        return eager_step(*args)

    monkeypatch.setattr(train_module, "_eager_step", counting)
    return counted


def train(replay, *, model=None, loss=max_margin_loss, targets=LABELS, batch_size=None,
          optimizer=SGD, epochs=6, **options):
    model = model or MLP(2, [8, 8, 1], activation="tanh", seed=0)
    opt = optimizer(model.parameters(), lr=0.05)
    history = fit(model, POINTS, targets, loss=loss, optimizer=opt, epochs=epochs,
                  batch_size=batch_size, seed=3, replay=replay, **options)
    return history, [(p.data, p.grad) for p in model.parameters()]


@pytest.mark.parametrize("batch_size", [None, 16, 1])
def test_replayed_fit_gives_eager_losses_weights_and_grads_bit_for_bit(batch_size, eager_steps):
    eager = train(False, batch_size=batch_size, accuracy="sign")
    steps_eagerly = len(eager_steps)
    replayed = train(True, batch_size=batch_size, accuracy="sign")
    assert replayed == eager  # History (losses, accuracies) and every (data, grad), with ==
    # Replayed: only the first batch of each size ran eagerly (40 = 16 + 16 + 8: two sizes).
    assert eager_steps[steps_eagerly:] == {None: [40], 16: [16, 8], 1: [1]}[batch_size]


@pytest.mark.parametrize("model", [
    Neuron(2, activation="identity", seed=1),
    Layer(2, 1, activation="sigmoid", seed=1),
    MLP(2, [4, 1], activation="relu", seed=1),
], ids=["neuron", "layer", "mlp-relu"])
def test_every_library_model_replays_exactly(model, eager_steps):
    state = model.state_dict()
    eager = train(False, model=model, optimizer=Adam, batch_size=8)
    model.load_state_dict(state)
    replayed = train(True, model=model, optimizer=Adam, batch_size=8)
    assert replayed == eager and len(eager_steps) == 6 * 5 + 1


def test_squared_error_replays_with_list_targets_exactly(eager_steps):
    targets = [[0.5 * t, -0.25 * t] for t in LABELS]
    model = MLP(2, [4, 2], activation="tanh", seed=2)
    state = model.state_dict()
    eager = train(False, model=model, loss=mean_squared_error, targets=targets)
    model.load_state_dict(state)
    assert train(True, model=model, loss=mean_squared_error, targets=targets) == eager
    assert len(eager_steps) == 6 + 1


def branching_loss(y, t):
    # A Python `if` on the data: the graph differs from sample to sample.
    return (y - t) * (y - t) if t > 0 else (1.0 - y * t).relu()


class Doubled(MLP):
    """Your own model: its Python could do anything, so fit cannot know its graph is fixed."""

    def __call__(self, inputs):
        return super().__call__(inputs) * 2.0


@pytest.mark.parametrize(("options", "why"), [
    ({"loss": branching_loss}, "your own loss"),
    ({"model": "own"}, "your own model"),
])
def test_graphs_that_can_change_run_eagerly(options, why, eager_steps):
    def build(replay):
        model = MLP(2, [4, 1], activation="tanh", seed=0)
        chosen = dict(options)
        if chosen.pop("model", None) == "own":
            model = Doubled(2, [4, 1], activation="tanh", seed=0)
        return train(replay, model=model, **chosen)

    eager = build(False)
    replayed = build(True)
    assert replayed == eager, why
    assert len(eager_steps) == 12, why  # every step of both runs
    assert eager[0].eager == "replay=False"
    assert replayed[0].eager == {  # History says why fit declined
        "your own loss": "the loss branching_loss is not one of the library's (its Python may "
                         "branch)",
        "your own model": "the model is not the library's Neuron, Layer or MLP (its Python may "
                          "branch)",
    }[why]


def test_a_replayed_run_says_so_and_an_optimizer_that_declines_says_why():
    assert train(True)[0].eager is None
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    history = fit(model, POINTS, LABELS, loss=max_margin_loss, epochs=1,
                  optimizer=DecayingSGD(model.parameters(), lr=0.05))
    assert history.eager == "the optimizer's zero_grad is its own, not the inherited one"


@pytest.mark.parametrize("regularized", [False, True])
def test_an_optimizer_over_some_parameters_or_more_replays(regularized, eager_steps):
    # Eager backward adds into the grads zero_grad left: 0.0 for the trained parameters, the
    # running sum for a frozen one; the replay goes on from those.
    def build(replay):
        model = MLP(2, [4, 1], activation="tanh", seed=0)
        extra = Value(0.5)  # trained, though not the model's: zeroed and stepped every batch
        frozen_first_layer = SGD([*model.layers[1].parameters(), extra], lr=0.05)
        penalty = lambda: l2_regularization([*model.parameters(), extra], 1e-2)  # noqa: E731
        history = fit(model, POINTS, LABELS, loss=max_margin_loss, optimizer=frozen_first_layer,
                      epochs=3, batch_size=10, replay=replay,
                      regularization=penalty if regularized else None)
        return history, [(p.data, p.grad) for p in [*model.parameters(), extra]]

    eager = build(False)
    assert build(True) == eager and len(eager_steps) == 12 + 1
    assert eager[1][0][1] != 0.0  # a frozen weight's grad adds up over the steps


def test_a_target_the_loss_refuses_later_raises_the_loss_s_own_error(eager_steps):
    labels = [*LABELS[:-1], 0]  # one bad label: its batch is not replayed
    with pytest.raises(DomainError, match="the labels of a max-margin loss are -1 and"):
        train(True, targets=labels, batch_size=8, epochs=2)
    # The first four batches of size 8 ran (the first eagerly), the fifth failed eagerly.
    assert eager_steps == [8, 8]


def test_replay_false_never_replays(eager_steps):
    train(False, batch_size=20)
    assert len(eager_steps) == 12


def test_the_training_player_s_record_is_the_same_replayed(eager_steps):
    records = []
    for replay in (False, True):
        model = MLP(2, [4, 1], activation="tanh", seed=0)
        history = fit(model, POINTS, LABELS, loss=max_margin_loss, accuracy="sign",
                      optimizer=SGD(model.parameters(), lr=0.05), epochs=4, record=True,
                      replay=replay)
        records.append(history.record)
    assert records[0] == records[1] and len(eager_steps) == 4 + 1


class DecayingSGD(SGD):
    """An SGD whose zero_grad also lowers the learning rate, and counts its calls."""

    calls = 0

    def zero_grad(self):
        DecayingSGD.calls += 1
        self.lr *= 0.9
        super().zero_grad()


class AccumulatingSGD(SGD):
    """An SGD whose zero_grad keeps half of each gradient (a running average of gradients)."""

    def zero_grad(self):
        for p in self.params:
            p.grad = p.grad * 0.5


class CountingAdam(Adam):
    """An Adam whose step counts its calls and changes nothing else."""

    steps = 0

    def step(self):
        CountingAdam.steps += 1
        super().step()


def twenty_points_batches_of_five(optimizer, replay):
    model = MLP(2, [4, 1], activation="tanh", seed=1)
    opt = optimizer(model.parameters(), lr=0.1)
    history = fit(model, POINTS[:20], LABELS[:20], loss=max_margin_loss, optimizer=opt,
                  epochs=10, batch_size=5, seed=0, replay=replay)
    return history.loss, [(p.data, p.grad) for p in model.parameters()]


def test_a_zero_grad_of_your_own_runs_every_batch_as_eager_does():
    DecayingSGD.calls = 0
    replayed = twenty_points_batches_of_five(DecayingSGD, replay=True)
    assert DecayingSGD.calls == 40  # 4 batches in each of 10 epochs
    assert replayed == twenty_points_batches_of_five(DecayingSGD, replay=False)


def test_a_zero_grad_that_keeps_gradients_gives_eager_s_numbers():
    assert (twenty_points_batches_of_five(AccumulatingSGD, replay=True)
            == twenty_points_batches_of_five(AccumulatingSGD, replay=False))


def test_an_optimizer_s_own_step_runs_every_replayed_batch(eager_steps):
    CountingAdam.steps = 0
    replayed = twenty_points_batches_of_five(CountingAdam, replay=True)
    assert CountingAdam.steps == 40 and len(eager_steps) < 40  # most batches were replayed
    assert replayed == twenty_points_batches_of_five(CountingAdam, replay=False)


def test_a_zero_grad_set_on_the_optimizer_itself_runs_every_batch():
    calls = []
    model = MLP(2, [4, 1], activation="tanh", seed=1)
    opt = SGD(model.parameters(), lr=0.1)
    inherited = opt.zero_grad
    opt.zero_grad = lambda: (calls.append(1), inherited())  # type: ignore[method-assign]
    fit(model, POINTS[:20], LABELS[:20], loss=max_margin_loss, optimizer=opt, epochs=10,
        batch_size=5, seed=0)
    assert len(calls) == 40


# Every library loss replays, with each kind of target it takes.

ZERO_ONE = [(t + 1) // 2 for t in LABELS]
CLASSES = [int(x > 0.0) + int(y > 0.5) for x, y in POINTS]  # three classes


def eager_and_replayed(*, layers=(8, 1), output="identity", **options):
    """Return both runs of one model and options, each with how many steps ran eagerly."""
    runs = []
    for replay in (False, True):
        model = MLP(2, list(layers), activation="tanh", output_activation=output, seed=4)
        calls = []
        eager_step = train_module._eager_step

        def counting(*args, _calls=calls, _step=eager_step):
            _calls.append(1)
            return _step(*args)

        train_module._eager_step = counting
        try:
            history, weights = train(replay, model=model, **options)
        finally:
            train_module._eager_step = eager_step
        runs.append((history, weights, len(calls)))
    return runs


@pytest.mark.parametrize("targets", [
    ZERO_ONE,                                  # 0 and 1 mixed
    [1 - t for t in ZERO_ONE],                 # the same, flipped
    [0] * 20 + [1] * 20,                       # batches of 0s only, then 1s
    [0.25 * (i % 5) for i in range(40)],       # soft labels, 0 among them
], ids=["mixed", "flipped", "zeros-first", "soft"])
@pytest.mark.parametrize("batch_size", [None, 4, 1])
def test_bce_with_logits_replays_targets_0_and_1_with_one_recording(targets, batch_size):
    (eager, weights, _), (replayed, replayed_weights, steps) = eager_and_replayed(
        loss=binary_cross_entropy_with_logits, targets=targets, batch_size=batch_size,
        accuracy="positive")
    assert (replayed, replayed_weights) == (eager, weights) and replayed.eager is None
    batches = {None: 1, 4: 10, 1: 40}[batch_size] * 6
    # Batches of 0s alone cannot be the recording (t = 0 leaves t out of the graph): they run
    # eagerly until a 1 comes; the rest replay.
    assert steps < batches / 2


@pytest.mark.parametrize(("loss", "targets", "output", "accuracy"), [
    (cross_entropy, CLASSES, "identity", "argmax"),
    (cross_entropy, [[float(k == c) for k in range(3)] for c in CLASSES], "identity", "argmax"),
    (cross_entropy_from_probabilities, CLASSES, "softmax", "argmax"),
    (multiclass_svm_loss, CLASSES, "identity", "argmax"),
    (binary_cross_entropy, ZERO_ONE, "sigmoid", "threshold"),
], ids=["cross-entropy-index", "cross-entropy-one-hot", "from-probabilities", "svm", "bce"])
@pytest.mark.parametrize("batch_size", [None, 5])
def test_every_class_loss_replays_with_one_recording_per_class(loss, targets, output,
                                                              accuracy, batch_size):
    outputs = 1 if loss is binary_cross_entropy else 3
    (eager, weights, _), (replayed, replayed_weights, steps) = eager_and_replayed(
        loss=loss, targets=targets, batch_size=batch_size, accuracy=accuracy,
        layers=(8, outputs), output=output)
    assert (replayed, replayed_weights) == (eager, weights) and replayed.eager is None
    assert replayed.accuracy == eager.accuracy and replayed.accuracy[-1] > 0.5
    assert steps <= {None: 1, 5: 2}[batch_size]  # the first batch has every class


def test_a_softmax_output_the_loss_does_not_use_is_computed_not_baked_in():
    # cross entropy from probabilities reads p_k alone; argmax reads every p: replay computes
    # the others too (a recording's own numbers would count the wrong predictions).
    (eager, _, _), (replayed, _, steps) = eager_and_replayed(
        loss=cross_entropy_from_probabilities, targets=CLASSES, accuracy="argmax", epochs=30,
        layers=(8, 3), output="softmax")
    assert replayed.accuracy == eager.accuracy and len(set(eager.accuracy)) > 1
    assert steps == 1  # replayed, not stepped aside by the check that probabilities sum to 1


def test_a_soft_target_of_a_probability_loss_runs_its_batch_eagerly():
    targets = [0.5 if i == 30 else t for i, t in enumerate(ZERO_ONE)]  # its constants differ
    (eager, weights, _), (replayed, replayed_weights, steps) = eager_and_replayed(
        loss=binary_cross_entropy, targets=targets, batch_size=10, output="sigmoid")
    assert (replayed, replayed_weights) == (eager, weights)
    assert steps == 1 + 6  # the recording, then the soft label's batch in every epoch


@pytest.mark.parametrize("seed", range(4))
def test_an_inf_logit_of_target_0_stops_fit_as_eager_does(seed):
    # softplus(inf) = inf for t = 0, where the recorded softplus(z) - 0 * z gives nan: the
    # replayed batch steps aside and the eager step raises its own error.
    def run(replay):
        neuron = Neuron(1, activation="identity", seed=1)
        neuron.weights[0].data, neuron.bias.data = 0.5, 0.0
        with pytest.raises(NonFiniteError) as raised:
            fit(neuron, [[1.0], [2.0], [3.0], [math.inf]], [1, 1, 1, 0], epochs=3,
                loss=binary_cross_entropy_with_logits, batch_size=2, seed=seed,
                optimizer=SGD(neuron.parameters(), lr=0.1), replay=replay)
        return str(raised.value), raised.value.history

    assert run(True) == run(False)
    assert "the loss is inf" in run(True)[0]


def test_a_probability_out_of_range_raises_the_loss_s_own_error_replayed():
    def run(replay):
        neuron = Neuron(1, activation="identity", seed=1)
        neuron.weights[0].data, neuron.bias.data = 0.1, 0.5
        with pytest.raises(DomainError, match="a probability must be in") as raised:
            fit(neuron, [[0.1], [0.2], [0.3], [9.0]], [1, 1, 1, 1], epochs=2, batch_size=2,
                loss=binary_cross_entropy, seed=0, optimizer=SGD(neuron.parameters(), lr=0.01),
                replay=replay)
        return str(raised.value), [p.data for p in neuron.parameters()]

    assert run(True) == run(False)


# Regularization: the term runs eagerly, first, and the samples' replay goes on from its sums.

OPTIMIZERS = {
    "sgd": lambda ps: SGD(ps, lr=0.05),
    "momentum": lambda ps: SGD(ps, lr=0.05, momentum=0.9),
    "weight-decay": lambda ps: SGD(ps, lr=0.05, momentum=0.5, weight_decay=0.01),
    "adam": lambda ps: Adam(ps, lr=0.01),
    "adam-weight-decay": lambda ps: Adam(ps, lr=0.01, weight_decay=0.01),
    "own-step": lambda ps: CountingAdam(ps, lr=0.01),
}


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("loss", [max_margin_loss, binary_cross_entropy_with_logits])
@pytest.mark.parametrize("batch_size", [None, 7])
def test_l2_regularization_replays_with_every_optimizer(optimizer, loss, batch_size):
    targets = LABELS if loss is max_margin_loss else ZERO_ONE
    runs = []
    for replay in (False, True):
        model = MLP(2, [8, 8, 1], activation="tanh", seed=0)
        calls = []
        history = fit(model, POINTS, targets, loss=loss, epochs=5, batch_size=batch_size,
                      optimizer=OPTIMIZERS[optimizer](model.parameters()), seed=1,
                      regularization=lambda m=model, c=calls: (
                          c.append(1), l2_regularization(m.parameters(), 1e-2))[1],
                      accuracy="sign" if loss is max_margin_loss else "positive", replay=replay)
        runs.append((history, [(p.data, p.grad) for p in model.parameters()], len(calls)))
    assert runs[1] == runs[0]  # the term was asked for once a step in both
    assert runs[1][0].eager is None


def test_a_term_on_part_of_the_parameters_replays_too(eager_steps):
    def run(replay):
        model = MLP(2, [8, 1], activation="tanh", seed=0)
        weights = [w for n in model.layers[0].neurons for w in n.weights]
        return train(replay, model=model, batch_size=10,
                     regularization=lambda: l2_regularization(weights, 1e-2) + 0.5)

    assert run(True) == run(False) and len(eager_steps) == 24 + 1


@pytest.mark.parametrize(("term", "why"), [
    ("cached", "the regularization term is not a graph built afresh on each call"),
    ("number", "the regularization term is not a graph built afresh on each call"),
    ("own leaf", "the regularization term uses a Value that is not a parameter of the model "
                 "or the optimizer"),
])
def test_a_term_replay_cannot_follow_stops_replay_and_says_why(term, why, eager_steps):
    def run(replay):
        model = MLP(2, [4, 1], activation="tanh", seed=0)
        strength = Value(1e-2)  # a leaf of yours: eager adds into its grad every step
        cached = l2_regularization(model.parameters(), 1e-2)  # made once: older than samples
        terms = {"cached": lambda: cached, "number": lambda: 0.25,
                 "own leaf": lambda: l2_regularization(model.parameters(), 1.0) * strength}
        history, weights = train(replay, model=model, batch_size=10, regularization=terms[term])
        return history, weights, strength.grad

    eager = run(False)
    replayed = run(True)
    assert replayed == eager
    assert replayed[0].eager == why
    assert len(eager_steps) == 2 * 24  # every step of both runs


def test_an_accuracy_rule_that_raises_leaves_the_grads_as_eager_does():
    def run(replay):
        model = MLP(2, [4, 1], activation="tanh", seed=0)
        calls = []

        def rule(outputs, target):
            calls.append(1)
            if len(calls) > 100:  # in the third batch
                raise ZeroDivisionError("a rule of yours")
            return outputs[0] * target > 0

        with pytest.raises(ZeroDivisionError):
            fit(model, POINTS, LABELS, loss=max_margin_loss, accuracy=rule, epochs=5,
                batch_size=40, optimizer=SGD(model.parameters(), lr=0.1), replay=replay,
                regularization=lambda: l2_regularization(model.parameters(), 1e-2))
        return [(p.data, p.grad) for p in model.parameters()]

    assert run(True) == run(False)
