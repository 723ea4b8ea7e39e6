"""fit's batched replay: where numpy is installed, a large batch runs as arrays, with eager's
numbers bit for bit (or within 1e-12 with replay="fast"), and History.mode says which ran."""

import math
from unittest.mock import patch

import pytest

from microgradjp.core import batched
from microgradjp.core.replay import SampleReplay
from microgradjp.data import two_moons
from microgradjp.errors import DomainError, NonFiniteError
from microgradjp.losses import max_margin_loss, mean_squared_error
from microgradjp.nn import MLP
from microgradjp.optim import SGD
from microgradjp.train import fit

pytest.importorskip("numpy")
POINTS, LABELS = two_moons(80, 0.1, seed=0, labels=(-1, 1))  # 80 >= 64: arrays in both modes


def train(replay, points=POINTS, labels=LABELS, *, loss=max_margin_loss, batch_size=None,
          epochs=4):
    model = MLP(len(points[0]), [6, 1], activation="tanh", seed=0)
    history = fit(model, points, labels, loss=loss, epochs=epochs, batch_size=batch_size,
                  optimizer=SGD(model.parameters(), lr=0.1, momentum=0.9), seed=1,
                  replay=replay)
    return history, [p.data for p in model.parameters()]


needs_long_double = pytest.mark.skipif(not batched.wins("exact", len(POINTS)),
                                       reason="the exact mode needs an extended long double")


@needs_long_double
def test_a_large_batch_runs_as_arrays_with_eager_s_numbers_bit_for_bit():
    eager, eager_weights = train(False)
    replayed, weights = train(True)
    assert (eager.mode, replayed.mode) == ("eager", "batched")
    assert replayed == eager and weights == eager_weights  # losses with ==, every weight


def test_fast_runs_numpy_s_own_functions_within_1e_12():
    eager, eager_weights = train(False)
    fast, weights = train("fast")
    assert fast.mode == "batched fast"
    for got, want in [*zip(fast.loss, eager.loss, strict=True),
                      *zip(weights, eager_weights, strict=True)]:
        assert math.isclose(got, want, rel_tol=1e-12)


def test_small_batches_run_on_floats_where_arrays_would_be_slower():
    history, weights = train(True, batch_size=16)
    assert history.mode == "replay" and weights == train(False, batch_size=16)[1]


def test_without_numpy_fit_replays_on_floats_as_before():
    with patch.object(batched, "numpy", lambda: None):
        exact, exact_weights = train(True)
        fast, fast_weights = train("fast")
    eager_weights = train(False)[1]
    assert (exact.mode, fast.mode) == ("replay", "replay")
    assert exact_weights == fast_weights == eager_weights


def test_a_batch_numpy_refuses_runs_on_floats_with_eager_s_numbers():
    # The first unit (weights 0.60, 0.49) sums two products near 1e308: numpy raises on the
    # overflow where Python gives inf (and tanh(inf) is 1), so each replayed step falls back to
    # the floats, which give eager's numbers.
    points = [[1.7e308, 1.7e308] if i == 5 else p for i, p in enumerate(POINTS)]
    history, weights = train(True, points)
    eager, eager_weights = train(False, points)
    assert history == eager and weights == eager_weights
    assert history.mode == "replay"


@pytest.mark.parametrize("replay", [pytest.param(True, marks=needs_long_double), "fast"])
def test_an_inf_input_stops_fit_with_eager_s_error(replay, monkeypatch):
    # Two batches of 64 an epoch: the first is the recording, the second runs as arrays; the
    # inf lands in the second in epoch 1, and numpy's refusal hands it to the floats, then to
    # the eager step, which raises fit's own error.
    points, labels = two_moons(128, 0.1, seed=0, labels=(-1, 1))
    points[0] = [math.inf, 0.0]  # shuffled (seed 1) into epoch 1's second batch
    refused = []
    on_arrays = SampleReplay._batch

    def spying(self, *args):
        try:
            return on_arrays(self, *args)
        except ArithmeticError:
            refused.append(1)
            raise

    monkeypatch.setattr(SampleReplay, "_batch", spying)
    errors = []
    for mode in (False, replay):
        with pytest.raises(NonFiniteError) as caught:
            train(mode, points, labels, loss=mean_squared_error, batch_size=64, epochs=3)
        errors.append((str(caught.value), caught.value.history.loss))
    assert refused and errors[0] == errors[1]


INF_AT = 89


def test_replay_is_true_false_or_fast():
    with pytest.raises(DomainError, match="replay is True, False or 'fast'"):
        train("exact")
