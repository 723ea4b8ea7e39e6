"""Where batched replay wins: one replayed step alone (`SampleReplay` over a batch) by batch size.

    python benchmarks/batched.py            # a minute
    python benchmarks/batched.py --quick    # a smoke run

MLP 2-16-16-1 (tanh), max-margin loss, two moons: one replayed step over B samples, on floats
(sample after sample), as exact arrays and as fast arrays, every size run as arrays, best of the
rounds in CPU time. Where the arrays overtake the floats is `batched.BATCHED_FROM`. `fit` itself
in every mode, beside numpy and torch, is run.py's table (fitting.py).
"""

from __future__ import annotations

import argparse
import time
from unittest.mock import patch

from microgradjp.core import batched as batched_module
from microgradjp.core.node import Value
from microgradjp.core.replay import SampleReplay
from microgradjp.data import two_moons
from microgradjp.losses import max_margin_loss
from microgradjp.nn import MLP

# CPU time of this process: on a machine shared with other jobs it moves far less with their
# load than wall time does (numpy runs single-threaded here: no thread's time is missed).
CLOCK = time.process_time


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
    parser.add_argument("--quick", action="store_true", help="3 rounds a size")
    quick = parser.parse_args().quick
    print("one replayed step alone (SampleReplay over the batch), ms: B | replay | batched | "
          "batched fast")
    for points in (4, 8, 16, 32, 100, 1000):
        steps = [replay_step(points, mode, 3 if quick else 20) for mode in (None, "exact", "fast")]
        print(f"| {points} | " + " | ".join(f"{ms:.3f}" for ms in steps) + " |")


if __name__ == "__main__":
    main()
