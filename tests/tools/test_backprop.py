"""check_backprop on the seeds' own hand-written backward: it passes, every classic mistake
injected into it is caught and named, and random correct networks raise no false alarm.

The network, `functions` and `backward(x, d, z1, y)` below are seed 002's (1_2_back_propagation),
global `network` included; mistakes are injected by swapping one function or one line.
"""

import collections
import itertools
import math
import re
import types
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgradjp.errors import ValueTypeError
from microgradjp.testing import BackpropError, CentralDifferencesWarning, check_backprop
from microgradjp.testing.strategies import backprop_points

np = pytest.importorskip("numpy")


def _softmax(x):
    if x.ndim == 2:
        x = x.T
        x = x - np.max(x, axis=0)
        y = np.exp(x) / np.sum(np.exp(x), axis=0)
        return y.T
    x = x - np.max(x)  # オーバーフロー対策
    return np.exp(x) / np.sum(np.exp(x))


def _cross_entropy_error(d, y):
    if y.ndim == 1:
        d = d.reshape(1, d.size)
        y = y.reshape(1, y.size)
    if d.size == y.size:  # one-hot targets become indices
        d = d.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), d] + 1e-7)) / batch_size


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# The course's common/functions.py, as the seeds call it.
functions = types.SimpleNamespace(
    relu=lambda x: np.maximum(0, x), d_relu=lambda x: np.where(x > 0, 1, 0),
    sigmoid=_sigmoid, d_sigmoid=lambda x: (1.0 - _sigmoid(x)) * _sigmoid(x),
    softmax=_softmax, cross_entropy_error=_cross_entropy_error,
    d_sigmoid_with_loss=lambda d, y: y - d,
    mean_squared_error=lambda d, y: np.mean(np.square(d - y)) / 2,
)


def init_network():
    return {"W1": np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]),
            "W2": np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
            "b1": np.array([0.1, 0.2, 0.3]), "b2": np.array([0.1, 0.2])}


network = init_network()
mistake = {}  # which line of backward is swapped for a wrong one (set by each test)


def forward(network, x):
    W1, W2 = network["W1"], network["W2"]
    b1, b2 = network["b1"], network["b2"]
    u1 = np.dot(x, W1) + b1
    z1 = functions.relu(u1)
    u2 = np.dot(z1, W2) + b2
    y = functions.softmax(u2)
    return y, z1


def backward(x, d, z1, y):
    grad = {}
    W2 = network["W2"]  # the seed reads the global network
    delta2 = mistake.get("delta2", functions.d_sigmoid_with_loss)(d, y)
    grad["b2"] = mistake.get("b2", lambda delta2: np.sum(delta2, axis=0))(delta2)
    grad["W2"] = mistake.get("W2", lambda z1, delta2: np.dot(z1.T, delta2))(z1, delta2)
    delta1 = np.dot(delta2, W2.T) * mistake.get("d_relu", functions.d_relu)(z1)
    grad["b1"] = np.sum(delta1, axis=0)
    grad["W1"] = np.dot(x.T, delta1)
    for name in mistake.get("forgotten", ()):
        del grad[name]
    return grad


def loss(net, x, d):
    y = forward(net, x)[0]
    return functions.cross_entropy_error(d, y)


def grads(net, x, d):
    y, z1 = forward(net, x)
    return backward(x, d, z1, y)


X, D = np.array([[1.0, 5.0]]), np.array([[0, 1]])


@pytest.fixture(autouse=True)
def fresh_network():
    network.clear()
    network.update(init_network())
    mistake.clear()


def caught(*inputs, **options):
    with pytest.raises(BackpropError) as error:
        check_backprop(loss, grads, network, *(inputs or (X, D)), **options)
    return error.value


def kinds(error):
    return {f.parameter: f.kind for f in error.findings}


def test_seed_002_backward_passes_at_the_seed_point_and_at_100_draws():
    assert check_backprop(loss, grads, network, X, D)
    assert check_backprop(loss, grads, network, X, D, trials=100)


