"""fit(record=...): what a recorded run keeps, checked against runs that record nothing.

The oracle is fit itself: a run of k epochs from the same seed is the recorded run's first k
epochs, bit for bit, so its parameters and gradients are what snapshot k must hold."""

import math
import sys

import pytest

from microgradjp import Value, no_grad
from microgradjp.core.recording import TrainingRecord
from microgradjp.data import two_moons
from microgradjp.errors import NonFiniteError, ValueTypeError
from microgradjp.losses import cross_entropy, max_margin_loss, mean_squared_error
from microgradjp.nn import MLP, Module, Neuron
from microgradjp.optim import SGD
from microgradjp.train import History, Recorder, fit

POINTS, LABELS = two_moons(24, 0.1, seed=3, labels=(-1, 1))


def train(epochs, record=False, activation="tanh", batch_size=None, model=None):
    model = model or MLP(2, [5, 4, 1], activation=activation, seed=7)
    history = fit(model, POINTS, LABELS, loss=max_margin_loss, epochs=epochs, accuracy="sign",
                  optimizer=SGD(model.parameters(), lr=0.3, momentum=0.9), record=record,
                  batch_size=batch_size)
    return model, history


@pytest.mark.parametrize("batch_size", [None, 5])
def test_each_snapshot_holds_that_epochs_weights_and_gradients(batch_size):
    _, history = train(6, Recorder(every=1, grid=4), batch_size=batch_size)
    for snapshot in history.record.snapshots:
        model, shorter = train(snapshot.epoch, batch_size=batch_size)
        assert snapshot.weights == tuple(p.data for p in model.parameters())
        assert snapshot.grads == tuple(p.grad for p in model.parameters())
        assert (snapshot.loss, snapshot.accuracy) == (shorter.loss[-1], shorter.accuracy[-1])


def test_recording_changes_nothing_about_the_run():
    plain_model, plain = train(8)
    model, recorded = train(8, record=True)
    assert (recorded.loss, recorded.accuracy) == (plain.loss, plain.accuracy)
    assert model.state_dict() == plain_model.state_dict()
    assert plain.record is None and isinstance(recorded.record, TrainingRecord)
    assert recorded.record.loss == tuple(recorded.loss)
    assert recorded.record.accuracy == tuple(recorded.accuracy)


@pytest.mark.parametrize(("epochs", "every", "kept"), [
    (10, Recorder(every=4), [1, 4, 8, 10]), (3, Recorder(every=5), [1, 3]),
    (1, True, [1]), (40, True, [1, *range(2, 41, 2)]),  # every=None: about 20 of the epochs
])
def test_the_first_every_kth_and_last_epochs_are_kept(epochs, every, kept):
    _, history = train(epochs, every)
    assert [s.epoch for s in history.record.snapshots] == kept


@pytest.mark.parametrize("activation", ["tanh", "relu", "sigmoid", "identity"])
def test_the_grid_holds_the_models_outputs_bit_for_bit(activation):
    model, history = train(3, Recorder(every=1, grid=6), activation=activation)
    grid = history.record.grid
    with no_grad():
        expected = tuple(model(list(point)).data for point in grid.points())
    assert len(grid.points()) == 36 and history.record.snapshots[-1].outputs == expected


def test_each_unit_is_recorded_on_every_sample_as_the_model_computes_it():
    model, history = train(2, Recorder(every=1, grid=3))
    activations = history.record.snapshots[-1].activations
    for i, point in enumerate(POINTS):
        values = [Value(c) for c in point]
        for k, layer in enumerate(model.layers):
            values = layer._outputs(values)
            assert [unit[i] for unit in activations[k]] == [v.data for v in values]
    assert [len(layer) for layer in activations] == [5, 4, 1]


def test_the_grid_spans_the_data_with_a_margin():
    _, history = train(1, Recorder(grid=5))
    grid = history.record.grid
    xs = [p[0] for p in POINTS]
    span = max(xs) - min(xs)
    assert grid.xs[0] == min(xs) - 0.1 * span and len(grid.xs) == len(grid.ys) == 5
    assert grid.xs[-1] == pytest.approx(max(xs) + 0.1 * span, rel=1e-15)


@pytest.mark.parametrize("size", [2, 5, 20])
def test_the_grid_is_the_plain_formulas_to_the_bit(size):
    # The grid is computed scaled (so inputs near 1e308 overflow nothing); ordinary data get
    # exactly low + (high - low) * i / (n - 1) around a 10 % margin.
    _, history = train(1, Recorder(grid=size))
    grid = history.record.grid
    for axis, feature in zip((grid.xs, grid.ys), zip(*POINTS, strict=True), strict=True):
        low, high = min(feature), max(feature)
        low, high = low - 0.1 * (high - low), high + 0.1 * (high - low)
        assert axis == tuple(low + (high - low) * i / (size - 1) for i in range(size))


