"""Models across the bridge: to_torch(MLP/Layer/Neuron) holds the same numbers and computes the
same outputs and gradients as ours (1e-12, every activation and loss), and from_torch reads them
back bit for bit or refuses a layer it cannot represent, by its name."""

import pytest

torch = pytest.importorskip("torch")

from microgradjp.bridge import UntranslatableError, compare_with_torch, from_torch, to_torch  # noqa: E402
from microgradjp.errors import DomainError, ValueTypeError  # noqa: E402
from microgradjp.losses import (  # noqa: E402
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    cross_entropy_from_probabilities,
    l2_regularization,
    max_margin_loss,
    mean_squared_error,
    multiclass_svm_loss,
)
from microgradjp.nn import ACTIVATIONS, MLP, Layer, Neuron  # noqa: E402

from .conftest import assert_agrees  # noqa: E402

SAMPLES = [[0.5, -1.0, 0.25], [1.5, 0.3, -0.7], [-0.2, 0.9, 2.0], [0.0, -0.4, 0.1]]


def model(activation="tanh", output_activation="identity", units=3):
    return MLP(3, [5, units], activation=activation, output_activation=output_activation,
               seed=7)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_a_round_trip_keeps_every_weight_bit_for_bit(activation):
    ours = MLP.from_layers([Layer(3, 4, activation=activation, seed=1),
                            Layer(4, 2, activation=activation, seed=2)])
    back = from_torch(to_torch(ours))
    assert back.state_dict() == ours.state_dict()  # == on floats: every bit
    expected = "identity" if activation == "linear" else activation
    assert [layer.activation for layer in back.layers] == [expected, expected]


@pytest.mark.parametrize("make", [lambda: Neuron(3, activation="sigmoid", seed=3),
                                  lambda: Layer(3, 2, activation="relu", seed=3)],
                         ids=["Neuron", "Layer"])
def test_a_neuron_and_a_layer_cross_as_one_layer(make):
    ours = make()
    [layer] = from_torch(to_torch(ours)).layers
    assert list(layer.state_dict().values()) == list(ours.state_dict().values())
    assert_agrees(compare_with_torch(ours, SAMPLES))


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_outputs_agree_for_every_activation(activation):
    ours = model(activation, output_activation=activation)
    out = to_torch(ours)(torch.tensor(SAMPLES, dtype=torch.float64))
    for sample, row in zip(SAMPLES, out.tolist(), strict=True):
        for y, t in zip(ours(sample), row, strict=True):
            assert abs(y.data - t) <= 1e-12


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradients_agree_for_every_activation(activation):
    assert_agrees(compare_with_torch(model(activation, output_activation=activation), SAMPLES,
                                     [[0.1, 0.7, 0.2]] * 4, loss=mean_squared_error))


# Every per-sample loss: (loss, the output layer it takes, targets, options).
LOSSES = [
    (mean_squared_error, "identity", [[0.5, -1, 2], [0, 1, 0], [3, 0.3, -2], [1, 1, 1]], {}),
    (mean_squared_error, "tanh", [[0.5, -1, 0.2], [0, 1, 0], [0, 0.3, -0.5], [1, 1, 1]],
     {"half": False, "reduction": "sum"}),
    (cross_entropy, "identity", [2, 0, 1, 1], {}),
    (cross_entropy, "identity", [[0, 0, 1], [0.2, 0.3, 0.5], [1, 0, 0], [0.5, 0.5, 0]], {}),
    (cross_entropy_from_probabilities, "softmax", [2, 0, 1, 1], {}),
    (cross_entropy_from_probabilities, "softmax", [[0, 0, 1], [0.2, 0.3, 0.5], [1, 0, 0],
                                                   [0.5, 0.5, 0]], {"eps": 1e-7}),
    (multiclass_svm_loss, "identity", [2, 0, 1, 1], {}),
    (multiclass_svm_loss, "identity", [2, 0, 1, 1], {"margin": 0.5}),
]
ONE_UNIT = [
    (binary_cross_entropy, "sigmoid", [1, 0, 0.3, 1], {}),
    (binary_cross_entropy_with_logits, "identity", [1, 0, 0.3, 1], {}),
    (max_margin_loss, "identity", [1, -1, -1, 1], {}),
]


@pytest.mark.parametrize(("loss", "output", "targets", "options", "units"), [
    pytest.param(*case, units, id=f"{case[0].__name__}-{i}")
    for i, (case, units) in enumerate([(c, 3) for c in LOSSES] + [(c, 1) for c in ONE_UNIT])])
def test_losses_and_gradients_agree_for_every_loss(loss, output, targets, options, units):
    report = compare_with_torch(model("relu", output, units), SAMPLES, targets, loss=loss,
                                **options)
    assert report.output.name == loss.__name__
    assert len(report.rows) == len(model("relu", output, units).parameters())
    assert_agrees(report)


def test_l2_regularization_agrees_with_torchs_parameters():
    ours = model()
    penalty = l2_regularization(ours.parameters(), 1e-3)
    module = to_torch(ours)
    theirs = 1e-3 * sum((p ** 2).sum() for p in module.parameters())
    theirs.backward()
    assert abs(penalty.data - theirs.item()) <= 1e-15
    assert_agrees(compare_with_torch(penalty))
    penalty.backward()
    first = module[0]
    assert ours.layers[0].neurons[2].weights[1].grad == pytest.approx(
        first.weight.grad[2, 1].item(), abs=1e-15)


