"""The shared vocabulary of the registries: `module:attribute` references (entry points,
built-ins), the registries' error, and the factories-by-name that the scheduler and router
registries share. The registries import this; none imports another."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from .extension_points import Plugin, discover, load_ref

__all__ = ["NamedFactories", "Plugin", "RegistryError", "discover", "load_ref"]


class RegistryError(LookupError):
    pass


class NamedFactories:
    """Factories by name for a registry that takes plug-ins one factory each (schedulers,
    routers): registered in code (tests, notebooks), or the entry points of `group`;
    code first. Loading, and the errors it ends in, stay with the registry."""

    def __init__(self, group: str) -> None:
        self.group = group
        self._lock = threading.Lock()
        self._code: dict[str, Callable[..., Any]] = {}

    def register(self, name: str, factory: Callable[..., Any]) -> None:
        with self._lock:
            self._code[name] = factory

    def names(self) -> list[str]:
        found = {p.name for p in discover(self.group)}
        with self._lock:
            return sorted(found | set(self._code))

    def find(self, name: str) -> Callable[..., Any] | Plugin | None:
        """The factory registered in code, else the plug-in named `name`, else None."""
        with self._lock:
            if name in self._code:
                return self._code[name]
        return next((p for p in discover(self.group) if p.name == name), None)
