"""Every way to extend orchestra from outside its repository, in one place.

Each extension point is an entry-point group an installed package declares in its
`pyproject.toml`, and most also take objects registered in code. The built-ins use the
same groups (see this project's `pyproject.toml`), so a plug-in is never second-class.
`docs/extension-points.md` describes each contract with a runnable example;
`tests/test_docs.py` checks that page, this table and the code agree.

`discover` is the one function that reads entry points: every registry asks it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any


def load_ref(ref: str) -> Any:
    """The object a `module:attribute.path` reference names (an entry point's value).

    Args:
        ref: `package.module:attribute`, the attribute possibly dotted.

    Returns:
        The object.

    Raises:
        ImportError: The module cannot be imported.
        AttributeError: It has no such attribute.
    """
    module, _, attr = ref.partition(":")
    obj: Any = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


@dataclass(frozen=True)
class ExtensionPoint:
    """One entry-point group and its contract.

    Attributes:
        group: The entry-point group a package declares.
        names: What each entry point names (`module:attribute`).
        in_code: The function that registers one in code, if any.
        rule: When orchestra loads and calls it.
    """

    group: str
    names: str
    in_code: str
    rule: str


EXTENSION_POINTS: tuple[ExtensionPoint, ...] = (
    ExtensionPoint(
        "orchestra.families",
        "a `Family` subclass or instance, whose `name` is the entry point's name",
        "orchestra.register_family",
        "loaded once, on the first parse; a family that fails to load is warned about and "
        "left out; one kind belongs to one family",
    ),
    ExtensionPoint(
        "orchestra.specialists",
        "a `Specialist` class (or a factory of one) with `name`, `kinds`, `priority` and "
        "`solve_batch(problems)`",
        "orchestra.register_specialist",
        "imported when the specialists are listed, built once on first use and kept "
        "resident; every answer is verified by the family",
    ),
    ExtensionPoint(
        "orchestra.specialist_providers",
        "a callable returning `Offer`s: specialists that depend on what is installed "
        "(one TRM specialist per kind with checkpoints)",
        "",
        "called once, on first listing; a provider that raises costs its own offers only",
    ),
    ExtensionPoint(
        "orchestra.checkpoints",
        "a directory (or a callable returning one or several) holding TRM checkpoints",
        "",
        "searched after `$ORCHESTRA_CHECKPOINTS` and the cache; weights are safetensors and "
        "a card's metadata is data, never code",
    ),
    ExtensionPoint(
        "orchestra.routers",
        "a factory taking keyword arguments `targets` and `llm`, returning a `Router` "
        "(`name`, `route(problem_or_text) -> RouteDecision`)",
        "orchestra.register_router",
        "built by name when an `Orchestra(router=NAME)` is made",
    ),
    ExtensionPoint(
        "orchestra.schedulers",
        "a factory returning a `Scheduler`: `name` and `plan(jobs, max_batch)`",
        "orchestra.register_scheduler",
        "built by name when an `Orchestra(scheduler=NAME)` is made; its order is made "
        "safe (every candidate once) and can never skip verification",
    ),
    ExtensionPoint(
        "orchestra.grid_verifiers",
        "a function `verify(problem, answer)` returning a `Verdict` or a truth value",
        "orchestra.register_grid_verifier",
        "looked up by the name a trained grid task's card gives; nothing else a card "
        "names is imported",
    ),
    ExtensionPoint(
        "orchestra.dsl_ops",
        "an ARC DSL `Op` (or a callable returning several): its name, what it takes and "
        "gives, its argument choices and its function",
        "orchestra.tasks.arc.dsl.register_op",
        "added to the language when the DSL is first imported (the search's workers too); "
        "the parser, the interpreter and the search's enumeration take it like a built-in",
    ),
)

GROUPS: frozenset[str] = frozenset(p.group for p in EXTENSION_POINTS)


@dataclass(frozen=True)
class Plugin:
    """One entry point of an installed package.

    Attributes:
        name: The entry point's name.
        value: The `module:attribute` reference it names.
        dist: The distribution that declares it (`?` when unknown).
    """

    name: str
    value: str
    dist: str

    @property
    def source(self) -> str:
        """Where it comes from, as the listings show it: `plugin:DIST`."""
        return f"plugin:{self.dist}"

    def load(self) -> Any:
        """Import the module and return the attribute the entry point names.

        Returns:
            The object (a class, a factory, a path, an `Op`).

        Raises:
            ImportError: The module cannot be imported.
            AttributeError: The module has no such attribute.
        """
        return load_ref(self.value)


def discover(group: str) -> list[Plugin]:
    """The entry points installed packages declare in one of orchestra's groups, by name.

    Args:
        group: One of `GROUPS`.

    Returns:
        The plug-ins, sorted by name; nothing is imported.

    Raises:
        ValueError: `group` is not one of orchestra's extension points.
    """
    if group not in GROUPS:
        raise ValueError(f"{group!r} is not an orchestra extension point: {sorted(GROUPS)}")
    found = [
        Plugin(ep.name, ep.value, ep.dist.name if ep.dist else "?")
        for ep in entry_points(group=group)
    ]
    return sorted(found, key=lambda p: p.name)