def test_seed_002_one_step_numbers_are_reproduced_by_the_backward_it_checks():
    grad = grads(network, X, D)
    assert np.round(grad["W1"], 8).tolist() == [[-0.02611973] * 3, [-0.13059866] * 3]
    assert np.round(grad["W2"], 8).tolist() == [[0.10447893, -0.10447893],
                                                [0.21766443, -0.21766443],
                                                [0.33084994, -0.33084994]]
    assert np.round(grad["b1"], 8).tolist() == [-0.02611973] * 3
    assert np.round(grad["b2"], 8).tolist() == [0.08706577, -0.08706577]
    for key in ("W1", "W2", "b1", "b2"):
        network[key] -= 0.01 * grad[key]
    assert np.round(network["W1"], 8).tolist() == [[0.1002612, 0.3002612, 0.5002612],
                                                   [0.20130599, 0.40130599, 0.60130599]]
    assert np.round(network["b2"], 8).tolist() == [0.09912934, 0.20087066]


def test_the_seed_s_d_sigmoid_line_is_an_error_entering_between_layers_1_and_2():
    mistake["d_relu"] = functions.d_sigmoid  # seed 002's 試してみよう line
    error = caught()
    assert error.cause.kind == "layer" and error.cause.layer == 1
    assert set(kinds(error)) == {"W1", "b1"}
    text = str(error)
    assert "W1, b1 wrong, W2, b2 right" in text
    assert "check the activation's derivative between layers 1 and 2" in text
    assert "層 1 と 2 の間の活性化関数の微分を確認してください" in text
    w1 = next(f for f in error.findings if f.parameter == "W1")
    assert round(w1.truth, 7) == -0.1305986  # the seed's -0.13059866, but with the 1e-7
    assert w1.entry == (1, 2)
    assert f"yours {w1.theirs!r}, truth {w1.truth!r}" in text


@pytest.mark.parametrize(("line", "wrong", "kind", "words"), [
    ({"W2": lambda z1, delta2: np.dot(delta2.T, z1)}, {"W2"}, "transposed", "transposed"),
    ({"delta2": lambda d, y: d - y}, {"W1", "W2", "b1", "b2"}, "sign", "opposite sign"),
    ({"d_relu": lambda z: np.where(z > 0, 0, 1)}, {"W1", "b1"}, "zero", "0 where the truth"),
    ({"b2": lambda delta2: delta2}, {"b2"}, "shape", "np.sum(..., axis=0)"),
    ({"forgotten": ("b1",)}, {"b1"}, "missing", "no gradient"),
], ids=["transposed", "sign", "zero", "shape", "missing"])
def test_each_classic_mistake_is_named_with_its_parameter_and_kind(line, wrong, kind, words):
    mistake.update(line)
    error = caught()
    assert kinds(error) == dict.fromkeys(wrong, kind)
    assert words in str(error)


def test_a_sign_everywhere_points_at_the_output_delta():
    mistake["delta2"] = lambda d, y: d - y
    error = caught()
    assert error.cause.kind == "output" and "y - d, not d - y" in str(error)


def test_the_seed_s_y_minus_d_on_a_batch_is_off_by_n_a_missing_1_over_n():
    # cross_entropy_error divides by the batch size; d_sigmoid_with_loss (y - d) does not.
    x = np.array([[1.0, 5.0], [-1.0, 2.0], [0.5, 0.5], [2.0, -3.0]])
    d = np.array([[0, 1], [1, 0], [1, 0], [0, 1]])
    error = caught(x, d)
    assert set(kinds(error).values()) == {"factor"} and len(error.findings) == 4
    assert all(f.factor == pytest.approx(4.0) for f in error.findings)
    assert error.cause.kind == "output" and "a missing 1/N, N = 4?" in str(error)
    assert "1/N の付け忘れ? N = 4" in str(error)
    mistake["delta2"] = lambda d, y: (y - d) / len(d)
    assert check_backprop(loss, grads, network, x, d, trials=10)


def three_layer_loss(net, x, d):
    z1 = np.tanh(np.dot(x, net["W1"]) + net["b1"])
    z2 = np.tanh(np.dot(z1, net["W2"]) + net["b2"])
    return functions.mean_squared_error(d, np.dot(z2, net["W3"]) + net["b3"])


def three_layer_grads(net, x, d, derivative_2=lambda z: 1 - z ** 2):
    z1 = np.tanh(np.dot(x, net["W1"]) + net["b1"])
    z2 = np.tanh(np.dot(z1, net["W2"]) + net["b2"])
    delta3 = (np.dot(z2, net["W3"]) + net["b3"] - d) / d.size
    delta2 = np.dot(delta3, net["W3"].T) * derivative_2(z2)
    delta1 = np.dot(delta2, net["W2"].T) * (1 - z1 ** 2)
    return {"W3": np.dot(z2.T, delta3), "b3": np.sum(delta3, axis=0),
            "W2": np.dot(z1.T, delta2), "b2": np.sum(delta2, axis=0),
            "W1": np.dot(x.T, delta1), "b1": np.sum(delta1, axis=0)}