def test_a_torch_model_comes_here_with_its_float32_numbers_exactly():
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1),
                                 torch.nn.Sigmoid())
    ours = from_torch(theirs)
    [(w1, _), _] = ours.to_weights()
    assert w1[0][1] == theirs[0].weight[1, 0].item()  # W[i][j] = weight[j, i]
    assert [layer.activation for layer in ours.layers] == ["relu", "sigmoid"]
    x = [0.3, -0.8]
    assert ours(x).data == pytest.approx(theirs(torch.tensor(x)).item(), abs=1e-6)  # float32


def test_nested_sequentials_and_identity_are_read_in_order():
    nn = torch.nn
    theirs = nn.Sequential(nn.Sequential(nn.Linear(2, 3), nn.Identity(), nn.Tanh()),
                           nn.Linear(3, 2), nn.Softmax(dim=1))
    assert [layer.activation for layer in from_torch(theirs).layers] == ["tanh", "softmax"]


def test_to_torch_leaves_torchs_random_stream_alone():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    to_torch(model())
    assert torch.equal(torch.rand(3), expected)


def test_the_torch_model_is_float64_and_trainable():
    module = to_torch(model())
    assert all(p.dtype == torch.float64 and p.requires_grad for p in module.parameters())


@pytest.mark.parametrize(("layers", "fragment"), [
    (lambda nn: [nn.Linear(2, 3), nn.Dropout(0.5), nn.Linear(3, 1)],
     "from_torch: layer '1' (Dropout): our MLP has only Linear layers and the activations"),
    (lambda nn: [nn.Linear(2, 3), nn.LeakyReLU()], "layer '1' (LeakyReLU)"),
    (lambda nn: [nn.Conv1d(1, 1, 2)], "layer '0' (Conv1d)"),
    (lambda nn: [nn.Linear(2, 3, bias=False)], "layer '0' (Linear): it has no bias"),
    (lambda nn: [nn.ReLU(), nn.Linear(2, 3)],
     "layer '0' (ReLU): each of our layers applies one activation, right after its Linear"),
    (lambda nn: [nn.Linear(2, 3), nn.ReLU(), nn.Tanh()], "layer '2' (Tanh): each of our"),
    (lambda nn: [nn.Linear(2, 3), nn.Softmax(dim=0)], "layer '1' (Softmax): our softmax is "
     "over a layer's units (dim=-1), this one is over dim=0"),
    (lambda nn: [], "from_torch(Sequential): it holds no Linear layer"),
])
def test_from_torch_refuses_what_it_cannot_represent_by_the_layers_name(layers, fragment):
    with pytest.raises(UntranslatableError) as error:
        from_torch(torch.nn.Sequential(*layers(torch.nn)))
    assert fragment in str(error.value)
    assert isinstance(error.value, TypeError)


@pytest.mark.parametrize("thing", [None, [1.0, 2.0], "Sequential"])
def test_from_torch_refuses_what_is_no_torch_module(thing):
    with pytest.raises(ValueTypeError, match=f"from_torch\\({type(thing).__name__}\\): it reads"):
        from_torch(thing)


def test_to_torch_refuses_what_it_does_not_know():
    with pytest.raises(UntranslatableError, match=r"to_torch\(list\): the bridge knows Neuron"):
        to_torch([1.0, 2.0])


def test_to_torch_refuses_a_python_activation_naming_the_layer():
    ours = MLP.from_layers([Layer(2, 2, activation=lambda v: v * 2), Layer(2, 1)])
    with pytest.raises(UntranslatableError, match="at layer 0: activation=<function"):
        to_torch(ours)


@pytest.mark.parametrize(("call", "error", "fragment"), [
    (lambda m: compare_with_torch(m), ValueTypeError, "a model needs inputs"),
    (lambda m: compare_with_torch(m, [["a", "b", "c"]]), ValueTypeError, "inputs are numbers"),
    (lambda m: compare_with_torch(m, 3.0), ValueTypeError, "inputs are numbers"),
    (lambda m: compare_with_torch(m, [[1.0, 2.0]]), DomainError,
     "the model takes 3 numbers per sample"),
    (lambda m: compare_with_torch(m, SAMPLES, [1, 2, 0, 1]), ValueTypeError,
     "targets need a loss"),
    (lambda m: compare_with_torch(m, SAMPLES, [1, 2], loss=cross_entropy), DomainError,
     "there are 4 samples"),
    (lambda m: compare_with_torch(m, SAMPLES, [1, 2, 0, 1], loss=lambda y, t: y[0]),
     UntranslatableError, "compare_with_torch(my_loss)"),
    (lambda m: compare_with_torch(m.layers[0].neurons[0].bias, SAMPLES), ValueTypeError,
     "an expression brings its own numbers"),
    (lambda m: compare_with_torch("model"), ValueTypeError, "it compares a Value or a model"),
])
def test_compare_refuses_what_it_cannot_compare(call, error, fragment):
    with pytest.raises(error) as raised:
        call(model())
    assert fragment in str(raised.value)


def test_one_sample_is_a_batch_of_one_and_nothings_grad_is_touched():
    ours = model()
    report = compare_with_torch(ours, SAMPLES[0])
    assert_agrees(report)
    assert all(p.grad == 0.0 for p in ours.parameters())
    assert report.rows[0].name == "W1[0,0]" and report.rows[0].torch_name == "0.weight[0,0]"
    assert report.rows[1].name == "W1[1,0]" and report.rows[1].torch_name == "0.weight[0,1]"
