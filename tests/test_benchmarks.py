"""The benchmark script runs end to end (tiny sizes) and its workloads agree with each other.

No timing is asserted here: speed lives in benchmarks/run.py and its printed table.
"""

import json
import math
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

BENCHMARKS = Path(__file__).parent.parent / "benchmarks"
pytest.importorskip("micrograd", reason="the benchmarks compare against micrograd (.[bench])")
sys.path.insert(0, str(BENCHMARKS))

import fitting  # noqa: E402
import floor  # noqa: E402
import floor_freeing  # noqa: E402
import handwritten  # noqa: E402
import instructions  # noqa: E402
import micrograd_ext  # noqa: E402
import report  # noqa: E402
import run  # noqa: E402
import workloads  # noqa: E402

from microgradjp import Value  # noqa: E402

pytestmark = pytest.mark.slow  # runs scripts, demos or benchmarks in subprocesses


def test_the_benchmark_runs_and_prints_every_table():
    out = subprocess.run([sys.executable, str(BENCHMARKS / "run.py"), "--quick"],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    assert out.startswith("Produced by `python benchmarks/run.py --quick` on ")
    for heading in ("**Chain**", "**MLP 2-16-16-1", "**Deepest chain", "**Memory**",
                    "**microgradjp's eager mode / each floor, wall time**",
                    "**Instruction counts** skipped: not asked for (--instructions)",
                    "**`fit` on two moons, `max_margin_loss` + `l2_regularization`**",
                    "**`fit` on two moons, `binary_cross_entropy_with_logits`**"):
        assert heading in out
    for row in ("| 5,000 | floor |", "| 5,000 | freeing floor |", "| floor, elementary ops |",
                "| freeing floor, elementary ops |", "| microgradjp, fused neurons |",
                "| chain 5,000 ops |", "| MLP step, elementary ops |",
                "| 10 | fit(replay=False) | `eager` |", "| 30 | float replay |",
                "| 30 | batched exact |", "| 30 | batched fast |",
                "| 30 | numpy, hand-vectorised | - |", "| 30 | torch CPU, 1 thread |"):
        assert row in out


@pytest.mark.parametrize("make", [Value, floor.Value, floor_freeing.Value,
                                  micrograd_ext.Value])
def test_every_engine_and_the_hand_written_chain_agree(make):
    x, y = workloads.chain(make, 500)
    y.backward()
    assert handwritten.chain(500) == pytest.approx((y.data, x.grad), rel=1e-12)


def test_the_elementary_step_is_the_same_on_every_engine():
    points, labels = workloads.moons(8)
    steps = [run.elementary_step(engine)(points, labels) for engine in run.ENGINES]
    for _ in range(2):  # the same loss after identical updates: the same gradients
        ours, *others = (step() for step in steps)
        assert others == pytest.approx([ours] * len(others), rel=1e-12)


def test_every_mlp_step_computes_the_same_loss():
    points, labels = workloads.moons(12)
    ours, replayed, floats, elementary = (make(points, labels) for make in (
        run.microgradjp_step, run.replay_step, run.handwritten_step,
        run.elementary_step("microgradjp")))
    for _ in range(3):  # the same loss after identical updates: same model, same gradients
        expected = ours()
        assert replayed() == expected
        assert math.isclose(floats(), expected, rel_tol=1e-9)
        assert math.isclose(elementary(), expected, rel_tol=1e-9)


def test_the_freeing_floor_frees_a_dropped_graph_and_overwrites_interior_grads():
    # What sets it apart from the taped floor, and what it shares with microgradjp's eager mode.
    import gc

    x = floor_freeing.Value(2.0)
    y = x * x
    z = (y + 1.0).exp().log()
    z.backward()
    z.backward()  # interior nodes hold the latest pass, the leaf adds both
    assert (y.grad, x.grad) == (1.0, 8.0)
    gc.disable()  # freed by reference counting alone, not by a collection
    try:
        before = len(gc.get_objects())
        for _ in range(1_000):
            floor_freeing.Value(1.0) * 3.0
        assert len(gc.get_objects()) - before < 10  # the taped floor keeps all 1,000
    finally:
        gc.enable()


def test_the_recording_benchmark_runs_and_prints_its_table():
    out = subprocess.run([sys.executable, str(BENCHMARKS / "recording.py"), "--quick"],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    assert out.startswith("| fit | not recorded | every 5th epoch | every epoch |\n")
    assert "| replayed (the default) |" in out and "| replay=False |" in out


@pytest.mark.parametrize("loss", list(fitting.LOSSES))
@pytest.mark.parametrize("name", list(fitting.PERSPECTIVE))
def test_numpy_and_torch_train_as_fit_does(name, loss):
    # The perspective rows are the same training: the same losses, epoch after epoch.
    if name.startswith("torch"):
        pytest.importorskip("torch")
    pytest.importorskip("numpy")
    eager = fitting.run_fit(fitting.REQUESTS["fit(replay=False)"], loss, 40, 4)
    theirs = fitting.run_vectorised(name, loss, 40, 4)
    assert eager.mode == "eager" and eager.why_eager == "replay=False"
    assert theirs.losses == pytest.approx(eager.losses, rel=1e-12)


def test_float_replay_runs_in_a_process_where_numpy_cannot_be_imported():
    run = fitting.run_fit(fitting.REQUESTS["float replay"], "max-margin + L2", 12, 3)
    eager = fitting.run_fit(fitting.REQUESTS["fit(replay=False)"], "max-margin + L2", 12, 3)
    assert run.mode in ("eager", "replay")  # never a batched mode
    assert run.losses == eager.losses and run.seconds > 0.0


@pytest.mark.parametrize(("said", "asked", "mode"), [
    (SimpleNamespace(eager=None), fitting.Request(True), "replay"),  # a fit before History.mode
    (SimpleNamespace(eager="replay=False"), fitting.Request(False), "eager"),
    (SimpleNamespace(eager=None), fitting.Request("fast"), fitting.NOT_AVAILABLE),
    (SimpleNamespace(eager=None, mode="batched fast"), fitting.Request("fast"), "batched fast"),
    (SimpleNamespace(eager=None, mode="replay"), fitting.Request(True), "replay"),
])
def test_the_mode_is_read_from_fit_and_never_assumed(said, asked, mode):
    assert fitting.ran_as(said, asked) == mode


def test_the_taped_floor_lets_go_of_its_nodes_when_counted_without_backward():
    import gc

    try:
        instructions.work("floor", "fwd500", run=True)
    finally:
        gc.unfreeze()  # a child's work may set the cyclic GC's objects aside: not this process's
    assert floor._tape == []  # else they are freed at exit, and callgrind counts that too


def test_the_report_says_why_instructions_or_a_mode_are_missing():
    results = json.loads((BENCHMARKS / "results.json").read_text(encoding="utf-8"))
    results["instructions"] = {"skipped": "valgrind is not installed"}
    row = dict(results["fit"]["rows"][0], asked="batched fast", mode=fitting.NOT_AVAILABLE,
               why="a reason only this test gives")
    results["fit"]["rows"].append(row)
    for lang, words, missing, why in (
            ("en", "**Instruction counts** skipped: valgrind is not installed.", "Not available:",
             "“a reason only this test gives”"),
            ("ja", "**命令数**は数えていません: valgrind is not installed。", "使えないもの:",
             "「a reason only this test gives」")):
        lines = report.render(results, lang).splitlines()
        assert any(line.startswith(words) for line in lines)
        assert any(line.startswith(missing) and why in line for line in lines)


def test_the_instruction_counts_workloads_run_without_valgrind():
    # What each callgrind child runs, run here directly: the counts need valgrind, the work not.
    for name in ("chain500", "fwd500", "mlpfwd"):
        for engine in instructions.ENGINES:
            instructions.work(engine, name, run=True, freeze=False)
    with pytest.raises(SystemExit, match="unknown workload"):
        instructions.work("microgradjp", "chains", run=True, freeze=False)
    ours, freeing = instructions.ENGINES
    counts = {(ours, "chain5"): 150e6, (freeing, "chain5"): 100e6, (ours, "fwd5"): 90e6,
              (freeing, "fwd5"): 70e6}
    rows = instructions.table(counts).splitlines()
    assert rows[-1].split() == ["chain5", "backward", "60.00", "M", "30.00", "M", "2.000"]


def test_each_fit_epoch_is_timed_by_itself():
    # A later epoch is measured, not derived from two runs' difference (which the recording's
    # spread swamped): one time per epoch, adding up to no more than the whole run.
    run = fitting.run_fit(fitting.REQUESTS["batched exact"], "BCE with logits", 12, 4)
    assert len(run.epochs) == 4 and all(t > 0.0 for t in run.epochs)
    assert sum(run.epochs) <= run.seconds
    assert run.epochs[0] > max(run.epochs[2:])  # the first epoch records eagerly
    row = fitting._medians([run], [])
    assert row["later ms"] == pytest.approx(1e3 * sorted(run.epochs[2:])[0] / 2 +
                                            1e3 * sorted(run.epochs[2:])[1] / 2)
