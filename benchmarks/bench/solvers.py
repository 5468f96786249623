"""The solvers a benchmark compares, behind one small interface: exact solvers, TRM
specialists (one or several trajectories), LLM baselines, and the full orchestra."""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel

from orchestra.energy import local_cost, power_w

from .tasks import Item


class Outcome(BaseModel):
    answer: Any = None
    latency_s: float = 0.0
    tokens: int | None = None
    cost_usd: float = 0.0
    energy_j: float = 0.0
    flops: float | None = None
    steps: int | None = None
    route: str | None = None
    routed_kind: str | None = None
    error: str | None = None


class SpecialistSolver:
    """A specialist run in batches; an item's latency is its batch's wall time."""

    def __init__(self, name: str, specialist: Any, batch: int = 32):
        self.name, self.specialist, self.batch = name, specialist, batch
        self.device = str(getattr(specialist, "device", "cpu"))
        self.params: int | None = None

    def applies(self, item: Item) -> bool:
        return self.specialist.supports(item.problem)

    def run(self, items: Sequence[Item]) -> list[Outcome]:
        out = []
        for i in range(0, len(items), self.batch):
            chunk = items[i : i + self.batch]
            t0 = time.perf_counter()
            try:
                answers = list(self.specialist.solve_batch([it.problem for it in chunk]))
                error = None
            except Exception as e:
                answers, error = [None] * len(chunk), f"{type(e).__name__}: {e}"
            busy = time.perf_counter() - t0
            energy = busy * power_w(self.device) / len(chunk)
            info = getattr(self.specialist, "model_info", None)
            for it, a in zip(chunk, answers, strict=True):
                answer = _attempts(a)
                steps = getattr(a, "steps", None)
                flops = None
                if info is not None and steps:  # analytic: a TRM's matmuls per step x steps
                    self.params, per_step = info(it.problem)  # steps: every trajectory's
                    flops = per_step * steps
                own = getattr(a, "busy_s", None)  # a pool's per-problem time, where known
                out.append(
                    Outcome(
                        answer=answer,
                        latency_s=busy if own is None else own,
                        energy_j=energy,
                        cost_usd=local_cost(energy),
                        steps=steps,
                        flops=flops,
                        error=error,
                    )
                )
        return out


def _attempts(a: Any) -> Any:
    """The answer, or [first, second, ...] attempts when the specialist gave alternatives
    (ARC is scored pass@2)."""
    answer = getattr(a, "answer", a)
    alternatives = getattr(a, "alternatives", None) or []
    return [answer, *alternatives] if alternatives else answer


class TestTimeSolver:
    """ARC the paper's way for a task no checkpoint knows: the `trm-arc-ttt` specialist
    (train on its demonstrations from the shipped ARC checkpoint for a fixed budget, then
    predict on every view and vote), enabled here whatever the device. The training time
    is part of the latency."""

    __test__ = False  # not a pytest class

    def __init__(self, base: Any, seconds: float = 60.0, workdir: str | None = None):
        from orchestra.specialists.trm_arc_ttt import TRMArcTTT

        self.base, self.seconds = base, seconds
        self.name = f"trm-arc-ttt-{seconds:g}s"
        self.specialist = TRMArcTTT(base, seconds=seconds, workdir=workdir, enabled=True)
        self.device = self.specialist.device
        self.params: int | None = None

    def applies(self, item: Item) -> bool:
        """ARC tasks the base checkpoint does not already know (those need no training)."""
        return self.specialist.supports(item.problem)

    def _one(self, item: Item) -> Outcome:
        t0 = time.perf_counter()
        a = self.specialist.solve_one(item.problem)
        busy = time.perf_counter() - t0
        self.params = getattr(self.specialist, "params", None)
        energy = busy * power_w(self.device)
        return Outcome(
            answer=_attempts(a),
            latency_s=busy,
            energy_j=energy,
            cost_usd=local_cost(energy),
            steps=a.steps,
        )

    def run(self, items: Sequence[Item]) -> list[Outcome]:
        out = []
        for item in items:
            try:
                out.append(self._one(item))
            except Exception as e:  # a task that does not fit the canvas, say
                out.append(Outcome(error=f"{type(e).__name__}: {e}"))
        return out


class LLMSolver:
    """An LLM baseline: the family's prompt, the reply parsed; bounded concurrency."""

    def __init__(self, llm: Any, concurrency: int = 4):
        self.llm = llm
        self.name = f"llm:{llm.name}"
        self.device = str(llm.device)
        own = getattr(llm, "max_concurrency", None)
        self.concurrency = min(concurrency, own) if own else concurrency
        self.params: int | None = None

    def applies(self, item: Item) -> bool:
        return True

    def _params(self) -> int | None:
        model = getattr(self.llm, "_model", None)
        return sum(p.numel() for p in model.parameters()) if model is not None else None

    def run(self, items: Sequence[Item]) -> list[Outcome]:
        self.llm.warm_up()
        self.params = self._params()

        def one(item: Item) -> Outcome:
            t0 = time.perf_counter()
            try:
                answer, r = self.llm.answer(item.problem)
            except Exception as e:
                return Outcome(error=f"{type(e).__name__}: {e}", latency_s=time.perf_counter() - t0)
            latency = time.perf_counter() - t0
            energy = latency * power_w(self.device)
            cost = r.cost_usd if self.device == "remote" else local_cost(energy)
            flops = 2.0 * self.params * r.tokens if self.params else None
            return Outcome(
                answer=answer,
                latency_s=latency,
                tokens=r.tokens,
                cost_usd=cost,
                energy_j=energy,
                flops=flops,
            )

        with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
            return list(pool.map(one, items))


class OrchestraSolver:
    """The whole engine: router, specialists, verification and fallback, from raw input."""

    name = "orchestra"
    device = "mixed"
    params = None

    def __init__(self, engine: Any):
        self.engine = engine

    def applies(self, item: Item) -> bool:
        return True

    def run(self, items: Sequence[Item]) -> list[Outcome]:
        sols = self.engine.solve_many(
            [it.raw if it.raw is not None else it.problem for it in items]
        )
        out = []
        for s in sols:
            cost = s.cost_usd + local_cost(s.energy_j)
            out.append(
                Outcome(
                    answer=_attempts(s),  # ARC: both attempts, scored pass@2
                    latency_s=s.latency_s,
                    tokens=s.tokens,
                    cost_usd=cost,
                    energy_j=s.energy_j,
                    steps=s.steps,
                    route=s.route,
                    routed_kind=s.kind,
                    error=s.error,
                )
            )
        return out
