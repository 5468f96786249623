"""What a specialist is: a processor for some problem kinds that solves batches.

Plug-ins implement `Specialist` (a Protocol: any object with these members works) or
subclass `BaseSpecialist` for the defaults. Class attributes `name`, `kinds` and
`priority` are read without instantiating, so listing specialists loads no weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Protocol, runtime_checkable

from .tasks.base import NoSolution, Problem
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
    kinds supported. Higher `priority` is tried first in the fallback chain.

    Optional members the engine asks for when a specialist has them (none is required):
    `supports(problem)` (False keeps it out of that problem's chain), `why_not(problem)`
    (a line saying why it declined, shown in the trace), `verify(problem, answer)` (for a
    kind no family owns), `expected_verified_rate(problem)` and
    `expected_latency_s(problem)` (what to expect before anything is measured: a TRM's card,
    a search's deadline; the scheduler and the server's lanes use them until the
    performance models have their own figures).

    Attributes:
        name: The specialist's name.
        kinds: The problem kinds it takes.
        priority: Its place in the static order (higher first).
        description: One line for the listings.
        device: Where it runs (`cpu`, `cuda`, ...), for the workload split.
        max_batch: The most problems one `solve_batch` call takes.
    """

    name: str = ""  # read from the class by the registry; an instance may name itself
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


class FamilySolver(BaseSpecialist):
    """A family's exact solver (`Family.solve`) as a specialist. One is made for every
    family that has a solver, built-in or plug-in; it sits after the TRM in the chain:
    always right when a solution exists, at a cost that grows with the problem."""

    family: ClassVar[str] = ""
    priority: ClassVar[int] = 10

    def solve_one(self, problem: Problem) -> SpecialistAnswer:
        from .family_registry import get, guarded

        fam = get(self.family)
        try:
            return SpecialistAnswer(answer=guarded(fam, "solver", lambda: fam.solve(problem)))
        except NoSolution as e:
            return SpecialistAnswer(answer=None, reason=e.reason, unsolvable=True)


def solver_class(family: Any) -> type[FamilySolver]:
    """The exact-solver specialist class of `family` (class attributes readable without
    building it, as the registry lists specialists)."""
    name = family.solver_name or f"exact-{family.name}"
    doc = (type(family).solve.__doc__ or "").strip().split("\n")[0]
    return type(
        f"Solver_{family.name}",
        (FamilySolver,),
        {
            "name": name,
            "kinds": tuple(family.kinds()),
            "family": family.name,
            "description": doc or f"the {family.name} family's exact solver",
            "__doc__": doc,
        },
    )
