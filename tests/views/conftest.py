"""What the view tests share: the headless Chromium (the system's, driven by Selenium) and a
wide graph to animate."""

import shutil

import pytest

from microgradjp import Value

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1200,800"]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed "
                                    "(the dev extra has it)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver")),
                              options=options)
    driver.set_page_load_timeout(20)
    yield driver
    driver.quit()


def chained_sum(terms):
    """Return a0 + a1 + ... summed one term at a time: a wide graph, one frame per step."""
    leaves = [Value(float(k), label=f"a{k}") for k in range(terms)]
    total = leaves[0]
    for leaf in leaves[1:]:
        total = total + leaf
    return total.named("y")
