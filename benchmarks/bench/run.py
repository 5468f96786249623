"""`orchestra bench`: tasks x solvers x metrics into one run directory.

    orchestra bench --quick                       # a few minutes on a 2-core CPU
    orchestra bench --tasks sudoku9-minimal,maze-30 --solvers exact,trm,llm --limit 200
    orchestra bench --tasks file:sudoku-extreme.csv --solvers trm,trm-k4 --limit 1000

Writes `samples.jsonl` (every problem for every solver), `summary.json`, `report.md` and
PNG plots under `--out`. Finished samples are never re-run: run the same command again to
resume, or add solvers and tasks to an existing run.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from orchestra import family_registry, registry

from . import report
from .scoring import score
from .solvers import LLMSolver, OrchestraSolver, SpecialistSolver, TestTimeSolver
from .tasks import build, quick_tasks, task_names

QUICK = {
    "solvers": ["exact", "trm", "trm-k4", "llm", "orchestra"],
    "limit": 20,
    "llm_limit": 3,
}
# ARC tasks only have an LLM answer here, and their prompts run to thousands of tokens.
TASK_LIMITS = {"arc1-eval": 3, "arc2-eval": 3, "arc1-eval-small": 3, "arc1-training": 3}
ALL_SOLVERS = (
    "exact",
    "trm",
    "trm-k4",
    "trm-plain",
    "trm-ttt",
    "arc-search",
    "llm",
    "orchestra",
)


def make_solvers(
    names: Sequence[str], *, llm: Any, batch: int, ttt_seconds: float = 60.0
) -> list[Any]:
    out: list[Any] = []
    for name in names:
        if name == "exact":
            for family in family_registry.all_families():
                if family.has("solve"):
                    spec = family.solver_name or f"exact-{family.name}"
                    out.append(SpecialistSolver(spec, registry.get_specialist(spec), batch))
        elif name in ("trm", "trm-k4"):
            out += _trm_solvers(4 if name == "trm-k4" else 1, batch)
        elif name == "trm-plain":
            out += _trm_solvers(1, batch, plain=True)
        elif name == "trm-ttt":
            from orchestra.catalog import arc_base

            base = arc_base()
            if base is not None:
                out.append(TestTimeSolver(base, seconds=ttt_seconds))
        elif name == "arc-search":
            out.append(SpecialistSolver(name, registry.get_specialist(name), batch))
        elif name == "llm":
            if llm is not None:
                out.append(LLMSolver(llm))
        elif name == "orchestra":
            from orchestra import Orchestra

            out.append(OrchestraSolver(Orchestra(llm=llm if llm is not None else "none")))
        else:
            raise ValueError(f"no solver {name!r}; known: {', '.join(ALL_SOLVERS)}")
    return out


def _trm_solvers(k: int, batch: int, plain: bool = False) -> list[SpecialistSolver]:
    """Every kind's TRM specialist with up to `k` verifier-guided trajectories (kinds whose
    specialist takes none, ARC's voting over views, only at k = 1). `plain`: the kinds
    whose TRM propagates by default, with propagation off (plain recursion, the paper's
    inference), to measure what propagation adds."""
    from orchestra.catalog import kinds_with_checkpoints
    from orchestra.specialists.trm_specialist import family_specialist

    out = []
    for family in family_registry.all_families():
        if not family.has("trm"):
            continue
        for kind in kinds_with_checkpoints(family.name):
            spec = family_specialist(family.name, kind)
            if plain:
                if not any(getattr(m, "propagate", False) for m in spec.members):
                    continue
                spec = family_specialist(family.name, kind, propagate=False)
                out.append(SpecialistSolver(spec.name + "-plain", spec, batch))
                continue
            if k > 1:
                if not spec.multi_trajectory():
                    continue
                spec = family_specialist(family.name, kind, trajectories=k)
            if spec.members:
                out.append(SpecialistSolver(spec.name + (f"-k{k}" if k > 1 else ""), spec, batch))
    return out


def _load(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def run(
    out: str | Path,
    *,
    tasks: Sequence[str],
    solvers: Sequence[str],
    limit: int,
    llm_limit: int | None = None,
    seed: int = 0,
    llm: Any = None,
    batch: int = 32,
    command: str = "orchestra bench",
    progress: bool = True,
    quick: bool = False,
    ttt_seconds: float = 60.0,
) -> report.Summary:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    samples_path, walls_path = out / "samples.jsonl", out / "walls.jsonl"
    done = {(s["task"], s["solver"], s["id"]) for s in _load(samples_path)}
    engines = make_solvers(solvers, llm=llm, batch=batch, ttt_seconds=ttt_seconds)
    split = None
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not progress,
    )
    with bar, open(samples_path, "a") as samples, open(walls_path, "a") as walls:
        for task in tasks:
            items = build(task, min(limit, TASK_LIMITS.get(task, limit)) if quick else limit, seed)
            for solver in engines:
                cap = llm_limit if isinstance(solver, LLMSolver) and llm_limit else limit
                todo = [it for it in items if solver.applies(it)][:cap]
                todo = [it for it in todo if (task, solver.name, it.id) not in done]
                if not todo:
                    continue
                job = bar.add_task(f"{task} / {solver.name}", total=len(todo))
                for i in range(0, len(todo), batch):
                    chunk = todo[i : i + batch]
                    t0 = time.perf_counter()
                    outcomes = solver.run(chunk)
                    walls.write(
                        json.dumps(
                            {
                                "task": task,
                                "solver": solver.name,
                                "wall_s": time.perf_counter() - t0,
                            }
                        )
                        + "\n"
                    )
                    for it, o in zip(chunk, outcomes, strict=True):
                        sc = score(it, o.answer)
                        samples.write(
                            json.dumps(
                                {
                                    "task": task,
                                    "solver": solver.name,
                                    "id": it.id,
                                    "kind": it.problem.kind,
                                    "answer": o.answer,
                                    "correct": sc.correct,
                                    "cell": sc.cell,
                                    "valid": sc.valid,
                                    "latency_s": o.latency_s,
                                    "tokens": o.tokens,
                                    "cost_usd": o.cost_usd,
                                    "energy_j": o.energy_j,
                                    "flops": o.flops,
                                    "steps": o.steps,
                                    "params": getattr(solver, "params", None),
                                    "route": o.route,
                                    "routed_kind": o.routed_kind,
                                    "error": o.error,
                                },
                                default=str,
                            )
                            + "\n"
                        )
                    samples.flush()
                    walls.flush()
                    bar.advance(job, len(chunk))
            for solver in engines:
                if isinstance(solver, OrchestraSolver):
                    split = solver.engine.stats().model_dump()
    from orchestra.energy import power_note

    walls_by: dict[tuple[str, str], float] = {}
    for w in _load(walls_path):
        key = (w["task"], w["solver"])
        walls_by[key] = walls_by.get(key, 0.0) + w["wall_s"]
    summary = report.Summary(
        rows=report.summarise(_load(samples_path), walls_by),
        workload_split=split,
        note=power_note(),
    )
    (out / "summary.json").write_text(summary.model_dump_json(indent=2) + "\n")
    from orchestra.machine import machine

    (out / "report.md").write_text(report.markdown(summary, command, machine()))
    report.plots(summary, out)
    return summary


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quick", action="store_true", help="the small suite (a few CPU minutes)")
    p.add_argument(
        "--tasks",
        help="comma-separated benchmark tasks: each family's (`orchestra families` lists "
        "them; e.g. sudoku9-minimal, maze-30, arc1-eval, nqueens-8), mixed, or file:PATH.csv",
    )
    p.add_argument(
        "--ttt-seconds",
        type=float,
        default=60.0,
        help="trm-ttt: test-time training budget per ARC task (default 60)",
    )
    p.add_argument("--solvers", help=f"comma-separated: {', '.join(ALL_SOLVERS)}")
    p.add_argument("--limit", type=int, help="problems per task (default 100; quick 20)")
    p.add_argument("--llm-limit", type=int, help="problems per task for LLM baselines")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--out", default="runs/bench", help="run directory (default runs/bench)")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument(
        "--schedulers",
        help="comma-separated policies (priority,cost,latency,accuracy or plug-ins): run the "
        "tasks through the full orchestra once per policy, side by side (e.g. with "
        "--tasks mixed-large --limit 3000)",
    )
    p.add_argument(
        "--interactive",
        type=int,
        default=60,
        help="with --schedulers: also send this many puzzles one at a time per policy",
    )
    p.add_argument(
        "--perf-models",
        help="the performance models every policy starts from (default: the shipped "
        "calibration, orchestra/data/perf-seed.json)",
    )


def run_schedulers(args: argparse.Namespace, llm: Any) -> None:
    from orchestra.schedulers import SchedulerError, get

    from . import schedules

    policies = args.schedulers.split(",")
    for policy in policies:
        try:
            get(policy)
        except SchedulerError as e:
            raise ValueError(str(e)) from None
    tasks = args.tasks.split(",") if args.tasks else ["mixed-large"]
    limit = args.limit or 3000
    items = [it for t in tasks for it in build(t, limit, args.seed)]
    counts: dict[str, int] = {}
    for it in items:
        label = it.id.split("/")[1] if it.id.count("/") >= 2 else it.task
        counts[label] = counts.get(label, 0) + 1
    composition = f"{len(items)} items (" + ", ".join(f"{k} {v}" for k, v in counts.items()) + ")"
    command = "orchestra bench " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    schedules.run(
        args.out,
        items=items,
        policies=policies,
        llm=llm,
        command=command.strip(),
        composition=composition,
        perf_path=Path(args.perf_models) if args.perf_models else None,
        progress=not args.no_progress,
        interactive=args.interactive,
    )
    print((Path(args.out) / "schedulers.md").read_text())


def run_from_args(args: argparse.Namespace, llm: Any) -> report.Summary | None:
    if args.schedulers:
        run_schedulers(args, llm)
        return None
    base: dict[str, Any] = (
        {**QUICK, "tasks": quick_tasks()}
        if args.quick
        else {
            "tasks": task_names(),
            "solvers": list(ALL_SOLVERS),
            "limit": 100,
            "llm_limit": 20,
        }
    )
    tasks = args.tasks.split(",") if args.tasks else base["tasks"]
    solvers = args.solvers.split(",") if args.solvers else base["solvers"]
    command = "orchestra bench " + " ".join(shlex.quote(a) for a in sys.argv[2:])
    summary = run(
        args.out,
        tasks=tasks,
        solvers=solvers,
        limit=args.limit or base["limit"],
        llm_limit=args.llm_limit or base["llm_limit"],
        seed=args.seed,
        llm=llm,
        batch=args.batch,
        command=command.strip(),
        progress=not args.no_progress,
        quick=args.quick,
        ttt_seconds=args.ttt_seconds,
    )
    print((Path(args.out) / "report.md").read_text())
    return summary
