"""The router contract."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from orchestra.types import RouteDecision


@runtime_checkable
class Router(Protocol):
    name: str

    def route(self, problem_or_text: Any) -> RouteDecision:
        """Decide the kind and the target processor; raise ParseError on a broken puzzle."""
        ...
