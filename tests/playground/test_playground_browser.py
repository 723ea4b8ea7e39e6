"""The playground page in a real headless Chromium, served from the built folder on this machine
(nothing from the network): it loads Pyodide and our wheel, draws the apple example, takes an
expression typed into it, steps backward, explains a node, takes a descent step and runs a
practice round. Every number read off the page is checked against microgradjp in this Python."""

import pytest

from microgradjp import Value
from microgradjp.player import Player
from microgradjp.tools.expr import evaluate

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (the "
                                "dev extra has it)")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.pyodide, pytest.mark.slow]

CIRCUIT = "(x + y) * z"
AT = {"x": -2.0, "y": 5.0, "z": -4.0}


@pytest.fixture(scope="module")
def page(browser, served):
    browser.set_page_load_timeout(120)
    browser.get(served + "index.html?lang=en")
    status = browser.find_element(By.ID, "status")
    WebDriverWait(browser, 240).until(
        lambda _: browser.execute_script("return document.body.dataset.ready") == "true"
        or "could not start" in status.text)
    assert browser.execute_script("return document.body.dataset.ready") == "true", status.text
    return browser


def by_id(page, name):
    return page.find_element(By.ID, name)


def gradients(page):
    """Return {input: gradient} as the page's input table shows them."""
    return {row.get_attribute("data-name"): row.find_element(By.CSS_SELECTOR, ".gradient").text
            for row in page.find_elements(By.CSS_SELECTOR, "#inputs tbody tr")}


def set_input(page, name, value):
    box = page.find_element(By.CSS_SELECTOR, f"#inputs tr[data-name='{name}'] input[type=number]")
    box.clear()
    box.send_keys(str(value), Keys.TAB)  # the change event redraws


def graph_texts(page, container="graph"):
    return [text.text for text in page.find_elements(By.CSS_SELECTOR, f"#{container} svg text")]


def type_expression(page, text):
    field = by_id(page, "expression")
    field.clear()
    field.send_keys(text, Keys.ENTER)


def test_everything_comes_from_the_folder_beside_the_page(page, served):
    sources = page.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })")
    assert any(name.endswith(".whl") for name in sources)
    assert any(name.endswith("pyodide.asm.wasm") for name in sources)
    assert all(name.startswith(served) for name in sources)


def test_the_apple_example_is_drawn_with_its_gradients(page, apple):
    apple.backward()
    assert by_id(page, "value").text == "220"
    assert gradients(page) == {"りんご": "2.2", "個数": "110", "消費税": "200"}
    texts = graph_texts(page)
    assert {"りんご", "個数", "消費税", "data 220", "grad 2.2", "grad 110", "grad 200",
            "1.1 \N{MULTIPLICATION SIGN} 2 = 2.2"} <= set(texts)


def test_a_typed_expression_shows_the_numbers_python_computes(page):
    type_expression(page, CIRCUIT)
    for name, value in AT.items():
        set_input(page, name, value)
    root = evaluate(CIRCUIT, AT)
    root.backward()
    leaves = {leaf.label: leaf for leaf in (*root.parents[0].parents, root.parents[1])}
    assert by_id(page, "value").text == "-12" == f"{root.data:g}"
    assert gradients(page) == {name: f"{leaves[name].grad:g}" for name in AT}
    assert {"data -12", "grad -4", "grad 3", "-4 \N{MULTIPLICATION SIGN} 1 = -4"} <= set(
        graph_texts(page))


def test_stepping_backward_ends_on_every_gradient(page):
    type_expression(page, CIRCUIT)
    frames = len(Player(evaluate(CIRCUIT, AT)).frames)
    page.find_element(By.CSS_SELECTOR, "[data-view=player]").click()
    page.switch_to.frame(by_id(page, "player"))
    try:
        root = WebDriverWait(page, 20).until(lambda p: p.find_element(By.CSS_SELECTOR, ".mgp"))
        shown = []
        for _ in range(frames - 1):
            page.find_element(By.CSS_SELECTOR, ".mgp-next").click()
            shown.append(page.find_element(By.CSS_SELECTOR, ".mgp-en").text)
        texts = {e.text for e in page.find_elements(By.CSS_SELECTOR, "[data-t]")}
        assert root.get_attribute("data-frame") == str(frames - 1)
    finally:
        page.switch_to.default_content()
    assert shown[-1].startswith("Backward through")
    assert {"grad -4", "grad 3", "grad 1"} <= texts
    page.find_element(By.CSS_SELECTOR, "[data-view=graph]").click()


