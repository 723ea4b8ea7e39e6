"""Shared test settings: Hypothesis profiles (quick locally, more examples in CI), and the
seeds' two small graphs as fixtures."""

import os

import pytest
from hypothesis import HealthCheck, settings

from microgradjp import Value

settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


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
