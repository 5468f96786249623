"""Finding an answer in what an LLM wrote: runs of digit rows among prose, code fences and
separators. Shared by the families' reply parsers; nothing here raises on odd text."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

SEPARATORS = re.compile(r"[\s|,;+\-\[\]()`]+")
COORD = re.compile(r"\(\s*(\d+)\s*,\s*(\d+)\s*\)")


def _runs(text: str, row: Callable[[str], list[int] | None]) -> list[list[list[int]]]:
    """Runs of consecutive lines that `row` reads as a row of numbers."""
    runs: list[list[list[int]]] = []
    run: list[list[int]] = []
    for line in text.split("\n"):
        values = row(line)
        if values:
            run.append(values)
        else:
            if run:
                runs.append(run)
            run = []
    if run:
        runs.append(run)
    return runs


def _digits(line: str) -> list[int] | None:
    kept = SEPARATORS.sub("", line)
    return [int(ch) for ch in kept] if kept.isdigit() else None


def _numbers(line: str) -> list[int] | None:
    tokens = [t for t in re.split(r"[\s,;|\[\]()`]+", line) if t]
    return [int(t) for t in tokens] if tokens and all(t.isdigit() for t in tokens) else None


def digit_rows(text: str) -> list[list[list[int]]]:
    """Runs of consecutive lines that hold only digits (after separators are dropped)."""
    return _runs(text, _digits)


def number_rows(text: str) -> list[list[list[int]]]:
    """Like `digit_rows`, for values of any width: runs of lines of whitespace- or
    comma-separated integers (a 12-colour answer writes 10 and 11)."""
    return _runs(text, _numbers)


def without_word_lines(text: str) -> str:
    """Blank out lines with letters ("Test 1 output:" holds a digit that would glue onto a
    grid)."""
    return "\n".join("" if re.search(r"[A-Za-z]", line) else line for line in text.split("\n"))


def json_in(text: str) -> tuple[Any, bool] | None:
    """(object, whole input?) for JSON that is the input, or an object or nested array that
    starts somewhere in it (prose before or after); None when there is none."""
    stripped = text.strip()
    # ValueError: bad JSON, or an integer too long to convert; RecursionError: nesting
    # deeper than the decoder goes. Either way, not JSON a family could read.
    if stripped[:1] in "{[":
        try:
            return json.loads(stripped), True
        except (ValueError, RecursionError):
            pass
    decoder = json.JSONDecoder()
    for start in sorted(i for i in (text.find("{"), text.find("[[")) if i >= 0):
        try:
            obj, _ = decoder.raw_decode(text, start)
        except (ValueError, RecursionError):
            continue
        return obj, False
    return None
