"""The training player in a real headless browser (the system Chromium, driven by Selenium, from
file:// with no network): it steps and plays, the slider moves the boundary, and every number it
shows is the history's (the browser: conftest.py)."""

import dataclasses
import math

import pytest

from microgradjp import Value
from microgradjp.data import two_moons
from microgradjp.losses import max_margin_loss, mean_squared_error
from microgradjp.nn import MLP
from microgradjp.optim import SGD
from microgradjp.train import Recorder, fit
from microgradjp.views.training import TrainingPlayer

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (the "
                                "dev extra has it)")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.browser  # skipped without Chromium (see conftest.py)


@pytest.fixture(scope="module")
def run():
    points, labels = two_moons(40, 0.1, seed=0, labels=(-1, 1))
    model = MLP(2, [6, 1], activation="tanh", seed=0)
    history = fit(model, points, labels, loss=max_margin_loss, epochs=12, accuracy="sign",
                  optimizer=SGD(model.parameters(), lr=0.5, momentum=0.9),
                  record=Recorder(every=3, grid=8))
    return model, history


def open_page(browser, player, folder):
    browser.get(player.save(folder / "training.html").as_uri())
    return browser.find_element(By.CSS_SELECTOR, ".mgt")


def shown(browser, name):
    return browser.find_element(By.CSS_SELECTOR, f".mgt-{name}").text


def four_digits(x):
    return float(f"{x:.4g}")


def test_stepping_shows_each_recorded_epoch_with_the_historys_numbers(browser, run, tmp_path):
    _, history = run
    player = TrainingPlayer(history.record)
    root = open_page(browser, player, tmp_path)
    assert browser.execute_script(
        "return performance.getEntriesByType('resource').length") == 0  # nothing fetched
    for k, snapshot in enumerate(history.record.snapshots):
        if k:
            root.send_keys(Keys.ARROW_RIGHT)
        epoch = snapshot.epoch
        assert root.get_attribute("data-epoch") == str(epoch)
        assert float(shown(browser, "loss")) == four_digits(history.loss[epoch - 1])
        assert shown(browser, "accuracy") == f"{history.accuracy[epoch - 1]:.0%}"
        assert shown(browser, "counter") == f"epoch {epoch} / 12"
        assert (shown(browser, "en"), shown(browser, "ja")) == player.captions[k]
        titles = browser.execute_script(
            "return Array.from(document.querySelectorAll('.mgt-edge')).map(function (e) {"
            "  return [+e.getAttribute('data-index'), e.textContent]; });")
        assert len(titles) == 2 * 6 + 6 * 1
        for index, title in titles:
            label, numbers = title.split(": weight ")
            weight, gradient = numbers.split(", gradient ")
            assert label == history.record.labels[index]
            assert float(weight) == four_digits(snapshot.weights[index])
            assert float(gradient) == four_digits(snapshot.grads[index])
    root.send_keys(Keys.ARROW_LEFT)
    assert root.get_attribute("data-epoch") == str(history.record.snapshots[-2].epoch)


def boundary(browser):
    return browser.execute_script(
        "return document.querySelector('.mgt-boundary').getAttribute('d');")


def cell_colours(browser):
    """Return each grid cell's fill as (red, green, blue)."""
    fills = browser.execute_script(
        "return Array.from(document.querySelectorAll('.mgt-cell')).map(function (c) {"
        "  return c.getAttribute('fill'); });")
    return [tuple(int(c) for c in fill.removeprefix("rgb(").removesuffix(")").split(","))
            for fill in fills]


def test_the_slider_moves_the_boundary_to_that_epochs_outputs(browser, run, tmp_path):
    _, history = run
    record = history.record
    root = open_page(browser, TrainingPlayer(record), tmp_path)
    before = boundary(browser)
    slider = browser.find_element(By.CSS_SELECTOR, ".mgt-slider")
    for k in (len(record.snapshots) - 1, 1):
        browser.execute_script("arguments[0].value = arguments[1];"
                               "arguments[0].dispatchEvent(new Event('input'));", slider, k)
        snapshot = record.snapshots[k]
        assert root.get_attribute("data-epoch") == str(snapshot.epoch)
        assert boundary(browser) not in ("", before)
        # Blue where the model's output is above the level, orange below: cell by cell.
        blue = [b > r for r, _, b in cell_colours(browser)]
        above = [four_digits(v) > record.level for v in snapshot.outputs]
        assert blue == above and len(set(above)) == 2  # and the boundary crosses the plot


