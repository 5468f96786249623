"""Routers by name, from the entry-point group `orchestra.routers` (the built-in routers
of the `routers` package are registered there as a plug-in's would be) or registered in
code. A router factory takes keyword arguments `targets` (kind -> processor) and `llm`
(the engine's LLM, possibly None) and may ignore either."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable

from .refs import NamedFactories, RegistryError
from .types import RouteDecision

ENTRY_POINT_GROUP = "orchestra.routers"
DEFAULT = "cascade"


@runtime_checkable
class Router(Protocol):
    """What a router is: any object with these members (the built-ins, a plug-in's).

    Attributes:
        name: The router's name, kept in each decision's `router`.
    """

    name: str

    def route(self, problem_or_text: Any) -> RouteDecision:
        """Where a problem goes.

        Args:
            problem_or_text: The raw text as the user gave it, or a parsed `Problem`.

        Returns:
            The decision: a kind, a target processor, and `abstained` when unsure (the
            problem then goes to the LLM first).
        """
        ...


class RouterError(RegistryError, ValueError):
    """An unknown router, or one that cannot be loaded (a ValueError too: a bad name is
    the caller's input)."""


_registry = NamedFactories(ENTRY_POINT_GROUP)


def register_router(name: str, factory: Callable[..., Router]) -> None:
    """Make a router available by name, in code (tests, notebooks); installed packages use
    the entry-point group `orchestra.routers`.

    Args:
        name: What `Orchestra(router=NAME)` and `--router NAME` say.
        factory: Called with keyword arguments `targets` (kind -> processor) and `llm`
            (the engine's LLM, possibly None); returns a `Router`.
    """
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
