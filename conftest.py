"""Doctests that show the PyTorch bridge (its docstrings, the "Moving on to PyTorch" pages) run
only where torch is installed: elsewhere they are skipped, saying how to install a CPU build.
(tests/conftest.py holds the test suite's own settings.)"""

import importlib.util

import pytest

NEEDS_TORCH = ("microgradjp/bridge/__init__.py", "microgradjp/bridge/compare.py",
               "microgradjp/bridge/expressions.py", "microgradjp/bridge/models.py",
               "docs/moving-on-to-pytorch.md", "docs/ja/moving-on-to-pytorch.md")


def pytest_collection_modifyitems(config, items):
    if importlib.util.find_spec("torch") is not None:
        return
    skip = pytest.mark.skip(reason="torch is not installed (pip install torch --index-url "
                                   "https://download.pytorch.org/whl/cpu)")
    for item in items:
        if item.path.relative_to(config.rootpath).as_posix() in NEEDS_TORCH:
            item.add_marker(skip)
