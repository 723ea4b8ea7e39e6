"""Benchmarks: microgradjp (eager and replay) against micrograd 0.1.0 and hand-written floats.

    pip install -e ".[bench]" && python benchmarks/run.py        # about two minutes
    python benchmarks/run.py --quick                              # a smoke run of everything

Side by side in one process, interleaved round by round, medians of several rounds, with the
cyclic GC on (what users get); each measurement starts after a gc.collect() so one library's
garbage is not billed to the next.
"""

from __future__ import annotations

import argparse
import gc
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable

import handwritten
import micrograd_ext

from microgradjp import Value, losses
from microgradjp.data import two_moons
from microgradjp.nn import MLP
from microgradjp.optim import SGD
from microgradjp.replay import Replay

ALPHA, LR = 1e-4, 0.05


def chain(make: Callable[[float], object], n_ops: int) -> tuple[object, object]:
    """The chain workload: mul, add, relu, exp, log, repeated; returns (input, output)."""
    x = make(0.5)
    y = x
    for _ in range(n_ops // 5):
        y = (y * 1.0001 + 0.001).relu().exp().log()  # type: ignore[attr-defined]
    return x, y


def time_chain(make: Callable[[float], object], n_ops: int) -> dict[str, float]:
    """Return ns per op for forward, backward and freeing the graph."""
    gc.collect()
    start = time.perf_counter()
    x, y = chain(make, n_ops)
    built = time.perf_counter()
    y.backward()  # type: ignore[attr-defined]
    walked = time.perf_counter()
    del x, y
    freed = time.perf_counter()
    per_op = 1e9 / n_ops
    return {"forward": (built - start) * per_op, "backward": (walked - built) * per_op,
            "free": (freed - walked) * per_op, "total": (freed - start) * per_op}


def time_handwritten_chain(n_ops: int) -> dict[str, float]:
    gc.collect()
    start = time.perf_counter()
    handwritten.chain(n_ops)
    return {"total": (time.perf_counter() - start) * 1e9 / n_ops}


def moons(n_points: int) -> tuple[list[list[float]], list[int]]:
    return two_moons(n_points, 0.1, seed=0, labels=(-1, 1))


def microgradjp_step(points: list[list[float]], labels: list[int]) -> Callable[[], float]:
    model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    optimizer = SGD(model.parameters(), lr=LR)

    def step() -> float:
        optimizer.zero_grad()
        loss = mlp_loss(model, points, labels)
        loss.backward()
        optimizer.step()
        return loss.data

    return step


def mlp_loss(model: MLP, points: list[list[float]], labels: list[int]) -> Value:
    margins = [losses.max_margin_loss(model(x), y) for x, y in zip(points, labels, strict=True)]
    return losses.mean(margins) + losses.l2_regularization(model.parameters(), ALPHA)


def replay_step(points: list[list[float]], labels: list[int]) -> Callable[[], float]:
    model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    params = model.parameters()
    optimizer = SGD(params, lr=LR)
    replay = Replay(mlp_loss(model, points, labels), params)  # recorded once, outside the step

    def step() -> float:
        value, grads = replay()
        for p, g in zip(params, grads, strict=True):
            p._grad = g
        optimizer.step()
        return value

    return step


def micrograd_step(points: list[list[float]], labels: list[int]) -> Callable[[], float]:
    model = micrograd_ext.TanhMLP(2, [16, 16, 1])

    def step() -> float:
        scores = [model([micrograd_ext.Value(c) for c in x]) for x in points]
        hinges = [(1 + -y * s).relu() for y, s in zip(labels, scores, strict=True)]
        data_loss = sum(hinges) * (1.0 / len(points))
        total = data_loss + ALPHA * sum(p * p for p in model.parameters())
        model.zero_grad()
        total.backward()
        for p in model.parameters():
            p.data -= LR * p.grad
        return total.data

    return step


def handwritten_step(points: list[list[float]], labels: list[int]) -> Callable[[], float]:
    model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    weights = [([list(col) for col in zip(*w, strict=True)], b) for w, b in model.to_weights()]
    net = handwritten.MLP(weights)
    return lambda: net.step(points, labels, ALPHA, LR)


def timed(step: Callable[[], float]) -> float:
    gc.collect()
    start = time.perf_counter()
    step()
    return (time.perf_counter() - start) * 1e3


def longest_chain(make: Callable[[float], object], limit: int) -> int:
    """Return the longest chain (found by doubling then bisection) whose backward succeeds."""
    def works(n: int) -> bool:
        x = make(1.0)
        y = x
        for _ in range(n):
            y = y * 1.0
        try:
            y.backward()  # type: ignore[attr-defined]
        except RecursionError:
            return False
        return True

    low, high = 0, 1000
    while high < limit and works(high):
        low, high = high, min(high * 10, limit)
    if works(high):
        return high
    while high - low > max(1, low // 100):  # within 1%
        middle = (low + high) // 2
        low, high = (middle, high) if works(middle) else (low, middle)
    return low


def memory(make: Callable[[float], object], n_ops: int) -> tuple[float, float]:
    """Return (bytes, GC-tracked objects) per node with an n_ops chain alive.

    Nodes are every Value: the ops' results, the leaf and the constants (1.0001 and 0.001 per
    five ops), 7/5 per op.
    """
    gc.collect()
    objects = len(gc.get_objects())
    tracemalloc.start()
    x, y = chain(make, n_ops)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tracked = len(gc.get_objects()) - objects
    del x, y
    gc.collect()
    nodes = 1 + n_ops * 7 // 5
    return size / nodes, tracked / nodes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks it all runs")
    args = parser.parse_args()
    rounds, n_ops, n_points, depth = (2, 5_000, 10, 10_000) if args.quick else (
        7, 100_000, 100, 1_000_000)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3 * n_ops))  # micrograd recurses

    chains: dict[str, list[dict[str, float]]] = {"microgradjp": [], "micrograd": [], "floats": []}
    steps: dict[str, list[float]] = {"microgradjp": [], "replay": [], "micrograd": [], "floats": []}
    points, labels = moons(n_points)
    makers = {"microgradjp": microgradjp_step, "replay": replay_step,
              "micrograd": micrograd_step, "floats": handwritten_step}
    runners = {name: make(points, labels) for name, make in makers.items()}
    for _ in range(rounds):
        chains["microgradjp"].append(time_chain(Value, n_ops))
        chains["micrograd"].append(time_chain(micrograd_ext.Value, n_ops))
        chains["floats"].append(time_handwritten_chain(n_ops))
        for name, step in runners.items():
            steps[name].append(timed(step))

    def median(name: str, key: str = "total") -> float:
        return statistics.median(run[key] for run in chains[name])

    print(f"microgradjp benchmarks - Python {platform.python_version()} on "
          f"{platform.machine()} ({platform.processor() or platform.platform()}), "
          f"{rounds} rounds, medians")
    print(f"\n**Chain of {n_ops:,} ops** (mul, add, relu, exp, log), forward + backward, "
          "ns per op\n")
    print("| engine | forward | backward | free | total | vs micrograd |")
    print("|---|---:|---:|---:|---:|---:|")
    base = median("micrograd")
    for name in ("microgradjp", "micrograd"):
        parts = " | ".join(f"{median(name, k):,.0f}" for k in ("forward", "backward", "free"))
        print(f"| {name} | {parts} | {median(name):,.0f} | {base / median(name):.1f}x |")
    floats = median("floats")
    print(f"| hand-written floats | | | | {floats:,.0f} | {base / floats:.1f}x |")

    print(f"\n**MLP 2-16-16-1 (tanh) training step** on {n_points} two-moons points, "
          "max-margin loss + L2, ms per step\n")
    print("| engine | ms per step | vs micrograd | vs hand-written floats |")
    print("|---|---:|---:|---:|")
    step_medians = {name: statistics.median(times) for name, times in steps.items()}
    for name in ("microgradjp", "replay", "micrograd", "floats"):
        ms = step_medians[name]
        print(f"| {name} | {ms:,.1f} | {step_medians['micrograd'] / ms:.1f}x faster | "
              f"{ms / step_medians['floats']:.1f}x slower |")

    print(f"\n**Deepest chain whose backward succeeds** (limit {depth:,}), default recursion "
          "limit\n")
    print("| engine | nodes |\n|---|---:|")
    sys.setrecursionlimit(1000)
    for name, make in (("microgradjp", Value), ("micrograd", micrograd_ext.Value)):
        print(f"| {name} | {longest_chain(make, depth):,} |")
    sys.setrecursionlimit(max(1000, 3 * n_ops))

    print(f"\n**Memory** with a {n_ops:,}-op chain alive, per node ({n_ops * 7 // 5 + 1:,} nodes: "
          "results, constants and the input)\n")
    print("| engine | bytes | GC-tracked objects | freeing / forward |")
    print("|---|---:|---:|---:|")
    for name, make in (("microgradjp", Value), ("micrograd", micrograd_ext.Value)):
        size, tracked = memory(make, n_ops)
        freeing = median(name, "free") / median(name, "forward")
        print(f"| {name} | {size:,.0f} | {tracked:.2f} | {freeing:.0%} |")


if __name__ == "__main__":
    main()
