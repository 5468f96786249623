"""`arc-search`'s candidates per second with a search switch on and off, side by side: the
same tasks, the same budget, one process, the two settings taking turns task by task so
that a noisy machine weighs on both alike.

    python -m orchestra.benchmarks.arc_rate [--switch RING_PREFILTER] [--set arc1-training]
        [--n 20] [--start 0] [--budget 5] [--out FILE]

`--switch` names a boolean in `orchestra.specialists.arc_search.search`. The report gives
each setting's candidates per second (candidate steps applied to a whole task state, per
second of search), the ratio, the tasks with a consistent program and the tasks answered
right within two attempts (the expected outputs held back, used only to score) under each,
and the tasks
whose two attempts differ between the settings (a fast path must not change answers).
"""

from __future__ import annotations

import argparse
import importlib
import time
from typing import Any

from orchestra.benchmarks import publish
from orchestra.machine import machine
from orchestra.tasks.arc import load

SETS = {"arc1-training": (1, "training"), "arc1-eval": (1, "evaluation")}


def _run(module: Any, switch: str, on: bool, task: Any, budget: float) -> dict[str, Any]:
    setattr(module, switch, on)
    pairs = [(p.input, p.output) for p in task.train]
    t0 = time.perf_counter()
    r = module.search(pairs, list(task.test_inputs), budget_s=budget)
    seconds = time.perf_counter() - t0
    attempts = [[g.tolist() for g in grids] for _, grids in r.attempts()]
    right = task.test_outputs is not None and any(a == task.test_outputs for a in attempts)
    return {"evaluated": r.evaluated, "seconds": seconds, "attempts": attempts, "right": right}


def main(argv: list[str] | None = None) -> None:
    # the module, not the package's `search` function of the same name
    module = importlib.import_module("orchestra.specialists.arc_search.search")

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--switch", default="RING_PREFILTER")
    p.add_argument("--set", default="arc1-training", choices=sorted(SETS))
    p.add_argument("--n", type=int, default=20)
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--budget", type=float, default=5.0)
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    if not isinstance(getattr(module, args.switch, None), bool):
        p.error(f"{args.switch} is not a boolean switch of the search module")
    version, split = SETS[args.set]
    tasks = list(load(version, split))[args.start : args.start + args.n]
    rows: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
    default = getattr(module, args.switch)
    try:
        for i, task in enumerate(tasks):
            for on in ((False, True) if i % 2 == 0 else (True, False)):
                rows[on].append(_run(module, args.switch, on, task, args.budget))
    finally:
        setattr(module, args.switch, default)
    rate = {
        on: sum(r["evaluated"] for r in rs) / sum(r["seconds"] for r in rs)
        for on, rs in rows.items()
    }
    consistent = {on: sum(bool(r["attempts"]) for r in rs) for on, rs in rows.items()}
    right = {on: sum(r["right"] for r in rs) for on, rs in rows.items()}
    differ = [
        t.id
        for t, off, on in zip(tasks, rows[False], rows[True], strict=True)
        if off["attempts"] != on["attempts"]
    ]
    command = (
        f"python -m orchestra.benchmarks.arc_rate --switch {args.switch} --set {args.set} "
        f"--n {args.n} --start {args.start} --budget {args.budget:g}"
    )
    lines = [
        f"# arc-search with `{args.switch}` off and on",
        "",
        f"Measured with `{command}` on {machine()}: one process, the settings taking turns "
        "task by task.",
        "",
        "| setting | candidates/s | tasks with a consistent program | tasks right (pass@2) |",
        "|---|---|---|---|",
        f"| off | {rate[False]:,.0f} | {consistent[False]} of {len(tasks)} "
        f"| {right[False]} of {len(tasks)} |",
        f"| on | {rate[True]:,.0f} | {consistent[True]} of {len(tasks)} "
        f"| {right[True]} of {len(tasks)} |",
        "",
        f"Ratio on/off: {rate[True] / rate[False]:.2f}x. Tasks whose attempts differ: "
        + (", ".join(differ) if differ else "none")
        + " (with a deadline, a faster search may reach programs the slower one did not).",
    ]
    publish("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
