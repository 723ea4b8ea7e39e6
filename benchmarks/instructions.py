"""Count the CPU instructions of the eager workloads under callgrind: ratios that load cannot move.

Wall-clock ratios on a shared machine move by a tenth between two identical runs; instruction
counts do not. Each count is one `valgrind --tool=callgrind` run of this file as a script, doing
one workload once on one engine, minus the same script run without the workload (the import and
the setup), with PYTHONHASHSEED=0 so every run is the same.

    python benchmarks/instructions.py chain-total 5000 microgradjp     # what run.py runs
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import floor
import floor_freeing
import workloads

from microgradjp import Value

ENGINES = {"microgradjp": Value, "floor": floor.Value, "freeing floor": floor_freeing.Value}
COLLECTED = re.compile(r"Collected\s*:\s*(\d+)")
VALGRIND = "valgrind"


def _chain(make: Any, size: int, backward: bool) -> None:
    x, y = workloads.chain(make, size)
    if backward:
        y.backward()
    del x, y  # freeing is part of the work, as in run.py's chain
    _drop_tape()


def _drop_tape() -> None:
    # The taped floor frees its nodes only when its tape lets go (backward clears it): without
    # backward they would be freed at the interpreter's exit, which callgrind counts too.
    floor._tape.clear()


def _mlp_setup(make: Any, size: int) -> tuple[Any, Any]:
    return workloads.ElementaryMLP(make), workloads.moons(size)


def _mlp(setup: tuple[Any, Any], backward: bool) -> None:
    model, (points, labels) = setup
    for p in model.parameters:
        p.grad = 0.0
    total = model.loss(points, labels)
    if backward:
        total.backward()
    del total
    _drop_tape()


def work(name: str, size: int, engine: str) -> None:
    """Run one workload once: chain-total, chain-forward, mlp-total, mlp-forward, or a
    baseline (chain-none, mlp-none) that does only the setup the workload needs."""
    make = ENGINES[engine]
    kind, part = name.split("-")
    if kind == "chain":
        if part != "none":
            _chain(make, size, part == "total")
        return
    setup = _mlp_setup(make, size)
    if part != "none":
        _mlp(setup, part == "total")


def count(name: str, size: int, engine: str) -> int:
    """Return the instructions one run of `work(name, size, engine)` executes, start to end."""
    command = [VALGRIND, "--tool=callgrind", "--callgrind-out-file=/dev/null",
               sys.executable, str(Path(__file__)), name, str(size), engine]
    done = subprocess.run(command, capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    found = COLLECTED.search(done.stderr)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def available() -> bool:
    """Return whether valgrind is on PATH."""
    return shutil.which(VALGRIND) is not None


def counts(chain_sizes: tuple[int, ...], mlp_points: int) -> list[dict[str, Any]]:
    """Return, per workload and engine, the instructions of forward (with freeing), backward
    (the workload with backward minus the same without it) and total."""
    rows = []
    chain_base = count("chain-none", 0, "microgradjp")  # the import alone: a chain has no setup
    cases = [(f"chain {size:,} ops", "chain", size) for size in chain_sizes]
    cases.append(("MLP step, elementary ops", "mlp", mlp_points))
    for label, kind, size in cases:
        engines = {}
        for engine in ENGINES:
            base = chain_base if kind == "chain" else count("mlp-none", size, engine)
            total, forward = (count(f"{kind}-{part}", size, engine) - base
                              for part in ("total", "forward"))
            engines[engine] = {"forward": forward, "backward": total - forward, "total": total}
        rows.append({"workload": label, "engines": engines})
    return rows


if __name__ == "__main__":
    work(sys.argv[1], int(sys.argv[2]), sys.argv[3])
