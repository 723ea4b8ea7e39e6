"""Benchmarks: microgradjp (eager, replay, fit) against both floors, micrograd, floats, numpy.

    pip install -e ".[bench]" && python benchmarks/run.py        # several minutes
    python benchmarks/run.py --quick                              # a smoke run of everything
    python benchmarks/run.py --instructions   # and count instructions under callgrind (valgrind)
    python benchmarks/run.py --write-docs     # all of it, into the performance pages

The floor (floor.py) is the leanest eager recorder we could write in plain Python: a yardstick
for what recording a graph costs at all, never imported by the package. The freeing floor
(floor_freeing.py) is the same recorder without its tape, so a dropped graph is freed at once,
as microgradjp's is: the leanest yardstick that keeps that promise.

Side by side in one process, interleaved round by round, medians of several rounds, with the
cyclic GC on (what users get); each measurement starts after a gc.collect() so one library's
garbage is not billed to the next. `fit` runs in every mode it offers (fitting.py), beside a
hand-vectorised numpy step and torch (vectorised.py; torch is optional). Instruction counts
(instructions.py) need valgrind; without it the report says they were skipped.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import datetime
import gc
import importlib.metadata
import os
import platform
import shutil
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import fitting
import floor
import floor_freeing
import handwritten
import instructions
import micrograd_ext
import report
import workloads

from microgradjp import Value, losses
from microgradjp.nn import MLP
from microgradjp.optim import SGD
from microgradjp.replay import Replay

ROUNDS, QUICK_ROUNDS = 7, 2
CHAIN_SIZES, QUICK_CHAIN_SIZES = (500, 5_000, 100_000), (500, 5_000)
# fit on two moons, full batch: points -> later epochs timed after the first two (fitting.py).
FIT_CASES, QUICK_FIT_CASES = {100: 10, 1_000: 3}, {10: 1, 30: 1}
FIT_ROUNDS = 3  # fit's rows run in the first rounds only: eager at 1,000 points takes seconds
# instructions.py's workloads: the whole of it, and its forward (with freeing) alone.
INSTRUCTION_CASES = {"chain 5,000 ops": ("chain5000", "fwd5000"),
                     "chain 100,000 ops": ("chain100000", "fwd100000"),
                     "MLP step, elementary ops": ("mlp", "mlpfwd")}
QUICK_INSTRUCTION_CASES = {"chain 500 ops": ("chain500", "fwd500")}
ENGINES = {"microgradjp": Value, "floor": floor.Value, "freeing floor": floor_freeing.Value,
           "micrograd": micrograd_ext.Value}
FLOORS = ("floor", "freeing floor")  # the yardsticks microgradjp's eager mode is divided by


def time_chain(make: Callable[[float], Any], n_ops: int) -> dict[str, float]:
    """Return ns per op for forward, backward and freeing the graph (repeated on small graphs)."""
    repeat = max(1, 20_000 // n_ops)  # a 500-op chain is too short to time alone
    forward = backward = free = 0.0
    gc.collect()
    for _ in range(repeat):
        start = time.perf_counter()
        x, y = workloads.chain(make, n_ops)
        built = time.perf_counter()
        y.backward()
        walked = time.perf_counter()
        del x, y
        freed = time.perf_counter()
        forward, backward, free = (forward + built - start, backward + walked - built,
                                   free + freed - walked)
    per_op = 1e9 / (n_ops * repeat)
    return {"forward": forward * per_op, "backward": backward * per_op, "free": free * per_op,
            "total": (forward + backward + free) * per_op}


def time_handwritten_chain(n_ops: int) -> dict[str, float]:
    repeat = max(1, 20_000 // n_ops)
    gc.collect()
    start = time.perf_counter()
    for _ in range(repeat):
        handwritten.chain(n_ops)
    return {"total": (time.perf_counter() - start) * 1e9 / (n_ops * repeat)}


def microgradjp_step(points: list[list[float]], labels: list[int]) -> Callable[[], float]:
    """The fused step: microgradjp's MLP (one weighted_sum node per neuron) and its losses."""
    model = workloads.initial_model()
    optimizer = SGD(model.parameters(), lr=workloads.LR)

    def step() -> float:
        optimizer.zero_grad()
        loss = mlp_loss(model, points, labels)
        loss.backward()
        optimizer.step()
        return loss.data

    return step


def mlp_loss(model: MLP, points: list[list[float]], labels: list[int]) -> Value:
    margins = [losses.max_margin_loss(_score(model(x)), y)
               for x, y in zip(points, labels, strict=True)]
    return losses.mean(margins) + losses.l2_regularization(model.parameters(), workloads.ALPHA)


def _score(output: Any) -> Any:
    return output if isinstance(output, Value) else output[0]  # one unit: a Value or [Value]


