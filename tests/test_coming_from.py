"""The code our users bring runs as they wrote it: micrograd's demo loop and the seeds' own lines.

micrograd's demo.ipynb training loop is kept verbatim (only its imports change, and sklearn's
make_moons is rebuilt in a few numpy lines); the seeds' numpy weights, their
``network[key] -= learning_rate * grad[key]`` step and their cross entropy of softmax outputs
give the seeds' numbers, or a loud error naming the function to use.
"""

import math

import pytest

from microgradjp import Value
from microgradjp.errors import DomainError, ValueTypeError
from microgradjp.init import manual_seed
from microgradjp.losses import (
    binary_cross_entropy_with_logits,
    cross_entropy,
    cross_entropy_from_probabilities,
    mean_squared_error,
    softmax,
)
from microgradjp.nn import MLP

pytestmark = pytest.mark.slow  # runs scripts, demos or benchmarks in subprocesses

np = pytest.importorskip("numpy")


def make_moons(n_samples, noise, rng):
    """scikit-learn's make_moons(n_samples, noise): the same shapes and dtypes (float64, int64)."""
    n_out = n_samples // 2
    n_in = n_samples - n_out
    outer = np.linspace(0, np.pi, n_out)
    inner = np.linspace(0, np.pi, n_in)
    X = np.vstack([np.append(np.cos(outer), 1 - np.cos(inner)),
                   np.append(np.sin(outer), 1 - np.sin(inner) - 0.5)]).T
    y = np.hstack([np.zeros(n_out, dtype=np.int64), np.ones(n_in, dtype=np.int64)])
    order = rng.permutation(n_samples)
    return X[order] + rng.normal(scale=noise, size=X.shape), y[order]


def test_micrograd_demo_loop_runs_verbatim_and_learns():
    manual_seed(1337)  # micrograd's random.seed(1337), by PyTorch's name: the same generator
    np.random.seed(1337)
    X, y = make_moons(n_samples=100, noise=0.1, rng=np.random.RandomState(1337))
    y = y*2 - 1
    assert X.shape == (100, 2) and y.dtype == np.int64

    # -- from here to the end of the loop: micrograd's demo.ipynb, unchanged (the noqa marks
    # keep its spelling: zip without strict=, sum((...)) with its double brackets) --
    model = MLP(2, [16, 16, 1]) # 2-layer neural network
    print(model)
    print("number of parameters", len(model.parameters()))

    # loss function
    def loss(batch_size=None):

        # inline DataLoader :)
        if batch_size is None:
            Xb, yb = X, y
        else:
            ri = np.random.permutation(X.shape[0])[:batch_size]
            Xb, yb = X[ri], y[ri]
        inputs = [list(map(Value, xrow)) for xrow in Xb]

        # forward the model to get scores
        scores = list(map(model, inputs))

        # svm "max-margin" loss
        losses = [(1 + -yi*scorei).relu() for yi, scorei in zip(yb, scores)]  # noqa: B905
        data_loss = sum(losses) * (1.0 / len(losses))
        # L2 regularization
        alpha = 1e-4
        reg_loss = alpha * sum((p*p for p in model.parameters()))  # noqa: UP034
        total_loss = data_loss + reg_loss

        # also get accuracy
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]  # noqa: B905
        return total_loss, sum(accuracy) / len(accuracy)

    total_loss, acc = loss()
    print(total_loss, acc)

    # optimization
    for k in range(100):

        # forward
        total_loss, acc = loss()

        # backward
        model.zero_grad()
        total_loss.backward()

        # update (sgd)
        learning_rate = 1.0 - 0.9*k/100
        for p in model.parameters():
            p.data -= learning_rate * p.grad

        if k % 1 == 0:
            print(f"step {k} loss {total_loss.data}, accuracy {acc*100}%")
    # -- end of micrograd's lines --

    assert isinstance(total_loss, Value) and isinstance(model(list(X[0])), Value)
    assert acc >= 0.95  # micrograd's own run reaches 100%; chance is 50%
    assert all(isinstance(p.data, float) for p in model.parameters())  # no numpy leaked in


def test_micrograd_mlp_defaults_relu_hidden_linear_output():
    model = MLP(2, [16, 16, 1])
    assert [layer.activation for layer in model.layers] == ["relu", "relu", "identity"]


# -- the seeds' lines (seed 002) ------------------------------------------------------------------

W1 = np.array([[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]])
b1 = np.array([0.1, 0.2, 0.3])
W2_4 = np.array([[0.1, 0.4, 0.7, 1.0], [0.2, 0.5, 0.8, 1.1], [0.3, 0.6, 0.9, 1.2]])
b2_4 = np.array([0.1, 0.2, 0.3, 0.4])


def test_numpy_weight_matrices_give_the_seed_numbers_bit_for_bit():
    from_numpy = MLP.from_weights([(W1, b1), (W2_4, b2_4)])(np.array([1., 2.]))
    from_lists = MLP.from_weights([(W1.tolist(), b1.tolist()), (W2_4.tolist(), b2_4.tolist())])(
        [1.0, 2.0])
    assert [u.data for u in from_numpy] == [u.data for u in from_lists]
    assert [round(u.data, 12) for u in from_numpy] == [1.02, 2.29, 3.56, 4.83]


