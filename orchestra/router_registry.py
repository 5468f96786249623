"""Routers by name, from the entry-point group `orchestra.routers` (the built-in routers
of the `routers` package are registered there as a plug-in's would be) or registered in
code. A router factory takes keyword arguments `targets` (kind -> processor) and `llm`
(the engine's LLM, possibly None) and may ignore either."""

from __future__ import annotations

import threading
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from .refs import RegistryError

ENTRY_POINT_GROUP = "orchestra.routers"
DEFAULT = "cascade"


class RouterError(RegistryError, ValueError):
    """An unknown router, or one that cannot be loaded (a ValueError too: a bad name is
    the caller's input)."""


_lock = threading.Lock()
_factories: dict[str, Callable[..., Any]] = {}


def register_router(name: str, factory: Callable[..., Any]) -> None:
    """A router made in code (tests, notebooks); installed packages use entry points."""
    with _lock:
        _factories[name] = factory


def names() -> list[str]:
    found = {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    with _lock:
        return sorted(found | set(_factories))


def make_router(
    name: str | None = None,
    *,
    targets: Callable[..., str] | None = None,
    llm: Any = None,
) -> Any:
    """A router by name (None: the cascade). An unknown name or a factory that cannot be
    loaded is a `RouterError` naming the ones there are."""
    name = name or DEFAULT
    with _lock:
        factory = _factories.get(name)
    if factory is None:
        eps = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
        if not eps:
            raise RouterError(f"no router named {name!r}; known: {', '.join(names()) or 'none'}")
        try:
            factory = eps[0].load()
        except (ImportError, AttributeError) as e:
            raise RouterError(f"router {name!r} cannot be loaded from {eps[0].value!r}: {e}") from e
    return factory(targets=targets, llm=llm)
