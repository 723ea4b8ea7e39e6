"""The training player's page, read in Python: built from the record's numbers as one inert JSON
block (never user text pasted into the template), captions in English and Japanese."""

import json
import math
import re

import pytest

from microgradjp import Value
from microgradjp.core.recording import Snapshot, TrainingRecord
from microgradjp.data import two_moons
from microgradjp.losses import max_margin_loss
from microgradjp.nn import MLP
from microgradjp.optim import SGD
from microgradjp.train import Recorder, fit
from microgradjp.views.drawing import DrawingError
from microgradjp.views.training import TrainingPlayer


@pytest.fixture(scope="module")
def run():
    points, labels = two_moons(20, 0.1, seed=1, labels=(-1, 1))
    model = MLP(2, [4, 1], activation="tanh", seed=2)
    history = fit(model, points, labels, loss=max_margin_loss, epochs=6, accuracy="sign",
                  optimizer=SGD(model.parameters(), lr=0.3), record=Recorder(every=2, grid=5))
    return model, history


def page_data(page):
    [block] = re.findall(r'<script type="application/json" class="mgt-data">(.*?)</script>',
                         page, re.S)
    return json.loads(block)


def test_the_page_carries_the_records_numbers_as_one_json_block(run):
    _, history = run
    player = TrainingPlayer(history.record)
    data = page_data(player.html())
    assert data == json.loads(json.dumps(player.data()))
    assert data["loss"] == history.loss and data["accuracy"] == history.accuracy
    for shown, snapshot in zip(data["snapshots"], history.record.snapshots, strict=True):
        assert shown["epoch"] == snapshot.epoch
        assert shown["loss"] == float(f"{history.loss[snapshot.epoch - 1]:.4g}")
        assert shown["accuracy"] == f"{history.accuracy[snapshot.epoch - 1]:.0%}"
        assert shown["w"] == [float(f"{w:.4g}") for w in snapshot.weights]
        assert shown["grid"] == [float(f"{v:.4g}") for v in snapshot.outputs]


def test_the_captions_say_the_epoch_loss_and_accuracy_in_both_languages(run):
    _, history = run
    en, ja = TrainingPlayer(history.record).captions[-1]
    loss, accuracy = f"{history.loss[-1]:.4g}", f"{history.accuracy[-1]:.0%}"
    assert en == (f"Epoch 6 of 6: loss {loss}, accuracy {accuracy}. "
                  "Every unit passes gradient back.")
    assert ja == (f"エポック 6 / 6:損失 {loss}、正解率 {accuracy}。"
                  "どのユニットも勾配を通しています。")


def record_with(flat):
    return TrainingRecord(((0.0,),), (1.0,), (), (), None, 0.0, 1, (0.5,), (),
                          (Snapshot(1, 0.5, None, (), (), (), flat, ()),))


@pytest.mark.parametrize(("flat", "en", "ja"), [
    (((1.0, 1.0, 0.2), (0.0,)), "2 units are dead: little", "死んだユニット 2 個:"),
    (((1.0, 0.95), (0.0,)), "1 unit is dead, 1 unit is saturated", "死んだユニット 1 個、飽和した"
                                                                   "ユニット 1 個"),
    (((0.89,), (0.0,)), "Every unit passes gradient back", "どのユニットも勾配を通して"),
])
def test_dead_and_saturated_units_are_counted_in_the_captions(flat, en, ja):
    english, japanese = TrainingPlayer(record_with(flat)).captions[0]
    assert en in english and ja in japanese


@pytest.mark.parametrize("label", [
    "</script><script>document.title='PWNED'</script>", "<!--<script>", "__DATA__", "__ID__",
])
def test_a_hostile_parameter_label_stays_inside_the_json(label):
    model = MLP(2, [2, 1], seed=0)
    model.parameters()[0].named(label)
    history = fit(model, [[0.0, 1.0]], [1], loss=max_margin_loss, epochs=1,
                  optimizer=SGD(model.parameters(), lr=0.1), record=True)
    page = TrainingPlayer(history.record).html()
    assert "<" not in label or label not in page  # only ever as \u003c escapes
    assert page.count("<script") == 2 and page_data(page)["labels"][0] == label


