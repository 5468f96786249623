"""The workload split as an experiment: one large mixed workload, solved by the full
orchestra once per scheduling policy, side by side in one run.

    orchestra bench --tasks mixed-large --schedulers priority,cost,latency,accuracy

Every policy starts from the same performance models (the shipped calibration, or
`--perf-models FILE`), learns nothing it could carry to the next policy (each gets its own
in-memory copy), and solves the same items in one `solve_many` call: the whole workload
arrives at once, as a batch job's would. Reported per policy: wall time, dollars (API plus
local energy at the stated electricity price), energy, the verified rate over the
problems a verifier can judge, accuracy against the reference answers, and each
processor's share of the items; a plot of the split beside it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from orchestra.energy import local_cost, power_note
from orchestra.perfmodel import SEED_FILE, PerfModels

from .scoring import score
from .tasks import Item


class PolicyResult(BaseModel):
    policy: str
    items: int
    wall_s: float
    cost_usd: float
    energy_j: float
    judged: int  # problems a verifier could decide
    verified: int
    correct: int  # against the reference answer, where there is one
    with_reference: int
    share: dict[str, int]  # final route -> items
    tried: dict[str, int]  # processor -> items it attempted (fallbacks included)
    errors: int
    scheduler_errors: int

    @property
    def verified_rate(self) -> float:
        return self.verified / self.judged if self.judged else 0.0


def _models(path: Path | None) -> PerfModels:
    """A private in-memory copy: what one policy's run teaches must not help the next."""
    return PerfModels(seed=path or SEED_FILE, persist=False)


def run_policy(policy: str, items: list[Item], *, llm: Any, perf_path: Path | None) -> PolicyResult:
    from orchestra import Orchestra

    engine = Orchestra(llm=llm, scheduler=policy, perf_models=_models(perf_path))
    engine.warm_up(llm=llm is not None)  # loading weights is no policy's cost
    t0 = time.perf_counter()
    sols = engine.solve_many([it.raw for it in items])
    wall = time.perf_counter() - t0
    share: dict[str, int] = {}
    tried: dict[str, int] = {}
    judged = verified = correct = with_ref = errors = sched_errors = 0
    cost = energy = 0.0
    for it, sol in zip(items, sols, strict=True):
        share[sol.route or "none"] = share.get(sol.route or "none", 0) + 1
        for a in sol.trace.attempts:
            if not a.reason.startswith("skipped"):
                tried[a.processor] = tried.get(a.processor, 0) + 1
        judged += sol.verified is not None
        verified += sol.verified is True
        errors += sol.error is not None and sol.answer is None
        sched_errors += bool(sol.trace.schedule and sol.trace.schedule.error)
        cost += sol.cost_usd + local_cost(sol.energy_j)
        energy += sol.energy_j
        if it.expected is not None:
            with_ref += 1
            answer = [sol.answer, *sol.alternatives] if sol.alternatives else sol.answer
            correct += bool(score(it, answer).correct)
    return PolicyResult(
        policy=policy,
        items=len(items),
        wall_s=wall,
        cost_usd=cost,
        energy_j=energy,
        judged=judged,
        verified=verified,
        correct=correct,
        with_reference=with_ref,
        share=dict(sorted(share.items())),
        tried=dict(sorted(tried.items())),
        errors=errors,
        scheduler_errors=sched_errors,
    )


class Interactive(BaseModel):
    """One request at a time, as a person at a prompt sends them: time to each answer."""

    policy: str
    requests: int
    p50_s: float
    p95_s: float
    mean_s: float
    verified: int


def run_interactive(
    policy: str, items: list[Item], *, llm: Any, perf_path: Path | None
) -> Interactive:
    from orchestra import Orchestra
    from orchestra.accounting import percentile

    engine = Orchestra(llm=llm, scheduler=policy, perf_models=_models(perf_path))
    engine.warm_up(llm=False)
    times, verified = [], 0
    for it in items:
        t0 = time.perf_counter()
        sol = engine.solve(it.raw)
        times.append(time.perf_counter() - t0)
        verified += sol.verified is True
    return Interactive(
        policy=policy,
        requests=len(items),
        p50_s=percentile(times, 0.5),
        p95_s=percentile(times, 0.95),
        mean_s=sum(times) / len(times) if times else 0.0,
        verified=verified,
    )


def interactive_sample(items: list[Item], n: int) -> list[Item]:
    """The first `n` puzzles of the workload (prose is the LLM's under every policy)."""
    return [it for it in items if it.expected is not None][:n]


