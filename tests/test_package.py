"""The package as users meet it: what importing it costs, and what it exports."""

import subprocess
import sys

import microgradjp

THIRD_PARTY = ("graphviz", "hypothesis", "tqdm", "matplotlib", "numpy")


def test_importing_microgradjp_imports_no_third_party_package():
    code = ("import sys, microgradjp, microgradjp.nn, microgradjp.testing, microgradjp.replay\n"
            f"print([m for m in sys.modules if m.split('.')[0] in {THIRD_PARTY!r}])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.strip() == "[]"


def test_all_is_sorted_and_every_name_exists():
    assert microgradjp.__all__ == sorted(microgradjp.__all__)
    assert all(hasattr(microgradjp, name) for name in microgradjp.__all__)
    assert microgradjp.__version__ == "0.1.0"
