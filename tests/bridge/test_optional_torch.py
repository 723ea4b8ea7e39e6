"""torch stays optional: importing the package (the bridge included) never loads it, a machine
without it is told how to install a CPU build, and a plain dev install does not pull it in."""

import subprocess
import sys
import tomllib
from pathlib import Path

from microgradjp.bridge import CPU_INSTALL
from microgradjp.bridge.expressions import TWINS
from microgradjp.core.rules import ROWS

ROOT = Path(__file__).resolve().parents[2]


def run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)


def test_importing_microgradjp_and_the_bridge_loads_no_torch():
    result = run("import sys, microgradjp, microgradjp.bridge, microgradjp.nn\n"
                 "print('torch' in sys.modules)")
    assert result.stdout.strip() == "False", result.stderr


def test_without_torch_the_bridge_says_how_to_install_a_cpu_build():
    # sys.modules["torch"] = None makes every `import torch` fail, as on a machine without it.
    result = run("import sys; sys.modules['torch'] = None\n"
                 "from microgradjp import Value\n"
                 "from microgradjp.nn import MLP\n"
                 "from microgradjp.bridge import to_torch, from_torch, compare_with_torch\n"
                 "for call in (lambda: to_torch(MLP(2, [1])), lambda: to_torch(Value(1.0)),\n"
                 "             lambda: from_torch(None), lambda: compare_with_torch(Value(1.0)),\n"
                 "             lambda: compare_with_torch(MLP(2, [1]), [1.0, 2.0])):\n"
                 "    try:\n"
                 "        call()\n"
                 "    except ImportError as error:\n"
                 "        print(type(error).__name__, '|', error)\n")
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 5, result.stderr
    for line in lines:
        assert line.startswith("TorchNotInstalledError | ")
        assert "PyTorch is not installed" in line and CPU_INSTALL in line


def test_every_row_of_the_rule_table_has_a_torch_twin():
    # A new row without a twin would make to_torch refuse it as if it were a custom op.
    assert set(ROWS) <= set(TWINS)


def test_the_dev_extra_stays_free_of_torch_and_the_torch_extra_offers_it():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]
    assert not any(package.startswith("torch") for package in extras["dev"])
    assert any(package.startswith("torch") for package in extras["torch"])
