"""The typed N-Queens completion problem and its verifier.

An answer is the queen's column in each row (`[c0, c1, ...]`), a list of (row, column)
cells, or the board drawn with `Q` and `.`; the verifier reads all three.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import model_validator

from orchestra import ParseError, Problem, Verdict
from orchestra.tasks.base import malformed, ok, wrong

KIND = "nqueens"
MIN_N, MAX_N = 4, 12
Cell = tuple[int, int]


def attacks(a: Cell, b: Cell) -> bool:
    return a[0] == b[0] or a[1] == b[1] or abs(a[0] - b[0]) == abs(a[1] - b[1])


class NQueensProblem(Problem):
    """`queens`: the given queens as (row, column), 0-based."""

    kind: Literal["nqueens"] = KIND
    n: int
    queens: list[Cell] = []

    @model_validator(mode="after")
    def _check(self) -> NQueensProblem:
        check(self.n, self.queens)
        return self

    def board(self) -> list[str]:
        rows = [["."] * self.n for _ in range(self.n)]
        for r, c in self.queens:
            rows[r][c] = "Q"
        return ["".join(r) for r in rows]


def check(n: int, queens: list[Cell]) -> None:
    """Raise ParseError naming the first thing that makes this no N-Queens puzzle."""
    if not MIN_N <= n <= MAX_N:
        raise ParseError(f"a board of side {n}; N-Queens here takes {MIN_N}..{MAX_N}", kind=KIND)
    for i, (r, c) in enumerate(queens):
        if not (0 <= r < n and 0 <= c < n):
            raise ParseError(f"queen {(r, c)} is off the {n}x{n} board", kind=KIND)
        for other in queens[:i]:
            if attacks((r, c), other):
                raise ParseError(
                    f"the given queens at row {other[0] + 1}, column {other[1] + 1} and row "
                    f"{r + 1}, column {c + 1} attack each other",
                    kind=KIND,
                    row=r + 1,
                    col=c + 1,
                )


def columns(problem: NQueensProblem, answer: Any) -> list[int] | str:
    """The answer as one column per row, or why it cannot be read as a placement."""
    n = problem.n
    if hasattr(answer, "tolist"):
        answer = answer.tolist()
    if isinstance(answer, str):
        answer = [line.replace(" ", "") for line in answer.strip().split("\n")]
    if not isinstance(answer, list) or not answer:
        return "answer must be a list of columns, of (row, column) cells, or the board"
    if all(isinstance(row, str) for row in answer):
        if len(answer) != n or any(len(row) != n for row in answer):
            return f"the board must be {n} rows of {n} squares"
        cols = []
        for r, row in enumerate(answer):
            if row.upper().count("Q") != 1:
                return f"row {r + 1} holds {row.upper().count('Q')} queens, not 1"
            cols.append(row.upper().index("Q"))
        return cols
    if all(isinstance(v, int) and not isinstance(v, bool) for v in answer):
        return list(answer) if len(answer) == n else f"answer must hold {n} columns"
    try:
        cells = [(int(r), int(c)) for r, c in answer]
    except (TypeError, ValueError):
        return "answer must be a list of columns, of (row, column) cells, or the board"
    if len(cells) != n or sorted(r for r, _ in cells) != list(range(n)):
        return f"answer must place one queen in each of the {n} rows"
    return [c for _, c in sorted(cells)]


def verify(problem: NQueensProblem, answer: Any) -> Verdict:
    """n queens, one per row and column, none on a shared diagonal, every given one kept."""
    cols = columns(problem, answer)
    if isinstance(cols, str):
        return malformed(cols)
    n = problem.n
    for r, c in enumerate(cols):
        if not 0 <= c < n:
            return malformed(f"row {r + 1}: column {c + 1} is off the board")
    for r, c in problem.queens:
        if cols[r] != c:
            return wrong(f"the given queen at row {r + 1}, column {c + 1} was moved")
    for r in range(n):
        for q in range(r):
            if attacks((r, cols[r]), (q, cols[q])):
                return wrong(
                    f"queens at row {q + 1}, column {cols[q] + 1} and row {r + 1}, "
                    f"column {cols[r] + 1} attack each other"
                )
    return ok(f"{n} queens, none attacking another")
