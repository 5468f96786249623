"""The layers run one way: the core (`orchestra/`) imports nothing from `specialists/`,
`routers/` or `benchmarks/`, at module level or inside a function, except in the
composition roots (the CLI, the demo, the serving apps); `specialists/` and `routers/`
import nothing from `benchmarks/`; and no project module takes part in an import cycle.
Read from the source with `ast`, so a lazy import inside a function counts like any other.

The three folders live at the top of the repository and import as `orchestra.specialists`,
`orchestra.routers` and `orchestra.benchmarks` (links inside `orchestra/`); nothing may
import them under their bare folder names, which a user's own packages may hold."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OUTER = ("specialists", "routers", "benchmarks")
LAYER = {"specialists": 1, "routers": 1, "benchmarks": 2}
COMPOSITION_ROOTS = ("orchestra.cli", "orchestra.demo", "orchestra.serve")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[0] in OUTER:
        parts.insert(0, "orchestra")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every project module by its import name; the links inside `orchestra/` are not
    walked, the folders they point to are."""
    found: dict[str, Path] = {}
    for pkg in ("orchestra", *OUTER):
        for p in sorted((ROOT / pkg).rglob("*.py")):
            if not any((ROOT / pkg / q).is_symlink() for q in p.relative_to(ROOT / pkg).parts):
                found[module_name(p)] = p
    return found


def layer(name: str) -> int:
    parts = name.split(".")
    return LAYER.get(parts[1], 0) if len(parts) > 1 and parts[0] == "orchestra" else 0


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports; `from pkg import sub` counts as `pkg.sub`."""
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    return {m for m in found if m in known and m != name}


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports(name, path, set(mods)) for name, path in mods.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in edges:
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def upward(edges: dict[str, set[str]]) -> list[str]:
    bad = []
    for name, targets in edges.items():
        if name.startswith(COMPOSITION_ROOTS):
            continue
        for target in sorted(targets):
            if layer(target) > layer(name):
                bad.append(f"{name} imports {target}")
    return bad


def test_no_import_runs_up_the_layers():
    assert upward(graph()) == []


def test_no_import_cycle():
    assert cycles(graph()) == []


def bare_imports(path: Path) -> list[str]:
    """Imports of `specialists`, `routers` or `benchmarks` as top-level packages."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names = [node.module]
        found += [n for n in names if n.split(".")[0] in OUTER]
    return found


def test_nothing_imports_the_folders_by_their_bare_names():
    """A user's own `routers/` or `specialists/` would shadow a bare import."""
    paths = [*modules().values(), *sorted((ROOT / "tests").rglob("*.py"))]
    assert {str(p.relative_to(ROOT)): bare_imports(p) for p in paths if bare_imports(p)} == {}


def test_the_bare_name_check_finds_one(tmp_path):
    path = tmp_path / "probe.py"
    path.write_text("def f():\n    from routers.registry import make_router\nimport benchmarks\n")
    assert sorted(bare_imports(path)) == ["benchmarks", "routers.registry"]


@pytest.mark.parametrize(
    "source, expected",
    [
        (
            "def f():\n    from orchestra.routers.registry import make_router\n",
            ["orchestra.routers.registry"],
        ),
        (
            "from orchestra.specialists import trm_provider\n",
            ["orchestra.specialists.trm_provider"],
        ),
        ("import orchestra.benchmarks.soak\n", ["orchestra.benchmarks.soak"]),
    ],
)
def test_the_checker_sees_an_upward_import(tmp_path, source, expected):
    """The checks above would pass with nothing to find: here they must find something."""
    path = tmp_path / "_layer_probe.py"
    path.write_text(source)
    found = imports("orchestra._layer_probe", path, set(modules()))
    assert sorted(found) == expected
    edges = {"orchestra._layer_probe": found, **{m: set() for m in found}}
    assert upward(edges) == [f"orchestra._layer_probe imports {m}" for m in expected]


def test_the_checker_sees_a_cycle():
    edges = {
        "orchestra.a": {"orchestra.b"},
        "orchestra.b": {"orchestra.c"},
        "orchestra.c": {"orchestra.a"},
        "orchestra.d": {"orchestra.a"},
    }
    assert cycles(edges) == [["orchestra.a", "orchestra.b", "orchestra.c"]]
