"""The engine behind `orchestra.solve`: one instance, built on first use."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..types import Solution, WorkloadSplit
from .orchestra import Orchestra

_default: Orchestra | None = None


def default() -> Orchestra:
    """The instance behind `orchestra.solve`, built on first use."""
    global _default
    if _default is None:
        _default = Orchestra()
    return _default


def set_default(engine: Orchestra | None) -> None:
    global _default
    _default = engine


def solve(problem: Any, *, kind: str | None = None) -> Solution:
    return default().solve(problem, kind=kind)


def solve_many(problems: Iterable[Any], *, kind: str | None = None) -> list[Solution]:
    return default().solve_many(problems, kind=kind)


async def asolve(problem: Any, *, kind: str | None = None) -> Solution:
    return await default().asolve(problem, kind=kind)


async def asolve_many(problems: Iterable[Any], *, kind: str | None = None) -> list[Solution]:
    return await default().asolve_many(problems, kind=kind)


def stats() -> WorkloadSplit:
    return default().stats()


def reset_stats() -> None:
    default().reset_stats()
