"""What a specialist is: a processor for some problem kinds that solves batches.

Plug-ins implement `Specialist` (a Protocol: any object with these members works) or
subclass `BaseSpecialist` for the defaults. Class attributes `name`, `kinds` and
`priority` are read without instantiating, so listing specialists loads no weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

from .tasks.base import Problem
from .types import SpecialistAnswer


@runtime_checkable
class Specialist(Protocol):
    name: str
    kinds: tuple[str, ...]
    device: str

    def solve_batch(self, problems: Sequence[Problem]) -> Sequence[SpecialistAnswer | Any]:
        """One answer per problem, in order (None where it has none)."""
        ...


class BaseSpecialist:
    """Defaults for a specialist: CPU, batches of up to `max_batch`, every problem of its
    kinds supported. Higher `priority` is tried first in the fallback chain."""

    name: ClassVar[str] = ""
    kinds: ClassVar[tuple[str, ...]] = ()
    priority: ClassVar[int] = 0
    description: ClassVar[str] = ""
    device: str = "cpu"
    max_batch: int = 64

    def supports(self, problem: Problem) -> bool:
        return problem.kind in self.kinds

    def solve_batch(self, problems: Sequence[Problem]) -> list[SpecialistAnswer | Any]:
        return [self.solve_one(p) for p in problems]

    def solve_one(self, problem: Problem) -> SpecialistAnswer | Any:
        raise NotImplementedError(
            f"{type(self).__name__} implements neither solve_batch nor solve_one"
        )
