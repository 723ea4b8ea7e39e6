"""fit replays its steps where the graph is provably the same, with eager's numbers bit for bit,
and runs every other step eagerly (the reference)."""

import pytest

from microgradjp.data import two_moons
from microgradjp.errors import DomainError
from microgradjp.losses import (
    binary_cross_entropy_with_logits,
    l2_regularization,
    max_margin_loss,
    mean_squared_error,
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
                  optimizer=SGD(model.layers[1].parameters(), lr=0.05))
    assert history.eager == "the optimizer does not train exactly the model's parameters"


def test_an_optimizer_over_some_parameters_runs_eagerly(eager_steps):
    def build(replay):
        model = MLP(2, [4, 1], activation="tanh", seed=0)
        frozen_first_layer = SGD(model.layers[1].parameters(), lr=0.05)
        fit(model, POINTS, LABELS, loss=max_margin_loss, optimizer=frozen_first_layer,
            epochs=3, replay=replay)
        return [(p.data, p.grad) for p in model.parameters()]  # unzeroed grads accumulate

    assert build(True) == build(False) and len(eager_steps) == 6


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
