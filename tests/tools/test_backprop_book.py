"""check_backprop on the book's own chapter-5 code: layer classes, each with forward and backward.

「ゼロから作る Deep Learning」① chapter 5 builds backprop from layers (MulLayer, AddLayer, Relu,
Affine, SoftmaxWithLoss) assembled in a TwoLayerNet whose ``gradient()`` is the learner's
hand-written backward. The classes below are retyped as a learner would, and checked as written:
the layers keep their own references to ``W`` and ``b``, labels are float one-hot rows.
Mistakes are injected by subclassing one layer, the way a learner's slip sits in one method.
"""

import collections
import re
import warnings

import pytest

from microgradjp import Value
from microgradjp.errors import ValueTypeError
from microgradjp.testing import (
    BackpropError,
    CentralDifferencesWarning,
    CheckCostWarning,
    _truth,
    check_backprop,
)

np = pytest.importorskip("numpy")


# --- the learner's layers (chapter 5, retyped) -------------------------------------------------

class MulLayer:
    def __init__(self):
        self.x = None
        self.y = None

    def forward(self, x, y):
        self.x, self.y = x, y
        return x * y

    def backward(self, dout):
        return dout * self.y, dout * self.x  # swapped: d(xy)/dx = y


class AddLayer:
    def forward(self, x, y):
        return x + y

    def backward(self, dout):
        return dout, dout


def softmax(a):
    a = a - np.max(a, axis=-1, keepdims=True)  # no overflow
    e = np.exp(a)
    return e / np.sum(e, axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    if y.ndim == 1:
        t, y = t.reshape(1, t.size), y.reshape(1, y.size)
    if t.size == y.size:  # one-hot rows: the index of the 1
        t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


class Relu:
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dout[self.mask] = 0
        return dout


class Affine:
    def __init__(self, W, b):
        self.W = W
        self.b = b
        self.x = None
        self.dW = None
        self.db = None

    def forward(self, x):
        self.x = x
        return np.dot(x, self.W) + self.b

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx


class SoftmaxWithLoss:
    def __init__(self):
        self.loss = None
        self.y = None
        self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, self.t)
        return self.loss

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:  # one-hot
            return (self.y - self.t) / batch_size
        dx = self.y.copy()
        dx[np.arange(batch_size), self.t] -= 1
        return dx / batch_size


class TwoLayerNet:
    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01, seed=0,
                 layers=(Affine, Relu, Affine, SoftmaxWithLoss)):
        rng = np.random.default_rng(seed)
        self.params = {}
        self.params["W1"] = weight_init_std * rng.standard_normal((input_size, hidden_size))
        self.params["b1"] = np.zeros(hidden_size)
        self.params["W2"] = weight_init_std * rng.standard_normal((hidden_size, output_size))
        self.params["b2"] = np.zeros(output_size)
        affine1, relu, affine2, last = layers
        self.layers = collections.OrderedDict()
        self.layers["Affine1"] = affine1(self.params["W1"], self.params["b1"])
        self.layers["Relu1"] = relu()
        self.layers["Affine2"] = affine2(self.params["W2"], self.params["b2"])
        self.lastLayer = last()

    def predict(self, x):
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x, t):
        y = self.predict(x)
        return self.lastLayer.forward(y, t)

    def gradient(self, x, t):
        self.loss(x, t)
        dout = self.lastLayer.backward(1)
        for layer in reversed(list(self.layers.values())):
            dout = layer.backward(dout)
        grads = {}
        grads["W1"], grads["b1"] = self.layers["Affine1"].dW, self.layers["Affine1"].db
        grads["W2"], grads["b2"] = self.layers["Affine2"].dW, self.layers["Affine2"].db
        return grads


# --- the classic slips, each in one method ------------------------------------------------------

class ReluForgettingTheMask(Relu):
    def backward(self, dout):
        return dout


