"""The public result types: what a router decided, what each processor attempted, what the
user gets back, and the per-processor workload split."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny, computed_field

from .llm.messages import ToolRound
from .schedulers import ScheduleDecision
from .tasks.base import Evidence, Problem, ReplyCheck

LLM_TARGET = "llm"


class RouteDecision(BaseModel):
    """Where a router sends a problem and why. `abstained` means "not sure": the engine then
    sends the problem to its default processor (the LLM).

    Attributes:
        kind: The kind the router read (`text` for prose).
        target: The processor it chose.
        scores: Its scores per kind, where it has some.
        reason: One line on why.
        abstained: Not sure: the problem goes to the default processor (the LLM).
        router: The router's name.
    """

    kind: str
    target: str
    scores: dict[str, float] = Field(default_factory=dict)
    reason: str = ""
    abstained: bool = False
    router: str = ""


class SpecialistAnswer(BaseModel):
    """One answer of a specialist's batch; a specialist may also return bare answers.

    Attributes:
        answer: The answer, shaped per kind (None: no answer).
        confidence: The specialist's own confidence.
        steps: TRM supervision steps used.
        alternatives: Further attempts, best first (ARC is scored pass@2).
        evidence: Why the answer follows from the task (ARC: the program).
        reason: Why there is no answer, when there is none.
        unsolvable: A complete solver proved no answer exists (`reason` says why): the
            chain ends.
        busy_s: Its own time on this problem, where it knows (a pool).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    answer: Any
    confidence: float | None = None
    steps: int | None = None  # TRM supervision steps used
    alternatives: list[Any] = []  # further attempts, best first (ARC is scored pass@2)
    evidence: Evidence | None = None  # why the answer follows from the task (ARC)
    reason: str | None = None  # why there is no answer, when there is none
    # a complete solver proved that no answer exists (`reason` says why): the chain ends
    unsolvable: bool = False
    busy_s: float | None = None  # its own time on this problem, where it knows (a pool)


class Attempt(BaseModel):
    """One processor's try at one problem, kept in the trace whether it helped or not.

    Attributes:
        processor: The processor's name.
        device: Where it ran.
        answer: Its answer (shaped per kind, as `Solution.answer`), or None.
        alternatives: Further answers, best first (ARC is scored pass@2).
        verified: The verifier's verdict; None: it could not decide.
        consistent: Reproduces every demonstration (ARC), as checked.
        evidence: The program or check behind the answer.
        formalization: A word puzzle as the LLM's tool call put it.
        solved: The verified solver's answer to that formalization.
        tool_rounds: The LLM's tool calls.
        reason: The verifier's verdict, or why the attempt was skipped.
        error: What went wrong, if anything.
        unsolvable: A complete solver proved there is no solution (`reason` says why).
        reply_check: A hybrid reply checked against the verified answer.
        latency_s: Seconds of this attempt.
        confidence: The processor's own confidence, where it has one.
        steps: TRM supervision steps used.
        tokens: LLM tokens used.
        cost_usd: Dollars spent.
        energy_j: Estimated joules.
    """

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
    unsolvable: bool = False  # a complete solver proved there is no solution (`reason`)
    reply_check: ReplyCheck | None = None  # a hybrid reply checked against the answer
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
    """What happened to one problem: the route, the schedule, every attempt.

    Attributes:
        decision: The router's decision.
        schedule: The scheduler's estimates and its order.
        attempts: Every processor's try, in order.
    """

    decision: RouteDecision | None = None
    schedule: ScheduleDecision | None = None  # the scheduler's estimates and its order
    attempts: list[Attempt] = Field(default_factory=list)


class SolutionError(RuntimeError):
    """Raised by `Solution.raise_for_error()` (and `solve(..., raise_on_error=True)`) when a
    problem got no accepted answer.

    Args:
        solution: The whole Solution, trace included (kept as `.solution`).
    """

    def __init__(self, solution: Solution) -> None:
        self.solution = solution
        super().__init__(solution.error or "no answer")


Status = Literal["verified", "consistent", "unverified", "no_solution", "failed"]