def replay_step(points: list[list[float]], labels: list[int]) -> Callable[[], float]:
    model = workloads.initial_model()
    params = model.parameters()
    optimizer = SGD(params, lr=workloads.LR)
    replay = Replay(mlp_loss(model, points, labels), params)  # recorded once, outside the step

    def step() -> float:
        value, grads = replay()
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        optimizer.step()
        return value

    return step


def elementary_step(engine: str) -> Callable[[list[list[float]], list[int]], Callable[[], float]]:
    """The step from elementary ops (no fused neuron) on microgradjp, the floor or micrograd."""
    make = ENGINES[engine]

    def start(points: list[list[float]], labels: list[int]) -> Callable[[], float]:
        model = workloads.ElementaryMLP(make)
        return lambda: model.step(points, labels)

    return start


def handwritten_step(points: list[list[float]], labels: list[int]) -> Callable[[], float]:
    model = workloads.initial_model()
    weights = [([list(col) for col in zip(*w, strict=True)], b) for w, b in model.to_weights()]
    net = handwritten.MLP(weights)
    return lambda: net.step(points, labels, workloads.ALPHA, workloads.LR)


STEPS = {
    "microgradjp, elementary ops": elementary_step("microgradjp"),
    "microgradjp, fused neurons": microgradjp_step,
    "replay (fused graph)": replay_step,
    "floor, elementary ops": elementary_step("floor"),
    "freeing floor, elementary ops": elementary_step("freeing floor"),
    "micrograd, elementary ops": elementary_step("micrograd"),
    "hand-written floats": handwritten_step,
}


def time_phases(engine: str, points: list[list[float]], labels: list[int]) -> dict[str, float]:
    """Return ms for the elementary step's forward (the loss) and backward, one step."""
    model = workloads.ElementaryMLP(ENGINES[engine])
    gc.collect()
    start = time.perf_counter()
    for p in model.parameters:
        p.grad = 0.0
    total = model.loss(points, labels)
    built = time.perf_counter()
    total.backward()
    walked = time.perf_counter()
    return {"forward": (built - start) * 1e3, "backward": (walked - built) * 1e3,
            "total": (walked - start) * 1e3}


def timed(step: Callable[[], float]) -> float:
    gc.collect()
    start = time.perf_counter()
    step()
    return (time.perf_counter() - start) * 1e3


def longest_chain(make: Callable[[float], Any], limit: int) -> int:
    """Return the longest chain (found by doubling then bisection) whose backward succeeds."""
    def works(n: int) -> bool:
        x = make(1.0)
        y = x
        for _ in range(n):
            y = y * 1.0
        try:
            y.backward()
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


def memory(make: Callable[[float], Any], n_ops: int) -> tuple[float, float]:
    """Return (bytes, GC-tracked objects) per op with an n_ops chain alive, constants counted.

    Everything the chain holds is billed to its n_ops results: the input, and the constants
    (1.0001 and 0.001, two per five ops), whether an engine makes them nodes or keeps floats.
    """
    gc.collect()
    objects = len(gc.get_objects())
    tracemalloc.start()
    x, y = workloads.chain(make, n_ops)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    tracked = len(gc.get_objects()) - objects
    y.backward()  # the floor's tape lets go of its nodes only here
    del x, y
    gc.collect()
    return size / n_ops, tracked / n_ops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks it all runs")
    parser.add_argument("--instructions", action="store_true",
                        help="also count instructions under callgrind (needs valgrind)")
    parser.add_argument("--write-docs", action="store_true",
                        help="also write the tables into docs/performance.md, "
                             "docs/ja/performance.md and benchmarks/results.json "
                             "(instructions counted too, where valgrind is installed)")
    args = parser.parse_args()
    command = " ".join(["python benchmarks/run.py", *sys.argv[1:]])
    results = measure(quick=args.quick, count=args.instructions or args.write_docs,
                      command=command)
    print(report.render(results, "en"))
    if args.write_docs:
        for path in report.write_docs(results):
            print(f"wrote {path}")


