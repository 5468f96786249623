"""Problem families by name: the built-in ones, those registered in code with
`@orchestra.register_family`, and installed plug-ins (entry-point group
`orchestra.families`). Everything that used to name Sudoku, mazes or ARC asks here.

Discovery happens once, on first use; `refresh()` looks again (after a `pip install`).
A kind belongs to exactly one family: registering a second family for a kind already
taken is a RegistryError. A family's own code is guarded: a parser that raises something
other than ParseError, or a verifier that crashes, fails that family's problems only,
with an error that names the family.
"""

from __future__ import annotations

import importlib
import threading
import warnings
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel

from .extension_points import discover
from .refs import RegistryError, load_ref
from .tasks.base import Evidence, NoSolution, ParseError, Problem, Verdict
from .tasks.family import Detection, Family, FamilyError

ENTRY_POINT_GROUP = "orchestra.families"
# Built-ins load through the same "module:attribute" path as plug-ins.
_BUILTIN = {
    "sudoku": "orchestra.tasks.sudoku.family:SudokuFamily",
    "maze": "orchestra.tasks.maze.family:MazeFamily",
    "arc": "orchestra.tasks.arc.family:ArcFamily",
    "grid": "orchestra.tasks.grid.family:GridFamily",
}
TEXT_KIND = "text"  # prose: no family, the LLM's


class FamilyInfo(BaseModel):
    """One row of `orchestra.families()`.

    Attributes:
        name: The family's name.
        kinds: The kinds it claims.
        source: "builtin", "code" or "plugin:<distribution>".
        provides: What it provides (`Family.provides()`: solve, generate, codec, ...).
        description: One line.
        error: Why a discovered plug-in is not in use.
    """

    name: str
    kinds: list[str]
    source: str  # "builtin", "code" or "plugin:<distribution>"
    provides: list[str]
    description: str
    error: str | None = None  # why a discovered plug-in is not in use


class FamilyWarning(UserWarning):
    """A plug-in family that could not be used (and why); the others go on working."""


_lock = threading.RLock()
_families: dict[str, Family] = {}  # by family name, in registration order
_sources: dict[str, str] = {}
_broken: dict[str, FamilyInfo] = {}
_discovered = False


def _instance(obj: Any) -> Family:
    family = obj() if isinstance(obj, type) else obj
    if not getattr(family, "name", ""):
        raise RegistryError(f"{obj!r} has no family name")
    for needed in ("verify", "kinds", "detect_text", "detect_object"):
        if not callable(getattr(family, needed, None)):
            raise RegistryError(f"family {family.name!r} has no {needed}()")
    return family


def _add(family: Family, source: str, *, replace: bool = False) -> None:
    """Register `family` unless a kind it claims is taken (RegistryError)."""
    if family.name == TEXT_KIND:
        raise RegistryError("'text' is prose, not a family name")
    for other_name, other in _families.items():
        if other_name == family.name and replace:
            continue
        taken = _static_kinds(other) & _static_kinds(family)
        if other_name == family.name or taken:
            what = f"kind {sorted(taken)[0]!r}" if taken else f"name {family.name!r}"
            raise RegistryError(
                f"family {family.name!r} ({source}) claims the {what}, already registered by "
                f"family {other_name!r} ({_sources[other_name]}); pass replace=True to override"
            )
    _families[family.name] = family
    _sources[family.name] = source


def _static_kinds(family: Family) -> set[str]:
    """Kinds fixed by the family's code; a data-driven family's kinds come and go with its
    trained tasks, which are checked against the other families when trained and read."""
    return set() if getattr(family, "dynamic_kinds", False) else set(family.kinds())


def checkpoint_dirs() -> list[Any]:
    """Where families ship TRM checkpoints of their own (plug-in packages)."""
    return [f.checkpoints for f in all_families() if getattr(f, "checkpoints", None)]


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    with _lock:
        if _discovered:
            return
        for name, ref in _BUILTIN.items():
            if name not in _families:
                _add(_instance(load_ref(ref)), "builtin")
        for ep in discover(ENTRY_POINT_GROUP):
            source = ep.source
            if ep.name in _families and _sources[ep.name] == source:
                continue
            try:
                family = _instance(load_ref(ep.value))
                if family.name != ep.name:
                    raise RegistryError(
                        f"entry point {ep.name!r} loads a family named {family.name!r}"
                    )
                _add(family, source)
            except Exception as e:  # one broken plug-in must not take parsing down
                message = f"{type(e).__name__}: {e}"
                _broken[ep.name] = FamilyInfo(
                    name=ep.name,
                    kinds=[],
                    source=source,
                    provides=[],
                    description="",
                    error=message,
                )
                warnings.warn(
                    f"plug-in family {ep.name!r} ({source}) is not used: {message}",
                    FamilyWarning,
                    stacklevel=2,
                )
        _discovered = True


def refresh() -> None:
    """Look again for plug-in families (after installing one) and for the tasks of
    data-driven families; code registrations stay. `orchestra.registry.refresh()` calls
    this and then lists the specialists again."""
    global _discovered
    with _lock:
        for name in [n for n, s in _sources.items() if s != "code"]:
            del _families[name], _sources[name]
        _broken.clear()
        _discovered = False
    importlib.invalidate_caches()


def register_family(obj: Any = None, *, replace: bool = False) -> Any:
    """Register a family class (or instance): `@register_family` or
    `@register_family(replace=True)`.

    Args:
        obj: The family class or instance (omitted when used as `@register_family(...)`).
        replace: Replace a family that claims the same name or kinds.

    Returns:
        The family as given (a decorator), or the decorator.

    Raises:
        RegistryError: A kind or name another family has, without `replace`.
    """

    def decorate(target: Any) -> Any:
        with _lock:
            _discover()
            _add(_instance(target), "code", replace=replace)
        _changed()
        return target

    return decorate(obj) if obj is not None else decorate


