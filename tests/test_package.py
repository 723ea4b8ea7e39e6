"""The package as users meet it: what importing it costs, and what it exports."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

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


def test_the_version_is_written_once_and_the_command_line_says_it():
    root = Path(__file__).parent.parent
    pyproject = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))
    assert pyproject["project"]["dynamic"] == ["version"] and "version" not in pyproject["project"]
    assert pyproject["tool"]["hatch"]["version"]["path"] == "microgradjp/__init__.py"
    done = subprocess.run([sys.executable, "-m", "microgradjp", "--version"], capture_output=True,
                          text=True, check=True, timeout=60)
    assert done.stdout == f"microgradjp {microgradjp.__version__}\n"


def test_the_licences_are_declared_and_shipped():
    root = Path(__file__).parent.parent
    project = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["license"] == "MIT AND OFL-1.1"  # the code, and the bundled font
    assert all((root / name).is_file() for name in project["license-files"])
    assert "SIL OPEN FONT LICENSE Version 1.1" in (root / project["license-files"][1]).read_text(
        "utf-8")


def test_the_pypi_page_links_nowhere_it_cannot_reach():
    # PyPI shows PYPI.md with no repository beside it: no relative link or image.
    root = Path(__file__).parent.parent
    text = (root / tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["project"][
        "readme"]).read_text("utf-8")
    assert not re.findall(r"\]\((?!https://)[^)]*\)", text)
