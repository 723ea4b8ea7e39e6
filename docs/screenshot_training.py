"""Write docs/training.png: the training player of `microgradjp demo`, in headless Chromium.

Run from the repository root: ``python docs/screenshot_training.py`` (needs the dev extra's
selenium and the system chromium and chromedriver). The page is the demo's own training.html,
shown at its middle recorded epoch.
"""

import shutil
import sys
import tempfile
from pathlib import Path


def main() -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    from microgradjp.tools.demo import run

    folder = Path(tempfile.mkdtemp())
    run(folder)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,700"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.get((folder / "training.html").as_uri())
        slider = driver.find_element(By.CSS_SELECTOR, ".mgt-slider")
        middle = int(slider.get_attribute("max") or 0) // 2
        driver.execute_script("arguments[0].value = arguments[1];"
                              "arguments[0].dispatchEvent(new Event('input'));", slider, middle)
        epoch = driver.find_element(By.CSS_SELECTOR, ".mgt").get_attribute("data-epoch")
        target = Path(__file__).parent / "training.png"
        driver.save_screenshot(str(target))
        print(f"wrote {target} (epoch {epoch})", file=sys.stderr)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()
