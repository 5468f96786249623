"""Finding a Sudoku in what people paste.

Accepted: a compact 16/36/81-cell string, alone or inside a sentence; n lines of n cells
with or without separators (`|`, `+---+`, Unicode box drawing such as `╔═══╦` and `║`,
commas, spaces, brackets); CSV or TSV rows whose empty fields are blanks; a JSON grid
(handled in `from_json`). A blank is any of `.`, `0`, `_`, `x`, `*`, `·`, `•`, `?`, or a
space in a grid of n lines of n characters.

Errors are raised only when the text clearly tries to be a Sudoku (it says "sudoku", uses
blank markers or box rules, or is nothing but a grid); otherwise the text is not ours and
`None` comes back, so that "call me at 0123456789012345" stays prose.
"""

from __future__ import annotations

import re
from typing import Any

from ..base import ParseError, as_int_grid
from .geometry import BOX_SHAPES
from .problem import KIND, SudokuProblem, check_grid

BLANKS = "._xX*·•?"
CELL_CHARS = frozenset("0123456789" + BLANKS)
SEPARATORS = frozenset(" \t|+-=,;:[](){}'\"")
_CELL = r"[0-9" + re.escape(BLANKS) + "]"
_COMPACT = re.compile(rf"(?<!{_CELL}){_CELL}{{16,}}(?!{_CELL})")
_FIELDS = re.compile(r"[,;\t]")


def _separator(ch: str) -> bool:
    """Row and box rules: ASCII punctuation and Unicode box drawing (U+2500-U+257F)."""
    return ch in SEPARATORS or "\u2500" <= ch <= "\u257f"


def _fields(line: str) -> list[str] | None:
    """A CSV/TSV row's cells, an empty field a blank ("5,3,,,7,,,,"); None when the line
    is not one."""
    fields = [f.strip().strip("'\"") for f in _FIELDS.split(line.strip("\r\n "))]
    if len(fields) < 4 or not all(len(f) <= 1 and (not f or f in CELL_CHARS) for f in fields):
        return None
    if all(fields):
        return None  # no empty field: the separator reading gives the same cells
    return [f or "." for f in fields]
_MENTION = re.compile(r"sudoku", re.IGNORECASE)
_SIZES = tuple(sorted(BOX_SHAPES))
_CELL_COUNTS = {n * n: n for n in _SIZES}


def _cells(line: str) -> list[str] | None:
    """The cells of a grid row, [] for a rule or blank line, None for a prose line."""
    if line.lstrip().startswith("```"):
        return []
    fields = _fields(line)
    if fields is not None:
        return fields
    kept = [ch for ch in line if not _separator(ch)]
    if all(ch in CELL_CHARS for ch in kept):
        return kept
    return None


def _tail_cells(line: str) -> list[str]:
    """The cells a prose line ends with, after its last word."""
    i = len(line)
    while i > 0 and (line[i - 1] in CELL_CHARS or _separator(line[i - 1])):
        i -= 1
    return [ch for ch in line[i:] if ch in CELL_CHARS]


def _to_grid(cells: list[list[str]]) -> list[list[int]]:
    return [[int(ch) if ch.isdigit() else 0 for ch in row] for row in cells]


def _build(grid: list[list[int]], prompt: str | None) -> SudokuProblem:
    check_grid(grid)  # raises ParseError itself, before pydantic could wrap it
    return SudokuProblem(grid=grid, prompt=prompt)


def _blocks(lines: list[str]) -> list[tuple[list[list[str]], bool]]:
    """Runs of grid rows (rules and blank lines inside a run are skipped) + whether a run
    contained box rules or `|` separators."""
    blocks: list[tuple[list[list[str]], bool]] = []
    rows: list[list[str]] = []
    ruled = False
    lead: list[str] = []  # grid cells at the end of a prose line ("puzzle: 53..7....")
    for line in lines:
        cells = _cells(line)
        if cells is None:  # prose ends a run
            if rows:
                blocks.append((rows, ruled))
            rows, ruled = [], False
            lead = _tail_cells(line)
        elif cells:
            if not rows and len(lead) == len(cells):
                rows.append(lead)
            lead = []
            rows.append(cells)
            ruled = ruled or "|" in line
        elif line.strip() and not line.lstrip().startswith("```"):
            ruled = True
    if rows:
        blocks.append((rows, ruled))
    return blocks


