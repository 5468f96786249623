"""Cheap first: the rules router; where it abstains (prose) or the input is a broken
puzzle, the learned router; where that abstains too, the LLM router. The engine's
verify-then-fall-back chain runs after whatever is decided.

A learned "this is a puzzle" is only acted on when the family's parser agrees, and a
parse error on something the learned router calls prose (JSON that is no ARC task, a
number that is no Sudoku) routes it to the LLM as text instead of failing, if the learned
router knows the family that raised it (a family installed after the router was trained
keeps its error).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orchestra.problems import parse
from orchestra.tasks.base import ParseError
from orchestra.types import LLM_TARGET, RouteDecision

from .rules import RulesRouter, _registry_target


def _knows(stage: Any, kind: str | None) -> bool:
    """Whether a stage can judge a puzzle of `kind` (a learned router knows the families of
    its training corpus; a family installed after it was trained is not among them)."""
    labels = getattr(stage, "labels", None)
    return labels is None or kind is None or kind in labels


class CascadeRouter:
    name = "cascade"

    def __init__(
        self,
        rules: Any = None,
        learned: Any = None,
        llm: Any = None,
        targets: Callable[[str], str] | None = None,
    ):
        self._target = targets or _registry_target
        self.stages = [r for r in (rules or RulesRouter(self._target), learned, llm) if r]

    def route(self, problem_or_text: Any) -> RouteDecision:
        notes: list[str] = []
        parse_error: ParseError | None = None
        for stage in self.stages:
            try:
                d = stage.route(problem_or_text)
            except ParseError as e:
                parse_error = e
                notes.append(f"{stage.name}: {e}")
                continue
            if d.abstained:
                notes.append(f"{stage.name} abstained ({d.reason})")
                continue
            if d.kind != "text" and stage is not self.stages[0]:
                try:  # a learned or LLM "puzzle" counts only if its parser can read it
                    parse(problem_or_text, kind=d.kind)
                except ParseError as e:
                    notes.append(f"{stage.name} said {d.kind} but: {e}")
                    continue
            if d.kind == "text" and parse_error is not None:
                if not _knows(stage, parse_error.kind):
                    raise parse_error  # it cannot tell prose from a family it never saw
                notes.append(f"{stage.name}: prose, not a broken puzzle")
            return d.model_copy(
                update={
                    "router": f"{self.name}/{d.router}",
                    "reason": "; ".join([*notes, d.reason]),
                }
            )
        if parse_error is not None:
            raise parse_error
        return RouteDecision(
            kind="text",
            target=LLM_TARGET,
            abstained=True,
            router=self.name,
            reason="; ".join(notes) or "every stage abstained",
        )