def describe_machine(command: str, rounds: int) -> dict[str, Any]:
    """Return what the report's first line says: the command, date, machine and its load."""
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as info:
        cpu = next((line.split(":", 1)[1].strip() for line in info  # Linux names the model
                    if line.startswith("model name")), cpu)
    return {"command": command, "date": datetime.date.today().isoformat(),
            "python": platform.python_version(), "system": platform.platform(terse=True),
            "cpu": cpu, "cores": os.cpu_count() or 1, "load": os.getloadavg()[0],
            "numpy": _version("numpy"), "torch": _version("torch"), "rounds": rounds,
            "fit rounds": min(rounds, FIT_ROUNDS)}


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def measure(*, quick: bool, count: bool = False,
            command: str = "python benchmarks/run.py") -> dict[str, Any]:
    """Run every workload and return the medians as a plain dict (what report.py renders)."""
    rounds, sizes, n_points, depth = (QUICK_ROUNDS, QUICK_CHAIN_SIZES, 10, 10_000) if quick \
        else (ROUNDS, CHAIN_SIZES, 100, 1_000_000)
    fit_cases = QUICK_FIT_CASES if quick else FIT_CASES
    machine = describe_machine(command, rounds)  # the load before this run adds its own
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3 * max(sizes)))  # micrograd recurses

    chains: dict[tuple[str, int], list[dict[str, float]]] = {}
    steps: dict[str, list[float]] = {name: [] for name in STEPS}
    phases: dict[str, list[dict[str, float]]] = {name: [] for name in ("microgradjp", *FLOORS)}
    fits: fitting.Runs = {}
    points, labels = workloads.moons(n_points)
    runners = {name: start(points, labels) for name, start in STEPS.items()}
    for round_ in range(rounds):  # interleaved: a slow moment of the machine hits every engine
        for n_ops in sizes:
            for name, make in ENGINES.items():
                chains.setdefault((name, n_ops), []).append(time_chain(make, n_ops))
            chains.setdefault(("hand-written floats", n_ops), []).append(
                time_handwritten_chain(n_ops))
        for name, step in runners.items():
            steps[name].append(timed(step))
        for name, runs in phases.items():
            runs.append(time_phases(name, points, labels))
        if round_ < FIT_ROUNDS:
            fitting.time_round(fits, fit_cases)

    def median(name: str, n_ops: int, key: str = "total") -> float:
        return statistics.median(run[key] for run in chains[name, n_ops])

    chain_rows = [{"ops": n_ops, "engine": name,
                   **{key: median(name, n_ops, key) for key in chains[name, n_ops][0]}}
                  for n_ops in sizes for name in [*ENGINES, "hand-written floats"]]
    sys.setrecursionlimit(1000)  # the default: how deep each engine goes as users run it
    deepest = {name: longest_chain(ENGINES[name], depth) for name in ("microgradjp", "micrograd")}
    sys.setrecursionlimit(max(1000, 3 * max(sizes)))
    n_ops = max(sizes)
    memory_rows = {}
    for name, make in ENGINES.items():
        size, tracked = memory(make, n_ops)
        memory_rows[name] = {"bytes": size, "tracked": tracked,
                             "freeing": median(name, n_ops, "free") / median(name, n_ops,
                                                                             "forward")}
    phase = {name: {key: statistics.median(run[key] for run in runs)
                    for key in ("forward", "backward", "total")} for name, runs in phases.items()}
    floor_rows = [{"workload": f"chain {n_ops:,} ops",
                   "engines": {name: {key: median(name, n_ops, key)
                                      for key in ("forward", "backward", "total")}
                               for name in ("microgradjp", *FLOORS)}} for n_ops in sizes]
    floor_rows.append({"workload": "MLP step, elementary ops", "engines": phase})
    machine["load after"] = os.getloadavg()[0]  # before callgrind loads every core on purpose
    counted = count_instructions(quick) if count else {"skipped": "not asked for (--instructions)"}
    return {
        "run": machine,
        "chain": chain_rows,
        "mlp": {"points": n_points,
                "steps": {name: statistics.median(times) for name, times in steps.items()}},
        "depth": {"limit": depth, "nodes": deepest},
        "memory": {"ops": n_ops, "engines": memory_rows},
        "floor": floor_rows,
        "instructions": counted,
        "fit": fitting.summarise(fits, fit_cases),
    }


def count_instructions(quick: bool) -> dict[str, Any]:
    """Return eager's and each floor's instructions per workload (instructions.py), or why not.

    Counts do not depend on the load, so the callgrind runs go side by side, one per core; a
    setup is counted once per engine and kind of workload (every chain's setup is the same).
    """
    if shutil.which("valgrind") is None:
        return {"skipped": "valgrind is not installed"}
    cases = QUICK_INSTRUCTION_CASES if quick else INSTRUCTION_CASES
    engines = ("microgradjp", *FLOORS)
    names = [name for case in cases.values() for name in case]
    setups = {(engine, _setup(name)): name for engine in engines for name in names}
    jobs = [(engine, name, True) for engine in engines for name in names]
    jobs += [(engine, name, False) for (engine, _), name in setups.items()]
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        counted = dict(zip(jobs, pool.map(lambda job: instructions.count(*job), jobs),
                           strict=True))

    def work(engine: str, name: str) -> int:
        return counted[engine, name, True] - counted[engine, setups[engine, _setup(name)], False]

    rows = []
    for workload, (total, forward) in cases.items():
        parts = {engine: (work(engine, total), work(engine, forward)) for engine in engines}
        rows.append({"workload": workload, "engines": {
            engine: {"forward": before, "backward": whole - before, "total": whole}
            for engine, (whole, before) in parts.items()}})
    return {"rows": rows}


def _setup(name: str) -> str:
    # chainN and fwdN share one setup (a chain needs none); mlp and mlpfwd share theirs (a model).
    return "mlp" if name.startswith("mlp") else "chain"


if __name__ == "__main__":
    main()