def test_the_grid_spans_the_finite_data_without_overflowing_near_1e308():
    # The grid is laid out when the recording starts (fit refuses to step on these inputs).
    model = MLP(2, [2, 1], activation="tanh", seed=0)
    inputs = [[1e308, 0.0], [-1.7e308, 1.0], [math.inf, 2.0], [0.0, -math.inf]]
    grid = Recorder(grid=5).start(model, inputs, [1.0, -1.0, 1.0, 1.0], epochs=1,
                                  accuracy=None).finish([], []).grid
    assert all(map(math.isfinite, grid.xs + grid.ys))
    assert grid.xs[0] == -sys.float_info.max and 1e308 < grid.xs[-1] < math.inf  # no room left
    assert (grid.ys[0], grid.ys[-1]) == (-0.2, 2.2)  # nan and inf are not data to span


def test_one_input_feature_is_recorded_along_a_line_of_points():
    neuron = Neuron(1, activation="identity", seed=0)
    history = fit(neuron, [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0], loss=mean_squared_error,
                  optimizer=SGD(neuron.parameters(), lr=0.1), epochs=2,
                  record=Recorder(grid=5))
    record = history.record
    assert record.grid.ys == () and len(record.grid.xs) == 20
    assert record.labels == ("w[0]", "b") and record.layers[0].weights == ((0,),)
    assert record.snapshots[-1].outputs[0] == neuron([record.grid.xs[0]]).data


def test_a_relu_layer_that_outputs_zero_everywhere_is_flat_on_every_sample():
    # Biases of -100: every hidden ReLU outputs 0 on every sample, and no step revives one.
    model = MLP.from_weights([([[0.5, -0.5, 0.2], [0.1, 0.3, -0.2]], [-100.0, -100.0, -100.0]),
                              ([[1.0], [1.0], [1.0]], [0.0])], activation="relu")
    with pytest.warns(RuntimeWarning, match="layer 1 .* is dead"):  # fit says so too
        _, history = train(2, Recorder(every=1, grid=3), model=model)
    flat = history.record.snapshots[-1].flat
    assert flat == ((1.0, 1.0, 1.0), (0.0,))  # the identity output unit: nothing to say


def test_a_tanh_unit_pushed_far_from_zero_is_flat_on_most_samples():
    model = MLP.from_weights([([[40.0, 0.1], [0.0, 0.1]], [30.0, 0.0]), ([[1.0], [1.0]], [0.0])],
                             activation="tanh")
    _, history = train(1, Recorder(grid=3), model=model)
    first, second = history.record.snapshots[-1].flat[0]
    assert first >= 0.9 and second == 0.0


def test_a_model_with_several_outputs_records_the_class_it_picks_on_the_grid():
    model = MLP(2, [4, 3], activation="tanh", seed=1)
    targets = [0 if y < 0 else 1 for y in LABELS]
    history = fit(model, POINTS, targets, loss=cross_entropy, accuracy="argmax", epochs=2,
                  optimizer=SGD(model.parameters(), lr=0.1), record=Recorder(grid=4))
    record = history.record
    with no_grad():
        scores = [[y.data for y in model(list(p))] for p in record.grid.points()]
    assert record.outputs == 3
    assert record.snapshots[-1].outputs == tuple(float(s.index(max(s))) for s in scores)


class Line(Module):
    """A model not built of layers: y = a x0 + c."""

    def __init__(self):
        self.a, self.c = Value(0.5, label="a"), Value(0.0, label="c")

    def named_parameters(self):
        return [("a", self.a), ("c", self.c)]

    def __call__(self, x):
        return self.a * x[0] + self.c


def test_any_module_is_recorded_by_its_parameters_and_outputs():
    model = Line()
    history = fit(model, [[1.0, 0.0], [2.0, 1.0]], [1.0, 2.0], loss=mean_squared_error,
                  optimizer=SGD(model.parameters(), lr=0.1), epochs=2, record=Recorder(grid=3))
    record, last = history.record, history.record.snapshots[-1]
    assert record.labels == ("a", "c") and record.layers == () and record.outputs == 1
    assert last.weights == (model.a.data, model.c.data) and last.activations == ()
    assert last.outputs == tuple(model.a.data * x + model.c.data
                                 for x, _ in record.grid.points())