def test_cross_entropy_of_softmax_outputs_is_refused_and_names_both_functions():
    u = MLP.from_weights([(W1, b1), (W2_4, b2_4)])(np.array([1., 2.]))
    d = np.array([0, 0, 0, 1])
    with pytest.raises(DomainError) as caught:
        cross_entropy(softmax(u), d)  # the seeds' line, with our logit-form cross_entropy
    assert "cross_entropy takes logits" in str(caught.value)
    assert "cross_entropy_from_probabilities" in str(caught.value)


def test_softmax_output_layer_then_cross_entropy_is_refused():
    model = MLP.from_weights([(W1, b1), (W2_4, b2_4)], output_activation="softmax")
    with pytest.raises(DomainError, match="already a softmax output"):
        cross_entropy(model([1.0, 2.0]), 3)


def test_probability_form_gives_the_seed_number_with_its_epsilon():
    y = MLP.from_weights([(W1, b1), (W2_4, b2_4)], output_activation="softmax")([1.0, 2.0])
    seed_printed = 0.3234202933601941  # -log(y3 + 1e-7)
    ours = cross_entropy_from_probabilities(y, np.array([0, 0, 0, 1]), eps=1e-7).data
    assert math.isclose(ours, seed_printed, rel_tol=1e-15)  # the last bit: our softmax's rounding
    assert round(cross_entropy_from_probabilities(y, 3).data, 10) == 0.3234204315  # exact


def test_sigmoid_output_into_the_logit_loss_is_refused():
    model = MLP.from_weights([(W1, b1), (np.array([[0.2], [0.4], [0.6]]), np.array([0.1]))],
                             output_activation="sigmoid")
    with pytest.raises(DomainError, match=r"binary_cross_entropy\(p, t\)"):
        binary_cross_entropy_with_logits(model([1.0, 2.0]), 1)


def test_the_seed_squared_error_line_gives_its_number():
    y = MLP.from_weights([(W1, b1), (np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
                                     np.array([0.1, 0.2]))])(np.array([1., 2.]))
    d = np.array([2., 4.])
    assert mean_squared_error(y, d).data == pytest.approx(0.971125, abs=1e-12)
    with pytest.raises(ValueTypeError, match=r"the seeds' mean_squared_error\(d, y\) is our"):
        mean_squared_error(d, y)  # the seeds' argument order


# network[key] -= learning_rate * grad[key]: the seed's update, after one backward (seed 002).
AFTER_ONE_STEP = {
    "W1": [[0.1002612, 0.3002612, 0.5002612], [0.20130599, 0.40130599, 0.60130599]],
    "W2": [[0.09895521, 0.40104479], [0.19782336, 0.50217664], [0.2966915, 0.6033085]],
    "b1": [0.1002612, 0.2002612, 0.3002612],
    "b2": [0.09912934, 0.20087066],
}


def seed_network():
    return {"W1": W1.copy(), "W2": np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
            "b1": b1.copy(), "b2": np.array([0.1, 0.2])}


def assert_seed_step(network):
    for key, expected in AFTER_ONE_STEP.items():
        assert np.round(np.asarray(network[key]), 8).tolist() == expected, key


def test_seed_update_on_the_model_parameters_gives_the_seed_numbers():
    network, learning_rate = seed_network(), 0.01
    model = MLP.from_weights([(network["W1"], network["b1"]), (network["W2"], network["b2"])])
    loss = cross_entropy(model(np.array([1.0, 5.0])), np.array([0, 1]))
    loss.backward()
    for p in model.parameters():  # our spelling of: network[key] -= learning_rate * grad[key]
        p.data -= learning_rate * p.grad
    (w1, bias1), (w2, bias2) = model.to_weights()
    assert_seed_step({"W1": w1, "b1": bias1, "W2": w2, "b2": bias2})


def test_seed_update_on_numpy_arrays_gives_the_seed_numbers():
    network, learning_rate = seed_network(), 0.01
    model = MLP.from_weights([(network["W1"], network["b1"]), (network["W2"], network["b2"])])
    cross_entropy(model(np.array([1.0, 5.0])), np.array([0, 1])).backward()
    (gW1, gb1), (gW2, gb2) = model.to_weights(grad=True)
    grad = {"W1": np.array(gW1), "b1": np.array(gb1), "W2": np.array(gW2), "b2": np.array(gb2)}
    for key in ("W1", "W2", "b1", "b2"):
        network[key] -= learning_rate * grad[key]  # the seed's line, verbatim
    assert_seed_step(network)
    # from_weights copied the numbers: the arrays moved, the model did not (documented)
    assert model.to_weights()[0][0] == W1.tolist()


def test_the_seed_batch_of_one_is_refused_with_the_row_to_pass():
    model = MLP.from_weights([(W1, b1), (np.array([[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]]),
                                         np.array([0.1, 0.2]))])
    x, d = np.array([[1.0, 5.0]]), np.array([[0, 1]])  # the seed's shapes (1, 2)
    with pytest.raises(DomainError, match=r"got \(1, 2\) \(a batch: call once per row, e\.g\. x"):
        model(x)
    with pytest.raises(DomainError, match=r"target of shape \(1, 2\).*\(d\[0\] for a batch"):
        cross_entropy(model(x[0]), d)
    assert round(cross_entropy(model(x[0]), d[0]).data, 8) == round(
        -math.log(0.91293423), 8)  # the seed's y = [0.08706577, 0.91293423]
