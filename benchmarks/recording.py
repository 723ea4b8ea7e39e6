"""What recording a run costs: `fit` at the demo's sizes, with and without `record`.

    python benchmarks/recording.py            # about a minute
    python benchmarks/recording.py --quick    # a smoke run

Two moons (100 points), MLP 2-16-16-1 (tanh), max-margin loss, SGD with momentum, full batch,
40 epochs, the recorder's 20 x 20 grid; each setting's best of 5 rounds, settings interleaved
round by round. Printed as a table: the time of the run and what recording adds to it, with
fit's replay (the default, which this loss and model allow, as the demo's do) and without it
(``replay=False``, or any run fit cannot replay, such as your own loss).
"""

from __future__ import annotations

import argparse
import time

from microgradjp.data import two_moons
from microgradjp.losses import max_margin_loss
from microgradjp.nn import MLP
from microgradjp.optim import SGD
from microgradjp.train import Recorder, fit

EVERY = {"not recorded": None, "every 5th epoch": 5, "every epoch": 1}


def seconds(every: int | None, replay: bool, epochs: int) -> float:
    """Return the seconds of one run, recorded every ``every`` epochs (None: not recorded)."""
    points, labels = two_moons(100, 0.1, seed=0, labels=(-1, 1))
    model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    record = False if every is None else Recorder(every=every)
    start = time.perf_counter()
    fit(model, points, labels, loss=max_margin_loss, epochs=epochs, replay=replay,
        optimizer=SGD(model.parameters(), lr=0.5, momentum=0.9), record=record)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs, 1 round")
    quick = parser.parse_args().quick
    epochs, rounds = (2, 1) if quick else (40, 5)
    print("| fit | " + " | ".join(EVERY) + " |")
    print("|---|" + "---:|" * len(EVERY))
    for replay in (True, False):
        best = dict.fromkeys(EVERY, float("inf"))
        for _ in range(rounds):
            for name, every in EVERY.items():
                best[name] = min(best[name], seconds(every, replay, epochs))
        base = best["not recorded"]
        cells = [f"{base:.2f} s"] + [f"{best[name]:.2f} s ({best[name] / base - 1:+.0%})"
                                      for name in list(EVERY)[1:]]
        print(f"| {'replayed (the default)' if replay else 'replay=False'} | "
              + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
