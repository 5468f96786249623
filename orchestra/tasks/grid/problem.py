"""A grid task's problem: an input grid of small non-negative integers, and its expected
output when it is known (held-out examples), under the kind its task was trained as."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from ..base import Grid, ParseError, Problem, as_int_grid

FAMILY = "grid"
MAX_SIDE = 64


def check_grid(value: Any, *, kind: str, what: str = "grid") -> Grid:
    """A rectangular grid of non-negative integers, up to 64x64, or ParseError."""
    grid = as_int_grid(value, kind=kind, what=what)
    width = len(grid[0])
    if not 1 <= len(grid) <= MAX_SIDE or not 1 <= width <= MAX_SIDE:
        raise ParseError(f"{what} is {len(grid)}x{width}; at most {MAX_SIDE}x{MAX_SIDE}", kind=kind)
    for r, row in enumerate(grid, start=1):
        if len(row) != width:
            raise ParseError(
                f"{what}: row has {len(row)} cells but row 1 has {width}", kind=kind, row=r
            )
        for c, v in enumerate(row, start=1):
            if v < 0:
                raise ParseError(f"{what}: cell {v} is negative", kind=kind, row=r, col=c)
    return grid


class GridProblem(Problem):
    """`kind` is the task's name (`orchestra train grid --name NAME`)."""

    kind: str
    grid: Grid
    output: Grid | None = None

    @field_validator("grid", "output", mode="before")
    @classmethod
    def _coerce(cls, v: Any, info: Any) -> Any:
        if v is None:
            return None
        kind = str(info.data.get("kind", FAMILY))
        return check_grid(v, kind=kind, what=info.field_name)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.grid), len(self.grid[0])
