"""Shared vocabulary of the problem families: the problem base model, parse errors, verdicts.

Everything in `orchestra.tasks` depends only on this module (and third-party libraries), so
that specialists, routers and LLM backends can import the families without pulling in the
engine.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

# A pasted puzzle is at most a few kB; the largest ARC task, indented, is about 130 kB.
# Anything far beyond that is rejected before any parsing work is done.
MAX_INPUT_CHARS = 512 * 1024

Grid = list[list[int]]


class ParseError(ValueError):
    """Input that looks like a puzzle but cannot be one; the message says what and where.

    Args:
        message: What is wrong.
        kind: The family that read it, if one did.
        row: 1-based, as a person counts rows in the pasted text.
        col: 1-based column.
        char: The offending character.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str | None = None,
        row: int | None = None,
        col: int | None = None,
        char: str | None = None,
    ) -> None:
        self.reason = message
        self.kind = kind
        self.row = row
        self.col = col
        self.char = char
        where = []
        if row is not None:
            where.append(f"row {row}")
        if col is not None:
            where.append(f"column {col}")
        prefix = f"{kind}: " if kind else ""
        suffix = f" (at {', '.join(where)})" if where else ""
        super().__init__(f"{prefix}{message}{suffix}")


class NoSolution(Exception):
    """Raised by a complete exact solver (`Family.solve`) that has proved the problem has no
    solution: the message says why, in the user's terms ("S and G are not connected").

    The engine ends the problem's chain there: no other processor is tried, and the
    `Solution` says "no solution exists" with this reason (`Solution.unsolvable`).

    Args:
        reason: Why, in the user's terms.
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class ReplyCheck(BaseModel):
    """An LLM's sentence about a puzzle, checked against the puzzle's verified answer.

    `agrees` is True when the sentence states what the verified answer says, False when it
    states something else, None when the family cannot tell what the sentence claims.

    Attributes:
        agrees: True: the sentence states what the verified answer says; False:
            something else; None: cannot tell.
        expected: What the verified answer says about the question ("2", "58 steps").
        note: One line for the user.
    """

    model_config = ConfigDict(frozen=True)

    agrees: bool | None
    expected: str  # what the verified answer says about the question ("2", "58 steps")
    note: str  # one line for the user


class Problem(BaseModel):
    """A typed problem. `kind` names the family; plug-ins subclass this with their own kind.

    `prompt` keeps the prose a puzzle was embedded in, so an answer can address the whole
    request, not only the grid.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    prompt: str | None = None


class Verdict(BaseModel):
    """What a verifier concluded about an answer.

    `correct` is None when the family cannot know (an ARC answer without the expected
    output): the answer may still be well-formed (`valid`).

    Attributes:
        valid: The answer is well-formed for the problem.
        correct: Right; None when the family cannot know.
        reason: One line on why.
        consistent: Reproduces every demonstration (ARC); None where not judged.
    """

    model_config = ConfigDict(frozen=True)

    valid: bool
    correct: bool | None
    reason: str
    # Reproduces every demonstration (ARC): distinct from `correct`, which needs the
    # expected output; None where the family does not judge it.
    consistent: bool | None = None

    def __bool__(self) -> bool:
        return self.correct is True


class Evidence(BaseModel):
    """What a processor offers, besides its answer, to show that the answer follows from
    the task where no expected output exists to compare with (ARC). The family checks it:
    a `program` is re-run by the family's own interpreter; a learned processor's claim
    (`demonstrations`: the model reproduces every demonstration, `leave-one-out`: each
    demonstration predicted from the others) is taken as the processor states it."""

    model_config = ConfigDict(frozen=True)

    method: str  # "program", "demonstrations" or "leave-one-out"
    program: str | None = None  # the DSL program whose output the answer is
    alternatives: list[str] = []  # the programs of the further attempts, in order
    consistent: bool | None = None  # the processor's own claim (learned processors)
    detail: str = ""


def ok(reason: str = "all constraints satisfied") -> Verdict:
    return Verdict(valid=True, correct=True, reason=reason)


def wrong(reason: str, *, valid: bool = True) -> Verdict:
    return Verdict(valid=valid, correct=False, reason=reason)


def malformed(reason: str) -> Verdict:
    return Verdict(valid=False, correct=False, reason=reason)


def as_int_grid(value: Any, *, kind: str, what: str) -> Grid:
    """Coerce JSON-ish nested sequences (lists, tuples, numpy arrays) to a list of int rows."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if not isinstance(value, list | tuple) or not value:
        raise ParseError(f"{what} must be a non-empty list of rows", kind=kind)
    rows: Grid = []
    for r, row in enumerate(value, start=1):
        if hasattr(row, "tolist"):
            row = row.tolist()
        if not isinstance(row, list | tuple):
            raise ParseError(f"{what}: row is {type(row).__name__}, not a list", kind=kind, row=r)
        out = []
        for c, v in enumerate(row, start=1):
            if isinstance(v, bool) or not isinstance(v, int):
                raise ParseError(
                    f"{what}: cell {v!r} is not an integer", kind=kind, row=r, col=c, char=str(v)
                )
            out.append(v)
        rows.append(out)
    return rows
