"""The public result types: what a router decided, what each processor attempted, what the
user gets back, and the per-processor workload split."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny

from .llm.messages import ToolRound
from .schedulers import ScheduleDecision
from .tasks.base import Evidence, Problem

LLM_TARGET = "llm"


class RouteDecision(BaseModel):
    """Where a router sends a problem and why. `abstained` means "not sure": the engine then
    sends the problem to its default processor (the LLM)."""

    kind: str
    target: str
    scores: dict[str, float] = Field(default_factory=dict)
    reason: str = ""
    abstained: bool = False
    router: str = ""


class SpecialistAnswer(BaseModel):
    """One answer of a specialist's batch; a specialist may also return bare answers."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    answer: Any
    confidence: float | None = None
    steps: int | None = None  # TRM supervision steps used
    alternatives: list[Any] = []  # further attempts, best first (ARC is scored pass@2)
    evidence: Evidence | None = None  # why the answer follows from the task (ARC)
    reason: str | None = None  # why there is no answer, when there is none
    busy_s: float | None = None  # its own time on this problem, where it knows (a pool)


class Attempt(BaseModel):
    """One processor's try at one problem, kept in the trace whether it helped or not."""

    processor: str
    device: str
    answer: Any = None
    alternatives: list[Any] = Field(default_factory=list)
    verified: bool | None = None
    consistent: bool | None = None  # reproduces every demonstration (ARC), as checked
    evidence: Evidence | None = None  # the program (or model check) behind the answer
    formalization: dict[str, Any] | None = None  # a word puzzle as the LLM's tool call put it
    solved: Any = None  # the verified solver's answer to that formalization
    tool_rounds: list[ToolRound] = Field(default_factory=list)  # the LLM's tool calls
    reason: str = ""  # the verifier's verdict, or why the attempt was skipped
    error: str | None = None
    latency_s: float = 0.0
    confidence: float | None = None
    steps: int | None = None
    tokens: int | None = None
    cost_usd: float = 0.0
    energy_j: float = 0.0

    @property
    def accepted(self) -> bool:
        """Good enough to stop the fallback chain: an answer the verifier did not reject,
        and where no verifier could decide, one shown consistent with the task."""
        if self.error is not None or self.answer is None or self.verified is False:
            return False
        return not (self.verified is None and self.consistent is False)


class Trace(BaseModel):
    decision: RouteDecision | None = None
    schedule: ScheduleDecision | None = None  # the scheduler's estimates and its order
    attempts: list[Attempt] = Field(default_factory=list)


class Solution(BaseModel):
    """What `orchestra.solve` returns: the answer and everything about how it was reached.

    `verified` is True or False where the family has a verifier that could decide, None
    where none could (prose, ARC without the expected output). `energy_j` is an estimate:
    busy time times an assumed power figure (see `WorkloadSplit.power_note`).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    answer: Any = None
    alternatives: list[Any] = Field(default_factory=list)  # further attempts (ARC's second)
    kind: str
    problem: SerializeAsAny[Problem] | None = None  # what the input was parsed into
    route: str | None = None  # the processor whose answer this is
    verified: bool | None = None
    consistent: bool | None = None  # ARC: the answer reproduces every demonstration
    confidence: float | None = None
    fallback_from: list[str] = Field(default_factory=list)  # processors tried before `route`
    latency_s: float = 0.0
    device: str | None = None
    cost_usd: float = 0.0
    energy_j: float = 0.0
    tokens: int | None = None
    steps: int | None = None
    error: str | None = None
    text: str | None = None  # the LLM's reply to the prose around a puzzle (hybrid answers)
    trace: Trace = Field(default_factory=Trace)

    @property
    def notes(self) -> list[str]:
        """What declining processors said about the problem: why they passed, and what
        would make them take it (an ARC task a checkpoint was not trained on)."""
        plain = ("skipped: not supported", "skipped: supports() failed")
        return [
            f"{a.processor}: {a.reason.removeprefix('skipped: ')}"
            for a in self.trace.attempts
            if a.reason.startswith("skipped: ") and not a.reason.startswith(plain)
        ]

    @property
    def ok(self) -> bool:
        return self.error is None and self.answer is not None

    @property
    def evidence(self) -> Evidence | None:
        """What the answering processor showed for its answer (ARC: the program)."""
        for a in reversed(self.trace.attempts):
            if a.processor == self.route and a.answer is not None:
                return a.evidence
        return None


class ProcessorStats(BaseModel):
    """One row of the workload split: a processor (name on a device) and its work."""

    name: str
    device: str
    items: int
    batches: int
    busy_s: float
    items_per_s: float
    p50_latency_s: float
    p95_latency_s: float
    verified: int  # answers the verifier accepted
    rejected: int  # answers the verifier rejected
    errors: int
    verified_rate: float | None  # verified / items where a verifier could decide
    cost_usd: float
    energy_j: float  # estimate
    power_w: float  # the power figure the estimate assumed


class WorkloadSplit(BaseModel):
    processors: list[ProcessorStats]
    power_note: str

    def by_name(self, name: str) -> ProcessorStats:
        for p in self.processors:
            if p.name == name:
                return p
        raise KeyError(name)
