"""Routers by name, from the entry-point group `orchestra.routers` (the built-in routers
of the `routers` package are registered there as a plug-in's would be) or registered in
code. A router factory takes keyword arguments `targets` (kind -> processor) and `llm`
(the engine's LLM, possibly None) and may ignore either."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .refs import NamedFactories, RegistryError

ENTRY_POINT_GROUP = "orchestra.routers"
DEFAULT = "cascade"


class RouterError(RegistryError, ValueError):
    """An unknown router, or one that cannot be loaded (a ValueError too: a bad name is
    the caller's input)."""


_registry = NamedFactories(ENTRY_POINT_GROUP)


def register_router(name: str, factory: Callable[..., Any]) -> None:
    """A router made in code (tests, notebooks); installed packages use entry points."""
    _registry.register(name, factory)


def names() -> list[str]:
    return _registry.names()


def make_router(
    name: str | None = None,
    *,
    targets: Callable[..., str] | None = None,
    llm: Any = None,
) -> Any:
    """A router by name (None: the cascade). An unknown name or a factory that cannot be
    loaded is a `RouterError` naming the ones there are."""
    name = name or DEFAULT
    found = _registry.find(name)
    if found is None:
        raise RouterError(f"no router named {name!r}; known: {', '.join(names()) or 'none'}")
    factory: Any = found
    if not callable(found):  # an entry point (code registers callables)
        try:
            factory = found.load()
        except (ImportError, AttributeError) as e:
            raise RouterError(f"router {name!r} cannot be loaded from {found.value!r}: {e}") from e
    return factory(targets=targets, llm=llm)
