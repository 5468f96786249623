"""The typed Sudoku problem and its verifier."""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import field_validator, model_validator

from ..base import Grid, ParseError, Problem, Verdict, malformed, ok, wrong
from .geometry import BOX_SHAPES, geometry

KIND: Final = "sudoku"


def _unit_name(size: int, unit_index: int) -> str:
    kind, i = divmod(unit_index, size)
    return ("row", "column", "box")[kind] + f" {i + 1}"


def first_duplicate(grid: Grid) -> tuple[str, int, int, int] | None:
    """The first repeated non-zero digit as (unit name, digit, row, col), 1-based; else None."""
    size = len(grid)
    g = geometry(size)
    flat = [v for row in grid for v in row]
    for ui, unit in enumerate(g.units):
        seen: dict[int, int] = {}
        for s in unit:
            v = flat[s]
            if v == 0:
                continue
            if v in seen:
                r, c = divmod(s, size)
                return _unit_name(size, ui), v, r + 1, c + 1
            seen[v] = s
    return None


class SudokuProblem(Problem):
    """An n x n Sudoku (4x4 with 2x2 boxes, 6x6 with 2x3 boxes, 9x9 with 3x3 boxes).

    `grid` holds the clues with 0 for blanks. Construction checks shape, digit range and
    that no two clues clash, so a `SudokuProblem` is always a well-posed puzzle statement
    (whether it has exactly one solution is the solver's business).

    Attributes:
        kind: Always `sudoku`.
        prompt: The text the puzzle came with, if any.
        grid: The clues, row by row, 0 for a blank.
    """

    kind: Literal["sudoku"] = KIND
    grid: Grid

    @field_validator("grid", mode="before")
    @classmethod
    def _coerce(cls, v: Any) -> Any:
        return v.tolist() if hasattr(v, "tolist") else v

    @model_validator(mode="after")
    def _check(self) -> SudokuProblem:
        check_grid(self.grid)
        return self

    @property
    def size(self) -> int:
        return len(self.grid)

    @property
    def box_shape(self) -> tuple[int, int]:
        return BOX_SHAPES[self.size]

    @property
    def clues(self) -> int:
        return sum(1 for row in self.grid for v in row if v)

    def to_string(self, blank: str = ".") -> str:
        """The compact one-line form people paste (`53..7....6..195...`)."""
        return "".join(str(v) if v else blank for row in self.grid for v in row)

    def pretty(self) -> str:
        return render(self.grid)


def check_grid(grid: Grid, *, blanks_allowed: bool = True) -> None:
    """Raise ParseError naming the first thing that makes `grid` no Sudoku."""
    size = len(grid)
    if size not in BOX_SHAPES:
        raise ParseError(f"found {size} rows; a Sudoku has 4, 6 or 9 rows", kind=KIND)
    for r, row in enumerate(grid, start=1):
        if len(row) != size:
            raise ParseError(f"row has {len(row)} cells, expected {size}", kind=KIND, row=r)
        for c, v in enumerate(row, start=1):
            lo = 0 if blanks_allowed else 1
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= size:
                raise ParseError(
                    f"cell value {v!r} is outside {lo}..{size} for a {size}x{size} Sudoku",
                    kind=KIND,
                    row=r,
                    col=c,
                    char=str(v),
                )
    dup = first_duplicate(grid)
    if dup:
        unit, digit, r, c = dup
        raise ParseError(f"digit {digit} appears twice in {unit}", kind=KIND, row=r, col=c)


def render(grid: Grid) -> str:
    """A boxed grid a person can read, with `.` for blanks."""
    size = len(grid)
    br, bc = BOX_SHAPES[size]
    stacks = size // bc
    rule = "+".join(["-" * (2 * bc + 1)] * stacks)
    lines = []
    for r, row in enumerate(grid):
        if r and r % br == 0:
            lines.append(rule)
        cells = [str(v) if v else "." for v in row]
        groups = [" ".join(cells[i : i + bc]) for i in range(0, size, bc)]
        lines.append(" " + " | ".join(groups))
    return "\n".join(lines)


def verify(problem: SudokuProblem, answer: Any) -> Verdict:
    """Check an answer grid: right shape, every unit a permutation, every clue kept.

    `answer` may be a grid (lists or array) or an 81/36/16-character string.
    """
    size = problem.size
    if isinstance(answer, str):
        digits = [ch for ch in answer if not ch.isspace()]
        if len(digits) != size * size or not all(ch.isdigit() for ch in digits):
            return malformed(f"answer string must hold {size * size} digits")
        answer = [[int(ch) for ch in digits[r * size : (r + 1) * size]] for r in range(size)]
    if hasattr(answer, "tolist"):
        answer = answer.tolist()
    if not isinstance(answer, list) or len(answer) != size:
        return malformed(f"answer must be {size} rows")
    for r, row in enumerate(answer, start=1):
        if not isinstance(row, list) or len(row) != size:
            return malformed(f"answer row {r} must hold {size} cells")
        for c, v in enumerate(row, start=1):
            if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= size:
                return malformed(f"answer cell (row {r}, column {c}) is {v!r}, not 1..{size}")
    for r in range(size):
        for c in range(size):
            clue = problem.grid[r][c]
            if clue and answer[r][c] != clue:
                return wrong(
                    f"answer changes the clue at row {r + 1}, column {c + 1} "
                    f"({clue} -> {answer[r][c]})"
                )
    dup = first_duplicate(answer)
    if dup:
        unit, digit, r, c = dup
        return wrong(f"digit {digit} appears twice in {unit} (row {r}, column {c})")
    return ok()
