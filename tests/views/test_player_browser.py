"""The player in a real headless browser: the system Chromium, driven by Selenium, opens the
page from file:// with no network, steps with the keys and buttons, and every text it shows is
checked against the frames and against .grad after backward() (the browser: conftest.py)."""

import pytest

from microgradjp import Value
from microgradjp.player import Player

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (the "
                                "dev extra has it)")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

pytestmark = pytest.mark.browser  # skipped without Chromium (see conftest.py)


def open_player(browser, player, folder):
    path = player.save(folder / "player.html")
    browser.get(path.as_uri())
    return browser.find_element(By.CSS_SELECTOR, ".mgp")


def page_texts(browser):
    """Return {tagged text index: what the page shows}, read from the live SVG."""
    return browser.execute_script(
        "var shown = {};"
        "document.querySelectorAll('[data-t]').forEach(function (e) {"
        "  shown[e.getAttribute('data-t')] = e.textContent; });"
        "return shown;")


def caption(browser, language):
    return browser.find_element(By.CSS_SELECTOR, f".mgp-{language}").text


def test_stepping_with_the_arrow_keys_shows_each_frame_and_ends_on_grad(browser, apple,
                                                                          tmp_path):
    player = Player(apple)
    states = list(player.states())
    root = open_player(browser, player, tmp_path)
    assert browser.execute_script(
        "return performance.getEntriesByType('resource').length") == 0  # nothing fetched
    for k, (frame, state, _) in enumerate(states):
        if k:
            root.send_keys(Keys.ARROW_RIGHT)
        assert root.get_attribute("data-frame") == str(k)
        assert caption(browser, "en") == frame.caption
        assert caption(browser, "ja") == frame.caption_ja
        assert page_texts(browser) == {str(i): text for i, text in state.items()}
    apple.backward()
    shown = set(page_texts(browser).values())
    leaves = [*apple.parents[0].parents, apple.parents[1]]
    assert {f"grad {player._number(leaf.grad)}" for leaf in leaves} == {
        "grad 2.2", "grad 110", "grad 200"} <= shown
    assert "1.1 \N{MULTIPLICATION SIGN} 2 = 2.2" in shown  # the edge into りんご
    root.send_keys(Keys.ARROW_LEFT)
    assert root.get_attribute("data-frame") == str(len(states) - 2)


def test_play_reaches_the_last_frame_and_stops(browser, tmp_path):
    a = Value(2.0, label="a")
    player = Player((a * a + a).named("y"))
    open_player(browser, player, tmp_path)
    browser.find_element(By.CSS_SELECTOR, ".mgp-speed option[value='4']").click()
    browser.find_element(By.CSS_SELECTOR, ".mgp-play").click()
    last = str(len(player.frames) - 1)
    root = browser.find_element(By.CSS_SELECTOR, ".mgp")
    WebDriverWait(browser, 10).until(lambda _: root.get_attribute("data-frame") == last)
    assert browser.find_element(By.CSS_SELECTOR, ".mgp-play").text.endswith("play")
    assert caption(browser, "en").endswith("so its gradient is the sum 1 + 2 + 2 = 5.")
    assert "grad 5" in page_texts(browser).values()
    browser.find_element(By.CSS_SELECTOR, ".mgp-prev").click()
    assert root.get_attribute("data-frame") == str(len(player.frames) - 2)


@pytest.mark.parametrize("label", [
    "__DATA__<svg onload=document.title='PWNED'>",
    "__SVG__<img src=x onerror=\"document.title='PWNED'\">",
    "<!--<script>", "</script><script>document.title='PWNED'</script>",
])
def test_a_hostile_label_runs_no_script_and_the_player_still_plays(browser, tmp_path, label):
    x = Value(2.0, label=label)
    player = Player((x * 3).named("y"))
    root = open_player(browser, player, tmp_path)
    assert browser.title != "PWNED"
    root.send_keys(Keys.END)  # any key: the player's own script is alive and listening
    for _ in player.frames[1:]:
        root.send_keys(Keys.ARROW_RIGHT)
    assert root.get_attribute("data-frame") == str(len(player.frames) - 1)
    assert "grad 3" in page_texts(browser).values()
    assert browser.title != "PWNED"


def test_the_jupyter_fragment_runs_no_label_script(browser, tmp_path):
    x = Value(2.0, label="__DATA__<svg onload=document.title='PWNED'>")
    fragment = Player((x * 3).named("y"))._repr_html_()
    page = tmp_path / "fragment.html"
    page.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>ok</title>"
                    f"</head><body>{fragment}</body></html>", encoding="utf-8")
    browser.get(page.as_uri())
    assert browser.title == "ok"
    assert browser.find_element(By.CSS_SELECTOR, ".mgp").get_attribute("data-frame") == "0"
