"""The package's layers, read from its own imports (function-level ones too): no cycle anywhere,
and no import running up a floor. `TYPE_CHECKING` imports are for type hints only and skipped."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "microgradjp"

# Who may import whom: a module's layer -> the layers it may import (its own included).
# The bottom floor (errors, _files) may be imported by every layer and imports only itself.
BOTTOM = {"errors", "_files"}
MAY_IMPORT = {
    "errors": set(),
    "_files": set(),
    "core": {"errors", "core"},
    "nn": {"errors", "core", "nn"},
    "views": {"errors", "core", "views"},
    "testing": {"errors", "core", "nn", "testing"},
    "tools": {"errors", "core", "nn", "views", "testing", "tools"},
    "bridge": {"errors", "core", "nn", "views", "bridge"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def layer(module: str) -> str:
    return module.split(".")[0] if module else "__init__"


def is_type_checking(node: ast.If) -> bool:
    return isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def imports(module: str) -> set[str]:
    """Return the package modules ``module`` imports, anywhere in its code."""
    path = MODULES[module]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    if module == "":
        package = []
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            target = ".".join([*base, *(node.module or "").split(".")]).strip(".")
            for alias in node.names:  # `from . import layout` imports a module
                candidate = f"{target}.{alias.name}".strip(".")
                found.add(candidate if candidate in MODULES else target)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [
                node.module or ""]
            for name in names:
                if name == "microgradjp" or name.startswith("microgradjp."):
                    found.add(name.removeprefix("microgradjp").strip("."))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(module)
    return {name for name in found if name in MODULES}


GRAPH = {module: imports(module) for module in MODULES}
SHIMS = {"viz", "losses", "optim", "train", "saving", "player", "replay", "trace", "data",
         "init", "functional"}


def test_the_package_is_read_whole():
    assert {"core.node", "core.rules", "views.drawing", "nn.modules", "tools.cli"} <= set(GRAPH)
    assert "core.node" in GRAPH["core.walk"]  # the reader sees real imports


def test_no_import_cycle_anywhere():
    # Depth-first search for a back edge, iteratively; reports the cycle it finds.
    state: dict[str, int] = {}
    for start in GRAPH:
        if start in state:
            continue
        stack = [(start, iter(sorted(GRAPH[start])))]
        path = [start]
        state[start] = 1
        while stack:
            module, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[module] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                cycle = [*path[path.index(child):], child]
                pytest.fail("import cycle: " + " -> ".join(m or "microgradjp" for m in cycle))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(sorted(GRAPH[child]))))
                path.append(child)


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if layer(m) in MAY_IMPORT))
def test_no_import_runs_up_a_floor(module):
    allowed = MAY_IMPORT[layer(module)] | (set() if layer(module) in BOTTOM else BOTTOM)
    upward = {target for target in GRAPH[module] if layer(target) not in allowed}
    assert not upward, f"{module} imports {sorted(upward)} from a layer above it"


@pytest.mark.parametrize("shim", sorted(SHIMS))
def test_a_public_path_only_re_exports_its_home(shim):
    assert len(GRAPH[shim]) == 1 and layer(next(iter(GRAPH[shim]))) in MAY_IMPORT


def run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_importing_the_drawing_loads_no_neural_net_module():
    loaded = run("import sys, microgradjp.viz; "
                 "print(sorted(m for m in sys.modules if m.startswith('microgradjp.nn')))")
    assert loaded == "[]"


# Not packages anyone imported: the interpreter's own script and setuptools' import hook.
RUNTIME = {"microgradjp", "__main__", "_distutils_hack"}


def test_importing_the_package_loads_no_view_and_no_third_party_package():
    loaded = run("import sys; import microgradjp; "
                 "print(sorted({m.split('.')[0] for m in sys.modules}"
                 f" - set(sys.stdlib_module_names) - {RUNTIME!r}),"
                 " sorted(m for m in sys.modules if m.startswith(('microgradjp.views',"
                 " 'microgradjp.nn', 'microgradjp.tools'))))")
    assert loaded == "[] []"