def test_play_reaches_the_last_epoch_and_stops(browser, run, tmp_path):
    _, history = run
    root = open_page(browser, TrainingPlayer(history.record), tmp_path)
    browser.find_element(By.CSS_SELECTOR, ".mgt-speed option[value='4']").click()
    browser.find_element(By.CSS_SELECTOR, ".mgt-play").click()
    WebDriverWait(browser, 10).until(lambda _: root.get_attribute("data-epoch") == "12")
    assert browser.find_element(By.CSS_SELECTOR, ".mgt-play").text.endswith("play")
    cursor = browser.find_element(By.CSS_SELECTOR, ".mgt-cursor")
    assert cursor.get_attribute("x1") == str(30 + 300)  # the last epoch, at the curve's end


def test_dead_units_are_marked_on_the_page(browser, tmp_path):
    model = MLP.from_weights([([[0.5, -0.5, 0.2], [0.1, 0.3, -0.2]], [-100.0, -100.0, 0.5]),
                              ([[1.0], [1.0], [1.0]], [0.0])], activation="relu")
    points, labels = two_moons(10, 0.1, seed=0, labels=(-1, 1))
    history = fit(model, points, labels, loss=max_margin_loss, epochs=2,
                  optimizer=SGD(model.parameters(), lr=0.01), record=True)
    open_page(browser, TrainingPlayer(history.record), tmp_path)
    dead = browser.find_elements(By.CSS_SELECTOR, ".mgt-unit.mgt-dead")
    assert len(dead) == 2
    assert "2 units are dead" in shown(browser, "en")
    title = dead[0].find_element(By.TAG_NAME, "title").get_attribute("textContent")
    assert title == "layer 1 unit 0 (relu): flat on 100% of the samples"


def test_the_sample_tab_opens_the_step_player(browser, run, tmp_path):
    model, history = run
    x = [Value(0.5, label="x0"), Value(-0.2, label="x1")]
    root = max_margin_loss([model(x)], 1).named("loss")
    open_page(browser, TrainingPlayer(history.record, sample=root, note="one sample"), tmp_path)
    browser.find_element(By.CSS_SELECTOR, ".mgt-tab-sample").click()
    assert shown(browser, "sample-note") == "one sample"
    assert not browser.find_element(By.CSS_SELECTOR, ".mgt-training").is_displayed()
    browser.switch_to.frame(browser.find_element(By.CSS_SELECTOR, ".mgt-sample iframe"))
    try:
        player = WebDriverWait(browser, 10).until(
            lambda b: b.find_elements(By.CSS_SELECTOR, ".mgp"))[0]
        assert player.get_attribute("data-frame") == "0"
    finally:
        browser.switch_to.default_content()
    browser.find_element(By.CSS_SELECTOR, ".mgt-tab-training").click()
    assert browser.find_element(By.CSS_SELECTOR, ".mgt-training").is_displayed()


def test_a_hostile_label_runs_no_script_and_the_page_still_plays(browser, tmp_path):
    model = MLP(2, [2, 1], seed=0)
    model.parameters()[0].named("</script><svg onload=document.title='PWNED'>")
    history = fit(model, [[0.0, 1.0], [1.0, 0.0]], [1, -1], loss=max_margin_loss, epochs=3,
                  optimizer=SGD(model.parameters(), lr=0.1), record=Recorder(every=1))
    root = open_page(browser, TrainingPlayer(history.record), tmp_path)
    root.send_keys(Keys.ARROW_RIGHT)
    assert root.get_attribute("data-epoch") == "2" and browser.title != "PWNED"


def masked_loss(output, target):
    """A squared error that skips a sample whose label is missing (nan), as users write it."""
    return output * 0.0 if math.isnan(target[0]) else (output - target[0]) ** 2