class AffineWithoutTheSum(Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.db = dout
        return dx


class AffineTransposed(Affine):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dW = np.dot(dout.T, self.x)
        return dx


class LossWithoutBatchSize(SoftmaxWithLoss):
    def backward(self, dout=1):
        return self.y - self.t


class LossTMinusY(SoftmaxWithLoss):
    def backward(self, dout=1):
        return (self.t - self.y) / self.t.shape[0]


def one_hot(labels, classes, dtype=float):
    t = np.zeros((len(labels), classes), dtype=dtype)
    t[np.arange(len(labels)), labels] = 1
    return t


def batch(n, inputs, classes, seed=1):
    rng = np.random.default_rng(seed)
    return rng.random((n, inputs)), one_hot(rng.integers(0, classes, n), classes)


def check(net, x, t, **options):
    return check_backprop(lambda p, x, t: net.loss(x, t), lambda p, x, t: net.gradient(x, t),
                          net.params, x, t, **options)


def caught(net, x, t, **options):
    with pytest.raises(BackpropError) as error:
        check(net, x, t, **options)
    return error.value


def state_of(net):
    """Every attribute of the net and its layers (objects by identity), and the numbers."""
    objects = [net, *net.layers.values(), net.lastLayer]
    return ([dict(vars(o)) for o in objects], dict(net.params), list(net.layers.items()),
            {name: value.copy() for name, value in net.params.items()})


def assert_unchanged(net, before):
    attributes, params, layers, numbers = before
    objects = [net, *net.layers.values(), net.lastLayer]
    assert [vars(o).keys() for o in objects] == [a.keys() for a in attributes]
    assert all(vars(o)[k] is v for o, a in zip(objects, attributes, strict=True)
               for k, v in a.items())
    assert all(net.params[name] is params[name] for name in params)
    assert list(net.layers.items()) == layers
    assert all(np.array_equal(net.params[name], numbers[name]) for name in numbers)
    assert net.layers["Affine1"].W is net.params["W1"]


SMALL = (6, 5, 4)
X, T = batch(3, 6, 4)


# --- the tests ----------------------------------------------------------------------------------

def test_mul_and_add_layers_on_values_give_the_apple_and_orange_numbers():
    apple, apple_num, orange, orange_num, tax = (Value(100), Value(2), Value(150), Value(3),
                                                 Value(1.1))
    mul_apple, mul_orange, add, mul_tax = MulLayer(), MulLayer(), AddLayer(), MulLayer()
    all_price = add.forward(mul_apple.forward(apple, apple_num),
                            mul_orange.forward(orange, orange_num))
    price = mul_tax.forward(all_price, tax)
    assert price.data == 715.0000000000001 and all_price.data == 650
    dall_price, dtax = mul_tax.backward(1)
    dapple_price, dorange_price = add.backward(dall_price)
    dorange, dorange_num = mul_orange.backward(dorange_price)
    dapple, dapple_num = mul_apple.backward(dapple_price)
    by_layers = [dapple, dapple_num, dorange, dorange_num, dtax]
    assert [d.data for d in by_layers] == [2.2, 110.00000000000001, 3.3000000000000003, 165.0,
                                           650.0]
    price.backward()  # microgradjp's backward through the same graph: the same numbers
    assert [v.grad for v in (apple, apple_num, orange, orange_num, tax)] == [
        d.data for d in by_layers]


def test_the_book_s_two_layer_net_passes_as_written_with_float_one_hot_labels():
    net = TwoLayerNet(*SMALL)
    assert T.dtype == float
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # exact: no central differences, no cost warning
        assert check(net, X, T, trials=10)


def test_784_50_10_on_a_batch_of_3_passes_exactly_and_leaves_the_net_as_given():
    net = TwoLayerNet(784, 50, 10)
    x, t = batch(3, 784, 10)
    before = state_of(net)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check(net, x, t)
    assert_unchanged(net, before)


def test_784_50_10_names_a_missing_batch_size():
    net = TwoLayerNet(784, 50, 10, layers=(Affine, Relu, Affine, LossWithoutBatchSize))
    x, t = batch(3, 784, 10)
    error = caught(net, x, t)
    assert error.cause.kind == "output" and "a missing 1/N, N = 3?" in str(error)


@pytest.mark.parametrize(("layers", "wrong", "words"), [
    ((Affine, ReluForgettingTheMask, Affine, SoftmaxWithLoss), {"W1": "nonzero", "b1": "nonzero"},
     "the error enters between layers 1 and 2: W1, b1 wrong, W2, b2 right"),
    ((AffineWithoutTheSum, Relu, AffineWithoutTheSum, SoftmaxWithLoss),
     {"b1": "shape", "b2": "shape"}, "one row per sample: sum them, np.sum(..., axis=0)"),
    ((Affine, Relu, AffineTransposed, SoftmaxWithLoss), {"W2": "transposed"}, "transposed"),
    ((Affine, Relu, Affine, LossWithoutBatchSize), dict.fromkeys(["W1", "b1", "W2", "b2"],
                                                                 "factor"),
     "a missing 1/N, N = 3?"),
    ((Affine, Relu, Affine, LossTMinusY), dict.fromkeys(["W1", "b1", "W2", "b2"], "sign"),
     "the delta at the output (y - d, not d - y)"),
], ids=["mask forgotten", "db without the sum", "dW transposed", "no / batch_size", "t - y"])
def test_each_classic_mistake_is_named_and_the_net_is_left_as_given(layers, wrong, words):
    net = TwoLayerNet(*SMALL, weight_init_std=1.0, layers=layers)
    before = state_of(net)
    error = caught(net, X, T, trials=5)
    assert {f.parameter: f.kind for f in error.findings} == wrong
    assert words in str(error)
    assert "exact: your loss run on microgradjp Values" in str(error)
    assert_unchanged(net, before)


@pytest.mark.parametrize("labels", [
    one_hot([0, 3, 1], 4), one_hot([0, 3, 1], 4, dtype=int), np.array([0, 3, 1]),
    [[0.0, 1.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]],
], ids=["float one-hot", "int one-hot", "class indices", "a list of float one-hot rows"])
def test_labels_are_never_redrawn_as_noise(labels):
    net = TwoLayerNet(*SMALL)
    seen = collections.deque()  # not followed by the check, so not put back

    def gradient(p, x, t):
        seen.append(t)
        return net.gradient(x, np.asarray(t))

    assert check_backprop(lambda p, x, t: net.loss(x, np.asarray(t)), gradient, net.params, X,
                          labels, trials=10)
    assert len(seen) == 11 and all(t is labels for t in seen)


def test_a_backward_that_steps_the_parameters_in_place_is_checked_at_the_right_point():
    net = TwoLayerNet(*SMALL)
    before = state_of(net)

    def gradient_and_step(p, x, t):  # a training loop's body
        grads = net.gradient(x, t)
        for key in ("W1", "b1", "W2", "b2"):
            p[key] -= 0.1 * grads[key]
        return grads

    assert check_backprop(lambda p, x, t: net.loss(x, t), gradient_and_step, net.params, X, T,
                          trials=5)
    assert_unchanged(net, before)


def test_layers_holding_copies_are_said_to_be_unread_never_blamed_on_the_backward():
    net = TwoLayerNet(*SMALL, weight_init_std=1.0)
    net.params["W1"] = net.params["W1"] - 0.0  # a new array: the layer keeps the old one
    error = caught(net, X, T)
    assert {f.parameter: f.kind for f in error.findings} == {"W1": "still"}
    assert error.cause.kind == "still"
    text = str(error)
    assert "your loss never moves when W1 move" in text
    assert "W = W - lr * dW or params['W1'] = ... replaces them" in text
    assert "W1 を動かしても loss が変わらない" in text
    assert "ReLU" not in text


def test_a_parameter_the_loss_never_reads_passes_with_a_zero_gradient():
    net = TwoLayerNet(*SMALL)
    params = {**net.params, "unused": np.ones(3)}
    assert check_backprop(lambda p, x, t: net.loss(x, t),
                          lambda p, x, t: {**net.gradient(x, t), "unused": np.zeros(3)},
                          params, X, T)


class ReluOnFloats(Relu):
    def forward(self, x):  # writes into a float array: cannot run on Values
        self.mask = x <= 0
        out = np.zeros(x.shape)
        out[~self.mask] = x[~self.mask]
        return out


def test_central_differences_stand_in_in_place_with_two_forwards_per_entry():
    net = TwoLayerNet(*SMALL, weight_init_std=1.0, layers=(Affine, ReluOnFloats, Affine,
                                                           SoftmaxWithLoss))
    before, calls = state_of(net), collections.deque()  # a deque: not put back by the check

    def loss(p, x, t):
        calls.append(x)
        return net.loss(x, t)

    with pytest.warns(CentralDifferencesWarning, match=r"cannot run on Values.*118 forwards"):
        assert check_backprop(loss, lambda p, x, t: net.gradient(x, t), net.params, X, T)
    size = sum(p.size for p in net.params.values())  # 59 entries: the book's 2 per entry
    assert len(calls) == 1 + 1 + 2 * 4 + 2 * size  # Values, base, a probe per name, entries
    assert_unchanged(net, before)


def test_past_the_exact_graph_s_budget_central_differences_stand_in_saying_the_cost(
        monkeypatch):
    monkeypatch.setattr(_truth, "EXACT_MOST_VALUES", 100)
    net = TwoLayerNet(*SMALL)
    with pytest.warns(CentralDifferencesWarning) as record:
        assert check(net, X, T, trials=2)
    text = str(record[0].message)
    assert "the exact graph would hold about 177 Values (batch 3 x 59 parameters" in text
    assert "118 forwards of your loss" in text and "3 point(s)" in text
    assert "for the exact truth, check a smaller batch (x[:3], t[:3])" in text
    net = TwoLayerNet(*SMALL, layers=(Affine, Relu, Affine, LossWithoutBatchSize))
    with pytest.warns(CentralDifferencesWarning):
        error = caught(net, X, T)
    assert "a missing 1/N, N = 3?" in str(error) and "central differences" in str(error)


def test_a_long_check_with_trials_is_announced_before_the_draws(monkeypatch):
    monkeypatch.setattr(_truth, "LONG", 0.0)
    monkeypatch.setattr("microgradjp.testing.backprop.LONG", 0.0)
    net = TwoLayerNet(*SMALL)
    with pytest.warns(CheckCostWarning, match=r"one point took .* s, so trials=4 take about"):
        assert check(net, X, T, trials=4)


def test_a_large_exact_graph_is_announced_with_its_size(monkeypatch):
    monkeypatch.setattr(_truth, "EXACT_MOST_VALUES", 400)
    net = TwoLayerNet(*SMALL)
    with pytest.warns(CheckCostWarning, match=r"builds about 177 Values per point"):
        assert check(net, X, T)


net_for_errors = TwoLayerNet(*SMALL)


def good_loss(p, x, t):
    return net_for_errors.loss(x, t)


def good_grads(p, x, t):
    return net_for_errors.gradient(x, t)


@pytest.mark.parametrize(("loss", "grads", "fragment"), [
    (good_loss, lambda p, x, t: None, "grads returned None: grads(params, *inputs) must return "
     "a dict of gradients by parameter name"),
    (good_loss, lambda p, x, t: list(good_grads(p, x, t).values()), "grads returned a list of "
     "4: grads(params, *inputs) must return a dict"),
    (good_loss, lambda p, x, t: tuple(good_grads(p, x, t).values()), "grads returned a tuple"),
    (good_loss, lambda p, x, t: 0.5, "grads returned a float"),
    (good_loss, lambda p, x, t: {**good_grads(p, x, t), "b2": None},
     "grads(...)['b2'] is None: a gradient is numbers shaped like params['b2']"),
    (good_loss, lambda p, x, t: {**good_grads(p, x, t), "b2": "0.1"},
     "grads(...)['b2'] is a str"),
    (lambda p, x, t: None, good_grads, "loss returned None: loss(params, *inputs) must return "
     "the loss, one number"),
    (lambda p, x, t: "2.3", good_grads, "loss returned a str"),
    (lambda p, x, t: {"loss": good_loss(p, x, t)}, good_grads, "loss returned a dict"),
    (lambda p, x, t: net_for_errors.predict(x), good_grads, "loss returned 12 numbers"),
], ids=["grads None", "grads list", "grads tuple", "grads number", "gradient None",
        "gradient str", "loss None", "loss str", "loss dict", "loss array"])
def test_every_wrong_return_type_gets_a_clear_error(loss, grads, fragment):
    before = state_of(net_for_errors)
    with pytest.raises(ValueTypeError, match=re.escape(fragment)):
        check_backprop(loss, grads, net_for_errors.params, X, T)
    assert_unchanged(net_for_errors, before)
