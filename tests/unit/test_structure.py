"""The shape of the code base: what the wheel ships, who imports whom, no import circles."""

from __future__ import annotations

import ast
import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ("newswire", "services", "bench")


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function (relative ones resolved)."""
    module = _module_of(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = parts[: len(parts) - node.level + 1] if node.level else []
            target = ".".join([*base, node.module] if node.module else base)
            out.add(target)
            out.update(f"{target}.{alias.name}" for alias in node.names)
    return out


def _graph() -> dict[str, set[str]]:
    files = {_module_of(p): p for top in SOURCES for p in (ROOT / top).rglob("*.py")}
    return {name: {m for m in _imports(path) if m in files and m != name}
            for name, path in files.items()}


def test_the_wheel_ships_no_test_or_benchmark_tooling() -> None:
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"]["find"]["include"]
    packages = [_module_of(init) for init in ROOT.rglob("__init__.py")
                if ".venv" not in init.parts]
    # setuptools' packages.find: a package ships when its dotted name matches an include
    shipped = [p for p in packages if any(fnmatch.fnmatchcase(p, pat) for pat in include)]
    assert "newswire" in shipped and "services.ingest" in shipped
    tooling = [p for p in shipped if p.split(".")[0] in ("tests", "bench")
               or {"chaos", "bench"} & set(p.split("."))]
    assert tooling == []


def test_the_package_reaches_the_services_only_through_the_cli() -> None:
    """newswire/ is what every service imports; only the CLI's command dispatch may import a
    service back (the demo included: it goes through the CLI's public commands)."""
    graph = _graph()
    upward = {name: sorted(m for m in deps if m.startswith("services"))
              for name, deps in graph.items()
              if name.startswith("newswire") and name != "newswire.cli"}
    assert {name: deps for name, deps in upward.items() if deps} == {}


def test_no_import_circles() -> None:
    graph = _graph()
    circles: list[list[str]] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                circles.append([*path[path.index(dep):], dep])
            elif dep not in state:
                visit(dep)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    assert circles == []
