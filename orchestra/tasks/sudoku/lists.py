"""The published puzzle lists shipped in `data/` (Norvig's top95, and the training and test
parts of Sudoku-Extreme's sources, each with its provenance in its header), read where
needed and solved once per process."""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

from .parse import from_string
from .problem import SudokuProblem
from .solver import solve

DATA = Path(__file__).parent / "data"


def names() -> list[str]:
    return sorted(p.name for p in DATA.glob("*.txt"))


@lru_cache(maxsize=8)
def puzzles(name: str) -> tuple[SudokuProblem, ...]:
    """A list of puzzles shipped in `data/` (one per line, `#` comments)."""
    path = DATA / name
    if not path.is_file():
        raise ValueError(f"no published Sudoku list {name!r}; shipped: {', '.join(names())}")
    lines = path.read_text().splitlines()
    return tuple(from_string(s) for s in lines if s.strip() and not s.startswith("#"))


@cache
def solution(name: str, index: int) -> list[list[int]]:
    """The solution of one puzzle of a list, solved when first asked for: a hard list
    takes minutes to solve whole, and training draws from it a batch at a time."""
    p = puzzles(name)[index]
    out = solve(p)
    if out is None:
        raise ValueError(f"puzzle {index + 1} of {name} has no solution")
    return out
