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

from microgradjp.core import batched
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
    saved = batched.BATCHED_FROM
    if replay is None:  # float replay: no batch is large enough to run as arrays
        batched.BATCHED_FROM = 10**9
    try:
        start = time.perf_counter()
        history = fit(model, xs, ts, loss=max_margin_loss, optimizer=optimizer, epochs=epochs,
                      replay=True if replay is None else replay, progress=False)
        seconds = time.perf_counter() - start
    finally:
        batched.BATCHED_FROM = saved
    return seconds, history.mode


def per_epoch(replay: bool | str | None, points: int, epochs: int) -> tuple[float, str]:
    """Return ms per epoch after the first (the recording, eager), and History.mode."""
    first, _ = run(replay, points, 1)
    total, mode = run(replay, points, epochs + 1)
    return (total - first) * 1e3 / epochs, mode


def replay_step(points: int, batched: str | None, rounds: int) -> float:
    """Return ms for one SampleReplay call over the batch (the replayed step alone)."""
    xs, ts = two_moons(points, 0.1, seed=0, labels=(-1, 1))
    model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    x, t = [Value(v) for v in xs[0]], float(ts[0]) * 1.0
    output = model(x)
    replay = SampleReplay(max_margin_loss(output, t), model.parameters(), x, [t], [output],
                          batched=batched)
    params = [p.data for p in model.parameters()]
    samples = [(*x, float(t)) for x, t in zip(xs, ts, strict=True)]
    best = float("inf")
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
    for points, epochs in ((100, 2 if quick else 10), (1000, 1 if quick else 3)):
        best = dict.fromkeys(MODES, float("inf"))
        shown = dict.fromkeys(MODES, "")
        for _ in range(rounds):
            for name, replay in MODES.items():
                ms, shown[name] = per_epoch(replay, points, epochs)
                best[name] = min(best[name], ms)
        print(f"\nfit, B = {points}: ms per epoch (History.mode), ratio to eager")
        for name in MODES:
            print(f"| {name} | {best[name]:.2f} ({shown[name]}) | "
                  f"{best['eager'] / best[name]:.1f}x |")
        steps = {name: replay_step(points, mode, 3 if quick else 20)
                 for name, mode in (("replay", None), ("batched", "exact"),
                                    ("batched fast", "fast"))}
        print(f"one replayed step alone, B = {points}: "
              + ", ".join(f"{name} {ms:.2f} ms" for name, ms in steps.items()))


if __name__ == "__main__":
    main()