def markdown(
    results: list[PolicyResult],
    command: str,
    machine: str,
    composition: str,
    interactive: Sequence[Interactive] = (),
) -> str:
    import torch

    base = next((r for r in results if r.policy == "priority"), results[0])
    gpu = (
        "the TRM specialists ran on CUDA"
        if torch.cuda.is_available()
        else "no CUDA device on this machine: every specialist ran on the CPU (the GPU "
        "comparison waits for a machine with one)"
    )
    lines = [
        "# Scheduling policies on one large mixed workload",
        "",
        f"Measured with `{command}` on {machine}; {gpu}. Workload: {composition}. "
        f"Each policy solved every item in one call, from the same performance models. "
        f"{power_note()}; dollars are API dollars plus that energy at the stated "
        "electricity price.",
        "",
        "| policy | items | wall s | vs priority | $ total | vs priority | energy J | "
        "verified | verified rate | correct | scheduler errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.policy} | {r.items} | {r.wall_s:.1f} | {r.wall_s / base.wall_s:.2f}x | "
            f"{r.cost_usd:.2e} | {r.cost_usd / base.cost_usd:.2f}x | {r.energy_j:.0f} | "
            f"{r.verified}/{r.judged} | {r.verified_rate:.3f} | "
            f"{r.correct}/{r.with_reference} | {r.scheduler_errors} |"
        )
    for title, counts in (
        ("Who answered (final route, items):", [r.share for r in results]),
        ("Who tried (attempts, fallbacks included):", [r.tried for r in results]),
    ):
        lines += ["", title, "", *_count_table([r.policy for r in results], counts)]
    if interactive:
        first = interactive[0]
        lines += [
            "",
            f"One request at a time (the first {first.requests} puzzles of the workload, "
            "each sent alone, as an interactive user would):",
            "",
            "| policy | requests | p50 ms | p95 ms | mean ms | verified |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for i in interactive:
            lines.append(
                f"| {i.policy} | {i.requests} | {i.p50_s * 1000:.1f} | {i.p95_s * 1000:.1f} | "
                f"{i.mean_s * 1000:.1f} | {i.verified}/{i.requests} |"
            )
    lines += ["", "![the split per policy](schedulers.png)", ""]
    return "\n".join(lines)


def _count_table(policies: list[str], counts: list[dict[str, int]]) -> list[str]:
    """Markdown rows: a policy per row, a processor per column."""
    names = sorted({p for c in counts for p in c})
    rows = ["| policy | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for policy, c in zip(policies, counts, strict=True):
        rows.append(f"| {policy} | " + " | ".join(str(c.get(p, 0)) for p in names) + " |")
    return rows


def plot(results: list[PolicyResult], out: Path) -> Path:
    from orchestra.extras import needs

    with needs("bench", "the benchmark plots"):
        import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tried = sorted({p for r in results for p in r.tried})
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.2))
    colours = plt.get_cmap("tab20")
    bottoms = [0.0] * len(results)
    names = [r.policy for r in results]
    for i, p in enumerate(tried):
        values = [r.tried.get(p, 0) for r in results]
        left.bar(names, values, bottom=bottoms, label=p, color=colours(i % 20))
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    left.set_ylabel("attempts")
    left.set_title("who tried what")
    left.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    right.bar(names, [r.wall_s for r in results], color="tab:blue", label="wall s")
    right.set_ylabel("wall seconds")
    twin = right.twinx()
    twin.plot(names, [r.cost_usd for r in results], "o-", color="tab:red", label="$")
    twin.set_ylabel("$ (API + energy)")
    right.set_title("time and cost per policy")
    fig.tight_layout()
    path = out / "schedulers.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def run(
    out: str | Path,
    *,
    items: list[Item],
    policies: list[str],
    llm: Any,
    command: str,
    composition: str,
    perf_path: Path | None = None,
    progress: bool = True,
    interactive: int = 0,
) -> list[PolicyResult]:
    from orchestra.machine import machine

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results = []
    for policy in policies:
        if progress:
            print(f"scheduler {policy}: {len(items)} items ...", flush=True)
        r = run_policy(policy, items, llm=llm, perf_path=perf_path)
        results.append(r)
        if progress:
            print(
                f"  {r.wall_s:.1f} s, ${r.cost_usd:.2e}, verified {r.verified}/{r.judged}",
                flush=True,
            )
        (out / "schedulers.json").write_text(
            json.dumps([x.model_dump() for x in results], indent=1) + "\n"
        )
    alone = []
    for policy in policies if interactive else []:
        sample = interactive_sample(items, interactive)
        alone.append(run_interactive(policy, sample, llm=llm, perf_path=perf_path))
        if progress:
            print(
                f"scheduler {policy}, one at a time: p50 {alone[-1].p50_s * 1000:.1f} ms",
                flush=True,
            )
    (out / "schedulers.md").write_text(markdown(results, command, machine(), composition, alone))
    plot(results, out)
    return results