def test_in_three_layers_the_layer_where_the_error_enters_is_named():
    # seed 002's 3-layer network (W3, b3 = [1, 2] kept as an int array, as the seed keeps it)
    net = {**init_network(), "W2": np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
           "W3": np.array([[0.1, 0.3], [0.2, 0.4]]), "b3": np.array([1, 2])}
    x, d = np.array([[1.0, 2.0]]), np.array([[2.0, 4.0]])
    assert check_backprop(three_layer_loss, three_layer_grads, net, x, d, trials=20)
    with pytest.raises(BackpropError) as error:
        check_backprop(three_layer_loss, lambda *a: three_layer_grads(*a, lambda z: 1 - z),
                       net, x, d)
    assert error.value.cause.layer == 2
    assert {f.parameter for f in error.value.findings} == {"W1", "b1", "W2", "b2"}
    assert "between layers 2 and 3" in str(error.value)
    assert net["b3"].dtype.kind == "i"  # restored as given


def test_a_relu_derivative_wrong_only_for_negative_inputs_is_found_by_trials():
    mistake["d_relu"] = lambda z: np.where(z >= 0, 1, 0)  # z = relu(u) is 0, never < 0
    assert check_backprop(loss, grads, network, X, D)  # every u1 > 0 here: nothing to see
    error = caught(trials=30)
    assert error.trial is not None and "at random draw" in str(error)
    assert set(kinds(error).values()) == {"nonzero"}
    assert "ReLU derivative that lets u <= 0 through" in str(error)
    with pytest.raises(BackpropError):  # the reported draw reproduces it
        check_backprop(loss, grads, network, *error.inputs, at=error.at)


def test_every_entry_of_the_learner_s_dict_is_restored_after_a_failing_draw():
    given = dict(network)
    copies = {name: value.copy() for name, value in network.items()}
    mistake["d_relu"] = lambda z: np.where(z >= 0, 1, 0)
    caught(trials=30)
    assert all(network[name] is given[name] for name in given)
    assert all((network[name] == copies[name]).all() for name in given)


def test_the_dict_is_restored_when_the_learner_s_code_raises_and_the_draw_is_noted():
    given = dict(network)
    calls = itertools.count(1)  # a list would be put back between points, as all reached state

    def failing(net, x, d):
        if next(calls) > 2:
            raise RuntimeError("learner's bug")
        return grads(net, x, d)

    with pytest.raises(RuntimeError, match="learner's bug") as error:
        check_backprop(loss, failing, network, X, D, trials=5)
    assert all(network[name] is given[name] for name in given)
    assert any("random draw 2 of 5" in note for note in error.value.__notes__)


def test_draws_keep_integer_inputs_and_reach_a_backward_reading_the_global():
    seen = collections.deque()  # a list reached by grads would be put back, as all its state

    def spying(net, x, d):
        seen.append((network["W1"][0, 0], x[0, 0], d.tolist()))
        return grads(net, x, d)

    assert check_backprop(loss, spying, network, X, D, trials=3)
    assert len({w for w, _, _ in seen}) == 4 and len({x for _, x, _ in seen}) == 4
    assert all(d == [[0, 1]] for _, _, d in seen)


def test_the_1e_7_inside_the_log_is_accepted_at_ordinary_points_and_named_elsewhere():
    assert check_backprop(loss, grads, network, X, D)
    network["W2"] = np.array([[0.77, -0.77]] * 3)  # the target's probability: 1.07e-5
    error = caught()
    assert error.cause.kind == "log_epsilon"
    assert "1e-07 inside the log" in str(error) and "log の中の 1e-07" in str(error)
    assert "here by up to 0.0093, because a probability is as small as 1.1e-05" in str(error)
    assert check_backprop(loss, grads, network, X, D, rtol=0.01)


def test_how_far_the_1e_7_moves_the_truth_at_the_seed_point():
    # truth = (y - d) * y_k / (y_k + 1e-7): at y_k = 0.91293423 the relative gap is 1.1e-7.
    with pytest.raises(BackpropError) as error:
        check_backprop(loss, grads, network, X, D, rtol=1e-8, atol=0)
    assert error.value.cause.kind == "log_epsilon"
    b2 = next(f for f in error.value.findings if f.parameter == "b2")
    assert abs(b2.theirs / b2.truth - 1) == pytest.approx(1e-7 / 0.91293423, rel=1e-3)