def test_the_history_shows_its_player_in_a_notebook_only_when_recorded():
    _, recorded = train(2, record=True)
    assert 'class="mgt"' in recorded._repr_html_()
    assert History(loss=[1.0])._repr_html_() is None


@pytest.mark.parametrize(("call", "error", "fragment"), [
    (lambda: train(1, record="yes"), ValueTypeError, "record is True, False or a Recorder"),
    (lambda: train(1, record=1), ValueTypeError, "record is True, False or a Recorder"),
    (lambda: Recorder(every=0), ValueTypeError, "every must be a positive int"),
    (lambda: Recorder(grid=1), ValueTypeError, "a grid needs at least two points a side"),
    (lambda: Recorder(grid=2.5), ValueTypeError, "grid must be a positive int"),
])
def test_a_bad_recording_option_is_refused(call, error, fragment):
    with pytest.raises(error, match=fragment):
        call()


class Log(Module):
    """A model defined for x0 > 0 only: y = a log(x0) + c."""

    def __init__(self):
        self.a, self.c = Value(0.5, label="a"), Value(0.0, label="c")

    def named_parameters(self):
        return [("a", self.a), ("c", self.c)]

    def __call__(self, x):
        return self.a * Value(x[0]).log() + self.c


def test_the_grid_past_the_data_where_the_model_is_undefined_holds_nan():
    # The grid reaches 10 % past the data: below 0 for data from 0.05, where log is undefined.
    # The run trains unrecorded; recorded, it trained the same and has no value there.
    inputs, targets = [[0.05], [0.5], [1.0]], [0.0, 1.0, 2.0]
    plain, model = Log(), Log()
    fit(plain, inputs, targets, loss=mean_squared_error, epochs=2,
        optimizer=SGD(plain.parameters(), lr=0.1))
    history = fit(model, inputs, targets, loss=mean_squared_error, epochs=2,
                  optimizer=SGD(model.parameters(), lr=0.1), record=Recorder(grid=5))
    assert (model.a.data, model.c.data) == (plain.a.data, plain.c.data)
    xs, outputs = history.record.grid.xs, history.record.snapshots[-1].outputs
    assert [math.isnan(y) for y in outputs] == [x <= 0 for x in xs] and xs[0] < 0 < xs[-1]
    assert [y for x, y in zip(xs, outputs, strict=True) if x > 0] == [
        model.a.data * math.log(x) + model.c.data for x in xs if x > 0]


def diverge(record):
    # The run: an identity MLP fitting x squared with too large a step (issue 30, row 2).
    model = MLP(1, [4, 1], activation="identity", seed=0)
    xs = [[float(x)] for x in range(10)]
    fit(model, xs, [x[0] ** 2 for x in xs], loss=mean_squared_error, epochs=100,
        optimizer=SGD(model.parameters(), lr=0.02), record=record)


def test_recording_a_diverging_run_fails_as_the_unrecorded_run_does():
    # The recorder evaluated the grid, past the data, with the row's exact sum: its fsum raised
    # a raw "ValueError: -inf + inf in fsum" an epoch before the run itself failed.
    with pytest.raises(Exception) as unrecorded:
        diverge(record=False)
    with pytest.raises(Exception) as recorded:
        diverge(record=Recorder(every=1))
    assert (type(recorded.value), str(recorded.value)) == (
        type(unrecorded.value), str(unrecorded.value))


@pytest.mark.parametrize("record", [False, Recorder(every=1)], ids=["unrecorded", "recorded"])
def test_a_diverging_run_stops_naming_the_epoch_with_its_record_kept(record):
    with pytest.raises(NonFiniteError, match=r"fit, epoch \d+ of 100: the loss is") as error:
        diverge(record=record)
    history = error.value.history
    assert len(history.loss) > 0
    if record:
        assert history.record.snapshots[-1].epoch == len(history.loss)


def test_a_records_text_form_is_a_line_not_its_numbers():
    # A recorded run holds thousands of numbers: a terminal (or a notebook's text/plain) shows
    # what it is in one line, as History does.
    points, labels = two_moons(20, 0.1, seed=0, labels=(-1, 1))
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    history = fit(model, points, labels, loss=max_margin_loss, epochs=3, record=True,
                  optimizer=SGD(model.parameters(), lr=0.1))
    text = repr(history.record)
    assert text == (f"<TrainingRecord: 3 epochs, {len(history.record.snapshots)} recorded, "
                    f"20 samples, loss {history.loss[0]:.4g} to {history.loss[-1]:.4g}>")
