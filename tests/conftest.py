"""Shared test settings: Hypothesis profiles (quick locally, more examples in CI), the markers'
skips, and the seeds' two small graphs as fixtures.

Markers (registered in pyproject.toml): ``slow`` (seconds each; ``pytest -m "not slow"`` for a
quick loop), ``browser`` (real headless Chromium, skipped without chromium and chromedriver),
``system_dot`` (the system Graphviz ``dot``, skipped without it) and ``pyodide`` (the playground
built with npm, Pyodide run by Node.js; skipped without node and npm). ``pytest`` runs them all.
"""

import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

from microgradjp import Value

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

# What each marker needs from the machine, and what to install when it is missing.
NEEDS = {
    "system_dot": (("dot",), "no system Graphviz dot (Debian: apt-get install graphviz)"),
    "browser": (("chromium", "chromedriver"), "no system Chromium and chromedriver (Debian: "
                "apt-get install chromium chromium-driver; .ci/run installs them)"),
    "pyodide": (("node", "npm"), "no Node.js and npm (Debian: apt-get install nodejs npm; .ci/run "
                "installs them)"),
}


def pytest_collection_modifyitems(config, items):
    for marker, (programs, reason) in NEEDS.items():
        if all(shutil.which(program) for program in programs):
            continue
        for item in items:
            if marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def apple():
    """The seeds' apple price: りんご 100 * 個数 2 * 消費税 1.1 = 支払金額 220."""
    price = Value(100, label="りんご") * Value(2, label="個数") * Value(1.1, label="消費税")
    return price.named("支払金額")


@pytest.fixture
def xyz():
    """The seeds' f = q * z with q = x + y, at x = -2, y = 5, z = -4."""
    x, y, z = Value(-2, label="x"), Value(5, label="y"), Value(-4, label="z")
    return ((x + y).named("q") * z).named("f")
