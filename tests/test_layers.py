"""The package's layers: imports point down (cli -> pipeline -> views -> research -> data ->
paths/errors), nothing imports the CLI, and no import circle, counting imports inside functions.

The scan reads the source with ``ast`` (nothing is imported), so a lazy import inside a function
cannot hide an upward dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "analysis"
# Rank of each layer: a module may import its own layer or a lower one, never a higher one.
LAYERS = {"paths": 0, "errors": 0, "settings": 0, "data": 1, "research": 2, "views": 3,
          "pipeline": 4, "cli": 5}
MAX_TOP_LEVEL_ENTRIES = 10


def module_files(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file of the package."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = (package.name, *path.relative_to(package).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """Every package module ``name`` imports, anywhere in the file, relative imports resolved.

    ``from a.b import c`` counts as importing ``a.b.c`` when that is a module, else ``a.b``.
    """
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [
                f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module
                for alias in node.names
            ]
        else:
            continue
        root = name.split(".")[0]
        found |= {t for t in targets if t == root or t.startswith(root + ".")}
    return found - {name}


def import_graph(package: Path) -> dict[str, set[str]]:
    """Module -> the package modules it imports."""
    files = module_files(package)
    known = set(files)
    return {name: imported_modules(name, path, known) for name, path in files.items()}


def layer_of(module: str) -> int | None:
    """The rank of a module's layer (None for the package's own ``__init__``)."""
    parts = module.split(".")
    return LAYERS[parts[1]] if len(parts) > 1 else None


def upward_imports(graph: dict[str, set[str]]) -> list[str]:
    """Every import that points to a higher layer, and every import of the CLI."""
    problems = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            if target.split(".")[1:2] == ["cli"]:
                problems.append(f"{module} imports the CLI ({target})")
            elif (layer_of(module) or 0) < (layer_of(target) or 0):
                problems.append(f"{module} imports {target}, a higher layer")
    return problems


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles between modules (Tarjan's strongly connected components)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


# --------------------------------------------------------------------------- the package


def test_every_module_belongs_to_a_layer():
    top = sorted(p.name for p in PACKAGE.iterdir() if p.name != "__pycache__")
    assert len(top) <= MAX_TOP_LEVEL_ENTRIES, top
    for module in import_graph(PACKAGE):
        parts = module.split(".")
        assert len(parts) == 1 or parts[1] in LAYERS, f"{module} is in no layer"


def test_imports_point_down_and_nothing_imports_the_cli():
    assert upward_imports(import_graph(PACKAGE)) == []


def test_no_import_circle():
    assert import_cycles(import_graph(PACKAGE)) == []


# --------------------------------------------------------------------------- the checker


def _tree(root: Path, files: dict[str, str]) -> Path:
    package = root / "analysis"
    for name, text in files.items():
        path = package / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for folder in [package, *(p for p in package.rglob("*") if p.is_dir())]:
        (folder / "__init__.py").touch()
    return package


def test_checker_finds_an_upward_import_inside_a_function(tmp_path):
    package = _tree(tmp_path, {
        "data/catalog.py": "def load():\n    from analysis.views import charts\n",
        "views/charts.py": "from analysis.data.catalog import load\n",
    })
    graph = import_graph(package)
    assert upward_imports(graph) == [
        "analysis.data.catalog imports analysis.views.charts, a higher layer"
    ]
    assert import_cycles(graph) == [["analysis.data.catalog", "analysis.views.charts"]]


def test_checker_finds_a_circle_within_a_layer_and_a_cli_import(tmp_path):
    package = _tree(tmp_path, {
        "pipeline/build.py": "from .fingerprint import declared\n",
        "pipeline/fingerprint.py": "from analysis.pipeline import build\n",
        "pipeline/refresh.py": "import analysis.cli\n",
        "cli.py": "from analysis.pipeline import refresh\n",
    })
    graph = import_graph(package)
    assert upward_imports(graph) == ["analysis.pipeline.refresh imports the CLI (analysis.cli)"]
    assert import_cycles(graph) == [
        ["analysis.cli", "analysis.pipeline.refresh"],
        ["analysis.pipeline.build", "analysis.pipeline.fingerprint"],
    ]


@pytest.mark.parametrize(
    ("module", "level", "source", "expected"),
    [
        ("analysis.data.validation.report", 2, "errors", "analysis.data.errors"),
        ("analysis.data.validation", 1, "report", "analysis.data.validation.report"),
    ],
)
def test_checker_resolves_relative_imports(tmp_path, module, level, source, expected):
    name = module.split(".", 1)[1].replace(".", "/")
    is_package = module == "analysis.data.validation"
    files = {
        f"{name}/__init__.py" if is_package else f"{name}.py":
            f"from {'.' * level}{source} import thing\n",
    }
    package = _tree(tmp_path, files)
    assert import_graph(package)[module] == {expected}
