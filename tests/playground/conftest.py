"""The playground built once per test session from this checkout (playground/build.py): the page,
Pyodide and viz-js from npm, and a wheel of the code under test. Needs node and npm (the
``pyodide`` marker skips without them); npm fetches the pinned runtimes once into
playground/node_modules, and nothing at all is fetched while the tests run."""

import functools
import http.server
import importlib.util
import json
import subprocess
import threading
from pathlib import Path

import pytest

PLAYGROUND = Path(__file__).resolve().parents[2] / "playground"
RUNNER = Path(__file__).resolve().parent / "run_in_pyodide.mjs"


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("playground_build", PLAYGROUND / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build.main(["--out", str(tmp_path_factory.mktemp("playground") / "site")])


@pytest.fixture(scope="session")
def run_in_pyodide(site):
    """Return a function: Python code (its last expression a JSON str) -> that JSON, as
    Pyodide in Node.js gives it, loaded from the built site as the page loads it."""

    def run(code: str) -> dict:
        done = subprocess.run(["node", str(RUNNER), str(site)], input=code, capture_output=True,
                              text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout)

    return run


def _views_conftest():
    spec = importlib.util.spec_from_file_location(
        "views_conftest", Path(__file__).resolve().parents[1] / "views" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


browser = _views_conftest().browser  # the headless Chromium the player's tests drive


@pytest.fixture(scope="module")
def served(site):
    """Return the address of the built site, served over HTTP on this machine (a module script
    and Pyodide's wasm cannot load from file://)."""
    handler = functools.partial(Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    thread.join()


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # the tests' output stays quiet
        pass
