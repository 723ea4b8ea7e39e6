"""Instruction counts (callgrind) for the eager workloads: deterministic on a loaded machine.

    python benchmarks/instructions.py                        # chain 5k, 20k, MLP step
    python benchmarks/instructions.py chain100000 fwd100000  # any of the workloads below

Each workload runs once in a fresh ``python`` under ``valgrind --tool=callgrind``, minus the
same process stopped after its setup (imports, data, the model), so the count is the work
alone. ``chainN``: the chain workload's forward, backward and freeing; ``fwdN``: forward and
freeing only; ``mlp``: one elementary-op MLP step (zero_grad, loss, backward, SGD);
``mlpfwd``: the loss alone, then freed. Printed per engine, with the ratio to the freeing floor
(floor_freeing.py), and backward as total minus forward where both were asked for.
Needs valgrind (``apt-get install valgrind``); wall-clock times are run.py's.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import subprocess
import sys
from typing import Any

DEFAULT = ("chain5000", "fwd5000", "chain20000", "fwd20000", "mlp", "mlpfwd")
ENGINES = ("microgradjp", "freeing floor")


def work(engine: str, name: str, run: bool, *, freeze: bool = True) -> None:
    """Set ``name`` up on ``engine`` and, if ``run``, do it (the child process's job)."""
    import run as benchmarks
    import workloads

    chain = re.fullmatch(r"(chain|fwd)(\d+)", name)
    if chain is None and name not in ("mlp", "mlpfwd"):
        raise SystemExit(f"unknown workload {name!r}: chainN, fwdN, mlp or mlpfwd")
    make = benchmarks.ENGINES[engine]
    points, labels = workloads.moons(100)
    model = workloads.ElementaryMLP(make) if chain is None else None
    if freeze:
        # Every object made so far is set aside from the cyclic GC: the collections during the
        # work then see its own objects only, not however many the imports made, so a count
        # does not move by a whole collection when the package imports one more module.
        gc.collect()
        gc.freeze()
    if not run:
        return
    if chain is not None:
        x, y = workloads.chain(make, int(chain.group(2)))
        if chain.group(1) == "chain":
            y.backward()
        del x, y
    elif name == "mlp":
        model.step(points, labels)
    else:
        loss = model.loss(points, labels)
        del loss
    if engine == "floor":
        # The taped floor frees its nodes only when its tape lets go (backward clears it):
        # without backward they would be freed at the interpreter's exit, which is counted too.
        import floor

        floor._tape.clear()


def count(engine: str, name: str, run: bool) -> int:
    """Return the instructions callgrind counts for one child process."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable,
               __file__, "--child", engine, name, "run" if run else "setup"]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"no count from callgrind:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def measure(names: list[str], engines: tuple[str, ...] = ENGINES) -> dict[tuple[str, str], int]:
    """Return the instructions of each (engine, workload), setup subtracted."""
    return {(engine, name): count(engine, name, True) - count(engine, name, False)
            for name in names for engine in engines}


def table(counts: dict[tuple[str, str], int], engines: tuple[str, ...] = ENGINES) -> str:
    rows = []
    names = list(dict.fromkeys(name for _, name in counts))
    derived: dict[tuple[str, str], Any] = dict(counts)
    for name in names:  # backward = total - forward, where both were measured
        forward = {"chain": "fwd", "mlp": "mlpfwd"}
        for prefix, other in forward.items():
            if name.startswith(prefix) and name.replace(prefix, other, 1) in names:
                back = f"{name} backward"
                for engine in engines:
                    derived[engine, back] = (counts[engine, name]
                                             - counts[engine, name.replace(prefix, other, 1)])
                names.append(back)
    header = ["workload", *engines, f"{engines[0]} / {engines[-1]}"]
    rows.append(header)
    for name in names:
        numbers = [derived[engine, name] for engine in engines]
        rows.append([name, *[f"{n / 1e6:.2f} M" for n in numbers],
                     f"{numbers[0] / numbers[-1]:.3f}"])
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join("  ".join(cell.rjust(w) if i else cell.ljust(w)
                               for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
                     for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workloads", nargs="*", default=list(DEFAULT))
    parser.add_argument("--child", nargs=3, metavar=("ENGINE", "WORKLOAD", "PHASE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        engine, name, phase = args.child
        work(engine, name, phase == "run")
        return
    print(table(measure(args.workloads)))


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
