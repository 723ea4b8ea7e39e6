"""Tests for microgradjp.nn: the seeds' networks through the nn API, parameters, init, errors."""

import math
import random

import pytest

from microgradjp import Value
from microgradjp import tanh as tanh_rule
from microgradjp.errors import DomainError, ValueOverflowError, ValueTypeError
from microgradjp.losses import cross_entropy, mean_squared_error, softmax
from microgradjp.nn import MLP, Layer, Module, Neuron
from microgradjp.optim import SGD

W1 = [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]
B1 = [0.1, 0.2, 0.3]
W2 = [[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]
B2 = [0.1, 0.2]


def data(values):
    return [v.data for v in (values if isinstance(values, list) else [values])]


def assert_matrix(actual, expected, abs=1e-8):
    assert len(actual) == len(expected)
    for row, expected_row in zip(actual, expected, strict=True):
        assert row == pytest.approx(expected_row, abs=abs)


# -- forward propagation, seeds 001 and 002 --------------------------------------------------------


def test_single_unit_relu_forward():
    layer = Layer.from_weights([[0.1], [0.2]], [0.5], activation="relu")
    assert data(layer([2.0, 3.0])) == pytest.approx([1.3], abs=1e-12)


def test_three_units_sigmoid_forward():
    weights = [[0.1, 0.2, 0.3], [0.2, 0.3, 0.4], [0.3, 0.4, 0.5], [0.4, 0.5, 0.6]]
    bias = [0.1, 0.2, 0.3]
    x = [1.0, 5.0, 2.0, -1.0]
    u = Layer.from_weights(weights, bias)(x)
    z = Layer.from_weights(weights, bias, activation="sigmoid")(x)
    assert data(u) == pytest.approx([1.4, 2.2, 3.0], abs=1e-12)
    assert data(z) == pytest.approx([0.80218389, 0.90024951, 0.95257413], abs=1e-8)


def test_shared_first_layer():
    assert data(Layer.from_weights(W1, B1, activation="relu")([1.0, 2.0])) == pytest.approx(
        [0.6, 1.3, 2.0], abs=1e-12)


def test_three_layer_regression_head():
    head = MLP.from_weights([(W1, B1), (W2, B2)], activation="relu")
    assert data(head([1.0, 2.0])) == pytest.approx([1.02, 2.29], abs=1e-12)
    model = MLP.from_weights([(W1, B1), (W2, B2), ([[0.1, 0.3], [0.2, 0.4]], [1.0, 2.0])])
    assert data(model([1.0, 2.0])) == pytest.approx([1.56, 3.222], abs=1e-12)


def test_2_3_4_softmax_output_and_loss():
    w2 = [[0.1, 0.4, 0.7, 1.0], [0.2, 0.5, 0.8, 1.1], [0.3, 0.6, 0.9, 1.2]]
    b2 = [0.1, 0.2, 0.3, 0.4]
    logits = MLP.from_weights([(W1, B1), (w2, b2)])([1.0, 2.0])
    assert data(logits) == pytest.approx([1.02, 2.29, 3.56, 4.83], abs=1e-12)
    probabilities = MLP.from_weights([(W1, B1), (w2, b2)], output_activation="softmax")([1.0, 2.0])
    expected = [0.01602796, 0.05707321, 0.20322929, 0.72366954]
    assert data(probabilities) == pytest.approx(expected, abs=1e-8)
    assert data(softmax(logits)) == pytest.approx(data(probabilities), abs=1e-15)
    assert math.fsum(data(probabilities)) == pytest.approx(1.0, abs=1e-15)
    assert cross_entropy(logits, [0, 0, 0, 1]).data == pytest.approx(0.3234204315, abs=1e-10)


def test_2_3_2_regression_half_mean_squared_error():
    y = MLP.from_weights([(W1, B1), (W2, B2)])([1.0, 2.0])
    assert mean_squared_error(y, [2.0, 4.0], half=True).data == pytest.approx(0.971125, abs=1e-12)


def test_2_3_1_binary_sigmoid_output():
    model = MLP.from_weights([(W1, B1), ([[0.2], [0.4], [0.6]], [0.1])],
                             output_activation="sigmoid")
    y = model([1.0, 2.0])
    assert y.data == pytest.approx(0.87435214, abs=1e-8)
    assert y.parents[0].data == pytest.approx(1.94, abs=1e-12)
    assert -math.log(y.data) == pytest.approx(0.13427207, abs=1e-8)


# -- backpropagation, one SGD step (seed 002) ------------------------------------------------------


@pytest.fixture
def one_step():
    model = MLP.from_weights([(W1, B1), (W2, B2)], activation="relu")
    logits = model([1.0, 5.0])
    # The output's weighted sum takes (w, z1, b); each z1 = relu(u1) holds the node u1.
    u1 = [z.parents[0] for z in logits[0].parents[3:6]]
    loss = cross_entropy(logits, [0, 1])
    loss.backward()
    grads = model.to_weights(grad=True)
    SGD(model.parameters(), lr=0.01).step()
    return {"model": model, "u1": u1, "logits": logits, "grads": grads}


def test_one_step_forward(one_step):
    assert data(one_step["u1"]) == pytest.approx([1.2, 2.5, 3.8], abs=1e-12)
    assert data(one_step["logits"]) == pytest.approx([1.86, 4.21], abs=1e-12)
    assert data(softmax(one_step["logits"])) == pytest.approx([0.08706577, 0.91293423], abs=1e-8)


def test_one_step_output_and_hidden_deltas(one_step):
    assert [u.grad for u in one_step["logits"]] == pytest.approx(
        [0.08706577, -0.08706577], abs=1e-8)
    assert [u.grad for u in one_step["u1"]] == pytest.approx([-0.02611973] * 3, abs=1e-8)


def test_one_step_every_gradient(one_step):
    (g_w1, g_b1), (g_w2, g_b2) = one_step["grads"]
    assert_matrix(g_w1, [[-0.02611973] * 3, [-0.13059866] * 3])
    assert_matrix(g_w2, [[0.10447893, -0.10447893], [0.21766443, -0.21766443],
                         [0.33084994, -0.33084994]])
    assert g_b1 == pytest.approx([-0.02611973] * 3, abs=1e-8)
    assert g_b2 == pytest.approx([0.08706577, -0.08706577], abs=1e-8)


def test_one_step_every_updated_weight(one_step):
    (w1, b1), (w2, b2) = one_step["model"].to_weights()
    assert_matrix(w1, [[0.1002612, 0.3002612, 0.5002612], [0.20130599, 0.40130599, 0.60130599]])
    assert_matrix(w2, [[0.09895521, 0.40104479], [0.19782336, 0.50217664],
                       [0.2966915, 0.6033085]])
    assert b1 == pytest.approx([0.1002612, 0.2002612, 0.3002612], abs=1e-8)
    assert b2 == pytest.approx([0.09912934, 0.20087066], abs=1e-8)


# -- structure ----------------------------------------------------------------------------------


def test_weighted_sum_is_one_node_per_neuron():
    neuron = Neuron.from_weights([0.5, -0.25, 2.0], 0.1, activation="tanh")
    out = neuron([1.0, 2.0, 3.0])
    assert out.op == "tanh"
    [total] = out.parents
    assert total.op == "weighted_sum"
    assert total.parents[:3] == neuron.weights and total.parents[-1] is neuron.bias
    assert Neuron.from_weights([1.0], 0.0)([2.0]).op == "weighted_sum"  # identity adds no node


def test_layer_inputs_become_leaves_once_for_all_units():
    layer = Layer(2, 3, seed=1)
    outputs = layer([0.5, -1.0])
    first_inputs = [out.parents[2:4] for out in outputs]
    assert all(inputs == first_inputs[0] for inputs in first_inputs)


def test_one_unit_layer_and_model_return_a_value_as_in_micrograd():
    model = MLP(3, [1, 1], seed=0)
    hidden = model.layers[0]([1.0, 2.0, 3.0])
    out = model([1.0, 2.0, 3.0])
    assert isinstance(hidden, Value) and isinstance(out, Value)
    assert out.data == model.layers[1]([hidden]).data  # the next layer takes it in a list


def test_wider_layer_and_model_return_a_list():
    model = MLP(3, [2, 2], seed=0)
    assert isinstance(model.layers[0]([1.0, 2.0, 3.0]), list)
    assert len(model([1.0, 2.0, 3.0])) == 2


def test_from_weights_reads_rows_as_inputs_and_columns_as_units():
    layer = Layer.from_weights(W1, B1)
    assert [w.data for w in layer.neurons[2].weights] == [0.5, 0.6]
    assert layer.to_weights() == (W1, B1)


def test_mlp_labels_parameters_like_the_seeds():
    model = MLP.from_weights([(W1, B1), (W2, B2)])
    assert model.layers[1].neurons[1].weights[2].label == "W2[2,1]"
    assert model.layers[0].neurons[2].bias.label == "b1[2]"


def test_named_parameters_are_attribute_paths():
    model = MLP(2, [3, 1], seed=0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.weights.0", "layers.0.neurons.0.weights.1",
                         "layers.0.neurons.0.bias"]
    assert names[-1] == "layers.1.neurons.0.bias"
    assert model.layers[0].neurons[0].weights[1] is dict(model.named_parameters())[names[1]]
    assert len(names) == len(set(names)) == 3 * 3 + 4


def test_parameter_count_of_2_16_16_1():
    assert len(MLP(2, [16, 16, 1]).parameters()) == 337


def test_zero_grad_resets_every_parameter():
    model = MLP(2, [4, 1], seed=0)
    model([1.0, -1.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_state_dict_round_trip():
    source, target = MLP(2, [4, 2], seed=1), MLP(2, [4, 2], seed=2)
    target.load_state_dict(source.state_dict())
    assert target.state_dict() == source.state_dict()
    assert data(target([0.3, 0.7])) == data(source([0.3, 0.7]))


@pytest.mark.parametrize(("change", "exception", "fragment"), [
    (lambda s: s.pop("layers.0.neurons.0.bias"), DomainError, "missing: [layers.0.neurons.0.bias]"),
    (lambda s: s.update(extra=1.0), DomainError, "unexpected: [extra]"),
    (lambda s: s.update({"layers.1.neurons.0.bias": "0.5"}), ValueTypeError, "real number"),
    (lambda s: s.update({"layers.1.neurons.0.bias": math.nan}), DomainError, "finite"),
    (lambda s: s.update({"layers.1.neurons.0.bias": True}), ValueTypeError, "real number"),
    (lambda s: s.update({"layers.1.neurons.0.bias": 10**400}), ValueOverflowError, "too large"),
])
def test_failed_load_state_dict_leaves_model_untouched(change, exception, fragment):
    model = MLP(2, [2, 1], seed=0)
    before = model.state_dict()
    state = {name: value + 1.0 for name, value in before.items()}
    change(state)
    with pytest.raises(exception, match=fragment.replace("[", r"\[").replace("]", r"\]")):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_a_weight_past_float_range_is_a_clear_error():
    with pytest.raises(ValueOverflowError, match=r"weights\[0\].*too large for a float"):
        Neuron.from_weights([10**400], 0.0)


def test_repr_is_readable():
    model = MLP(2, [3, 1], output_activation="sigmoid")
    assert repr(model) == ("MLP(\n  (0): Layer(2, 3, activation='relu')\n"
                           "  (1): Layer(3, 1, activation='sigmoid')\n)")
    assert repr(Neuron(2, activation="step")) == "Neuron(2, activation='step')"


# -- activations --------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "expected"), [
    ("identity", -0.5), ("linear", -0.5), ("relu", 0.0), ("step", 0.0),
    ("sigmoid", 1 / (1 + math.exp(0.5))), ("tanh", math.tanh(-0.5)),
])
def test_activation_by_name(name, expected):
    assert Neuron.from_weights([1.0], 0.0, activation=name)([-0.5]).data == pytest.approx(expected)


def test_activation_by_callable_and_by_rule():
    doubled = Neuron.from_weights([1.0], 0.0, activation=lambda v: v * 2)
    assert doubled([1.5]).data == 3.0
    by_rule = Layer(2, 2, activation=tanh_rule)
    assert by_rule.activation == "tanh"  # a built-in given as a rule keeps its name


def test_output_activation_is_chosen_separately():
    model = MLP(2, [3, 3, 2], activation="tanh", output_activation="softmax")
    assert [layer.activation for layer in model.layers] == ["tanh", "tanh", "softmax"]
    assert math.fsum(data(model([0.1, 0.2]))) == pytest.approx(1.0)


# -- initialisation ------------------------------------------------------------------------------


def test_init_is_reproducible_and_leaves_global_random_alone():
    state = random.getstate()
    assert MLP(2, [8, 1], seed=3).state_dict() == MLP(2, [8, 1], seed=3).state_dict()
    assert MLP(2, [8, 1], seed=3).state_dict() != MLP(2, [8, 1], seed=4).state_dict()
    assert random.getstate() == state


def test_one_generator_shares_a_stream_across_layers():
    rng = random.Random(5)
    first, second = Layer(2, 2, seed=rng), Layer(2, 2, seed=rng)
    assert first.state_dict() != second.state_dict()


def test_biases_start_at_zero():
    assert all(n.bias.data == 0.0 for n in Layer(3, 4, seed=0).neurons)


# -- gradients through the network match central differences -------------------------------------


def test_mlp_parameter_gradients_match_central_differences():
    model = MLP(3, [4, 3], activation="tanh", seed=7)
    x, target = [0.3, -0.8, 1.1], 2

    def loss_value():
        return cross_entropy(model(x), target).data

    model.zero_grad()
    cross_entropy(model(x), target).backward()
    eps = 1e-6
    for name, p in model.named_parameters():
        original = p._data
        p._data = original + eps
        up = loss_value()
        p._data = original - eps
        down = loss_value()
        p._data = original
        assert p.grad == pytest.approx((up - down) / (2 * eps), abs=1e-8), name


# -- errors -------------------------------------------------------------------------------------


class Custom(Module):
    pass


@pytest.mark.parametrize(("call", "exception", "fragment"), [
    (lambda: Neuron(0), ValueTypeError, "in_features must be a positive int"),
    (lambda: Layer(2, 0), ValueTypeError, "out_features must be a positive int"),
    (lambda: Layer(2, 3)([1.0]), DomainError, "it takes shape (2,), got (1,)"),
    (lambda: MLP(2, [3])([[1.0, 2.0]] * 4), DomainError, "got (4, 2) (a batch: call once per row"),
    (lambda: Neuron(2)("ab"), ValueTypeError, "inputs must be a sequence"),
    (lambda: Layer(2, 1)([1.0, "x"]), ValueTypeError, "real number"),
    (lambda: Layer.from_weights([[1.0, 2.0], [3.0]], [0.0, 0.0]), DomainError, "row 0 has 2"),
    (lambda: Layer.from_weights([[1.0, 2.0]], [0.0]), DomainError, "so bias needs shape (2,)"),
    (lambda: Layer.from_weights([], []), ValueTypeError,
     "2-d list or array (inputs x units), got shape (0,)"),
    (lambda: Layer.from_weights([1.0, 2.0], [0.0]), ValueTypeError, "got shape (2,)"),
    (lambda: Layer.from_weights([[math.inf]], [0.0]), DomainError, "weights[0][0]"),
    (lambda: Neuron.from_weights([1.0, "2"], 0.0), ValueTypeError, "weights[1]"),
    (lambda: Neuron.from_weights(0.5, 0.0), ValueTypeError, "non-empty list or 1-d array"),
    (lambda: Layer.from_weights([[1.0], 2.0], [0.0]), ValueTypeError, "weights[1]=2.0"),
    (lambda: Neuron(2, activation="softmax"), DomainError, "give it to a Layer"),
    (lambda: Layer(2, 2, activation="swish"), DomainError, "unknown activation"),
    (lambda: Layer(2, 2, activation=3), ValueTypeError, "a name or a function"),
    (lambda: MLP(2, [3, 1], init="gaussian"), DomainError, "unknown scheme"),
    (lambda: MLP(2, []), ValueTypeError, "layer_sizes must be a non-empty list"),
    (lambda: MLP(2, [3], seed=1.5), ValueTypeError, "a seed is an int"),
    (lambda: MLP.from_layers([Layer(2, 3), Layer(2, 1)]), DomainError,
     "takes 2 inputs (its W has shape (2, 1)) but layer 0 gives 3, so W needs (3, 1)"),
    (lambda: MLP.from_layers([]), ValueTypeError, "non-empty list of Layers"),
    (lambda: MLP.from_layers([Layer(2, 2)] * 2), DomainError, "a Layer appears twice"),
    (lambda: Layer(1, 1).load_state_dict([1.0]), ValueTypeError, "must be a mapping"),
    (lambda: Custom().parameters(), NotImplementedError, "must define named_parameters"),
])
def test_errors(call, exception, fragment):
    with pytest.raises(exception) as caught:
        call()
    assert fragment in str(caught.value)


def test_value_inputs_keep_their_graph():
    x = [Value(1.0), Value(2.0)]
    out = Layer.from_weights([[3.0], [4.0]], [0.0])(x)
    out.backward()
    assert [v.grad for v in x] == [3.0, 4.0]


# -- numpy in: arrays and numpy scalars give the list version's numbers, bit for bit --------------


@pytest.fixture
def np():
    return pytest.importorskip("numpy")


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64"])
def test_numpy_weights_and_inputs_equal_the_list_version(np, dtype):
    weights = [(np.array(W1, dtype=dtype) * (10 if dtype == "int64" else 1), np.array(B1, dtype)),
               (np.array(W2, dtype=dtype), np.array(B2, dtype=dtype))]
    as_lists = [(w.tolist(), b.tolist()) for w, b in weights]
    x = np.array([1.0, 2.0], dtype=dtype)
    from_numpy, from_lists = MLP.from_weights(weights), MLP.from_weights(as_lists)
    assert from_numpy.state_dict() == from_lists.state_dict()
    assert data(from_numpy(x)) == data(from_lists(x.tolist()))
    assert all(type(v) is float for v in from_numpy.state_dict().values())


def test_numpy_scalars_as_neuron_bias_and_state(np):
    neuron = Neuron.from_weights(np.array([0.1, 0.2]), np.float64(0.5), activation="relu")
    assert neuron([np.int64(2), np.float32(3.0)]).data == neuron([2, float(np.float32(3.0))]).data
    neuron.load_state_dict({"weights.0": np.float32(1.5), "weights.1": np.int64(2),
                            "bias": np.array(0.0)})
    assert [p.data for p in neuron.parameters()] == [1.5, 2.0, 0.0]


@pytest.mark.parametrize(("call", "fragment"), [
    (lambda np: MLP(2, [3])(np.zeros((4, 2))), "it takes shape (2,), got (4, 2)"),
    (lambda np: Layer(3, 2)(np.zeros(2)), "it takes shape (3,), got (2,)"),
    (lambda np: Layer.from_weights(np.zeros(3), np.zeros(3)), "got shape (3,)"),
    (lambda np: Layer.from_weights(np.zeros((2, 3)), np.zeros(2)),
     "weights have shape (2, 3) (3 units), so bias needs shape (3,)"),
])
def test_numpy_shape_errors_name_expected_and_got(np, call, fragment):
    with pytest.raises((DomainError, ValueTypeError)) as caught:
        call(np)
    assert fragment in str(caught.value)


def test_a_one_unit_layer_feeds_the_next_layer_by_hand():
    first, second = Layer.from_weights([[2.0]], [0.0]), Layer.from_weights([[3.0]], [1.0])
    assert second(first([1.5])).data == 10.0  # a Value stands for a one-number input
    with pytest.raises(ValueTypeError, match="inputs must be a sequence of 2"):
        Layer(2, 1)(first([1.5]))


@pytest.mark.parametrize(("weights", "inputs"), [
    ([1e308, 1e308], [1.0, 1.0]),    # the sum overflows: inf, as w0*x0 + w1*x1 gives
    ([1e308, 1e308], [10.0, -10.0]),  # the products are inf and -inf: nan, as + gives
], ids=["overflow", "inf-minus-inf"])
def test_a_neuron_of_huge_weights_gives_what_plus_gives(weights, inputs):
    neuron = Neuron.from_weights(weights, 0.0, activation="identity")
    by_plus = sum((w * x for w, x in zip(weights, inputs, strict=True)), 0.0)
    got = neuron(inputs).data
    assert repr(got) == repr(by_plus) and not math.isfinite(got)