def test_clicking_a_box_shows_its_chain_rule_sum(page):
    type_expression(page, CIRCUIT)
    box = next(group for group in page.find_elements(By.CSS_SELECTOR, "#graph g.node")
               if group.text.startswith("x\n"))
    box.click()
    chain = by_id(page, "chain").text
    assert "x: its gradient is -4" in chain
    assert ("the gradient for x is upstream -4 \N{MULTIPLICATION SIGN} local 1 = -4" in chain)
    assert "x の微分は 上流の勾配 -4 \N{MULTIPLICATION SIGN} 局所的な微分 1 = -4" in chain


def test_a_descent_step_moves_each_input_against_its_gradient(page):
    type_expression(page, CIRCUIT)
    rate = by_id(page, "rate")
    rate.clear()
    rate.send_keys("0.1")
    by_id(page, "step").click()
    boxes = {row.get_attribute("data-name"): float(row.find_element(
        By.CSS_SELECTOR, "input[type=number]").get_attribute("value"))
        for row in page.find_elements(By.CSS_SELECTOR, "#inputs tbody tr")}
    x, y, z = (Value(AT[name], label=name) for name in "xyz")
    ((x + y) * z).backward()
    moved = {leaf.label: leaf.data - 0.1 * leaf.grad for leaf in (x, y, z)}
    assert boxes == pytest.approx(moved)
    after = evaluate(CIRCUIT, moved).data
    assert by_id(page, "descent").text == f"-12 \N{RIGHTWARDS ARROW} {after:.6g}"
    for name, value in AT.items():  # back to the circuit's own point
        set_input(page, name, value)


def test_practice_hides_gradients_and_names_the_local_derivative_to_check(page):
    type_expression(page, CIRCUIT)
    page.find_element(By.CSS_SELECTOR, "[data-view=practice]").click()
    assert not page.find_element(By.CSS_SELECTOR, "#inputs .gradient").is_displayed()
    assert by_id(page, "question-en").text.endswith("with respect to z?")
    practice = graph_texts(page, "practice-graph")
    assert "grad 3" not in practice and practice.count("grad ?") == 4  # z, x + y, x, y
    answer = by_id(page, "answer")
    answer.send_keys("5", Keys.ENTER)
    assert "check the local derivative d((x + y) \N{MULTIPLICATION SIGN} z)/d(z)" in by_id(
        page, "feedback-en").text
    assert "局所的な微分 d((x + y) \N{MULTIPLICATION SIGN} z)/d(z)" in by_id(
        page, "feedback-ja").text
    answer.clear()
    answer.send_keys("3", Keys.ENTER)
    assert by_id(page, "feedback-en").text == "Right."
    assert "grad 3" in graph_texts(page, "practice-graph")
    assert by_id(page, "question-en").text.endswith("with respect to x + y?")
    page.find_element(By.CSS_SELECTOR, "[data-view=graph]").click()


def test_text_outside_the_grammar_is_shown_as_text_not_markup(page):
    title = page.title
    type_expression(page, "<img src=x onerror=\"document.title='PWNED'\">")
    error = by_id(page, "error")
    assert error.is_displayed() and "unexpected character '<'" in error.text
    assert page.find_elements(By.CSS_SELECTOR, "#error *") == []
    assert page.title == title


def test_japanese_labels_the_page(page):
    page.find_element(By.CSS_SELECTOR, "[data-language=ja]").click()
    assert by_id(page, "draw").text == "描く"
    assert page.find_element(By.TAG_NAME, "h1").text.startswith("microgradjp 遊び場")
    assert page.execute_script("return document.documentElement.lang") == "ja"
    page.find_element(By.CSS_SELECTOR, "[data-language=en]").click()


def test_opened_from_file_the_page_says_to_serve_it(browser, site):  # last: it leaves the page
    browser.get((site / "index.html").as_uri())
    status = by_id(browser, "status").text
    assert "python -m http.server" in status and "Web サーバー経由で開いてください" in status
    assert by_id(browser, "main").get_attribute("hidden") is not None
