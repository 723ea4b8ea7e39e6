"""Tests for microgradjp.train: fit's history and progress, the perceptron rule, what nets learn."""

import math
import sys

import pytest

from microgradjp import Value
from microgradjp.data import truth_table, two_moons
from microgradjp.errors import DomainError, NonFiniteError, ValueTypeError
from microgradjp.losses import (
    binary_cross_entropy_with_logits,
    l2_regularization,
    max_margin_loss,
    mean_squared_error,
)
from microgradjp.nn import MLP, Layer, Neuron
from microgradjp.optim import SGD, Adam
from microgradjp.train import History, Recorder, fit, train_perceptron


def accuracy(model, inputs, targets, threshold=0.0):
    outputs = [model(x) for x in inputs]
    values = [y.data if isinstance(y, Value) else y[0].data for y in outputs]
    return sum((v > threshold) == (t == 1) for v, t in zip(values, targets, strict=True)) / len(
        targets)


# -- the perceptron (seed 000) ---------------------------------------------------------------------


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND"])
def test_perceptron_rule_learns_separable_gates(gate):
    inputs, targets = truth_table(gate)
    neuron = Neuron(2, activation="step", seed=0)
    mistakes = train_perceptron(neuron, inputs, targets, lr=0.1, epochs=100)
    assert mistakes[-1] == 0 and len(mistakes) < 100
    assert accuracy(neuron, inputs, targets, threshold=0.5) == 1.0


def test_perceptron_rule_never_learns_xor():
    inputs, targets = truth_table("XOR")
    neuron = Neuron(2, activation="step", seed=0)
    mistakes = train_perceptron(neuron, inputs, targets, lr=0.1, epochs=200)
    assert len(mistakes) == 200 and min(mistakes) > 0
    assert accuracy(neuron, inputs, targets, threshold=0.5) <= 0.75  # no line splits XOR


def test_one_layer_trained_by_gradient_descent_cannot_learn_xor():
    inputs, targets = truth_table("XOR")
    layer = Layer(2, 1, seed=0)
    fit(layer, inputs, targets, loss=binary_cross_entropy_with_logits,
        optimizer=Adam(layer.parameters(), lr=0.1), epochs=300)
    assert accuracy(layer, inputs, targets) <= 0.75


def test_two_layer_mlp_learns_xor():
    inputs, targets = truth_table("XOR")
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    history = fit(model, inputs, targets, loss=binary_cross_entropy_with_logits,
                  optimizer=Adam(model.parameters(), lr=0.1), epochs=300, accuracy="positive")
    assert history.accuracy[-1] == 1.0
    assert accuracy(model, inputs, targets) == 1.0


def test_seed_000_gradient_is_dz_transpose_x():
    # E = 1/2 sum (A - Y)^2 with A = sigmoid(XW + b): dE/dW = dZ^T X, dE/db = sum dZ.
    inputs, targets = truth_table("AND")
    neuron = Neuron.from_weights([0.3, -0.2], 0.1, activation="sigmoid")
    loss = mean_squared_error([neuron(x) for x in inputs], targets, half=True, reduction="sum")
    loss.backward()
    z = [0.3 * x0 - 0.2 * x1 + 0.1 for x0, x1 in inputs]
    a = [1 / (1 + math.exp(-zi)) for zi in z]
    dz = [(ai - t) * ai * (1 - ai) for ai, t in zip(a, targets, strict=True)]
    expected_w = [math.fsum(d * x[k] for d, x in zip(dz, inputs, strict=True)) for k in range(2)]
    assert [w.grad for w in neuron.weights] == pytest.approx(expected_w, abs=1e-15)
    assert neuron.bias.grad == pytest.approx(math.fsum(dz), abs=1e-15)


def test_seed_000_sigmoid_network_learns_and_by_gradient_descent():
    inputs, targets = truth_table("AND")
    neuron = Neuron(2, activation="sigmoid", seed=0)
    optimizer = SGD(neuron.parameters(), lr=1.0)
    for _ in range(1000):
        loss = mean_squared_error([neuron(x) for x in inputs], targets, half=True,
                                  reduction="sum")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert accuracy(neuron, inputs, targets, threshold=0.5) == 1.0
    assert loss.data < 0.05