def python_loss(p, x, y):
    return (math.exp(p["w"] * x) + p["b"] - y) ** 2  # math.exp: cannot run on Values


def test_a_loss_that_cannot_run_on_values_falls_back_to_central_differences_and_says_so():
    def right(p, x, y):
        e = math.exp(p["w"] * x)
        return {"w": 2 * (e + p["b"] - y) * e * x, "b": 2 * (e + p["b"] - y)}

    params = {"w": 0.3, "b": -0.2}
    with pytest.warns(CentralDifferencesWarning, match="cannot run on Values"):
        assert check_backprop(python_loss, right, params, 1.5, 2.0, trials=5)
    with pytest.warns(CentralDifferencesWarning), pytest.raises(BackpropError) as error:
        check_backprop(python_loss, lambda *a: {**right(*a), "b": -right(*a)["b"]}, params,
                       1.5, 2.0)
    assert "central differences (eps=1e-06)" in str(error.value)
    assert "中心差分" in str(error.value) and kinds(error.value) == {"b": "sign"}


def test_nested_lists_and_plain_python_work_as_well_as_numpy():
    params = {"w": [[0.5, -1.0]], "b": [0.25]}

    def plain_loss(p, x):
        u = sum(w * xi for w, xi in zip(p["w"][0], x, strict=True)) + p["b"][0]
        return u * u

    def plain_grads(p, x):
        u = sum(w * xi for w, xi in zip(p["w"][0], x, strict=True)) + p["b"][0]
        return {"w": [[2 * u * xi for xi in x]], "b": [2 * u]}

    assert check_backprop(plain_loss, plain_grads, params, [1.0, 3.0], trials=10)
    assert params == {"w": [[0.5, -1.0]], "b": [0.25]}


@pytest.mark.parametrize(("call", "fragment"), [
    (lambda: check_backprop(loss, grads, [network["W1"]], X, D),
     "params must be the dict your forward reads"),
    (lambda: check_backprop(lambda p, x, d: forward(p, x)[0], grads, network, X, D),
     "loss returned 2 numbers: a gradient is of one number; return the mean or the sum"),
], ids=["params not a dict", "loss not one number"])
def test_what_cannot_be_checked_is_refused_naming_the_fix(call, fragment):
    given = dict(network)
    with pytest.raises(ValueTypeError, match=re.escape(fragment)):
        call()
    assert all(network[name] is given[name] for name in given)


@settings(max_examples=20, deadline=None)
@given(backprop_points({**init_network(), "b2": 0.5, "w": [[1.0, 2.0]]}, X, D, 3))
def test_the_strategy_keeps_shapes_kinds_and_integer_inputs(point):
    at, inputs = point
    assert {name: np.shape(value) for name, value in at.items()} == {
        "W1": (2, 3), "W2": (3, 2), "b1": (3,), "b2": (), "w": (1, 2)}
    assert isinstance(at["w"], list) and isinstance(at["b2"], float)
    assert inputs[0].shape == (1, 2) and inputs[0].dtype == float
    assert inputs[1] is D and inputs[2] == 3


def test_the_strategy_finds_and_shrinks_a_relu_derivative_wrong_for_negative_inputs():
    mistake["d_relu"] = lambda z: np.where(z >= 0, 1, 0)

    @settings(max_examples=200, deadline=None, database=None)
    @given(backprop_points(network, X, D, bound=1.0))  # probabilities above 6e-4 (see docs)
    def test_backward(point):
        at, inputs = point
        check_backprop(loss, grads, network, *inputs, at=at, rtol=1e-3)

    with pytest.raises(BackpropError) as error:
        test_backward()
    assert set(kinds(error.value).values()) == {"nonzero"}


ACTIVATIONS = {  # forward, derivative from the activation's output (as the seeds write it)
    "relu": (lambda u: np.maximum(0, u), lambda z: np.where(z > 0, 1, 0)),
    "sigmoid": (_sigmoid, lambda z: z * (1 - z)),
    "tanh": (np.tanh, lambda z: 1 - z ** 2),
}


