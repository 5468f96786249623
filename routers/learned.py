"""A learned router: the project's character n-gram classifier, with per-class thresholds
calibrated on held-out prompts. Below its class's threshold it abstains."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchestra.tasks.base import Problem
from orchestra.tasks.text import TextProblem
from orchestra.types import LLM_TARGET, RouteDecision

from .rules import _registry_target
from .text import text_of

SHIPPED = Path(__file__).parent / "checkpoints" / "learned"


class LearnedRouter:
    name = "learned"

    def __init__(
        self, directory: str | Path = SHIPPED, targets: Callable[[str], str] | None = None
    ):
        from .ngram import NgramClassifier

        d = Path(directory)
        if not (d / "model.safetensors").is_file():
            raise FileNotFoundError(
                f"no trained router in {d}: run `orchestra train router --out {d}`"
            )
        self.model, meta = NgramClassifier.load(d)
        self.labels = self.model.cfg.labels
        self.thresholds: dict[str, float] = meta.get("thresholds", {})
        self._target = targets or _registry_target

    def route(self, problem_or_text: Any) -> RouteDecision:
        if isinstance(problem_or_text, Problem) and not isinstance(problem_or_text, TextProblem):
            kind = problem_or_text.kind  # already parsed: the structure is known
            return RouteDecision(
                kind=kind,
                target=self._target(kind),
                scores={kind: 1.0},
                reason="already a typed problem",
                router=self.name,
            )
        probs = self.model.probabilities([text_of(problem_or_text)])[0].tolist()
        scores = dict(zip(self.labels, probs, strict=True))
        kind = max(scores, key=scores.__getitem__)
        threshold = self.thresholds.get(kind, 0.5)
        target = LLM_TARGET if kind == "text" else self._target(kind)
        if scores[kind] < threshold:
            return RouteDecision(
                kind=kind,
                target=LLM_TARGET,
                scores=scores,
                abstained=True,
                router=self.name,
                reason=f"{kind} at {scores[kind]:.2f} is below its threshold {threshold:.2f}",
            )
        return RouteDecision(
            kind=kind,
            target=target,
            scores=scores,
            router=self.name,
            reason=f"classified as {kind} ({scores[kind]:.2f})",
        )
