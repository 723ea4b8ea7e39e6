"""Tests for microgradjp.data: tables, generated sets (deterministic from a seed), batching."""

import math
import random

import pytest

from microgradjp.data import (
    GATES,
    batches,
    linear_target,
    make_rng,
    spiral,
    truth_table,
    two_moons,
)
from microgradjp.errors import DomainError, ValueTypeError


@pytest.mark.parametrize(("gate", "outputs"), [
    ("AND", [0, 0, 0, 1]), ("OR", [0, 1, 1, 1]), ("NAND", [1, 1, 1, 0]), ("xor", [0, 1, 1, 0]),
])
def test_truth_tables(gate, outputs):
    inputs, targets = truth_table(gate)
    assert inputs == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert targets == outputs


def test_truth_table_returns_fresh_lists():
    inputs, targets = truth_table("AND")
    inputs[0][0], targets[0] = 9.0, 9
    assert truth_table("AND") == ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 0, 0, 1])
    assert GATES == ("AND", "NAND", "OR", "XOR")


def test_two_moons_is_deterministic_from_its_seed():
    assert two_moons(50, 0.1, seed=3) == two_moons(50, 0.1, seed=3)
    assert two_moons(50, 0.1, seed=3) != two_moons(50, 0.1, seed=4)


def test_generators_leave_the_global_random_state_alone():
    state = random.getstate()
    two_moons(20, 0.2, seed=1)
    spiral(20, seed=1)
    linear_target(20, seed=1)
    list(batches([[0.0]] * 5, [0] * 5, batch_size=2, seed=1))
    assert random.getstate() == state


def test_two_moons_without_noise_lies_on_the_two_half_circles():
    points, labels = two_moons(101, 0.0)
    assert labels.count(0) == 51 and labels.count(1) == 50
    for (x, y), label in zip(points, labels, strict=True):
        cx, cy = (0.0, 0.0) if label == 0 else (1.0, 0.5)
        assert math.hypot(x - cx, y - cy) == pytest.approx(1.0)
        assert (y >= -1e-12) if label == 0 else (y <= 0.5 + 1e-12)


def test_two_moons_labels_option():
    _, labels = two_moons(10, 0.1, labels=(-1, 1))
    assert sorted(set(labels)) == [-1, 1]


def test_spiral_splits_samples_over_arms_inside_the_unit_disc():
    points, labels = spiral(10, 0.3, classes=3, seed=2)
    assert [labels.count(k) for k in range(3)] == [4, 3, 3]
    assert all(math.hypot(x, y) <= 1.0 + 1e-12 for x, y in points)  # noise moves the angle only
    assert spiral(10, 0.3, classes=3, seed=2) == (points, labels)


def test_linear_target_is_seed_002s_function():
    inputs, targets = linear_target(1000, seed=0)
    assert all(0.0 <= x < 1.0 for point in inputs for x in point)
    assert targets == [3 * x0 + 2 * x1 for x0, x1 in inputs]
    assert linear_target(5, seed=0) == (inputs[:5], targets[:5])


@pytest.mark.parametrize(("batch_size", "sizes"), [(None, [7]), (1, [1] * 7), (3, [3, 3, 1])])
def test_batches_cover_every_sample_once(batch_size, sizes):
    inputs = [[float(i)] for i in range(7)]
    found = list(batches(inputs, list(range(7)), batch_size=batch_size, seed=0))
    assert [len(targets) for _, targets in found] == sizes
    seen = [t for _, targets in found for t in targets]
    assert sorted(seen) == list(range(7))
    assert all(x == [float(t)] for xs, ts in found for x, t in zip(xs, ts, strict=True))


def test_batches_reshuffle_per_epoch_from_one_generator():
    rng = make_rng(0)
    first = [t for _, ts in batches([[0]] * 8, list(range(8)), batch_size=8, seed=rng) for t in ts]
    second = [t for _, ts in batches([[0]] * 8, list(range(8)), batch_size=8, seed=rng) for t in ts]
    assert first != second
    again = make_rng(0)
    assert [t for _, ts in batches([[0]] * 8, list(range(8)), seed=again) for t in ts] == first


def test_batches_without_shuffle_keep_order():
    found = list(batches([[0], [1], [2]], ["a", "b", "c"], batch_size=2, shuffle=False))
    assert found == [([[0], [1]], ["a", "b"]), ([[2]], ["c"])]


@pytest.mark.parametrize(("call", "exception", "fragment"), [
    (lambda: truth_table("NOR"), DomainError, "the gates are"),
    (lambda: two_moons(0), ValueTypeError, "n_samples must be a positive int"),
    (lambda: two_moons(10, -0.1), DomainError, "noise is a standard deviation"),
    (lambda: two_moons(10, math.inf), DomainError, "finite and >= 0"),
    (lambda: spiral(10, math.nan), DomainError, "finite and >= 0"),
    (lambda: two_moons(10, labels=(1, 1)), DomainError, "two different ones"),
    (lambda: two_moons(10, labels=(0,)), DomainError, "one label per moon"),
    (lambda: spiral(10, classes=0), ValueTypeError, "classes must be a positive int"),
    (lambda: two_moons(10, seed="a"), ValueTypeError, "a seed is an int"),
    (lambda: list(batches([[0]], [0, 1])), DomainError, "one target per input"),
    (lambda: list(batches([], [])), DomainError, "no samples"),
    (lambda: list(batches([[0]], [0], batch_size=0)), ValueTypeError, "batch_size must be"),
])
def test_errors(call, exception, fragment):
    with pytest.raises(exception) as caught:
        call()
    assert fragment in str(caught.value)
