"""fit's modes on two moons: eager, float replay, batched (exact) and batched fast.

    python benchmarks/batched.py            # a few minutes
    python benchmarks/batched.py --quick    # a smoke run

MLP 2-16-16-1 (tanh), max-margin loss, SGD, full batch (B = 100, then 1,000 points): ms per
epoch over the whole fit (its first epoch is the recording, always eager, and the second
compiles the replay), and once replaying (the median time from one step's start to the next),
each mode's best of the rounds, in CPU time; the ratios to eager, and ``History.mode`` to show
which mode ran. Then one replayed step alone (`SampleReplay` over the batch) by batch size,
every size run as arrays, to find where the arrays win (`batched.BATCHED_FROM`).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from typing import Any
from unittest.mock import patch

from microgradjp.core import batched as batched_module
from microgradjp.core.node import Value
from microgradjp.core.replay import SampleReplay
from microgradjp.data import two_moons
from microgradjp.losses import max_margin_loss
from microgradjp.nn import MLP
from microgradjp.nn._fit_replay import ReplayedSteps
from microgradjp.optim import SGD
from microgradjp.train import fit

# CPU time of this process: on a machine shared with other jobs it moves far less with their
# load than wall time does (numpy runs single-threaded here: no thread's time is missed).
CLOCK = time.process_time
MODES = {"eager": False, "replay": None, "batched": True, "batched fast": "fast"}


def run(replay: bool | str | None, points: int, epochs: int) -> tuple[float, list[float], str]:
    """Return a fit's seconds, the seconds between its steps' starts, and History.mode.

    ``None`` is float replay (no batch large enough to run as arrays).
    """
    xs, ts = two_moons(points, 0.1, seed=0, labels=(-1, 1))
    model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    optimizer = SGD(model.parameters(), lr=0.05)
    never = dict.fromkeys(batched_module.BATCHED_FROM, 10**9) if replay is None else {}
    starts: list[float] = []
    step = ReplayedSteps.step

    def timed(self: ReplayedSteps, *args: Any) -> Any:
        starts.append(CLOCK())
        return step(self, *args)

    with patch.dict(batched_module.BATCHED_FROM, never), patch.object(ReplayedSteps, "step",
                                                                        timed):
        start = CLOCK()
        history = fit(model, xs, ts, loss=max_margin_loss, optimizer=optimizer, epochs=epochs,
                      replay=True if replay is None else replay, progress=False)
        seconds = CLOCK() - start
    return seconds, [b - a for a, b in itertools.pairwise(starts)], history.mode


def per_epoch(replay: bool | str | None, points: int, epochs: int,
              rounds: int) -> tuple[float, float, str]:
    """Return ms per epoch over a whole fit, and once replaying (median), and History.mode.

    A full batch is one step an epoch: the time from one step's start to the next is an
    epoch, the first two (the recording, always eager, then compiling the replay) left out.
    An eager fit's epochs are all alike: its whole time over the epochs.
    """
    runs = [run(replay, points, epochs) for _ in range(rounds)]
    whole = min(seconds for seconds, _, _ in runs) * 1e3 / epochs
    replayed = [statistics.median(gaps[2:]) * 1e3 for _, gaps, _ in runs if gaps[2:]]
    return whole, min(replayed, default=whole), runs[0][2]


def replay_step(points: int, batched: str | None, rounds: int) -> float:
    """Return ms for one SampleReplay call over the batch (the replayed step alone)."""
    xs, ts = two_moons(max(points, 10), 0.1, seed=0, labels=(-1, 1))
    model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    xs, ts = (xs * (points // len(xs) + 1))[:points], (ts * (points // len(ts) + 1))[:points]
    x, t = [Value(v) for v in xs[0]], float(ts[0]) * 1.0
    output = model(x)
    assert isinstance(output, Value)  # one output unit
    replay = SampleReplay(max_margin_loss(output, t), model.parameters(), x, [t], [output],
                          batched=batched)
    always = dict.fromkeys(batched_module.BATCHED_FROM, 1)  # arrays at every size: where wins?
    params = [p.data for p in model.parameters()]
    samples = [(*x, float(t)) for x, t in zip(xs, ts, strict=True)]
    best = float("inf")
    with patch.dict(batched_module.BATCHED_FROM, always):
        for _ in range(rounds):
            start = CLOCK()
            replay(params, samples, 1.0 / points)
            best = min(best, CLOCK() - start)
    return best * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few epochs, 1 round")
    quick = parser.parse_args().quick
    rounds = 1 if quick else 3
    for points, epochs in ((100, 4 if quick else 20), (1000, 4 if quick else 8)):
        print(f"\nfit, B = {points}, {epochs} epochs: ms per epoch, whole run | once replaying "
              "| ratios to eager | History.mode")
        best = {name: per_epoch(replay, points, epochs, rounds)
                for name, replay in MODES.items()}
        eager = best["eager"][0]
        for name, (whole, steady, mode) in best.items():
            print(f"| {name} | {whole:.2f} | {steady:.2f} | {eager / whole:.1f}x | "
                  f"{eager / steady:.1f}x | {mode} |")
    print("\none replayed step alone (SampleReplay over the batch), ms: B | replay | batched | "
          "batched fast")
    for points in (4, 8, 16, 32, 100, 1000):
        steps = [replay_step(points, mode, 3 if quick else 20) for mode in (None, "exact", "fast")]
        print(f"| {points} | " + " | ".join(f"{ms:.3f}" for ms in steps) + " |")


if __name__ == "__main__":
    main()
