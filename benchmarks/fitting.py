"""The `fit` workload: two moons, full batch, 2-16-16-1 tanh, in every mode fit offers.

Each row asks `fit` for one mode (eager, float replay, batched exact, batched fast) and reads
back which mode actually ran (``History.mode``, or ``History.eager`` on versions without it):
fit may decline to replay, and the table says so instead of printing the row's name. The
hand-vectorised numpy step and torch (vectorised.py) run the same training for perspective.
"""

from __future__ import annotations

import gc
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import vectorised
import workloads

from microgradjp import losses
from microgradjp.data import two_moons
from microgradjp.optim import SGD
from microgradjp.train import fit


@dataclass(frozen=True)
class Loss:
    """A training objective: the library loss, the labels it reads, and its L2 strength."""

    function: Callable[..., Any]
    labels: tuple[int, int]
    alpha: float  # 0.0: no regularization term
    vectorised: str  # its name in vectorised.py


LOSSES = {
    "max-margin + L2": Loss(losses.max_margin_loss, (-1, 1), workloads.ALPHA, "max-margin"),
    "BCE with logits": Loss(losses.binary_cross_entropy_with_logits, (0, 1), 0.0, "logits"),
}


@dataclass(frozen=True)
class Request:
    """What one row asks fit for: its ``replay=`` argument, and whether numpy is hidden."""

    replay: bool | str
    # Without numpy fit cannot batch and replays on floats: the child process that runs it
    # never sees numpy (fit asks once whether it is installed, then remembers).
    without_numpy: bool = False


# The rows, as asked; the report prints beside each the mode fit says it ran.
REQUESTS = {
    "fit(replay=False)": Request(False),
    "float replay": Request(True, without_numpy=True),
    "batched exact": Request(True),
    "batched fast": Request("fast"),
}
PERSPECTIVE = {"numpy, hand-vectorised": vectorised.numpy_step,
               "torch CPU, 1 thread": vectorised.torch_step}
NOT_AVAILABLE = "not available"
# The first epochs are timed apart: fit records in the first and may compile arrays in the second.
FIRST = 2


def ran_as(history: Any, request: Request) -> str:
    """Return the mode fit says it ran, or NOT_AVAILABLE where it cannot say it honoured it."""
    mode = getattr(history, "mode", None)
    if mode is not None:
        return str(mode)
    if isinstance(request.replay, str):  # a fit without History.mode took "fast" as True
        return NOT_AVAILABLE
    return "replay" if history.eager is None else "eager"


@dataclass
class Run:
    """One timed fit (or vectorised) run: seconds, each epoch's seconds, the losses, what ran."""

    seconds: float
    losses: list[float]
    mode: str
    why_eager: str | None = None
    epochs: list[float] = field(default_factory=list)  # one full-batch step each


Runs = dict[tuple[str, int, str], list[Run]]  # every round's run of each row


def data(loss: str, n_points: int) -> tuple[list[list[float]], list[int]]:
    return two_moons(n_points, 0.1, seed=0, labels=LOSSES[loss].labels)


def run_fit(request: Request, loss: str, n_points: int, epochs: int, *,
            here: bool = False) -> Run:
    """Return one fit run from the seeded model (setup not timed).

    Each run goes to a fresh child process unless ``here``: every row then meets the same small
    heap (in the parent, the cyclic GC's passes over what earlier rows left made eager at 1,000
    points a third slower than the same fit in a child).
    """
    if not here:
        return _in_child(request, loss, n_points, epochs)
    objective = LOSSES[loss]
    points, labels = data(loss, n_points)
    model = workloads.initial_model()
    parameters = model.parameters()
    regularization = (None if not objective.alpha else
                      lambda: losses.l2_regularization(parameters, objective.alpha))
    optimizer = SGD(parameters, lr=workloads.LR)
    # Each epoch is one full-batch step: the time from one step's end to the next is an epoch,
    # whatever mode runs it (fit calls the optimizer's step in every mode, and decides whether
    # to replay by its zero_grad alone, so a step timed here is a step as fit runs it).
    ends: list[float] = []
    step = optimizer.step

    def timed_step() -> None:
        step()
        ends.append(time.perf_counter())

    optimizer.step = timed_step  # type: ignore[method-assign]
    gc.collect()
    start = time.perf_counter()
    try:
        history = fit(model, points, labels, loss=objective.function, optimizer=optimizer,
                      epochs=epochs, regularization=regularization, replay=request.replay,
                      progress=False)
    except (TypeError, ValueError) as refused:  # this version does not offer the mode
        return Run(0.0, [], NOT_AVAILABLE, str(refused))
    seconds = time.perf_counter() - start
    mode = ran_as(history, request)
    why = (f"this fit has no History.mode, so replay={request.replay!r} cannot be told apart "
           "from replay=True" if mode == NOT_AVAILABLE else history.eager)
    return Run(seconds, list(history.loss), mode, why, _gaps(start, ends))


