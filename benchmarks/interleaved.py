"""Wall-clock ratios eager / freeing floor: interleaved rounds, the fastest of each.

    python benchmarks/interleaved.py [ROUNDS]     # 20 rounds: about a minute

Each round times, for microgradjp's eager mode and the freeing floor in turn, the chain (5,000
and 100,000 ops: forward, backward and freeing, as run.py times them) and the elementary-op MLP
step (one whole step, then its forward and backward apart). The fastest of the rounds is kept:
on a loaded machine a slow moment only ever adds time. Instruction counts (instructions.py)
are the steadier measure; this is what a user's clock says.
"""

from __future__ import annotations

import sys

import run
import workloads

ENGINES = ("microgradjp", "freeing floor")


def measure(rounds: int) -> dict[tuple[str, str], float]:
    """Return the fastest time of each (engine, measurement) over ``rounds`` rounds."""
    points, labels = workloads.moons(100)
    best: dict[tuple[str, str], float] = {}

    def keep(key: tuple[str, str], time: float) -> None:
        best[key] = min(best.get(key, time), time)

    for _ in range(rounds):
        for n_ops in (5_000, 100_000):
            for engine in ENGINES:
                times = run.time_chain(run.ENGINES[engine], n_ops)
                for part in ("total", "forward", "backward"):
                    keep((engine, f"chain {n_ops:,}, {part} (ns/op)"), times[part])
        for engine in ENGINES:
            step = run.elementary_step(engine)(points, labels)
            keep((engine, "MLP step (ms)"), run.timed(step))
            phases = run.time_phases(engine, points, labels)
            for part in ("forward", "backward"):
                keep((engine, f"MLP step, {part} (ms)"), phases[part])
    return best


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    best = measure(rounds)
    print(f"| fastest of {rounds} rounds | {' | '.join(ENGINES)} | ratio |")
    print("|---|---:|---:|---:|")
    for name in dict.fromkeys(name for _, name in best):
        ours, floor = (best[engine, name] for engine in ENGINES)
        print(f"| {name} | {ours:.2f} | {floor:.2f} | {ours / floor:.3f} |")


if __name__ == "__main__":
    main()
