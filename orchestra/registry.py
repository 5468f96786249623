"""Specialists by name: registered in code with `@register_specialist("name")`, by an
installed package through the entry-point group `orchestra.specialists`, or derived from
the problem families: every family with an exact solver gets its solver specialist, and
every kind with TRM checkpoints on the search path its `trm-<kind>` specialist.

Nothing is imported or instantiated until first use: `import orchestra` touches no CUDA
and loads no weights, `specialists()` imports the classes (to read their kinds), and
`get_specialist(name)` builds the instance once and keeps it resident.
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from pydantic import BaseModel

from .refs import RegistryError, load_ref

ENTRY_POINT_GROUP = "orchestra.specialists"


class SpecialistInfo(BaseModel):
    name: str
    kinds: list[str]
    priority: int
    description: str
    source: str  # "builtin", "code" or "plugin:<distribution>" (a family's, for derived ones)
    loaded: bool


class _Entry:
    """`meta` (kinds, priority, description) stands in for class attributes where the
    factory is a function (TRM specialists: listing them must not import their code)."""

    def __init__(
        self,
        name: str,
        source: str,
        ref: str | None = None,
        factory: Any = None,
        meta: dict | None = None,
    ):
        self.name, self.source, self.ref, self._factory = name, source, ref, factory
        self.meta = meta
        self.instance: Any = None

    @property
    def factory(self) -> Any:
        if self._factory is None:
            try:
                obj = load_ref(self.ref or "")
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
        _derive_from_families()
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            dist = ep.dist.name if ep.dist else "?"
            _entries.setdefault(ep.name, _Entry(ep.name, f"plugin:{dist}", ref=ep.value))
        _discovered = True


def _derive_from_families() -> None:
    from . import family_registry
    from .specialist import solver_class

    catalog: Any
    try:
        from specialists import catalog
    except ImportError:  # orchestra used without the specialists package
        catalog = None
    for family in family_registry.all_families():
        source = family_registry.source(family.name)
        if family.has("solve"):
            cls = solver_class(family)
            _entries.setdefault(cls.name, _Entry(cls.name, source, factory=cls))
        if catalog is None or not family.has("trm"):
            continue
        for kind in catalog.kinds_with_checkpoints(family.name):
            name = f"trm-{kind}"
            meta = {
                "kinds": (kind,),
                "priority": 50,  # before the exact solver; the verifier backs it up
                "description": f"TRM checkpoints for {kind}"
                + (f" ({family.name} family)" if kind != family.name else ""),
            }
            factory = functools.partial(_trm_specialist, family.name, kind)
            _entries.setdefault(name, _Entry(name, source, factory=factory, meta=meta))


def _trm_specialist(family: str, kind: str, **options: Any) -> Any:
    from specialists.trm_specialist import family_specialist

    return family_specialist(family, kind, **options)


def refresh(*, families: bool = True) -> None:
    """Look again for plug-ins and checkpoints (both are read once, on first use): after a
    `pip install` of a plug-in or a new checkpoint on the search path. Built-in and plug-in
    specialists are rebuilt on their next use; those registered in code are kept.
    `families`: look again for plug-in families too (and the grid tasks they know)."""
    global _discovered
    if families:
        from . import family_registry

        family_registry.refresh()
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
    if e.meta is not None and e.instance is None:
        m = e.meta
        kinds, priority, description = m["kinds"], m["priority"], m["description"]
    else:
        f = e.instance if e.instance is not None else e.factory
        kinds, priority = _meta(f, "kinds", ()), _meta(f, "priority", 0)
        description = _meta(f, "description", "") or (f.__doc__ or "").strip().split("\n")[0]
    return SpecialistInfo(
        name=name,
        kinds=list(kinds),
        priority=int(priority),
        description=str(description),
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
