"""Specialists by name: registered in code with `@register_specialist("name")` or by an
installed package through the entry-point group `orchestra.specialists`.

Nothing is imported or instantiated until first use: `import orchestra` touches no CUDA
and loads no weights, `specialists()` imports the classes (to read their kinds), and
`get_specialist(name)` builds the instance once and keeps it resident.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from pydantic import BaseModel

ENTRY_POINT_GROUP = "orchestra.specialists"
# Built-ins go through the same lazy path as plug-ins: a "module:attribute" reference.
_BUILTIN = {
    "exact-sudoku": "specialists.classical:ExactSudoku",
    "bfs-maze": "specialists.classical:BFSMaze",
}
# TRM specialists exist only where a checkpoint of their family is found.
_BUILTIN_TRM = {
    "trm-sudoku": ("sudoku", "specialists.trm_specialist:TRMSudoku"),
    "trm-maze": ("maze", "specialists.trm_specialist:TRMMaze"),
    "trm-arc": ("arc", "specialists.trm_arc:TRMArc"),
}


class SpecialistInfo(BaseModel):
    name: str
    kinds: list[str]
    priority: int
    description: str
    source: str  # "builtin", "code" or "plugin:<distribution>"
    loaded: bool


class RegistryError(LookupError):
    pass


class _Entry:
    def __init__(self, name: str, source: str, ref: str | None = None, factory: Any = None):
        self.name, self.source, self.ref, self._factory = name, source, ref, factory
        self.instance: Any = None

    @property
    def factory(self) -> Any:
        if self._factory is None:
            module, _, attr = (self.ref or "").partition(":")
            try:
                obj: Any = importlib.import_module(module)
                for part in attr.split("."):
                    obj = getattr(obj, part)
            except (ImportError, AttributeError) as e:
                raise RegistryError(
                    f"specialist {self.name!r} ({self.source}) cannot be loaded from "
                    f"{self.ref!r}: {e}"
                ) from e
            self._factory = obj
        return self._factory


_lock = threading.RLock()
_entries: dict[str, _Entry] = {}
_discovered = False


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    with _lock:
        if _discovered:
            return
        for name, ref in _BUILTIN.items():
            _entries.setdefault(name, _Entry(name, "builtin", ref=ref))
        try:
            from specialists.catalog import checkpoints
        except ImportError:  # orchestra used without the specialists package
            checkpoints = None
        for name, (family, ref) in _BUILTIN_TRM.items():
            if checkpoints is not None and checkpoints(family):
                _entries.setdefault(name, _Entry(name, "builtin", ref=ref))
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist.name if ep.dist else "?"
            _entries.setdefault(ep.name, _Entry(ep.name, f"plugin:{dist}", ref=ep.value))
        _discovered = True


def refresh() -> None:
    """Look again for plug-ins and checkpoints (both are read once, on first use): after a
    `pip install` of a plug-in or a new checkpoint on the search path. Built-in and plug-in
    specialists are rebuilt on their next use; those registered in code are kept."""
    global _discovered
    with _lock:
        for name in [n for n, e in _entries.items() if e.source != "code"]:
            del _entries[name]
        _discovered = False
    importlib.invalidate_caches()


def register_specialist(name: str, *, replace: bool = False) -> Callable[[Any], Any]:
    """Class (or zero-argument factory) decorator: make it available as `name`."""

    def decorate(factory: Any) -> Any:
        with _lock:
            _discover()
            if name in _entries and not replace:
                raise RegistryError(
                    f"a specialist named {name!r} is already registered "
                    f"({_entries[name].source}); pass replace=True to override"
                )
            _entries[name] = _Entry(name, "code", factory=factory)
        return factory

    return decorate


def unregister_specialist(name: str) -> None:
    with _lock:
        _entries.pop(name, None)


def names() -> list[str]:
    _discover()
    return sorted(_entries)


def _meta(factory: Any, attr: str, default: Any) -> Any:
    return getattr(factory, attr, default)


def info(name: str) -> SpecialistInfo:
    _discover()
    if name not in _entries:
        raise RegistryError(f"no specialist named {name!r}; known: {', '.join(names()) or 'none'}")
    e = _entries[name]
    f = e.instance if e.instance is not None else e.factory
    return SpecialistInfo(
        name=name,
        kinds=list(_meta(f, "kinds", ())),
        priority=int(_meta(f, "priority", 0)),
        description=str(_meta(f, "description", "") or (f.__doc__ or "").strip().split("\n")[0]),
        source=e.source,
        loaded=e.instance is not None,
    )


def specialists() -> list[SpecialistInfo]:
    """Every known specialist (built-in, registered in code, installed plug-ins)."""
    return [info(n) for n in names()]


def get_specialist(name: str) -> Any:
    """The resident instance of `name`, built on first call."""
    _discover()
    with _lock:
        if name not in _entries:
            raise RegistryError(
                f"no specialist named {name!r}; known: {', '.join(names()) or 'none'}"
            )
        e = _entries[name]
        if e.instance is None:
            inst = e.factory()
            if not getattr(inst, "name", ""):
                try:
                    inst.name = name
                except AttributeError:
                    pass
            e.instance = inst
        return e.instance


def for_kind(kind: str) -> list[str]:
    """Specialists declaring `kind`, highest priority first (ties by name)."""
    found = [s for s in specialists() if kind in s.kinds]
    return [s.name for s in sorted(found, key=lambda s: (-s.priority, s.name))]
