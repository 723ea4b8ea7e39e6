"""Tests for microgradjp.init: every scheme's shape and spread, "auto", seeds, errors."""

import math
import random
import statistics

import pytest

from microgradjp import Value
from microgradjp import relu as relu_rule
from microgradjp.errors import DomainError, ValueTypeError
from microgradjp.init import INITS, initial_weights, manual_seed
from microgradjp.nn import MLP, Layer, Neuron


@pytest.mark.parametrize("init", INITS)
def test_every_scheme_gives_in_features_rows_of_out_features(init):
    weights = initial_weights(3, 2, init=init, seed=0)
    assert [len(row) for row in weights] == [2, 2, 2]
    assert all(isinstance(w, float) for row in weights for w in row)


def test_he_init_for_relu_has_std_sqrt_2_over_fan_in():
    weights = [w for row in initial_weights(200, 50, activation="relu", seed=0) for w in row]
    assert statistics.pstdev(weights) == pytest.approx(math.sqrt(2 / 200), rel=0.05)


def test_xavier_init_for_tanh_stays_within_its_bound():
    weights = [w for row in initial_weights(30, 10, activation="tanh", seed=0) for w in row]
    bound = math.sqrt(6 / 40)
    assert max(map(abs, weights)) <= bound
    assert max(map(abs, weights)) > 0.9 * bound


def test_uniform_init_spans_minus_one_to_one_like_micrograd():
    weights = [w for row in initial_weights(30, 10, init="uniform", seed=0) for w in row]
    assert 0.9 < max(map(abs, weights)) <= 1.0


@pytest.mark.parametrize(("activation", "scheme"), [
    ("relu", "he"), (relu_rule, "he"), (Value.relu, "he"), ("tanh", "xavier"),
    ("sigmoid", "xavier"), ("identity", "xavier"),
])
def test_auto_picks_he_for_relu_and_xavier_otherwise(activation, scheme):
    assert initial_weights(4, 3, activation=activation, seed=1) == initial_weights(
        4, 3, init=scheme, seed=1)


def test_same_seed_same_weights_and_global_random_untouched():
    state = random.getstate()
    assert initial_weights(3, 3, seed=2) == initial_weights(3, 3, seed=2)
    assert initial_weights(3, 3, seed=2) != initial_weights(3, 3, seed=3)
    assert random.getstate() == state


def test_a_shared_generator_continues_its_stream():
    rng = random.Random(5)
    assert initial_weights(2, 2, seed=rng) != initial_weights(2, 2, seed=rng)


@pytest.mark.parametrize(("call", "exception", "fragment"), [
    (lambda: initial_weights(2, 1, init="gaussian"), DomainError, "unknown scheme; the schemes"),
    (lambda: initial_weights(2, 1, init="he", seed=1.5), ValueTypeError, "a seed is an int"),
    (lambda: initial_weights(0, 2), ValueTypeError, "in_features must be a positive int"),
    (lambda: initial_weights(2, -1), ValueTypeError, "out_features must be a positive int"),
])
def test_errors(call, exception, fragment):
    with pytest.raises(exception) as caught:
        call()
    assert fragment in str(caught.value)


# -- fresh weights without a seed, one switch for a reproducible run ------------------------------


def test_unseeded_neurons_break_symmetry():
    first, second = Neuron(3), Neuron(3)
    assert first.state_dict() != second.state_dict()
    units = [Neuron(4) for _ in range(3)]  # a layer written by hand, micrograd style
    assert len({tuple(w.data for w in unit.weights) for unit in units}) == 3


def test_manual_seed_makes_a_whole_run_reproducible():
    manual_seed(0)
    first = [MLP(2, [4, 1]).state_dict(), Neuron(3).state_dict(), Layer(2, 2).state_dict()]
    manual_seed(0)
    second = [MLP(2, [4, 1]).state_dict(), Neuron(3).state_dict(), Layer(2, 2).state_dict()]
    assert first == second
    manual_seed(1)
    assert MLP(2, [4, 1]).state_dict() != first[0]


def test_a_seed_argument_ignores_the_shared_generator():
    manual_seed(5)
    seeded = MLP(2, [3, 1], seed=7).state_dict()
    state = random.getstate()
    MLP(2, [3, 1], seed=7)
    assert random.getstate() == state  # a seeded model never draws from random's global state
    manual_seed(6)
    assert MLP(2, [3, 1], seed=7).state_dict() == seeded


def test_random_seed_before_building_a_model_makes_it_reproducible():
    random.seed(1337)
    first = [MLP(3, [4, 4, 1]).state_dict(), Neuron(2).state_dict()]
    random.seed(1337)
    assert [MLP(3, [4, 4, 1]).state_dict(), Neuron(2).state_dict()] == first
    manual_seed(1337)  # the same generator: PyTorch's name for random.seed
    assert MLP(3, [4, 4, 1]).state_dict() == first[0]


def test_an_unseeded_uniform_neuron_is_micrograds():
    # micrograd: random.seed(1337); Neuron(2) draws w = [random.uniform(-1, 1) for _ in 2], b = 0
    random.seed(1337)
    expected = [random.uniform(-1, 1) for _ in range(2)]
    random.seed(1337)
    neuron = Neuron(2, init="uniform")
    assert [w.data for w in neuron.w] == expected and neuron.b.data == 0.0


@pytest.mark.parametrize("seed", [1.5, "0", True, None])
def test_manual_seed_refuses_a_non_integer(seed):
    with pytest.raises(ValueTypeError, match="a seed is an int"):
        manual_seed(seed)
