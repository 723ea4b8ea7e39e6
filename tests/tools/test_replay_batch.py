"""Replay.batch: a recorded graph at many points at once, what the replay gives point by point."""

import math
from unittest.mock import patch

import pytest

from microgradjp import DomainError, Value, ValueTypeError
from microgradjp.core import batched
from microgradjp.replay import Replay

np = pytest.importorskip("numpy")


def one_by_one(replay, columns):
    rows = [replay(list(point)) for point in zip(*columns, strict=True)]
    return [value for value, _ in rows], [list(g) for g in zip(*(g for _, g in rows), strict=True)]


def test_a_batch_is_the_replay_point_by_point_bit_for_bit():
    w, x = Value(2.0), Value(3.0)
    replay = Replay(((w * x).tanh() + (w / x).exp()) ** 2.0 - w.log(), [w, x])
    columns = [[0.5, 1.0, 2.0, 1e-300, 7.0], [-1.0, 3.0, 0.5, 2.0, -0.25]]
    outputs, grads = replay.batch(columns)
    expected, expected_grads = one_by_one(replay, columns)
    assert outputs.tolist() == expected and [g.tolist() for g in grads] == expected_grads


def test_fast_is_within_1e_12_of_the_replay():
    w, x = Value(2.0), Value(3.0)
    replay = Replay((w * x).tanh() * (w - x).exp() + (w * w + x).sqrt(), [w, x])
    columns = [[0.5, 1.0, 2.0, -1.5], [1.0, 3.0, 0.5, 0.25]]
    outputs, grads = replay.batch(columns, fast=True)
    expected, expected_grads = one_by_one(replay, columns)
    assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(outputs, expected, strict=True))
    for got, want in zip(grads, expected_grads, strict=True):
        assert all(math.isclose(a, b, rel_tol=1e-12) for a, b in zip(got, want, strict=True))


def test_a_number_stands_for_every_point_and_constants_follow_the_inputs():
    x, c = Value(1.0), 2.0 * 1.0
    replay = Replay(x * c, [x], constants=[c])
    outputs, (dx,) = replay.batch([[1.0, 2.0, 3.0], 10.0])
    assert outputs.tolist() == [10.0, 20.0, 30.0] and dx.tolist() == [10.0, 10.0, 10.0]


@pytest.mark.parametrize("fast", [False, True])
def test_a_bad_point_raises_the_eager_error_as_a_call_does(fast):
    x = Value(4.0)
    replay = Replay(x.sqrt() * 2, [x])
    with pytest.raises(DomainError, match=r"sqrt\(-1.0\)"):
        replay.batch([[4.0, -1.0, 9.0]], fast=fast)


def test_what_numpy_refuses_and_python_computes_comes_from_the_floats():
    x = Value(1.0)
    replay = Replay(x * 1e300 * 1e300 - x, [x])  # numpy raises on the overflow, Python: inf
    outputs, (dx,) = replay.batch([[1.0, -1.0]])
    assert outputs.tolist() == [math.inf, -math.inf] and dx.tolist() == [math.inf, math.inf]


@pytest.mark.parametrize(("columns", "fragment"), [
    ([[1.0, 2.0]], "2 inputs and 0 constants"),
    ([[1.0, 2.0], [1.0, 2.0, 3.0]], "one number per sample"),
])
def test_misuse_is_explained(columns, fragment):
    w, x = Value(2.0), Value(3.0)
    with pytest.raises(ValueTypeError, match=fragment):
        Replay(w * x, [w, x]).batch(columns)


def test_without_numpy_a_batch_says_what_to_install():
    with patch.object(batched, "numpy", lambda: None), \
            pytest.raises(ModuleNotFoundError, match=r"microgradjp\[fast\]"):
        Replay(Value(1.0) * 2.0, []).batch([])
