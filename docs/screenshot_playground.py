"""Write docs/playground.png and docs/playground-ja.png: the playground in headless Chromium.

Run from the repository root: ``python docs/screenshot_playground.py`` (needs npm, the dev
extra's selenium and the system chromium and chromedriver). The site is built as
``playground/build.py`` builds it, served on this machine, and shown with the apple example and
the chain rule of the box りんご, in English and in Japanese.
"""

import functools
import http.server
import importlib.util
import shutil
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build_site() -> Path:
    spec = importlib.util.spec_from_file_location("build", ROOT / "playground" / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    site: Path = build.main(["--out", str(Path(tempfile.mkdtemp()) / "site")])
    return site


def main() -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(build_site()))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        for language, name in (("en", "playground.png"), ("ja", "playground-ja.png")):
            driver.get(f"http://127.0.0.1:{server.server_port}/index.html?lang={language}")
            while driver.execute_script("return document.body.dataset.ready") != "true":
                time.sleep(0.5)
            next(box for box in driver.find_elements(By.CSS_SELECTOR, "#graph g.node")
                 if box.text.startswith("りんご")).click()
            driver.save_screenshot(str(ROOT / "docs" / name))
            print(f"wrote docs/{name}")
    finally:
        driver.quit()
        server.shutdown()


if __name__ == "__main__":
    main()