@st.composite
def networks(draw):
    """A random correct 2-layer network: sizes, activation, loss, batch and values."""
    n_in, n_hidden, n_out, batch = (draw(st.integers(1, 3)) for _ in range(4))
    entries = st.floats(-1, 1, allow_nan=False)

    def array(*shape):
        return np.array(draw(st.lists(entries, min_size=math.prod(shape),
                                      max_size=math.prod(shape)))).reshape(shape)

    net = {"W1": array(n_in, n_hidden), "b1": array(n_hidden),
           "W2": array(n_hidden, n_out), "b2": array(n_out)}
    activation = draw(st.sampled_from(sorted(ACTIVATIONS)))
    classify = draw(st.booleans())
    x = array(batch, n_in)
    d = (np.eye(n_out, dtype=int)[draw(st.lists(st.integers(0, n_out - 1), min_size=batch,
                                                max_size=batch))] if classify
         else array(batch, n_out))
    return net, activation, classify, x, d


@settings(max_examples=60, deadline=None)
@given(networks())
def test_no_false_alarm_over_random_correct_networks(case):
    net, activation, classify, x, d = case
    f, derivative = ACTIVATIONS[activation]
    constant = [1e-7]

    def run(p, x):
        z1 = f(np.dot(x, p["W1"]) + p["b1"])
        u2 = np.dot(z1, p["W2"]) + p["b2"]
        return z1, (functions.softmax(u2) if classify else u2)

    def the_loss(p, x, d):
        y = run(p, x)[1]
        if classify:  # the seeds' cross entropy, its constant in the log a parameter
            return -np.sum(np.log(y[np.arange(len(y)), d.argmax(axis=1)] + constant[0])) / len(y)
        return np.sum((y - d) ** 2) / (2 * len(d))

    def the_grads(p, x, d):
        z1, y = run(p, x)
        delta2 = (y - d) / len(d)
        delta1 = np.dot(delta2, p["W2"].T) * derivative(z1)
        return {"W1": np.dot(x.T, delta1), "b1": np.sum(delta1, axis=0),
                "W2": np.dot(z1.T, delta2), "b2": np.sum(delta2, axis=0)}

    # Values in [-1, 1] keep every probability above e**-26: the 1e-7 in the log can still
    # weigh more than rtol there, and then the error must say so and be right about it.
    try:
        assert check_backprop(the_loss, the_grads, net, x, d)
    except BackpropError as error:
        assert error.cause is not None and error.cause.kind == "log_epsilon"
        constant[0] = 0.0
        assert check_backprop(the_loss, the_grads, net, x, d)


def test_float_one_hot_targets_are_kept_under_trials_as_integer_ones_are():
    d = np.array([[0.0, 1.0]])  # the docs' example, written with floats
    seen = collections.deque()

    def spying(net, x, d):
        seen.append(d)
        return grads(net, x, d)

    assert check_backprop(loss, spying, network, X, d, trials=100)
    assert len(seen) == 101 and all(given is d for given in seen)


OFFSET = 0  # the very int object 0 that params["c"] holds: never swapped for a Value


def test_a_number_parameter_is_changed_in_the_dict_only_never_where_the_same_object_is():
    params = {"w": np.array([0.5, -1.0]), "c": 0}
    seen = collections.deque()

    def number_loss(p, x):
        seen.append(OFFSET)
        return np.sum((p["w"] * x) ** 2) + p["c"] * x[0] + OFFSET

    def number_grads(p, x):
        return {"w": 2 * p["w"] * x ** 2, "c": x[0]}

    assert check_backprop(number_loss, number_grads, params, np.array([1.0, 2.0]), trials=3)
    assert all(type(offset) is int for offset in seen) and params["c"] == 0


def test_an_array_held_deep_in_a_closure_is_reached_and_put_back():
    W = np.array([[0.5], [-0.25]])
    held = {"layer": [W]}  # a list inside a dict inside a closure: the loss reads W there

    def closure_loss(p, x):
        return np.sum(np.tanh(np.dot(x, held["layer"][0])))

    def closure_grads(p, x):
        held["layer"][0] = held["layer"][0] * 1.0  # rebinds: put back after the call
        return {"W": np.dot(x.T, 1 - np.tanh(np.dot(x, p["W"])) ** 2)}

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_backprop(closure_loss, closure_grads, {"W": W}, np.array([[1.0, 2.0]]),
                              trials=5)
    assert held["layer"][0] is W and W.tolist() == [[0.5], [-0.25]]