class Solution(BaseModel):
    """What `orchestra.solve` returns: the answer and everything about how it was reached.

    `solve()` never raises for a problem's sake: a problem that could not be read or
    answered comes back with `error` set and `ok` False (call `raise_for_error()`, or pass
    `raise_on_error=True`, to get an exception instead). `status` sums up how far to trust
    the answer.

    The shape of `answer` per kind: sudoku, the solved grid (a list of rows of ints); maze,
    the path, as a list of `[row, col]` cells from S to G (the exact solver) or as the
    maze's rows with the path drawn in `*` (the TRM); arc, a list of output grids, one
    per test input (each grid a list of rows of ints; `alternatives` holds the second
    attempt); a user's grid task, the output grid; text, the LLM's reply as a string;
    plug-in families, whatever their verifier accepts (N-Queens: the columns per row;
    colouring: a colour per vertex).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    answer: Any = Field(
        default=None,
        description="The answer, shaped per kind (see the class); None when there is none.",
    )
    alternatives: list[Any] = Field(
        default_factory=list, description="Further attempts, best first (ARC's second)."
    )
    kind: str = Field(description='The problem\'s kind ("sudoku", "maze", "arc", "text", ...).')
    problem: SerializeAsAny[Problem] | None = Field(
        default=None,
        description="What the input was parsed into; None when it could not be read.",
    )
    route: str | None = Field(default=None, description="The processor whose answer this is.")
    verified: bool | None = Field(
        default=None,
        description="True: the family's verifier checked `answer` and it is right; False: "
        "it is wrong; None: nothing could check it (prose, ARC without expected outputs). "
        "It speaks of `answer` only, never of `text`.",
    )
    consistent: bool | None = Field(
        default=None,
        description="ARC: the answer's program reproduces every demonstration.",
    )
    unsolvable: bool = Field(
        default=False,
        description="A complete exact solver proved that the problem has no solution; "
        "`error` says why and nothing else was tried.",
    )
    confidence: float | None = Field(default=None, description="The processor's own confidence.")
    fallback_from: list[str] = Field(
        default_factory=list, description="Processors tried before `route`."
    )
    latency_s: float = Field(
        default=0.0, description="Seconds, parsing and every attempt included."
    )
    device: str | None = Field(default=None, description="Where the answer was computed.")
    cost_usd: float = Field(default=0.0, description="Summed LLM cost of every attempt.")
    energy_j: float = Field(
        default=0.0,
        description="An estimate: busy time times an assumed power figure "
        "(see `WorkloadSplit.power_note`).",
    )
    tokens: int | None = Field(default=None, description="LLM tokens, where an LLM answered.")
    steps: int | None = Field(default=None, description="TRM supervision steps used.")
    error: str | None = Field(
        default=None,
        description="Why there is no accepted answer (every processor's reason), or "
        '"no solution exists: ..." for a proved-unsolvable puzzle; None on success.',
    )
    text: str | None = Field(
        default=None,
        description="The LLM's reply to the prose around a puzzle (a question beyond "
        '"solve this"). Not verified: `text_check` says whether it agrees with `answer`.',
    )
    text_check: ReplyCheck | None = Field(
        default=None,
        description="`text` checked against the verified answer, where the family can "
        "read what the question asks (a digit at a cell, a path's length).",
    )
    trace: Trace = Field(default_factory=Trace, description="Routing, schedule, attempts.")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def status(self) -> Status:
        """How far to trust `answer`: "verified" (checked right), "consistent" (ARC: its
        program reproduces every demonstration), "unverified" (an answer nothing could
        check), "no_solution" (proved unsolvable) or "failed" (no accepted answer)."""
        if self.unsolvable:
            return "no_solution"
        if not self.ok:
            return "failed"
        if self.verified:
            return "verified"
        if self.verified is None and self.consistent:
            return "consistent"
        return "unverified"

    def raise_for_error(self) -> Solution:
        """This Solution, for chaining; raises where it has no accepted answer.

        Returns:
            The same Solution.

        Raises:
            SolutionError: `ok` is False (its message is `error`).
        """
        if not self.ok:
            raise SolutionError(self)
        return self

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
        """True when there is an accepted answer and no error (not the same as verified:
        see `status`)."""
        return self.error is None and self.answer is not None

    @property
    def evidence(self) -> Evidence | None:
        """What the answering processor showed for its answer (ARC: the program)."""
        for a in reversed(self.trace.attempts):
            if a.processor == self.route and a.answer is not None:
                return a.evidence
        return None


class ProcessorStats(BaseModel):
    """One row of the workload split: a processor (name on a device) and its work.

    Attributes:
        name: The processor.
        device: Where it runs.
        items: Problems it took.
        batches: Batches it ran.
        busy_s: Seconds it was busy.
        items_per_s: Items per busy second.
        p50_latency_s: Median latency per item.
        p95_latency_s: 95th percentile latency per item.
        verified: Answers the verifier accepted.
        rejected: Answers the verifier rejected.
        errors: Attempts that failed.
        verified_rate: verified / items where a verifier could decide; None: none could.
        cost_usd: Dollars spent.
        energy_j: Estimated joules.
        power_w: The power figure the estimate assumed.
    """

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
    """The workload split: per processor, what it took and what it cost (`orchestra.stats()`).

    Attributes:
        processors: One row per processor.
        power_note: The power figures the energy estimates assumed.
    """

    processors: list[ProcessorStats]
    power_note: str

    def by_name(self, name: str) -> ProcessorStats:
        for p in self.processors:
            if p.name == name:
                return p
        raise KeyError(name)
