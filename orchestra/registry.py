"""Specialists by name: registered in code with `@register_specialist("name")`, by an
installed package through the entry-point group `orchestra.specialists` (one class or
factory each), offered by a provider in the group `orchestra.specialist_providers` (a
callable returning `Offer`s: for specialists that depend on what is installed, such as
one TRM specialist per kind with checkpoints), or derived from the problem families:
every family with an exact solver gets its solver specialist. The built-in TRM
specialists arrive through a provider (`orchestra.specialists.trm_provider`), as a plug-in's would.

Nothing is imported or instantiated until first use: `import orchestra` touches no CUDA
and loads no weights, `specialists()` imports the classes (to read their kinds), and
`get_specialist(name)` builds the instance once and keeps it resident.
"""

from __future__ import annotations

import importlib
import threading
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from . import family_registry
from .extension_points import discover
from .refs import RegistryError, load_ref

ENTRY_POINT_GROUP = "orchestra.specialists"
PROVIDER_GROUP = "orchestra.specialist_providers"


@dataclass(frozen=True)
class Offer:
    """A specialist a provider can build, described without building it: listing the
    specialists must not import torch or load weights.

    Attributes:
        name: The specialist's name.
        factory: Called once, on first use, with no arguments; returns the specialist.
        kinds: The kinds it takes.
        priority: Its place in the static order (higher first).
        description: One line for the listings.
        source: Where it comes from (default: the provider's distribution).
    """

    name: str
    factory: Callable[[], Any]
    kinds: tuple[str, ...]
    priority: int = 0
    description: str = ""
    source: str = ""


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
        for ep in discover(PROVIDER_GROUP):
            _take_offers(ep.name, ep.value, ep.source)
        for ep in discover(ENTRY_POINT_GROUP):
            _entries.setdefault(ep.name, _Entry(ep.name, ep.source, ref=ep.value))
        _discovered = True


def _derive_from_families() -> None:
    from .specialist import solver_class

    for family in family_registry.all_families():
        if family.has("solve"):
            cls = solver_class(family)
            source = family_registry.source(family.name)
            _entries.setdefault(cls.name, _Entry(cls.name, source, factory=cls))


def _take_offers(provider: str, ref: str, source: str) -> None:
    """The offers of one provider; a provider that fails is warned about and skipped, so
    one broken plug-in costs its own specialists only."""
    try:
        offers: Iterable[Offer] = load_ref(ref)()
        for offer in offers:
            meta = {
                "kinds": tuple(offer.kinds),
                "priority": offer.priority,
                "description": offer.description,
            }
            entry = _Entry(offer.name, offer.source or source, factory=offer.factory, meta=meta)
            _entries.setdefault(offer.name, entry)
    except Exception as e:
        warnings.warn(f"specialist provider {provider!r} ({ref}) failed: {e}", stacklevel=3)


def refresh(*, families: bool = True) -> None:
    """Look again for plug-ins and checkpoints (both are read once, on first use): after a
    `pip install` of a plug-in or a new checkpoint on the search path. Built-in and plug-in
    specialists are rebuilt on their next use; those registered in code are kept.
    `families`: look again for plug-in families too (and the grid tasks they know)."""
    global _discovered
    if families:
        family_registry.refresh()
    with _lock:
        for name in [n for n, e in _entries.items() if e.source != "code"]:
            del _entries[name]
        _discovered = False
    importlib.invalidate_caches()


def register_specialist(name: str, *, replace: bool = False) -> Callable[[Any], Any]:
    """Class (or zero-argument factory) decorator: make it available as `name`.

    Args:
        name: The specialist's name (what `Orchestra(specialists=[...])` and the
            fallback chains say).
        replace: Replace a specialist of that name.

    Returns:
        The decorator; it returns the class unchanged.

    Raises:
        RegistryError: From the decorator: the name is taken, without `replace`.
    """

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


family_registry.on_change(lambda: refresh(families=False))