def _gaps(start: float, ends: list[float]) -> list[float]:
    return [b - a for a, b in zip([start, *ends], ends, strict=False)]


def _in_child(request: Request, loss: str, n_points: int, epochs: int) -> Run:
    # The child times its own fit (its start-up is not counted) and prints the Run as JSON.
    asked = json.dumps([request.replay, request.without_numpy, loss, n_points, epochs])
    done = subprocess.run([sys.executable, __file__, asked], capture_output=True, text=True,
                          check=True)
    return Run(**json.loads(done.stdout))


def run_vectorised(name: str, loss: str, n_points: int, epochs: int) -> Run:
    """Return one run of the numpy or torch step (one step an epoch: the batch is full)."""
    points, labels = data(loss, n_points)
    try:
        step = PERSPECTIVE[name](points, labels, LOSSES[loss].vectorised, LOSSES[loss].alpha)
    except ImportError as missing:
        return Run(0.0, [], NOT_AVAILABLE, f"{missing.name} is not installed")
    gc.collect()
    start = time.perf_counter()
    values, ends = [], []
    for _ in range(epochs):
        values.append(step())
        ends.append(time.perf_counter())
    return Run(ends[-1] - start, values, "vectorised", None, _gaps(start, ends))


def runners() -> dict[str, Callable[[str, int, int], Run]]:
    """Every row of the fit table, by name: fit's requests, then numpy and torch."""
    rows: dict[str, Callable[[str, int, int], Run]] = {
        name: (lambda loss, n, epochs, request=request: run_fit(request, loss, n, epochs))
        for name, request in REQUESTS.items()}
    rows.update({name: (lambda loss, n, epochs, name=name: run_vectorised(name, loss, n, epochs))
                 for name in PERSPECTIVE})
    return rows


def time_round(fits: Runs, cases: dict[int, int]) -> None:
    """Run every row once for FIRST + later epochs, case by case."""
    for n_points, later in cases.items():
        for loss in LOSSES:
            for name, run in runners().items():
                runs = fits.setdefault((loss, n_points, name), [])
                if runs and runs[0].mode == NOT_AVAILABLE:
                    continue  # asked once: this version does not offer it
                runs.append(run(loss, n_points, FIRST + later))


def summarise(fits: Runs, cases: dict[int, int]) -> dict[str, Any]:
    """Return every row's medians, as report.py reads them."""
    rows = []
    for (loss, n_points, name), runs in fits.items():
        eager = fits[loss, n_points, "fit(replay=False)"]
        rows.append({"loss": loss, "points": n_points, "first": FIRST, "later": cases[n_points],
                     "asked": name, **_medians(runs, eager[0].losses if eager else [])})
    return {"rows": rows}


def _medians(runs: list[Run], eager: list[float]) -> dict[str, Any]:
    # The first epochs (recording, compiling) apart; a later epoch: the median over the rounds
    # of each run's median epoch after them.
    if runs[0].mode == NOT_AVAILABLE:
        return {"mode": NOT_AVAILABLE, "why": runs[0].why_eager}
    head = statistics.median(sum(run.epochs[:FIRST]) for run in runs)
    later = statistics.median(statistics.median(run.epochs[FIRST:]) for run in runs)
    row = {"mode": runs[0].mode, "why": runs[0].why_eager, "first ms": head * 1e3,
           "later ms": later * 1e3, "run ms": statistics.median(run.seconds for run in runs) * 1e3}
    mine = runs[0].losses
    if eager and len(mine) == len(eager):
        row["loss difference"] = max(abs(a - b) / abs(b) if b else abs(a)
                                     for a, b in zip(mine, eager, strict=True))
    return row


if __name__ == "__main__":  # one run in a fresh process, for _in_child
    replay, without_numpy, loss, n_points, epochs = json.loads(sys.argv[1])
    if without_numpy:
        sys.modules["numpy"] = None  # type: ignore[assignment]  # import numpy now fails
    request = Request(replay, without_numpy)
    print(json.dumps(asdict(run_fit(request, loss, n_points, epochs, here=True))))