def parse_text(text: str, *, strict: bool = False) -> SudokuProblem | None:
    """The Sudoku in `text`, None if there is none; ParseError if it is broken.

    `strict` means the caller already knows this must be a Sudoku: every failure raises.
    """
    lines = text.split("\n")
    spaced = _space_blanks(lines)
    if spaced is not None:
        return _build(spaced, None)
    mentioned = bool(_MENTION.search(text))
    prose = any(_cells(line) is None for line in lines)
    prompt = text.strip() if prose else None

    for rows, ruled in _blocks(lines):
        n_rows = len(rows)
        if n_rows == 1:
            cells = rows[0]
            if len(cells) in _CELL_COUNTS:
                n = _CELL_COUNTS[len(cells)]
                flat = _to_grid([cells])[0]
                return _build([flat[r * n : (r + 1) * n] for r in range(n)], prompt)
            blanks = any(ch in BLANKS for ch in cells)
            if len(cells) >= 10 and (strict or mentioned or blanks or not prose):
                raise ParseError(
                    f"found {len(cells)} cells on one line; a Sudoku has 16, 36 or 81",
                    kind=KIND,
                )
            continue
        widths = {len(r) for r in rows}
        if n_rows in BOX_SHAPES and widths == {n_rows}:
            return _build(_to_grid(rows), prompt)
        attempt = n_rows >= 3 and min(widths) >= 3
        blanks = any(ch in BLANKS for row in rows for ch in row)
        if attempt and (strict or mentioned or ruled or blanks or not prose):
            _raise_shape(rows)

    # A compact puzzle inside a sentence: "Solve this: 53..7....6..195....98....6.8...",
    # or spaced out after the prose: "puzzle -> 5 3 . . 7 . . . . 6 . . 1 9 5 ...".
    for line in lines:
        tail = _tail_cells(line) if _cells(line) is None else []
        if len(tail) in _CELL_COUNTS and any(ch.isdigit() for ch in tail):
            n = _CELL_COUNTS[len(tail)]
            flat = _to_grid([tail])[0]
            try:
                return _build([flat[r * n : (r + 1) * n] for r in range(n)], text.strip())
            except ParseError:
                if strict or mentioned:
                    raise
    for match in _COMPACT.finditer(text):
        token = match.group(0)
        if not any(ch.isdigit() for ch in token):
            continue  # a row of dots is no puzzle (a maze corridor, an ellipsis)
        if len(token) not in _CELL_COUNTS:
            if strict or mentioned or any(ch in BLANKS for ch in token):
                raise ParseError(
                    f"found {len(token)} cells in {token[:12]!r}...; a Sudoku has 16, 36 or 81",
                    kind=KIND,
                )
            continue
        n = _CELL_COUNTS[len(token)]
        flat = _to_grid([list(token)])[0]
        grid = [flat[r * n : (r + 1) * n] for r in range(n)]
        try:
            return _build(grid, text.strip())
        except ParseError:
            if strict or mentioned or any(ch in BLANKS for ch in token):
                raise
    if strict:
        raise ParseError("no Sudoku grid found", kind=KIND)
    return None


def _space_blanks(lines: list[str]) -> list[list[int]] | None:
    """A grid typed with spaces for blanks: nothing but n lines of at most n digits and
    spaces (n = 4, 6 or 9; trailing blanks may have been trimmed), with at least one
    blank. Spaced-out rows ("5 3 . .") are longer than n, so they never read this way."""
    rows = [line.rstrip("\r") for line in lines]
    while rows and not rows[0]:
        rows.pop(0)
    while rows and not rows[-1]:
        rows.pop()
    n = len(rows)
    if n not in BOX_SHAPES or any(len(r) > n or set(r) - set("0123456789 ") for r in rows):
        return None
    if all(len(r) == n and " " not in r for r in rows):
        return None  # no blank typed as a space: the ordinary reading
    return [[int(ch) if ch != " " else 0 for ch in r.ljust(n)] for r in rows]


def _raise_shape(rows: list[list[str]]) -> None:
    n_rows = len(rows)
    expected = n_rows if n_rows in BOX_SHAPES else len(rows[0])
    if expected in BOX_SHAPES and n_rows not in BOX_SHAPES:
        raise ParseError(
            f"found {n_rows} rows of {expected} cells; a {expected}x{expected} Sudoku has "
            f"{expected} rows",
            kind=KIND,
        )
    if expected not in BOX_SHAPES:
        raise ParseError(
            f"found {n_rows} rows of {len(rows[0])} cells; a Sudoku is 4x4, 6x6 or 9x9",
            kind=KIND,
        )
    for r, row in enumerate(rows, start=1):
        if len(row) != expected:
            raise ParseError(f"row has {len(row)} cells, expected {expected}", kind=KIND, row=r)


def from_string(text: str) -> SudokuProblem:
    """The Sudoku in `text`, or ParseError: for lists of puzzles, where every line is one."""
    problem = parse_text(text, strict=True)
    assert problem is not None  # strict parsing raises instead of returning None
    return problem


def from_json(obj: Any, *, prompt: str | None = None) -> SudokuProblem:
    """A grid from JSON: rows of ints (0 or null for blanks), or rows of strings."""
    if isinstance(obj, dict):
        obj = obj.get("grid", obj.get("puzzle"))
        if obj is None:
            raise ParseError('expected a "grid" key holding the rows', kind=KIND)
    if isinstance(obj, str):
        problem = parse_text(obj, strict=True)
        assert problem is not None
        return problem.model_copy(update={"prompt": prompt})
    if isinstance(obj, list) and obj and all(isinstance(row, str) for row in obj):
        problem = parse_text("\n".join(obj), strict=True)
        assert problem is not None
        return problem.model_copy(update={"prompt": prompt})
    if isinstance(obj, list):
        obj = [
            [0 if v is None or v in (".", "_", "") else v for v in row]
            if isinstance(row, list)
            else row
            for row in obj
        ]
        obj = [
            [int(v) if isinstance(v, str) and v.isdigit() else v for v in row]
            if isinstance(row, list)
            else row
            for row in obj
        ]
    grid = as_int_grid(obj, kind=KIND, what="grid")
    return _build(grid, prompt)
