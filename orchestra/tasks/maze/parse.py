"""Finding a maze in what people paste, optionally after (or before) a sentence or inside a
code fence:

- `#` walls, space or `.` open, one `S` and one `G` (the canonical form);
- any other two symbols (`█` and space, `@` and `.`), with the wall the symbol that
  frames the maze and start and goal two letters that each appear once (S/G, S/E, A/B,
  or else the first in reading order is the start);
- `+--+` / `|` line drawings, every character a cell (`+`, `-`, `|` are walls);
- JSON: `{"grid": rows, "start": [r, c], "goal": [r, c]}` with rows of 0/1 (1 a wall)
  or of strings, as well as the row lists above.
"""

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
            try:
                return _build(rows, text.strip() if prose else None)
            except ParseError:  # `#` walls with other marks (A/B, S/E) read as a drawing
                marked = any("S" in r for r in rows) and any("G" in r for r in rows)
                drawn = drawn_rows(rows) if len(rows) >= 3 and not marked else None
                if drawn is None:
                    raise
                return _build(drawn, text.strip() if prose else None)
    for block in _runs(lines):
        drawn = drawn_rows(block)
        if drawn is not None:
            prose = any(line.strip() for line in lines if line not in block)
            return _build(drawn, text.strip() if prose else None)
        frame = _frame(block)
        if frame is not None:
            raise ParseError(
                f"found a maze drawn with {frame!r} walls, but not its start and goal: mark "
                "them with two letters that appear once each (S and G)",
                kind=KIND,
            )
    if strict:
        raise ParseError("no maze found (rows of # walls with one S and one G)", kind=KIND)
    return None


_LINE_WALLS = frozenset("+-|")
# Letter pairs people use for start and goal, start first.
_PAIRS = [("S", "G"), ("S", "E"), ("S", "F"), ("A", "B"), ("s", "g"), ("s", "e"), ("S", "X")]


def _runs(lines: list[str]) -> list[list[str]]:
    """Runs of at least three consecutive non-blank lines (candidate drawings)."""
    runs: list[list[str]] = []
    run: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            run.append(line)
            continue
        if len(run) >= 3:
            runs.append(run)
        run = []
    return runs


def drawn_rows(block: list[str]) -> list[str] | None:
    """`block` as canonical rows (`#`, `.`, `S`, `G`) when it is a maze drawn with other
    symbols; None when it is not one (prose, a grid of digits, more than two symbols)."""
    width = max(len(line) for line in block)
    if width < 3 or width > 4 * 64:
        return None
    counts: dict[str, int] = {}
    for line in block:
        for ch in line:
            counts[ch] = counts.get(ch, 0) + 1
    marks = [ch for ch, n in counts.items() if n == 1 and ch.isalpha()]
    if len(marks) != 2:
        return None
    symbols = set(counts) - set(marks)
    if any(ch.isalnum() for ch in symbols):
        return None
    if symbols & _LINE_WALLS and symbols <= _LINE_WALLS | {" "}:
        walls, open_ = set(_LINE_WALLS), " "
    elif len(symbols) == 2:
        padded = [line.ljust(width) for line in block]
        border = padded[0] + padded[-1] + "".join(line[0] + line[-1] for line in padded)
        wall = max(symbols, key=border.count)
        walls, open_ = {wall}, (symbols - {wall}).pop()
    else:
        return None
    if any(len(line) != width for line in block) and open_ != " ":
        return None  # ragged lines only where trailing open cells may have been trimmed
    start, goal = _order(marks, block)
    table = {**{w: "#" for w in walls}, open_: ".", start: "S", goal: "G"}
    return ["".join(table[ch] for ch in line.ljust(width, open_)) for line in block]


def _frame(block: list[str]) -> str | None:
    """The wall symbol of a block framed by one symbol (no letter, digit, space or `.`)
    with exactly one other non-letter symbol inside, the open cells: a maze drawing,
    marks or not. A board of dots and letters (N-Queens) is no frame."""
    width = len(block[0])
    if width < 3 or any(len(line) != width for line in block):
        return None
    border = block[0] + block[-1] + "".join(line[0] + line[-1] for line in block)
    symbols = {ch for ch in "".join(block) if not ch.isalpha()}
    if any(ch.isdigit() for ch in symbols):
        return None
    if set(border) <= _LINE_WALLS and symbols - _LINE_WALLS == {" "}:
        return "+-|"
    wall = border[0]
    if set(border) != {wall} or wall in " ." or wall.isalnum() or len(symbols) != 2:
        return None
    return wall


def _order(marks: list[str], block: list[str]) -> tuple[str, str]:
    """Start and goal among the two marks: a known pair, else reading order."""
    for start, goal in _PAIRS:
        if set(marks) == {start, goal}:
            return start, goal
    text = "\n".join(block)
    first, second = sorted(marks, key=text.index)
    return first, second


def _with_ends(obj: dict) -> list[str]:
    """`{"grid": rows, "start": [r, c], "goal": [r, c]}` as canonical rows."""
    grid = obj.get("grid", obj.get("maze"))
    if isinstance(grid, str):
        grid = grid.split("\n")
    if not isinstance(grid, list) or not grid:
        raise ParseError('"grid" must be a list of rows', kind=KIND)
    rows: list[list[str]] = []
    for r, row in enumerate(grid, start=1):
        if isinstance(row, str):
            cells = ["#" if ch in "#1" else "." if ch in ". 0" else ch for ch in row]
        elif isinstance(row, list) and all(v in (0, 1, True, False) for v in row):
            cells = ["#" if v else "." for v in row]
        else:
            raise ParseError(
                "a row is a string or a list of 0 (open) and 1 (wall)", kind=KIND, row=r
            )
        rows.append(cells)
    for name, mark in (("start", "S"), ("goal", "G")):
        at = obj[name]
        ok = isinstance(at, list | tuple) and len(at) == 2 and all(isinstance(v, int) for v in at)
        if not ok:
            raise ParseError(f'"{name}" must be [row, column] (0-based)', kind=KIND)
        r, c = at
        if not (0 <= r < len(rows) and 0 <= c < len(rows[r])):
            raise ParseError(f'"{name}" {[r, c]} is outside the grid', kind=KIND)
        if rows[r][c] == "#":
            raise ParseError(f'"{name}" {[r, c]} is a wall', kind=KIND)
        rows[r][c] = mark
    return ["".join(row) for row in rows]


def from_json(obj: Any, *, prompt: str | None = None) -> MazeProblem:
    """`{"maze": [rows]}`, `{"grid": [rows]}`, `{"grid", "start", "goal"}`, a list of row
    strings, or one string."""
    if isinstance(obj, dict) and "start" in obj and "goal" in obj:
        return _build(_with_ends(obj), prompt)
    if isinstance(obj, dict):
        obj = obj.get("maze", obj.get("grid"))
    if isinstance(obj, str):
        obj = obj.split("\n")
    if not isinstance(obj, list) or not obj or not all(isinstance(r, str) for r in obj):
        raise ParseError("a maze in JSON is a list of row strings", kind=KIND)
    return _build(obj, prompt)