def test_the_sample_tab_carries_the_step_players_page(run):
    model, history = run
    x = [Value(0.5, label="x0"), Value(-0.2, label="x1")]
    root = max_margin_loss([model(x)], 1).named("loss")
    sample = page_data(TrainingPlayer(history.record, sample=root, note="sample 3").html())[
        "sample"]
    assert sample["note"] == "sample 3" and sample["page"].startswith("<!DOCTYPE html>")
    assert 'class="mgp"' in sample["page"]
    assert page_data(TrainingPlayer(history.record).html())["sample"] is None


def test_nan_and_inf_reach_the_page_as_text_json_can_hold(run):
    # JSON.parse rejects NaN and Infinity (the page would be blank): the page gets Python's text.
    _, history = run
    record = history.record
    broken = TrainingRecord(record.inputs, (*record.targets[:-1], (math.nan,)), record.labels,
                            record.layers, record.grid, record.level, record.outputs,
                            (math.nan, math.inf, *record.loss[2:]), record.accuracy,
                            record.snapshots)
    [block] = re.findall(r'class="mgt-data">(.*?)</script>', TrainingPlayer(broken).html(),
                         re.S)
    assert "NaN" not in block and "Infinity" not in block
    data = json.loads(block)
    assert data["loss"][:2] == ["nan", "inf"] and data["targets"][-1] == ["nan"]


@pytest.mark.parametrize(("call", "fragment"), [
    (lambda run: TrainingPlayer(run[1]), "a recorded run with at least one snapshot"),
    (lambda run: TrainingPlayer(run[1].record).save("training.svg"), "a player is an HTML page"),
])
def test_misuse_is_refused_with_a_fix(run, call, fragment):
    with pytest.raises(DrawingError, match=fragment):
        call(run)


def test_save_writes_one_page(run, tmp_path):
    path = TrainingPlayer(run[1].record).save(tmp_path / "sub" / "training.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_a_networks_sample_past_large_graph_is_one_neuron_a_box():
    from microgradjp.core.node import nodes_under
    from microgradjp.views.drawing import LARGE_GRAPH

    model = MLP(2, [16, 16, 1], activation="relu", seed=0)
    history = fit(model, [[0.0, 1.0]], [1], loss=max_margin_loss, epochs=1,
                  optimizer=SGD(model.parameters(), lr=0.1), record=True)
    hostile = "</script><img src=x onerror=alert(1)>"
    root = max_margin_loss([model([Value(0.5, label=hostile), Value(-0.2)])], 1)
    model.zero_grad()
    root.backward()
    assert len(nodes_under(root)) > LARGE_GRAPH
    page = TrainingPlayer(history.record, sample=root).html()
    assert hostile not in page and page.count("<script") == 2  # the label travels escaped
    sample = page_data(page)["sample"]
    assert "page" not in sample
    assert len(re.findall(r"<title>neuron\d+</title>", sample["svg"])) == 33
    assert [n["name"].split(":")[0] for n in sample["neurons"][15:17]] == [
        "layer 1, neuron 15 (relu)", "layer 2, neuron 0 (relu)"]
    assert sample["neurons"][-1]["name"].startswith("layer 3, neuron 0 (linear)")
    # One neuron's own graph: its weighted sum, its weights and bias, element by element.
    last = sample["neurons"][-1]["svg"]
    assert "weighted_sum" in last and ">W3[15,0]<" in last and ">b3[0]<" in last
    assert "409 values" in sample["about"][0] and "409 個" in sample["about"][1]


def test_a_large_graph_with_no_neuron_keeps_the_step_player(run):
    _, history = run
    x = Value(0.5, label="x")
    root = sum((x * k for k in range(1, 40)), Value(0.0))
    root.backward()
    sample = page_data(TrainingPlayer(history.record, sample=root).html())["sample"]
    assert 'class="mgp"' in sample["page"] and "neurons" not in sample
