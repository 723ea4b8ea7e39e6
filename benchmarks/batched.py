"""fit's modes on two moons: eager, float replay, batched (exact) and batched fast.

    python benchmarks/batched.py            # a few minutes
    python benchmarks/batched.py --quick    # a smoke run

MLP 2-16-16-1 (tanh), max-margin loss, SGD, full batch (B = 100, then 1,000 points). Each
mode's time per epoch after the first (the recording, always eager: a fit of E + 1 epochs
minus one of 1), best of the rounds, modes interleaved round by round; then one replayed
step alone (`SampleReplay` over the batch).
Printed: ms per epoch and the ratio to eager, and ``History.mode`` to show which mode ran.
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
from microgradjp.optim import SGD
from microgradjp.train import fit

MODES = {"eager": False, "replay": None, "batched": True, "batched fast": "fast"}


def run(replay: bool | str | None, points: int, epochs: int) -> tuple[float, str]:
    """Return the seconds of a fit and its History.mode (``None``: float replay, arrays off)."""
    xs, ts = two_moons(points, 0.1, seed=0, labels=(-1, 1))
    model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    optimizer = SGD(model.parameters(), lr=0.05)
    # Float replay: no batch large enough to run as arrays.
    never = dict.fromkeys(batched_module.BATCHED_FROM, 10**9) if replay is None else {}
    with patch.dict(batched_module.BATCHED_FROM, never):
        start = time.perf_counter()
        history = fit(model, xs, ts, loss=max_margin_loss, optimizer=optimizer, epochs=epochs,
                      replay=True if replay is None else replay, progress=False)
        seconds = time.perf_counter() - start
    return seconds, history.mode


def per_epoch(replay: bool | str | None, points: int, epochs: int,
              rounds: int) -> tuple[float, str]:
    """Return ms per epoch once replaying (a fit of 2 + E epochs minus one of 2), History.mode.

    The first epoch is eager (the recording) and the second compiles the array code: both runs
    pay them, so the difference is E replayed epochs; each run's best of ``rounds``.
    """
    short = min(run(replay, points, 2)[0] for _ in range(rounds))
    runs = [run(replay, points, 2 + epochs) for _ in range(rounds)]
    return (min(seconds for seconds, _ in runs) - short) * 1e3 / epochs, runs[0][1]


def replay_step(points: int, batched: str | None, rounds: int) -> float:
    """Return ms for one SampleReplay call over the batch (the replayed step alone)."""
    xs, ts = two_moons(max(points, 10), 0.1, seed=0, labels=(-1, 1))
    model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    xs, ts = (xs * (points // len(xs) + 1))[:points], (ts * (points // len(ts) + 1))[:points]
    x, t = [Value(v) for v in xs[0]], float(ts[0]) * 1.0
    output = model(x)
    replay = SampleReplay(max_margin_loss(output, t), model.parameters(), x, [t], [output],
                          batched=batched)
    always = dict.fromkeys(batched_module.BATCHED_FROM, 1)  # arrays at every size: where wins?
    params = [p.data for p in model.parameters()]
    samples = [(*x, float(t)) for x, t in zip(xs, ts, strict=True)]
    best = float("inf")
    with patch.dict(batched_module.BATCHED_FROM, always):
        for _ in range(rounds):
            start = time.perf_counter()
            replay(params, samples, 1.0 / points)
            best = min(best, time.perf_counter() - start)
    return best * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few epochs, 1 round")
    quick = parser.parse_args().quick
    rounds = 1 if quick else 3
    for points, epochs in ((100, 2 if quick else 20), (1000, 1 if quick else 4)):
        print(f"\nfit, B = {points}: ms per replayed epoch (History.mode), ratio to eager")
        best = {name: per_epoch(replay, points, epochs, rounds)
                for name, replay in MODES.items()}
        for name, (ms, mode) in best.items():
            print(f"| {name} | {ms:.2f} ({mode}) | {best['eager'][0] / ms:.1f}x |")
    print("\none replayed step alone (SampleReplay over the batch), ms: B | replay | batched | "
          "batched fast")
    for points in (4, 8, 16, 32, 100, 1000):
        steps = [replay_step(points, mode, 3 if quick else 20) for mode in (None, "exact", "fast")]
        print(f"| {points} | " + " | ".join(f"{ms:.3f}" for ms in steps) + " |")


if __name__ == "__main__":
    main()