def dropped_loss(output, target):
    """The same, sending no gradient at all back from a sample without a label (its input may
    be inf: fit refuses to step on the nan that 0 * inf would put in the gradient)."""
    return Value(0.0) if math.isnan(target[0]) else (output - target[0]) ** 2


HOSTILE_RUNS = {  # (inputs, targets, loss, epochs): each a page that was blank (JSON has no nan)
    "a masked loss, nan marking a missing label": (
        [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0]],
        [[1.0], [math.nan], [-1.0], [math.nan]], masked_loss, 3),
    "inputs near 1e308": (
        [[1e308, 0.0], [-1.7e308, 1.0], [0.0, -1.0]], [[1.0], [-1.0], [1.0]], masked_loss, 3),
    "one inf input, its label missing": (
        [[math.inf], [0.5], [-0.5]], [[math.nan], [-1.0], [1.0]], dropped_loss, 2),
}


def svg_numbers_that_are_not(browser):
    """Return every SVG attribute on the page that holds NaN or Infinity (none: all drawn)."""
    return browser.execute_script(
        "var found = [];"
        "document.querySelectorAll('svg *').forEach(function (e) {"
        "  Array.from(e.attributes).forEach(function (a) {"
        "    if (/NaN|Infinity|undefined/.test(a.value)) found.push(e.tagName + ' ' + a.name); });"
        "});"
        "return found;")


@pytest.mark.parametrize("case", HOSTILE_RUNS)
def test_a_run_holding_nan_or_inf_plays_and_says_what_it_cannot_draw(browser, case, tmp_path):
    inputs, targets, loss, epochs = HOSTILE_RUNS[case]
    model = MLP(len(inputs[0]), [3, 1], activation="tanh", seed=0)
    history = fit(model, inputs, targets, loss=loss, epochs=epochs,
                  optimizer=SGD(model.parameters(), lr=1e-3), record=Recorder(every=1))
    record = history.record
    root = open_page(browser, TrainingPlayer(record), tmp_path)
    assert root.get_attribute("data-epoch") == "1"  # the script ran to its end
    unseen = [i for i, (x, t) in enumerate(zip(inputs, targets, strict=True))
              if not all(map(math.isfinite, [*x, *t]))]
    drawn = browser.find_elements(By.CSS_SELECTOR, ".mgt-point")
    assert len(drawn) == len(inputs) - len(unseen) > 0
    said = f"Not drawn: sample {', '.join(map(str, unseen))} (an input or target is nan or inf)."
    assert shown(browser, "plot-unseen").startswith(said) if unseen else \
        shown(browser, "plot-unseen") == ""
    for k, snapshot in enumerate(record.snapshots):
        if k:
            root.send_keys(Keys.ARROW_RIGHT)
        assert root.get_attribute("data-epoch") == str(snapshot.epoch)
        assert float(shown(browser, "loss")) == four_digits(history.loss[snapshot.epoch - 1])
        assert svg_numbers_that_are_not(browser) == []
        known = [math.isfinite(v) for v in snapshot.outputs]
        assert shown(browser, "plot-missing").startswith(
            f"This epoch the model's output is nan or inf at {known.count(False)} of "
            f"{len(known)} points" if not all(known) else "")
        if len(inputs[0]) == 2:  # grey exactly where the model's output is nan or inf
            assert [c == (204, 204, 204) for c in cell_colours(browser)] == [not k for k in known]
        else:  # the line has a gap wherever the output is nan or inf
            line = browser.execute_script(
                "return document.querySelector('.mgt-fit').getAttribute('d');")
            assert line.count("L") + line.count("M") == sum(known)
            assert line.count("M") == sum(1 for i, k in enumerate(known)
                                          if k and (i == 0 or not known[i - 1]))
    browser.find_element(By.CSS_SELECTOR, ".mgt-edges option[value='g']").click()
    assert svg_numbers_that_are_not(browser) == []


