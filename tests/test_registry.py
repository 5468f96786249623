"""Registry: decorator, lazy loading, and discovery of a really installed plug-in package."""

import subprocess
import sys
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
    from importlib.metadata import EntryPoint

    real = registry.entry_points

    def entry_points(group):
        found = list(real(group=group))
        if group == registry.PROVIDER_GROUP:
            found.insert(0, EntryPoint("broken", f"{__name__}:broken_provider", group))
        return found

    monkeypatch.setattr(registry, "entry_points", entry_points)
    registry.refresh()
    try:
        with pytest.warns(UserWarning, match="provider 'broken'.*GPU driver is missing"):
            names = registry.names()
        assert {"arc-search", "exact-sudoku", "bfs-maze"} <= set(names)
    finally:
        monkeypatch.undo()
        registry.refresh()
