"""Route by structure: whatever `orchestra.parse` recognises goes to that kind's first
processor; prose abstains, so the engine sends it to the LLM."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from orchestra import family_registry, registry
from orchestra.problems import parse
from orchestra.tasks.base import Problem
from orchestra.types import LLM_TARGET, RouteDecision


def _registry_target(kind: str, problem: Problem | None = None) -> str:
    found = registry.for_kind(kind)
    return found[0] if found else LLM_TARGET


class RulesRouter:
    name = "rules"

    def __init__(self, targets: Mapping[str, str] | Callable[..., str] | None = None):
        """`targets` maps a kind (and the parsed problem) to its processor (default: the
        highest-priority registered specialist for the kind, else the LLM)."""
        if targets is None:
            self._target: Callable[..., str] = _registry_target
        elif callable(targets):
            self._target = targets
        else:
            table = dict(targets)
            self._target = lambda kind, problem=None: table.get(kind, LLM_TARGET)

    def route(self, problem_or_text: Any) -> RouteDecision:
        problem = (
            problem_or_text if isinstance(problem_or_text, Problem) else parse(problem_or_text)
        )
        kind = problem.kind
        scores = {k: float(k == kind) for k in family_registry.kinds()}
        scores.setdefault(kind, 1.0)
        if kind == family_registry.TEXT_KIND:
            return RouteDecision(
                kind=kind,
                target=LLM_TARGET,
                scores=scores,
                abstained=True,
                router=self.name,
                reason="no puzzle structure found: prose goes to the LLM",
            )
        return RouteDecision(
            kind=kind,
            target=self._target(kind, problem),
            scores=scores,
            router=self.name,
            reason=f"parsed as {kind}",
        )