def test_a_line_of_one_feature_has_a_gap_wherever_the_output_is_nan_or_inf(browser, tmp_path):
    # fit no longer steps to nan weights (an inf input's gradient), so the 1-D gaps are drawn
    # from a record made by hand, as a run near divergence would leave it.
    model = MLP(1, [3, 1], activation="tanh", seed=0)
    record = fit(model, [[0.0], [0.5], [-0.5]], [1.0, -1.0, 1.0], loss=mean_squared_error,
                 epochs=2, optimizer=SGD(model.parameters(), lr=0.1),
                 record=Recorder(every=1)).record
    last = record.snapshots[-1]
    outputs = list(last.outputs)
    outputs[0:2] = [math.nan, math.inf]  # a gap at the start
    outputs[7:10] = [math.nan] * 3  # and one inside
    record = dataclasses.replace(record, snapshots=(
        record.snapshots[0], dataclasses.replace(last, outputs=tuple(outputs))))
    root = open_page(browser, TrainingPlayer(record), tmp_path)
    root.send_keys(Keys.ARROW_RIGHT)
    assert root.get_attribute("data-epoch") == "2"
    line = browser.execute_script("return document.querySelector('.mgt-fit').getAttribute('d');")
    assert line.count("M") == 2 and line.count("M") + line.count("L") == len(outputs) - 5
    assert shown(browser, "plot-missing").startswith(
        f"This epoch the model's output is nan or inf at 5 of {len(outputs)} points")
    assert svg_numbers_that_are_not(browser) == []


def test_nan_and_inf_in_a_record_show_as_python_writes_them(browser, tmp_path):
    # A record as a run near divergence leaves it: a weight went to inf and a gradient to nan
    # after the last finite loss; the grid's outputs are inf and nan in places.
    points, labels = two_moons(10, 0.1, seed=0, labels=(-1, 1))
    model = MLP(2, [2, 1], activation="tanh", seed=0)
    record = fit(model, points, labels, loss=max_margin_loss, epochs=2,
                 optimizer=SGD(model.parameters(), lr=0.1), record=Recorder(every=1)).record
    last = record.snapshots[-1]
    hostile = dataclasses.replace(
        last, loss=math.nan, weights=(math.inf, *last.weights[1:]),
        grads=(math.nan, *last.grads[1:]),
        outputs=(math.inf, math.nan, -math.inf, *last.outputs[3:]))
    record = dataclasses.replace(record, snapshots=(record.snapshots[0], hostile),
                                 loss=(record.loss[0], math.nan))
    root = open_page(browser, TrainingPlayer(record), tmp_path)
    root.send_keys(Keys.ARROW_RIGHT)
    assert root.get_attribute("data-epoch") == "2"
    assert shown(browser, "loss") == "nan"
    title = browser.execute_script(
        "return document.querySelector('.mgt-edge[data-index=\"0\"] title').textContent;")
    assert title == f"{record.labels[0]}: weight inf, gradient nan"
    assert cell_colours(browser)[:3] == [(204, 204, 204)] * 3  # no value there: grey
    assert svg_numbers_that_are_not(browser) == []