def unregister_family(name: str) -> None:
    with _lock:
        _families.pop(name, None)
        _sources.pop(name, None)
    _changed()


_listeners: list[Callable[[], None]] = []


def on_change(callback: Callable[[], None]) -> None:
    """Call `callback` whenever a family is registered or removed: what is derived from the
    families (the specialist registry: exact solvers, TRMs) lists itself again. The
    registries above subscribe; this module knows none of them."""
    _listeners.append(callback)


def _changed() -> None:
    for callback in list(_listeners):
        callback()


def all_families() -> list[Family]:
    _discover()
    return list(_families.values())


def names() -> list[str]:
    _discover()
    return list(_families)


def get(name: str) -> Family:
    _discover()
    if name not in _families:
        known = ", ".join(_families)
        raise RegistryError(f"no family named {name!r}; known: {known}")
    return _families[name]


def source(name: str) -> str:
    _discover()
    return _sources[name]


def kinds() -> list[str]:
    """Every kind some family answers for, then prose."""
    return [k for f in all_families() for k in f.kinds()] + [TEXT_KIND]


def for_kind(kind: str) -> Family | None:
    """The family that owns `kind`, None for prose or a kind nobody claims."""
    for family in all_families():
        if family.claims(kind):
            return family
    return None


def family_of(problem: Problem) -> Family | None:
    return for_kind(problem.kind)


def families() -> list[FamilyInfo]:
    """Every family: name, the kinds it serves, where it comes from, what it provides."""
    rows = [
        FamilyInfo(
            name=f.name,
            kinds=f.kinds(),
            source=source(f.name),
            provides=type(f).provides(),
            description=f.description or (type(f).__doc__ or "").strip().split("\n")[0],
        )
        for f in all_families()
    ]
    return rows + list(_broken.values())


# -- guarded calls into a family's code ------------------------------------------------


def _crash(family: Family, what: str, e: BaseException) -> str:
    return f"family {family.name!r}: {what} failed: {type(e).__name__}: {e}"


def _detections(call: Callable[[Family], Detection | None]) -> list[tuple[Family, Detection]]:
    found = []
    for family in all_families():
        try:
            d = call(family)
        except ParseError as e:  # a parser may raise instead of returning an error
            d = Detection(confidence=0.5, error=e)
        except Exception as e:  # its own bug: not its problem to claim, said once
            warnings.warn(_crash(family, "detection", e), FamilyWarning, stacklevel=3)
            continue
        if d is not None and (d.problem is not None or d.error is not None):
            found.append((family, d))
    return found


def best(found: Iterable[tuple[Family, Detection]]) -> Detection | None:
    """The most confident detection (the first registered family wins a tie)."""
    top: Detection | None = None
    for _, d in found:
        if top is None or d.confidence > top.confidence:
            top = d
    return top


def detect_text(text: str) -> Detection | None:
    return best(_detections(lambda f: f.detect_text(text)))


def detect_object(obj: Any, *, prompt: str | None = None) -> Detection | None:
    return best(_detections(lambda f: f.detect_object(obj, prompt=prompt)))


def parse_as(family: Family, x: Any, *, kind: str, prompt: str | None = None) -> Problem:
    """`x` read by one family (the kind was forced): a problem or a ParseError."""
    try:
        problem = family.parse(x, kind=kind, prompt=prompt)
    except ParseError:
        raise
    except Exception as e:
        raise ParseError(_crash(family, "parser", e), kind=kind) from e
    if not isinstance(problem, Problem):
        raise ParseError(_crash(family, "parser", TypeError(f"returned {problem!r}")), kind=kind)
    return problem


def verify(problem: Problem, answer: Any, evidence: Evidence | None = None) -> Verdict | None:
    """The owning family's verdict; None where no family owns the kind (prose). A crash
    in the verifier rejects that answer and names the family. Where the verifier cannot
    decide (`correct` None), the family's consistency check fills `consistent`."""
    family = family_of(problem)
    if family is None:
        return None
    try:
        verdict = family.verify(problem, answer)
    except Exception as e:
        return Verdict(valid=False, correct=False, reason=_crash(family, "verifier", e))
    if not isinstance(verdict, Verdict):
        return Verdict(
            valid=False,
            correct=False,
            reason=_crash(family, "verifier", TypeError(f"returned {verdict!r}, not a Verdict")),
        )
    if not verdict.valid:
        return verdict
    try:
        consistent, why = family.consistent(problem, answer, evidence)
    except Exception as e:
        consistent, why = False, _crash(family, "consistency check", e)
    if consistent is None:
        return verdict
    if verdict.correct is not None:  # the expected output decided; consistency is told too
        return verdict.model_copy(update={"consistent": bool(consistent)})
    return verdict.model_copy(
        update={"consistent": bool(consistent), "reason": why or verdict.reason}
    )


def size_class(problem: Problem) -> str:
    """The problem's class for the performance models ("" where no family owns it, or the
    family's hook fails: a scheduler must not break on it)."""
    family = family_of(problem)
    if family is None:
        return ""
    try:
        return str(family.size_class(problem))
    except Exception:
        return ""


def guarded(family: Family, what: str, call: Callable[[], Any]) -> Any:
    """Run a family hook; its failure becomes a FamilyError naming the family."""
    try:
        return call()
    except (ParseError, FamilyError, NoSolution):
        raise
    except Exception as e:
        raise FamilyError(_crash(family, what, e)) from e
