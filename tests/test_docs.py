"""The documentation says what the code does: the README's and the guides' code examples
run, every environment variable the code reads is listed, the extension-points page lists
every group the code discovers, and the site builds with warnings as errors.

Every ```python block of README.md and docs/*.md runs unless a `<!-- not run: why -->`
line stands right above it; blocks of one page run in order in one interpreter."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestra.extension_points import EXTENSION_POINTS, GROUPS

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# pages whose blocks other tests run with more checks (the guide's file is examples/latin.py)
RUN_ELSEWHERE = {"guide-family.md": "tests/test_example_family.py"}
BLOCK = re.compile(r"(<!-- not run: [^>]+-->\n)?```python\n(.*?)```", re.DOTALL)


def blocks(page: Path) -> list[str]:
    return [code for skip, code in BLOCK.findall(page.read_text()) if not skip]


RUNNABLE = [p for p in PAGES if blocks(p) and p.name not in RUN_ELSEWHERE]


@pytest.mark.parametrize("page", RUNNABLE, ids=[p.name for p in RUNNABLE])
def test_the_code_examples_run(page, tmp_path):
    code = "\n".join(blocks(page))
    ast.parse(code)
    env = {k: v for k, v in os.environ.items() if k != "ORCHESTRA_SCHEDULER"}  # as a user runs
    r = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=600,
    )
    assert r.returncode == 0, f"{page.name}:\n{r.stderr[-3000:]}"
    if page.name == "README.md":  # what its comments say it prints
        out = r.stdout.splitlines()
        assert out[0] == "sudoku exact-sudoku verified"
        assert out[1] == "[5, 3, 4, 6, 7, 8, 9, 1, 2]"
        assert out[2].startswith("True [(1, 1), (1, 2)")
        assert out[3] == "no_solution"
        assert out[4] == "['exact-sudoku', 'bfs-maze']"


def test_every_python_block_runs_or_says_why_not():
    for page in PAGES:
        text = page.read_text()
        assert text.count("```python") == len(BLOCK.findall(text)), page.name


def test_every_environment_variable_is_documented():
    table = (ROOT / "docs" / "environment.md").read_text()
    read: set[str] = set()
    for pkg in ("orchestra", "specialists", "routers"):
        for path in (ROOT / pkg).rglob("*.py"):
            if "benchmarks" in path.parts:
                continue
            read |= set(re.findall(r"ORCHESTRA_[A-Z0-9_]+", path.read_text()))
    assert len(read) >= 15
    missing = {v for v in read if f"`{v}" not in table}
    assert not missing, f"docs/environment.md does not list {sorted(missing)}"


def test_the_extension_points_page_and_the_code_agree():
    page = (ROOT / "docs" / "extension-points.md").read_text()
    for point in EXTENSION_POINTS:
        assert f"`{point.group}`" in page, point.group
    # Every group a package in this repository declares is one orchestra discovers.
    declared: set[str] = set()
    for toml in [ROOT / "pyproject.toml", *ROOT.glob("plugins/*/pyproject.toml"),
                 *ROOT.glob("tests/fixtures/*/pyproject.toml")]:
        declared |= set(re.findall(r'entry-points\."(orchestra\.[a-z_]+)"', toml.read_text()))
    assert declared <= GROUPS, declared - GROUPS
    # ... and only `discover` reads entry points.
    readers = [
        p.relative_to(ROOT).as_posix()
        for pkg in ("orchestra", "specialists", "routers")
        for p in (ROOT / pkg).rglob("*.py")
        if "entry_points(" in p.read_text()
    ]
    assert readers == ["orchestra/extension_points.py"], readers


def test_the_site_builds_with_warnings_as_errors(tmp_path):
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    assert mkdocs, "mkdocs is part of the docs extra the Makefile installs"
    r = subprocess.run(
        [mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert r.returncode == 0, r.stderr[-5000:]
    assert (tmp_path / "site" / "api" / "index.html").is_file()


def _undocumented(obj) -> list[str]:
    """The parameters (or, for a pydantic model, the fields) of `obj` its docstring never
    names as `name:` or `` `name` ``."""
    import inspect

    from pydantic import BaseModel

    doc = inspect.getdoc(obj) or ""
    named = lambda n: f"{n}:" in doc or f"`{n}`" in doc  # noqa: E731
    if inspect.isclass(obj) and issubclass(obj, BaseModel):
        return [f for f, info in obj.model_fields.items() if not info.description and not named(f)]
    target = obj.__init__ if inspect.isclass(obj) else obj
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return []
    if inspect.isclass(obj):
        doc += inspect.getdoc(target) or ""
    variadic = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return [
        p for p, param in sig.parameters.items()
        if p not in ("self", "cls") and param.kind not in variadic and not named(p)
    ]


def test_every_public_name_documents_its_parameters():
    import orchestra

    missing = {}
    for name in orchestra.__all__:
        obj = getattr(orchestra, name)
        if callable(obj) and (gaps := _undocumented(obj)):
            missing[name] = gaps
    assert not missing, missing
    assert "Args:" in (orchestra.solve.__doc__ or "") and "Returns:" in orchestra.solve.__doc__
