"""A TRM checkpoint trained on ARC tasks, as an orchestra specialist: the paper's inference.

For each test input of a known task, the model predicts once per augmented view (each view
with its own puzzle embedding), every prediction is mapped back to the original frame, and
the views vote (`orchestra.tasks.arc.vote`): the most agreed-on grid is the answer, the
runner-up the second attempt (ARC is scored pass@2). An unknown task is declined with
`why_not`, which says how to learn it (test-time training).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from orchestra.specialist import BaseSpecialist
from orchestra.tasks import arc
from orchestra.tasks.base import Evidence, Problem
from orchestra.types import SpecialistAnswer

from .trm_specialist import TRMFamily, _default_device


class TRMArcSpecialist(BaseSpecialist):
    """One ARC checkpoint (its tasks, their views, one network)."""

    kinds: ClassVar[tuple[str, ...]] = ("arc",)
    priority: ClassVar[int] = 50

    def __init__(
        self,
        model: Any,
        spec: Any,
        *,
        name: str | None = None,
        steps: int | None = None,
        card: Any = None,
        max_batch: int = 64,
        predict_batch: int = 256,
    ):
        self.model, self.spec, self.card = model, spec, card
        self.name = name or f"trm-{spec.name}"
        self.device = str(next(model.parameters()).device)
        self.steps, self.max_batch, self.predict_batch = steps, max_batch, predict_batch

    @classmethod
    def from_checkpoint(
        cls, directory: str | Path, *, device: str | None = None, **options: Any
    ) -> TRMArcSpecialist:
        from .trm import checkpoint

        model, spec = checkpoint.load(directory, device or _default_device())
        if spec.family != "arc":
            raise checkpoint.CheckpointError(f"{directory} is not an ARC checkpoint")
        return cls(model, spec, card=checkpoint.load_card(directory), **options)

    def supports(self, problem: Problem) -> bool:
        return self.spec.supports(problem)

    def why_not(self, problem: Problem) -> str | None:
        return self.spec.why_not(problem)

    def model_info(self, problem: Problem) -> tuple[int, float]:
        """(parameters, forward FLOPs of one supervision step over all views and tests)."""
        entry = self.spec.entry(problem)
        views = len(entry.views) if entry else 1
        tests = len(getattr(problem, "test_inputs", [])) or 1
        return self.model.num_params(), self.model.flops_per_step(views * tests)[0]

    def candidates(self, problems: Sequence[arc.ArcProblem]) -> list[list[list[arc.Candidate]]]:
        """Per task, per test input: the voted candidates, best first."""
        import torch

        jobs = []  # (task index, test index, item, inverse transform)
        for ti, p in enumerate(problems):
            for si, views in enumerate(self.spec.view_items(p)):
                jobs += [(ti, si, item, inv) for item, inv in views]
        votes: dict[tuple[int, int], list[tuple[Any, float]]] = {}
        for start in range(0, len(jobs), self.predict_batch):
            chunk = jobs[start : start + self.predict_batch]
            x = np.stack([self.spec.encode(j[2]) for j in chunk])
            ids = self.spec.puzzle_ids([j[2] for j in chunk])
            preds, q, _ = self.model.predict(
                torch.from_numpy(x).to(self.device),
                torch.from_numpy(ids).to(self.device),
                steps=self.steps,
            )
            for (ti, si, item, inv), row, qi in zip(
                chunk, preds.cpu().numpy(), q.cpu().tolist(), strict=True
            ):
                grid = self.spec.decode(item, row)
                conf = 1 / (1 + math.exp(-qi)) if math.isfinite(qi) else 0.0
                votes.setdefault((ti, si), []).append(
                    (inv.grid(grid) if grid is not None else None, conf)
                )
        return [
            [arc.vote(votes.get((ti, si), [])) for si in range(len(p.test_inputs))]
            for ti, p in enumerate(problems)
        ]

    def solve_batch(self, problems: Sequence[Problem]) -> list[SpecialistAnswer]:
        """Answers, each with the model's check of the demonstrations: the demonstration
        inputs are predicted in the same batch, and the answer counts as consistent only
        if the model reproduces every demonstration output (the ARC family's contract)."""
        tasks: list[arc.ArcProblem] = list(problems)  # type: ignore[arg-type]
        widened = [
            t.model_copy(update={"test_inputs": [*t.test_inputs, *(d.input for d in t.train)]})
            for t in tasks
        ]
        out = []
        for task, every in zip(tasks, self.candidates(widened), strict=True):
            k = len(task.test_inputs)
            ranked, demos = every[:k], every[k:]
            hits = sum(
                bool(c) and c[0].grid == d.output for c, d in zip(demos, task.train, strict=True)
            )
            evidence = Evidence(
                method="demonstrations",
                consistent=hits == len(task.train),
                detail=f"{hits} of {len(task.train)} demonstration outputs predicted exactly",
            )
            if any(not c for c in ranked):  # no view drew a well-formed grid: nothing to submit
                out.append(SpecialistAnswer(answer=None, confidence=0.0, steps=self.steps))
                continue
            first = [c[0].grid for c in ranked]
            second = [(c[1] if len(c) > 1 else c[0]).grid for c in ranked]
            out.append(
                SpecialistAnswer(
                    answer=first,
                    alternatives=[second] if second != first else [],
                    confidence=sum(c[0].confidence for c in ranked) / len(ranked),
                    steps=self.steps or self.model.cfg.halt_max_steps,
                    evidence=evidence,
                )
            )
        return out


class TRMArc(TRMFamily):
    """Every ARC checkpoint on the search path: the shipped one and any trained at test time;
    a task goes to the checkpoint that knows it."""

    name = "trm-arc"
    kinds = ("arc",)
    family = "arc"
    member_cls = TRMArcSpecialist
    cascade = False  # no verifier can judge an ARC answer; a task has one checkpoint

    def why_not(self, problem: Problem) -> str | None:
        if self.supports(problem):
            return None
        reasons = [m.why_not(problem) for m in self.members]
        return next((r for r in reasons if r), None)
