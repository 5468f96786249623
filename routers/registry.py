"""Routers by name: the built-ins and plug-ins from the entry-point group
`orchestra.routers` (the same mechanism as specialists). A router factory takes keyword
arguments `targets` (kind -> processor) and `llm` (the engine's LLM, possibly None) and
may ignore either."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

ENTRY_POINT_GROUP = "orchestra.routers"


def _rules(targets=None, llm=None):
    from .rules import RulesRouter

    return RulesRouter(targets)


def _learned(targets=None, llm=None):
    from .learned import LearnedRouter

    return LearnedRouter(targets=targets)


def _llm(targets=None, llm=None):
    from .llm import LLMRouter

    if llm is None:
        raise ValueError("the llm router needs an LLM (--llm or $ORCHESTRA_LLM)")
    return LLMRouter(llm, targets)


def _cascade(targets=None, llm=None, with_llm: bool = False):
    from .cascade import CascadeRouter
    from .learned import SHIPPED, LearnedRouter
    from .rules import RulesRouter

    learned = LearnedRouter(targets=targets) if (SHIPPED / "model.safetensors").is_file() else None
    llm_stage = _llm(targets, llm) if with_llm else None
    return CascadeRouter(RulesRouter(targets), learned, llm_stage, targets=targets)


BUILTIN: dict[str, Callable[..., Any]] = {
    "rules": _rules,
    "learned": _learned,
    "llm": _llm,
    "cascade": _cascade,
    "cascade+llm": lambda targets=None, llm=None: _cascade(targets, llm, with_llm=True),
}


def names() -> list[str]:
    return sorted(set(BUILTIN) | {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


def make_router(name: str, *, targets: Callable[[str], str] | None = None, llm: Any = None) -> Any:
    if name in BUILTIN:
        return BUILTIN[name](targets=targets, llm=llm)
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            return ep.load()(targets=targets, llm=llm)
    raise ValueError(f"no router named {name!r}; known: {', '.join(names())}")
