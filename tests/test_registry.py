"""Registry: decorator, lazy loading, and discovery of a really installed plug-in package."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import PUZZLE

import orchestra
from orchestra import registry

FIXTURE = Path(__file__).parent / "fixtures" / "orchestra-plugin-demo"


def test_import_is_lazy():
    code = (
        "import sys, orchestra; orchestra.list_specialists();"
        "print('torch' in sys.modules, 'transformers' in sys.modules, 'litellm' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]


def test_listing_does_not_instantiate():
    code = (
        "import orchestra; from orchestra import registry;"
        "print([s.loaded for s in orchestra.list_specialists()]);"
        "registry.get_specialist('exact-sudoku');"
        "print(registry.info('exact-sudoku').loaded)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    listed, loaded = out.stdout.split("\n")[:2]
    assert set(eval(listed)) == {False} and loaded == "True"  # noqa: S307  (our own output)


def test_decorator_registers_and_guards_names():
    @orchestra.register_specialist("test-upper")
    class Upper(orchestra.BaseSpecialist):
        kinds = ("text",)

        def solve_one(self, problem):
            return problem.text.upper()

    try:
        assert "test-upper" in registry.names()
        info = registry.info("test-upper")
        assert info.source == "code" and info.kinds == ["text"]
        inst = registry.get_specialist("test-upper")
        assert inst is registry.get_specialist("test-upper")  # resident, built once
        assert inst.name == "test-upper"
        with pytest.raises(orchestra.RegistryError, match="already registered"):
            orchestra.register_specialist("test-upper")(Upper)
        engine = orchestra.Orchestra(specialists=["test-upper"], llm=None)
        assert engine.solve("shout this").answer == "SHOUT THIS"
    finally:
        registry.unregister_specialist("test-upper")
    assert "test-upper" not in registry.names()


@pytest.fixture
def installed_plugin():
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "install", "--no-deps", "--no-build-isolation", "--no-index", str(FIXTURE)],
        check=True,
    )
    yield
    subprocess.run([*pip, "uninstall", "-y", "orchestra-plugin-demo"], check=True)


def test_installed_plugin_is_discovered_and_routed_to(installed_plugin):
    code = (
        "import orchestra, json;"
        f"s = orchestra.solve({PUZZLE!r});"
        "info = [i for i in orchestra.list_specialists() if i.name == 'plugin-sudoku'][0];"
        "print(json.dumps([s.route, s.verified, info.source, s.fallback_from]))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == '["plugin-sudoku", true, "plugin:orchestra-plugin-demo", []]'


def test_broken_plugin_reference_gives_a_clear_error():
    registry._discover()
    registry._entries["broken"] = registry._Entry("broken", "plugin:x", ref="no_such_mod:Thing")
    try:
        with pytest.raises(orchestra.RegistryError, match="cannot be loaded from 'no_such_mod"):
            registry.get_specialist("broken")
        # In the engine, a processor that cannot load is one failed attempt, not a crash.
        engine = orchestra.Orchestra(fallback={"sudoku": ["broken", "exact-sudoku"]}, llm=None)
        sol = engine.solve(PUZZLE)
        assert sol.route == "exact-sudoku" and "cannot load" in sol.trace.attempts[0].error
    finally:
        registry.unregister_specialist("broken")


def broken_provider():
    raise RuntimeError("its GPU driver is missing")


def test_a_failing_provider_costs_only_its_own_specialists(monkeypatch):
    """A plug-in whose provider raises is warned about by name; the built-in providers'
    specialists (arc-search arrives through one) and the family solvers are all there."""
    from orchestra.extension_points import Plugin

    real = registry.discover

    def discover(group):
        found = list(real(group))
        if group == registry.PROVIDER_GROUP:
            found.insert(0, Plugin("broken", f"{__name__}:broken_provider", "broken-dist"))
        return found

    monkeypatch.setattr(registry, "discover", discover)
    registry.refresh()
    try:
        with pytest.warns(UserWarning, match="provider 'broken'.*GPU driver is missing"):
            names = registry.names()
        assert {"arc-search", "exact-sudoku", "bfs-maze"} <= set(names)
    finally:
        monkeypatch.undo()
        registry.refresh()


ROLL_TASK = {
    "train": [
        {"input": [[1, 2, 3, 4, 5], [0, 6, 0, 7, 0]], "output": [[4, 5, 1, 2, 3], [7, 0, 0, 6, 0]]},
        {"input": [[3, 0, 0, 8, 9], [2, 2, 4, 0, 1]], "output": [[8, 9, 3, 0, 0], [0, 1, 2, 2, 4]]},
        {"input": [[5, 6, 7, 8, 1, 2]], "output": [[1, 2, 5, 6, 7, 8]]},
    ],
    "test": [
        {"input": [[9, 8, 7, 6, 5], [1, 0, 1, 0, 3]], "output": [[6, 5, 9, 8, 7], [0, 3, 1, 0, 1]]}
    ],
}


def test_an_installed_dsl_op_is_parsed_run_and_searched(installed_plugin):
    """A step a package declares under `orchestra.dsl_ops` joins the language in every
    process, the search's spawned workers too, and the search finds a program using it."""
    code = textwrap.dedent(f"""
        import json, numpy as np
        from orchestra.tasks.arc.dsl import parse, describe, language
        assert "roll_cols" in describe()
        print(language.run(parse("roll_cols(2)"), np.array([[1, 2, 3]])).tolist())
        from orchestra.specialists.arc_search.specialist import ArcSearch
        from orchestra.problems import parse as read
        task = read(json.dumps({ROLL_TASK!r}))
        (answer,) = ArcSearch(budget_s=20, workers=1).solve_batch([task])
        print(answer.answer == [{ROLL_TASK['test'][0]['output']!r}] or answer.answer)
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = out.stdout.strip().splitlines()
    assert lines[0] == "[[2, 3, 1]]"
    assert lines[-1] == "True", lines