# -- fit ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_mlp_reaches_97_percent_on_two_moons():
    # 100 points, a 2-8-8-1 relu net, 30 epochs of mini-batches of 10 with Adam: about 0.6 s.
    inputs, labels = two_moons(100, 0.1, seed=0)
    model = MLP(2, [8, 8, 1], activation="relu", seed=0)
    history = fit(model, inputs, labels, loss=binary_cross_entropy_with_logits,
                  optimizer=Adam(model.parameters(), lr=0.03), epochs=30, batch_size=10,
                  seed=0, accuracy="positive")
    assert accuracy(model, inputs, labels) >= 0.97
    assert history.loss[-1] < history.loss[0] / 5


def test_fit_history_has_one_entry_per_epoch():
    neuron = Neuron(1, activation="identity", seed=0)
    history = fit(neuron, [[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0], loss=mean_squared_error,
                  optimizer=SGD(neuron.parameters(), lr=0.05), epochs=7, batch_size=2,
                  accuracy=lambda outputs, target: abs(outputs[0] - target) < 0.5)
    assert isinstance(history, History)
    assert len(history.loss) == len(history.accuracy) == 7
    assert history.loss[-1] < history.loss[0]
    assert all(0.0 <= a <= 1.0 for a in history.accuracy)


def test_fit_without_accuracy_records_loss_only():
    neuron = Neuron(1)
    history = fit(neuron, [[1.0]], [1.0], loss=mean_squared_error,
                  optimizer=SGD(neuron.parameters(), lr=0.1), epochs=3)
    assert len(history.loss) == 3 and history.accuracy == []


def test_fit_with_full_batch_loss_is_the_mean_over_samples():
    neuron = Neuron.from_weights([0.0], 0.0)
    history = fit(neuron, [[1.0], [2.0]], [1.0, 3.0], loss=mean_squared_error,
                  optimizer=SGD(neuron.parameters(), lr=1e-9), epochs=1)
    assert history.loss == [pytest.approx((1.0 + 9.0) / 2 / 2)]  # the seeds' ½ of the mean


def test_fit_adds_the_regularization_term():
    neuron = Neuron.from_weights([2.0], 0.0)
    history = fit(neuron, [[1.0]], [2.0], loss=mean_squared_error,
                  optimizer=SGD(neuron.parameters(), lr=1e-9), epochs=1,
                  regularization=lambda: l2_regularization(neuron.parameters(), 0.5))
    assert history.loss == [pytest.approx(0.0 + 0.5 * 4.0)]


def test_fit_is_reproducible_from_its_seed():
    def run():
        model = MLP(2, [4, 1], seed=1)
        inputs, labels = two_moons(20, 0.1, seed=1)
        return fit(model, inputs, labels, loss=binary_cross_entropy_with_logits,
                   optimizer=SGD(model.parameters(), lr=0.1), epochs=3, batch_size=5, seed=2)
    assert run() == run()


def test_fit_is_quiet_when_not_asked_and_not_on_a_terminal(capsys):
    neuron = Neuron(1)
    fit(neuron, [[1.0]], [1.0], loss=mean_squared_error,
        optimizer=SGD(neuron.parameters(), lr=0.1), epochs=5)
    assert capsys.readouterr() == ("", "")


def test_fit_shows_a_progress_bar_when_asked(capsys):
    neuron = Neuron(1)
    fit(neuron, [[1.0]], [1.0], loss=mean_squared_error,
        optimizer=SGD(neuron.parameters(), lr=0.1), epochs=5, accuracy="sign", progress=True)
    err = capsys.readouterr().err
    assert "5/5" in err and "loss=" in err and "accuracy=" in err


def test_fit_in_a_jupyter_kernel_shows_a_bar_unasked(monkeypatch):
    # A kernel's stderr is no terminal; the learner watches all the same (tqdm.auto draws it).
    import types

    from microgradjp.nn.train import _progress_bar

    monkeypatch.setitem(sys.modules, "ipykernel", types.ModuleType("ipykernel"))
    bar = _progress_bar(5, None)
    try:
        assert type(bar).__module__.startswith("tqdm") and bar.total == 5 and bar.delay == 1.0
    finally:
        bar.close()
    assert type(_progress_bar(5, False)).__name__ == "nullcontext"


@pytest.mark.parametrize(("name", "outputs", "target", "correct"), [
    ("argmax", [0.1, 0.7, 0.2], 1, True), ("argmax", [0.1, 0.7, 0.2], 2, False),
    ("argmax", [0.1, 0.7, 0.2], [0, 1, 0], True), ("argmax", [0.1, 0.7, 0.2], [0, 0, 1], False),
    ("argmax", [0.1, 0.7, 0.2], [0.2, 0.5, 0.3], True),
    ("positive", [0.3], 1, True), ("positive", [-0.3], 1, False),
    ("sign", [-0.3], -1, True), ("threshold", [0.49], 1, False), ("threshold", [0.5], 1, True),
])
def test_accuracy_rules(name, outputs, target, correct):
    neuron_outputs = [Value(y) for y in outputs]
    history = fit(lambda x: neuron_outputs, [[0.0]], [target],
                  loss=lambda ys, t: ys[0] * 0.0, optimizer=SGD([Value(0.0)], lr=0.1),
                  epochs=1, accuracy=name)
    assert history.accuracy == [1.0 if correct else 0.0]


@pytest.mark.parametrize(("call", "exception", "fragment"), [
    (lambda: fit(Neuron(1), [[1.0]], [1.0], loss=mean_squared_error,
                 optimizer=SGD([Value(0.0)], 0.1), epochs=0), ValueTypeError, "epochs must be"),
    (lambda: fit(Neuron(1), [[1.0]], [1.0], loss=mean_squared_error,
                 optimizer=SGD([Value(0.0)], 0.1), accuracy="top5"), DomainError, "accuracy rules"),
    (lambda: fit(Neuron(1), [[1.0]], [1.0, 2.0], loss=mean_squared_error,
                 optimizer=SGD([Value(0.0)], 0.1)), DomainError, "one target per input"),
    (lambda: fit(lambda x: [Value(0.7), Value(0.2)], [[0.0]], [1], loss=lambda ys, t: ys[0],
                 optimizer=SGD([Value(0.0)], 0.1), accuracy="threshold"),
     DomainError, "read a model with one output"),
    (lambda: train_perceptron(Layer(2, 1), [[0.0, 1.0]], [1]), ValueTypeError, "single Neuron"),
    (lambda: train_perceptron(Neuron(2), [], []), DomainError, "there are no samples"),
    (lambda: train_perceptron(Neuron(2), [[0.0, 1.0]], [1], lr=0), DomainError, "lr must be > 0"),
    (lambda: train_perceptron(Neuron(2), [[0.0, 1.0]], [1], lr=math.nan), ValueTypeError,
     "lr must be a finite number"),
    (lambda: train_perceptron(Neuron(2), [[0.0, 1.0]], [1, 0]), DomainError, "one target per"),
])
def test_errors(call, exception, fragment):
    with pytest.raises(exception) as caught:
        call()
    assert fragment in str(caught.value)


def test_an_accuracy_rule_that_cannot_read_the_outputs_fails_before_any_update():
    model = MLP(2, [3, 2], seed=0)
    before = model.state_dict()
    with pytest.raises(DomainError, match="one output"):
        fit(model, [[0.0, 1.0]], [1], loss=lambda ys, t: ys[0] * ys[0],
            optimizer=SGD(model.parameters(), lr=0.1), accuracy="positive")
    assert model.state_dict() == before


def test_fit_takes_numpy_arrays_and_gives_the_list_run_bit_for_bit():
    np = pytest.importorskip("numpy")
    inputs, labels = two_moons(20, 0.1, seed=0, labels=(-1, 1))
    runs = []
    for X, y in ((np.array(inputs), np.array(labels)), (inputs, labels)):
        model = MLP(2, [4, 1], activation="tanh", seed=0)
        history = fit(model, X, y, loss=max_margin_loss, epochs=3, batch_size=5, accuracy="sign",
                      optimizer=SGD(model.parameters(), lr=0.1))
        runs.append((history.loss, history.accuracy, model.state_dict()))
    assert runs[0] == runs[1]


def test_train_perceptron_takes_numpy_arrays():
    np = pytest.importorskip("numpy")
    inputs, targets = truth_table("AND")
    neuron = Neuron(2, activation="step", init="zeros")
    mistakes = train_perceptron(neuron, np.array(inputs), np.array(targets))
    assert mistakes[-1] == 0
    assert all(type(p.data) is float for p in neuron.parameters())


@pytest.mark.parametrize("replay", [True, False])
def test_a_diverging_fit_stops_naming_the_epoch_before_its_step(replay):
    # lr=5 on a tiny regression: the loss grows to inf by epoch 109 (issue 21, item 7).
    neuron = Neuron(1, activation="identity", seed=0)
    with pytest.raises(NonFiniteError, match=r"fit, epoch 109 of 500: the loss is inf \(the "
                       r"last finite epoch's loss: 3\.679e\+305\)"):
        fit(neuron, [[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0], loss=mean_squared_error,
            optimizer=SGD(neuron.parameters(), lr=5), epochs=500, replay=replay)
    assert all(math.isfinite(p.data) for p in neuron.parameters())


@pytest.mark.parametrize("replay", [True, False])
def test_a_diverging_fit_hands_back_the_finished_epochs_and_their_record(replay):
    def run(epochs, record):
        neuron = Neuron(1, activation="identity", seed=0)
        return fit(neuron, [[1.0], [2.0], [3.0]], [2.0, 4.0, 6.0], loss=mean_squared_error,
                   optimizer=SGD(neuron.parameters(), lr=5), epochs=epochs, replay=replay,
                   record=record)

    with pytest.raises(NonFiniteError, match="fit, epoch 109 of 500") as error:
        run(500, Recorder(every=10))
    history, finished = error.value.history, run(108, False)
    assert history.loss == finished.loss
    record = history.record
    assert record.loss == tuple(finished.loss) and record.epochs == 108
    assert [s.epoch for s in record.snapshots] == [1, *range(10, 101, 10)]
    with pytest.raises(NonFiniteError) as unrecorded:
        run(500, False)
    assert unrecorded.value.history.loss == finished.loss and \
        unrecorded.value.history.record is None


@pytest.mark.parametrize("replay", [True, False])
@pytest.mark.parametrize("batch_size", [None, 1])
def test_an_inf_input_stops_fit_before_the_step_naming_the_batch_and_the_sample(
        replay, batch_size):
    # The loss is finite (tanh saturates), but 0 * inf puts nan in the gradient: before, fit
    # stepped every weight it reached to nan and blamed the learning rate an epoch later.
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    before = model.state_dict()
    inputs = [[0.5, -1.0], [math.inf, 0.5], [1.0, 1.0], [-0.5, 0.25]]
    with pytest.raises(NonFiniteError) as error:
        fit(model, inputs, [1, -1, 1, -1], loss=max_margin_loss, epochs=5, replay=replay,
            batch_size=batch_size, seed=0, optimizer=SGD(model.parameters(), lr=0.1))
    said = str(error.value)
    # One sample a batch: the inf one comes third, after the first was recorded for replay,
    # so with replay=True the replayed step is the one that declines and eager names it.
    assert said.startswith(f"fit, epoch 1 of 5, batch {1 if batch_size is None else 3}: ")
    assert "the gradient of W1[0,0] is nan while the loss is " in said
    assert said.endswith("the batch holds a sample that is not finite, input [inf, 0.5], "
                         "target -1: drop it or replace its inf or nan before fit")
    assert error.value.history.loss == []
    if batch_size is None:  # the one batch: no step was taken
        assert model.state_dict() == before
    assert all(math.isfinite(p.data) for p in model.parameters())


def test_huge_finite_gradients_whose_sum_overflows_still_step():
    # fit looks at the sum of the gradients first; inf there is not yet a refusal.
    neuron = Neuron.from_weights([1e-10, 1e-10], 0.0, activation="identity")
    fit(neuron, [[1e308, 1e308]], [0.0], loss=lambda y, t: y * 1.0, epochs=1,
        optimizer=SGD(neuron.parameters(), lr=1e-10))
    assert [w.data for w in neuron.weights] == [1e-10 - 1e-10 * 1e308] * 2
