"""The demo: what the CPU/accelerator split is for, in about a minute on two cores.

1. One `solve_many` over a mixed workload (every family's `Family.demo` examples, so an
   installed plug-in family shows up too, and two questions in prose): one line per
   item saying where it went and why (the router's reason and the scheduler's one-line
   estimate), and, for an ARC task no checkpoint knows, the program the search found.
2. The same puzzles a second time with the TRM first (the `priority` policy): the TRM
   solving them, and what it costs next to the exact solver on this machine, which is
   the scheduler's reason for its choice in the first pass.
3. The per-processor table over both passes.

A composition root (like the CLI): it may reach every layer. It uses whatever processors
are installed, says what is missing, and never invents an answer.
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console
from rich.table import Table

from . import family_registry
from .render import summary
from .types import Solution

PROSE = [
    ("question", "What is the capital of France?"),
    ("question", "What is the largest planet in our solar system?"),
]


def workload(seed: int = 0) -> list[tuple[str, Any]]:
    """(label, input) pairs, inputs in the forms people paste."""
    items: list[tuple[str, Any]] = []
    for family in family_registry.all_families():
        items += family.demo(seed)
    return items + PROSE


def _ms(seconds: float) -> str:
    if seconds >= 10:
        return f"{seconds:,.0f} s"
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def _steps(n: int | None) -> str:
    return "" if not n else f"{n} step" + ("s" if n > 1 else "")


def why(s: Solution) -> str:
    """The one-line reason an item went where it went: the router's reading, the
    scheduler's expected time (or cost, or rate) per processor, and any fallback."""
    parts = []
    d, sched = s.trace.decision, s.trace.schedule
    if d is not None:
        parts.append(d.reason or f"routed to {d.target}")
    if sched is not None and sched.scores:
        ranked = sorted(sched.scores.items(), key=lambda kv: sched.order.index(kv[0]))
        if sched.unit.startswith("s"):
            est = ", ".join(f"{n} ~{_ms(v)}" for n, v in ranked)
            parts.append(f"{sched.policy}: {est} expected")
        else:
            est = ", ".join(f"{n} {v:.3g}" for n, v in ranked)
            parts.append(f"{sched.policy}: {est} ({sched.unit})")
    elif sched is not None:
        parts.append(sched.note or sched.policy)
    if s.fallback_from:
        parts.append("fell back from " + ", ".join(s.fallback_from))
    return "; ".join(parts)


def _verdict(s: Solution) -> str:
    if s.verified is None and s.consistent:
        return "[green]consistent[/]"
    return {True: "[green]yes[/]", False: "[red]no[/]", None: "-"}[s.verified]


def _answer(s: Solution) -> str:
    if s.error is not None and s.answer is None:
        return f"[yellow]{s.error}[/]"
    return summary(s.problem, s.answer)


def _program(s: Solution) -> str | None:
    """The program an ARC answer came from, as `--explain` shows it."""
    for a in s.trace.attempts:
        if a.processor == s.route and a.evidence is not None and a.evidence.program:
            return a.evidence.program
    return None


def first_pass(engine: Any, items: list[tuple[str, Any]], out: Console) -> list[Solution]:
    t0 = time.perf_counter()
    sols = engine.solve_many([x for _, x in items])
    wall = time.perf_counter() - t0
    table = Table(
        title=f"1. one solve_many over a mixed workload ({engine.scheduler.name} scheduler, "
        f"{wall:.1f} s)"
    )
    for col in ("#", "input", "went to", "verified", "time", "answer"):
        table.add_column(col, overflow="fold")
    for i, ((label, _), s) in enumerate(zip(items, sols, strict=True), start=1):
        route = s.route or "-"
        if s.steps:
            route += f" ({_steps(s.steps)})"
        table.add_row(str(i), label, route, _verdict(s), _ms(s.latency_s), _answer(s))
    out.print(table)
    out.print("why each went where it did (the router's reading; the scheduler's estimates):")
    for i, s in enumerate(sols, start=1):
        out.print(f"  {i:>2}. {s.route or '-'}: {why(s)}", markup=False, soft_wrap=True)
    for (label, _), s in zip(items, sols, strict=True):
        program = _program(s)
        if program:
            out.print(f"  {label}: the program found, checked on every demonstration:")
            out.print(f"    {program}", markup=False)
    return sols


def trm_pass(engine: Any, items: list[tuple[str, Any]], sols: list[Solution], out: Console):
    """The puzzles a TRM can take, again, with the TRM first; its time next to the
    exact solver's on the same puzzle in the first pass."""
    from .engine import Orchestra

    picked = []
    for (label, x), s in zip(items, sols, strict=True):
        if s.problem is None or s.kind == family_registry.TEXT_KIND:
            continue
        chain = engine.chain(s.kind, s.problem)
        if any(n.startswith("trm-") for n in chain):
            picked.append((label, x, s))
    if not picked:
        out.print("[yellow]no TRM checkpoint takes these puzzles: the second pass is skipped[/]")
        return
    trm_first = Orchestra(
        router=engine.router, llm=None, scheduler="priority", perf_models=engine.perf
    )
    trm_first.accounting = engine.accounting  # one table for both passes
    again = trm_first.solve_many([x for _, x, _ in picked])
    table = Table(
        title="2. the same puzzles, TRM first (priority scheduler); times are each "
        "processor's batch, the same puzzles in both passes"
    )
    for col in ("input", "went to", "verified", "TRM", "first pass", "TRM / first"):
        table.add_column(col, overflow="fold")
    solved, ratios = 0, []
    for (label, _, before), s in zip(picked, again, strict=True):
        trm = next((a for a in s.trace.attempts if a.processor.startswith("trm-")), None)
        if trm is None:
            continue
        ok = trm.accepted and (trm.verified is True or trm.consistent is True)
        solved += ok
        first = next((a for a in before.trace.attempts if a.processor == before.route), None)
        first_s = first.latency_s if first is not None else before.latency_s
        ratio = trm.latency_s / first_s if first_s > 0 else float("nan")
        ratios.append(ratio)
        route = s.route or "-"
        if s.fallback_from:
            route += f" (after {', '.join(s.fallback_from)})"
        table.add_row(
            label,
            route + (f", {_steps(trm.steps)}" if trm.steps else ""),
            _verdict(s) if ok else f"[red]TRM: {trm.reason or trm.error or 'no'}[/]",
            _ms(trm.latency_s),
            f"{_ms(first_s)} ({before.route})",
            f"{ratio:,.1f}x",
        )
    out.print(table)
    if ratios:
        ratios.sort()
        out.print(
            f"  the TRM verified {solved} of {len(ratios)} on its own; on this machine it "
            f"took a median {ratios[len(ratios) // 2]:,.1f}x the first pass's time on the "
            "same puzzles, which is why the latency scheduler sent them to the exact solvers. "
            "On an accelerator, batched, the TRM's cost per puzzle falls "
            "(`python -m orchestra.benchmarks.device_run` measures it there).",
            markup=False,
        )
