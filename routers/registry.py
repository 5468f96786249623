"""The built-in routers' factories, registered in the entry-point group
`orchestra.routers` (see pyproject.toml) the way a plug-in's router is: the engine finds
them through `orchestra.router_registry`, never by importing this package. Each takes
keyword arguments `targets` (kind -> processor) and `llm` (the engine's LLM, possibly
None) and may ignore either."""

from __future__ import annotations

from typing import Any

from orchestra.router_registry import make_router, names

__all__ = ["cascade", "cascade_with_llm", "learned", "llm_router", "make_router", "names", "rules"]


def rules(targets=None, llm=None):
    from .rules import RulesRouter

    return RulesRouter(targets)


def learned(targets=None, llm=None):
    from .learned import LearnedRouter

    return LearnedRouter(targets=targets)


def llm_router(targets=None, llm=None):
    from .llm import LLMRouter

    if llm is None:
        raise ValueError("the llm router needs an LLM (--llm or $ORCHESTRA_LLM)")
    return LLMRouter(llm, targets)


def cascade(targets=None, llm=None, with_llm: bool = False) -> Any:
    from .cascade import CascadeRouter
    from .learned import SHIPPED, LearnedRouter
    from .rules import RulesRouter

    learned = LearnedRouter(targets=targets) if (SHIPPED / "model.safetensors").is_file() else None
    llm_stage = llm_router(targets, llm) if with_llm else None
    return CascadeRouter(RulesRouter(targets), learned, llm_stage, targets=targets)


def cascade_with_llm(targets=None, llm=None) -> Any:
    return cascade(targets, llm, with_llm=True)
