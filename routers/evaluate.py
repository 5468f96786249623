"""Routing quality on a labelled set: accuracy, per-class precision and recall, the
confusion matrix and routing latency."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from orchestra.accounting import percentile
from orchestra.tasks.base import ParseError

ERROR = "error"  # the router raised (a puzzle it judged broken)


class ClassScore(BaseModel):
    precision: float
    recall: float
    support: int


class RoutingReport(BaseModel):
    router: str
    n: int
    accuracy: float
    abstained: int
    per_class: dict[str, ClassScore]
    confusion: dict[str, dict[str, int]]  # confusion[true][predicted]
    p50_ms: float
    p95_ms: float
    mistakes: list[dict] = []

    def table(self) -> str:
        labels = sorted(self.confusion)
        predicted = sorted({p for row in self.confusion.values() for p in row} | set(labels))
        lines = [
            f"router {self.router}: accuracy {self.accuracy:.4f} on {self.n} prompts, "
            f"{self.abstained} abstained, "
            f"latency p50 {self.p50_ms:.3f} ms, p95 {self.p95_ms:.3f} ms",
            "",
            "| class | precision | recall | support |",
            "|---|---:|---:|---:|",
        ]
        for label in labels:
            c = self.per_class[label]
            lines.append(f"| {label} | {c.precision:.4f} | {c.recall:.4f} | {c.support} |")
        lines += [
            "",
            "| true \\ predicted | " + " | ".join(predicted) + " |",
            "|---|" + "---:|" * len(predicted),
        ]
        for label in labels:
            row = self.confusion[label]
            lines.append(f"| {label} | " + " | ".join(str(row.get(p, 0)) for p in predicted) + " |")
        return "\n".join(lines)


def evaluate(router: Any, examples: Iterable[Any], *, keep_mistakes: int = 20) -> RoutingReport:
    """`examples`: objects or dicts with `prompt` and `target` (the expected kind)."""
    rows = [
        (e["prompt"], e["target"]) if isinstance(e, dict) else (e.prompt, e.target)
        for e in examples
    ]
    if not rows:
        raise ValueError("no labelled prompts to evaluate")
    confusion: dict[str, dict[str, int]] = {}
    latencies: list[float] = []
    mistakes: list[dict] = []
    abstained = 0
    for prompt, target in rows:
        t0 = time.perf_counter()
        try:
            d = router.route(prompt)
            predicted = d.kind
            abstained += d.abstained and d.kind != "text"
        except ParseError:
            predicted = ERROR
        latencies.append((time.perf_counter() - t0) * 1000)
        confusion.setdefault(target, {}).setdefault(predicted, 0)
        confusion[target][predicted] += 1
        if predicted != target and len(mistakes) < keep_mistakes:
            mistakes.append({"prompt": prompt[:200], "target": target, "predicted": predicted})
    labels = sorted(confusion)
    per_class = {}
    for label in labels:
        tp = confusion[label].get(label, 0)
        predicted_as = sum(row.get(label, 0) for row in confusion.values())
        support = sum(confusion[label].values())
        per_class[label] = ClassScore(
            precision=tp / predicted_as if predicted_as else 0.0,
            recall=tp / support if support else 0.0,
            support=support,
        )
    correct = sum(confusion[label].get(label, 0) for label in labels)
    return RoutingReport(
        router=getattr(router, "name", type(router).__name__),
        n=len(rows),
        accuracy=correct / len(rows),
        abstained=abstained,
        per_class=per_class,
        confusion=confusion,
        p50_ms=percentile(latencies, 0.5),
        p95_ms=percentile(latencies, 0.95),
        mistakes=mistakes,
    )
