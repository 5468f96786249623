"""One problem on its way through the engine: its chain of processors, where it stands
in it, and every attempt so far."""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import schedulers as scheduling
from ..tasks.base import Problem
from ..types import Attempt, RouteDecision


@dataclass
class Item:
    index: int
    problem: Problem | None = None
    decision: RouteDecision | None = None
    chain: list[str] = field(default_factory=list)
    position: int = 0
    attempts: list[Attempt] = field(default_factory=list)
    error: str | None = None
    prep_s: float = 0.0
    done: bool = False
    hybrid: Attempt | None = None  # the LLM's answer to the prose around a solved puzzle
    size: str = ""  # the family's size class (performance models)
    schedule: scheduling.ScheduleDecision | None = None
    deadline: float | None = None  # time.monotonic() after which no attempt starts

    @property
    def next_processor(self) -> str:
        return self.chain[self.position]

    @property
    def parsed(self) -> Problem:
        """The problem; items that reach a processor always have one."""
        assert self.problem is not None
        return self.problem
