"""Preparing an item: parse, route, and the chain of processors its kind has (the
specialists by priority that can take it, then the LLM), with notes from those that
declined and why."""

from __future__ import annotations

import time
from typing import Any

from .. import family_registry, registry
from ..problems import check_text, parse
from ..tasks.base import Problem
from ..types import LLM_TARGET, Attempt
from .item import Item
from .timeouts import error_text


class Routing:
    """The processors an engine may use, and each item's way through them.

    Args:
        local: Specialist instances given to this engine, by name.
        allowed: Registry names it may use (None: every one).
        fallback: Explicit chains by kind.
    """

    def __init__(
        self, *, local: dict[str, Any], allowed: set[str] | None, fallback: dict[str, list[str]]
    ) -> None:
        self._local, self._allowed, self._fallback = local, allowed, fallback
        self.router: Any = None  # the engine's; made after this (its targets ask `first`)

    def first(self, kind: str, problem: Problem | None = None) -> str:
        """The processor a problem of `kind` goes to first, before scheduling."""
        return self.chain(kind, problem)[0]

    def specialist_names(self) -> list[str]:
        """Every specialist this engine may use."""
        names = set(self._local)
        names |= set(registry.names()) if self._allowed is None else self._allowed
        return sorted(names)

    def _kinds_of(self, name: str) -> tuple[str, ...]:
        if name in self._local:
            return tuple(getattr(self._local[name], "kinds", ()))
        return tuple(registry.info(name).kinds)

    def _priority_of(self, name: str) -> int:
        if name in self._local:
            return int(getattr(self._local[name], "priority", 0))
        return registry.info(name).priority

    def chain(self, kind: str, problem: Problem | None = None) -> list[str]:
        """The processors a problem of `kind` goes through, in order. Given the problem,
        specialists that cannot take it (a 6x6 checkpoint for a 9x9 grid) are left out of
        the default chain; an explicit `fallback` chain is kept as configured."""
        if kind in self._fallback:
            return list(self._fallback[kind])
        names = [n for n in self.specialist_names() if kind in self._kinds_of(n)]
        names.sort(key=lambda n: (-self._priority_of(n), n))
        if problem is not None:
            names = [n for n in names if self._may_support(n, problem)]
        return [*names, LLM_TARGET]

    def declined(self, problem: Problem, chain: list[str]) -> list[Attempt]:
        """Specialists of this kind left out of the chain that can say why, and what would
        make them take it (a checkpoint that does not know the task: train it)."""
        notes = []
        for name in self.specialist_names():
            if name in chain or problem.kind not in self._kinds_of(name):
                continue
            try:
                spec = self.specialist(name)
                why = getattr(spec, "why_not", None)
                reason = why(problem) if why is not None else None
            except Exception:
                continue
            if reason:
                device = str(getattr(spec, "device", "cpu"))
                notes.append(Attempt(processor=name, device=device, reason=f"skipped: {reason}"))
        return notes

    def _may_support(self, name: str, problem: Problem) -> bool:
        try:
            supports = getattr(self.specialist(name), "supports", None)
            return True if supports is None else bool(supports(problem))
        except Exception:  # keep it: its attempt will record why it failed
            return True

    def specialist(self, name: str) -> Any:
        """The specialist instance by name (built once by the registry, kept resident)."""
        if name in self._local:
            return self._local[name]
        return registry.get_specialist(name)

    def prepare(self, index: int, x: Any, kind: str | None) -> Item:
        """One input parsed and routed, its chain set; a bad input is a finished item."""
        t0 = time.perf_counter()
        item = Item(index=index)
        try:
            if kind is not None or not isinstance(x, str):
                item.problem = parse(x, kind=kind)
                item.decision = self.router.route(item.problem)
            else:  # the router reads the raw text: it may tell a trap from a broken puzzle
                check_text(x)  # text no router can read is the input's fault
                item.decision = self.router.route(x)
                item.problem = parse(x, kind=item.decision.kind)
            head = LLM_TARGET if item.decision.abstained else item.decision.target
            rest = [p for p in self.chain(item.problem.kind, item.problem) if p != head]
            item.chain = [head, *rest]
            item.size = family_registry.size_class(item.problem)
            item.attempts.extend(self.declined(item.problem, item.chain))
        except ValueError as e:  # ParseError and friends: the input's fault, said plainly
            item.error, item.done = str(e), True
        except Exception as e:  # a broken router must not sink the batch either
            item.error, item.done = f"routing failed: {error_text(e)}", True
        item.prep_s = time.perf_counter() - t0
        return item
