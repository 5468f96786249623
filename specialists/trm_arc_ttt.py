"""`trm-arc-ttt`: the GPU-side ARC processor for a task no checkpoint knows. It trains the
shipped ARC checkpoint on the task's demonstrations for a fixed budget (test-time
training, the paper's way), then predicts the test under every view and votes; the answer
carries the model's check of the demonstrations, as `trm-arc`'s does.

On a CPU this costs a minute a task and rarely pays (measured: `orchestra bench --solvers
trm-ttt`), so it takes tasks only where a GPU is present, or where `ORCHESTRA_ARC_TTT=1`
asks for it; its place in the chain after `arc-search` is then the scheduler's to weigh
from measured cost. Registered through the `orchestra.specialists` entry point.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from orchestra.specialist import BaseSpecialist
from orchestra.tasks.base import Problem
from orchestra.types import SpecialistAnswer

ENV_ENABLE = "ORCHESTRA_ARC_TTT"
ENV_SECONDS = "ORCHESTRA_ARC_TTT_SECONDS"


class TRMArcTTT(BaseSpecialist):
    """Test-time training on an unseen ARC task, then the TRM's voted answer."""

    name = "trm-arc-ttt"
    kinds: ClassVar[tuple[str, ...]] = ("arc",)
    priority: ClassVar[int] = 30  # after the program search, before the LLM
    description: ClassVar[str] = (
        "test-time training of the ARC TRM on an unseen task (where a GPU makes it pay)"
    )
    max_batch = 1

    def __init__(
        self,
        base: str | Path | None = None,
        *,
        seconds: float | None = None,
        workdir: str | None = None,
        enabled: bool | None = None,
    ):
        from orchestra.catalog import arc_base

        self.base = Path(base) if base is not None else arc_base()
        self.seconds = float(seconds or os.environ.get(ENV_SECONDS) or 60.0)
        self._workdir = Path(workdir) if workdir else None
        import torch

        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        wanted = os.environ.get(ENV_ENABLE, "") == "1"
        self.enabled = enabled if enabled is not None else (self.device == "cuda" or wanted)
        self._spec: Any = None

    def _known(self, problem: Problem) -> bool:
        from orchestra.specialists.trm.checkpoint import load_config

        if self._spec is None and self.base is not None:
            self._spec = load_config(self.base)[1]
        return self._spec is not None and self._spec.entry(problem) is not None

    def supports(self, problem: Problem) -> bool:
        return (
            self.enabled
            and self.base is not None
            and problem.kind == "arc"
            and not self._known(problem)
        )

    def why_not(self, problem: Problem) -> str | None:
        """Said only of tasks it would train on: a task the base already knows needs none."""
        if self.base is None or problem.kind != "arc" or self.supports(problem):
            return None  # without a base there is nothing to offer: no note
        if self._known(problem):
            return None
        if not self.enabled:
            return f"test-time training runs only on a GPU here (or with {ENV_ENABLE}=1)"
        return None

    def solve_one(self, problem: Problem) -> SpecialistAnswer:
        if self._workdir is None:  # made on first use: listing the specialist makes nothing
            self._workdir = Path(tempfile.mkdtemp(prefix="orchestra-ttt-"))
        # Named by the task's content and a unique suffix, never by a caller's `id` (".."
        # once wrote outside the directory; two tasks with one id overwrote each other),
        # and removed after the answer: runs are about 11 MB each.
        self._workdir.mkdir(parents=True, exist_ok=True)
        fingerprint = problem.fingerprint()[:16]  # type: ignore[attr-defined]
        d = Path(tempfile.mkdtemp(prefix=f"task-{fingerprint}-", dir=self._workdir))
        try:
            return self._train_and_answer(problem, d)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def _train_and_answer(self, problem: Problem, d: Path) -> SpecialistAnswer:
        from orchestra.specialists.trm.train import build_run
        from orchestra.specialists.trm_arc import TRMArcSpecialist

        (d / "task.json").write_text(json.dumps(problem.to_json()))  # type: ignore[attr-defined]
        run = build_run(
            "arc",
            preset="arc-cpu",
            out=d / "run",
            overrides={
                "task.source": str(d / "task.json"),
                "init": str(self.base),
                "minutes": self.seconds / 60,
                "eval_every": 10**9,
                "eval_n": 1,
                "compile": False,
                "progress": False,
                "device": self.device,
            },
            log=lambda s: None,
        )
        run.train()
        self.params = run.raw.num_params()
        (answer,) = TRMArcSpecialist(run.ema, run.spec).solve_batch([problem])
        return answer