def test_the_sample_tabs_player_takes_keys_without_a_click_and_explains_its_marks(
        browser, run, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains

    model, history = run
    x = [Value(0.5, label="x0"), Value(-0.2, label="x1")]
    root = max_margin_loss([model(x)], 1).named("loss")
    open_page(browser, TrainingPlayer(history.record, sample=root), tmp_path)
    browser.find_element(By.CSS_SELECTOR, ".mgt-tab-sample").click()
    frame = browser.find_element(By.CSS_SELECTOR, ".mgt-sample iframe")
    browser.switch_to.frame(frame)
    try:
        player = WebDriverWait(browser, 10).until(
            lambda b: b.find_elements(By.CSS_SELECTOR, ".mgp"))[0]
        legend = browser.find_element(By.CSS_SELECTOR, ".mgp-legend").text
        browser.switch_to.default_content()
        ActionChains(browser).send_keys(Keys.ARROW_RIGHT).perform()  # no click in the frame
        browser.switch_to.frame(frame)
        assert player.get_attribute("data-frame") == "1"
    finally:
        browser.switch_to.default_content()
    # Drawn with a focus, it has inputs outside the view: the "N more" stubs are explained.
    assert '"N more": inputs outside this view' in legend
    assert "parameter / パラメータ" in legend and "orange: this step / 橙: いまの一歩" in legend


@pytest.fixture(scope="module")
def network_sample():
    """The demo's shape: a 2-16-16-1 network's loss on one sample, after its backward."""
    points, labels = two_moons(20, 0.1, seed=0, labels=(-1, 1))
    model = MLP(2, [16, 16, 1], activation="tanh", seed=0)
    history = fit(model, points, labels, loss=max_margin_loss, epochs=2, accuracy="sign",
                  optimizer=SGD(model.parameters(), lr=0.5), record=Recorder(every=1))
    x = [Value(0.5, label="x0"), Value(-0.2, label="x1")]
    root = max_margin_loss([model(x)], 1).named("loss")
    model.zero_grad()
    root.backward()
    return model, history, root


def test_a_networks_sample_is_one_neuron_a_box_fits_the_screen_and_opens_a_neuron(
        browser, network_sample, tmp_path):
    from microgradjp.views.text import number_text

    model, history, root = network_sample
    open_page(browser, TrainingPlayer(history.record, sample=root, note="one sample"), tmp_path)
    browser.set_window_size(1280, 900)
    browser.find_element(By.CSS_SELECTOR, ".mgt-tab-sample").click()
    assert not browser.find_element(By.CSS_SELECTOR, ".mgt-sample iframe").is_displayed()
    assert "One neuron a box" in shown(browser, "neurons-en")
    assert "1 つの箱が 1 つのニューロン" in shown(browser, "neurons-ja")
    # The whole network on one screen: no scroll bar, and the drawing inside the viewport.
    # (Chromium's window of 900 px leaves a viewport of about 760.)
    fits = browser.execute_script(
        "var e = document.documentElement, r = document.querySelector('.mgt-neuron-view svg')"
        ".getBoundingClientRect();"
        "return [e.scrollWidth <= e.clientWidth, e.scrollHeight <= e.clientHeight,"
        " r.right <= innerWidth, r.bottom <= innerHeight, r.width > 600, r.height > 400];")
    assert fits == [True] * 6
    # Every neuron clickable: 16 + 16 + 1. Layer 2's unit 3 says what Python says.
    nodes = browser.find_elements(By.CSS_SELECTOR, ".mgt-neuron-view g.node[data-neuron]")
    assert len(nodes) == 33
    neuron = model.layers[1].neurons[3]
    k = 16 + 3  # neurons are counted layer by layer, in the model's order
    node = browser.find_element(By.CSS_SELECTOR, f'.mgt-neuron-view g[data-neuron="{k}"]')
    lines = [text.text for text in node.find_elements(By.TAG_NAME, "text")]
    activation = next(user for user in _users_of(root, neuron.bias))
    assert lines == ["tanh neuron", f"out {number_text(activation.data, 4)}",
                     f"grad {number_text(activation.grad, 4)}",
                     f"b {number_text(neuron.bias.data, 4)}"]
    # Clicking it draws its weighted sum and tanh element by element, with the same numbers.
    node.click()
    assert browser.find_element(By.CSS_SELECTOR, ".mgt-neuron").get_attribute("value") == str(k)
    texts = [t.text for t in browser.find_elements(By.CSS_SELECTOR, ".mgt-neuron-graph text")]
    assert "weighted_sum" in texts and "tanh" in texts
    assert "W2[0,3]" in texts and f"data {number_text(neuron.weights[0].data, 4)}" in texts
    assert f"grad {number_text(activation.grad, 4)}" in texts
    # Choosing another in the list swaps the drawing.
    from selenium.webdriver.support.ui import Select
    Select(browser.find_element(By.CSS_SELECTOR, ".mgt-neuron")).select_by_value("32")
    texts = [t.text for t in browser.find_elements(By.CSS_SELECTOR, ".mgt-neuron-graph text")]
    assert "W3[15,0]" in texts and "b3[0]" in texts and "weighted_sum" in texts


def _users_of(root, value):
    """The activation after the weighted sum that ``value`` (a bias) enters."""
    from microgradjp.core.node import nodes_under

    nodes = nodes_under(root)
    total = next(node for node in nodes if value in node.parents)
    return [node for node in nodes if total in node.parents]
