"""Finding an ASCII maze in what people paste: `#` walls, space or `.` open, one `S` and one
`G`, optionally after (or before) a sentence or inside a code fence."""

from __future__ import annotations

import re
from typing import Any

from ..base import ParseError
from .problem import KIND, MazeProblem, check_rows

MAZE_CHARS = frozenset("# .SG")
_MENTION = re.compile(r"\bmazes?\b", re.IGNORECASE)


def _is_maze_line(line: str) -> bool:
    """Walls, open cells and marks; a stray character or two (a typo the validator will
    name) does not end the maze, a word does."""
    if len(line) < 2 or "#" not in line:
        return False
    foreign = sum(ch not in MAZE_CHARS for ch in line)
    return foreign <= 2 and foreign * 3 <= len(line)


def _blocks(lines: list[str]) -> list[list[str]]:
    """Runs of consecutive maze-looking lines that hold at least one row with walls. Rows
    without walls (`S..`, or all open) belong to the run they touch; an all-space line at
    either end of a run is a row only if it is as wide as the row next to it (else it is a
    blank line around the maze)."""
    blocks: list[list[str]] = []
    run: list[str] = []
    walled = False
    for line in [*lines, "\x00"]:  # a sentinel ends the last run
        if _is_maze_line(line) or (line and set(line) <= MAZE_CHARS):
            run.append(line)
            walled = walled or _is_maze_line(line)
            continue
        while len(run) > 1 and not run[0].strip() and len(run[0]) != len(run[1]):
            run.pop(0)
        while len(run) > 1 and not run[-1].strip() and len(run[-1]) != len(run[-2]):
            run.pop()
        if run and walled:
            blocks.append(run)
        run, walled = [], False
    return blocks


def _build(rows: list[str], prompt: str | None) -> MazeProblem:
    normalised = [row.replace(" ", ".") for row in rows]
    check_rows(normalised)  # raises ParseError itself, before pydantic could wrap it
    return MazeProblem(rows=normalised, prompt=prompt)


def parse_text(text: str, *, strict: bool = False) -> MazeProblem | None:
    """The maze in `text`, None if there is none; ParseError if it is broken."""
    lines = [line.rstrip("\r") for line in text.split("\n")]
    lines = [line for line in lines if not line.lstrip().startswith("```")]
    mentioned = bool(_MENTION.search(text))
    for rows in _blocks(lines):
        has_marks = any("S" in row or "G" in row for row in rows)
        if has_marks or strict or (mentioned and len(rows) >= 2):
            kept = {i for i, line in enumerate(lines) if line in rows}
            prose = any(line.strip() for i, line in enumerate(lines) if i not in kept)
            return _build(rows, text.strip() if prose else None)
    if strict:
        raise ParseError("no maze found (rows of # walls with one S and one G)", kind=KIND)
    return None


def from_json(obj: Any, *, prompt: str | None = None) -> MazeProblem:
    """`{"maze": [rows]}`, `{"grid": [rows]}`, a list of row strings, or one string."""
    if isinstance(obj, dict):
        obj = obj.get("maze", obj.get("grid"))
    if isinstance(obj, str):
        obj = obj.split("\n")
    if not isinstance(obj, list) or not obj or not all(isinstance(r, str) for r in obj):
        raise ParseError("a maze in JSON is a list of row strings", kind=KIND)
    return _build(obj, prompt)
