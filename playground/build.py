"""Assemble the playground into one folder that any static web server can publish as it is.

    python playground/build.py [--out playground/site]

The folder gets the page (index.html, playground.js, playground.css, beside this script), the
runtimes from npm (Pyodide: Python in wasm; viz-js: Graphviz in wasm; `npm ci` here fetches the
versions package-lock.json pins), and the wheels: microgradjp built from this checkout, and the
dependencies pyproject.toml keeps under Pyodide (graphviz and tqdm: its markers leave out the
native graphviz-pure and resvg-py) at the versions installed in this Python. The page unpacks
the wheels itself (no micropip, no CDN), so it needs nothing beyond the folder, and lays out
with viz-js through `microgradjp.viz.set_layout`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement  # pip's and pytest's own dependency

HERE = Path(__file__).resolve().parent
REPOSITORY = HERE.parent
PAGE = ("index.html", "playground.js", "playground.css")
RUNTIME = {  # file in node_modules -> name in the site
    "pyodide/pyodide.mjs": "pyodide/pyodide.mjs",
    "pyodide/pyodide.asm.mjs": "pyodide/pyodide.asm.mjs",
    "pyodide/pyodide.asm.wasm": "pyodide/pyodide.asm.wasm",
    "pyodide/python_stdlib.zip": "pyodide/python_stdlib.zip",
    "pyodide/pyodide-lock.json": "pyodide/pyodide-lock.json",
    "@viz-js/viz/dist/viz-global.js": "viz/viz-global.js",
}
BROWSER = {"sys_platform": "emscripten", "platform_system": "Emscripten"}  # Pyodide's markers


def main(argv: list[str] | None = None) -> Path:
    """Build the site and return its folder."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=HERE / "site")
    parser.add_argument("--pyodide-cdn", action="store_true", help="load Pyodide from jsDelivr "
                        "instead of copying it beside the page (14 MB less to publish)")
    options = parser.parse_args(argv)
    out = options.out.resolve()
    npm_install()
    if out.exists():
        shutil.rmtree(out)
    for name in PAGE:
        copy(HERE / name, out / name)
    for source, target in RUNTIME.items():
        if not (options.pyodide_cdn and target.startswith("pyodide/")):
            copy(HERE / "node_modules" / source, out / target)
    version = json.loads((HERE / "package.json").read_text(encoding="utf-8"))["dependencies"]
    pyodide = (f"https://cdn.jsdelivr.net/pyodide/v{version['pyodide']}/full/"
               if options.pyodide_cdn else "pyodide/")
    (out / "config.json").write_text(json.dumps({"pyodide": pyodide}), encoding="utf-8")
    wheels = build_wheels(out / "wheels")
    (out / "wheels" / "wheels.json").write_text(json.dumps(wheels), encoding="utf-8")
    size = sum(path.stat().st_size for path in out.rglob("*") if path.is_file())
    print(f"playground: {out} ({size / 1e6:.1f} MB, wheels: {', '.join(wheels)})")
    return out


def npm_install() -> None:
    # `npm ci` only when node_modules does not hold what package-lock.json pins.
    installed = HERE / "node_modules" / ".package-lock.json"
    lock = json.loads((HERE / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    if installed.is_file():
        have = json.loads(installed.read_text(encoding="utf-8"))["packages"]
        if all(have.get(name, {}).get("version") == entry.get("version")
               for name, entry in lock.items() if name):
            return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("playground/build.py needs npm (Node.js 18 or later) to fetch Pyodide and viz-js")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE,
                   check=True)


def build_wheels(folder: Path) -> list[str]:
    folder.mkdir(parents=True)
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(folder), str(REPOSITORY)], check=True)
    pinned = [f"{name}=={metadata.version(name)}" for name in browser_dependencies()]
    subprocess.run([*pip, "download", "--no-deps", "--only-binary=:all:", "-d", str(folder),
                    *pinned], check=True)
    return sorted(path.name for path in folder.glob("*.whl"))


def browser_dependencies() -> list[str]:
    """Return the runtime dependencies pyproject.toml keeps under Pyodide (its markers decide)."""
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))
    needed = [Requirement(line) for line in project["project"]["dependencies"]]
    return [need.name for need in needed if need.marker is None or need.marker.evaluate(BROWSER)]


def copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


if __name__ == "__main__":
    main()
