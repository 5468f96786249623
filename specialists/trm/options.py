"""The `orchestra train` command line, kept free of torch so the CLI starts fast."""

from __future__ import annotations

import argparse
import json

from .presets import PRESETS


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "task",
        metavar="FAMILY",
        help="the problem family to learn (`orchestra families` lists them: sudoku, maze, "
        "arc, grid, and installed plug-ins), or `router` for the learned router",
    )
    p.add_argument("--preset", help=f"one of: {', '.join(sorted(PRESETS))}, or a family's own")
    p.add_argument(
        "--out",
        help="run directory (checkpoint, card, metrics); with --data, defaults to the user "
        "checkpoint cache, where `orchestra solve` finds it",
    )
    p.add_argument(
        "--data",
        "--tasks",
        dest="data",
        metavar="FILE",
        help="train on a file of your own: grid: input/output examples (JSONL, CSV "
        "question,answer, or the TRM reference npy directory), with --name; arc (also "
        "--tasks): test-time training on the ARC tasks in a JSON file, from the shipped "
        "ARC checkpoint",
    )
    p.add_argument(
        "--name",
        help="grid: the task's name, which becomes its problems' kind "
        '(`orchestra.solve({"kind": NAME, "grid": ...})`)',
    )
    p.add_argument(
        "--verifier",
        metavar="NAME",
        help="grid: the verifier (problem, answer) -> bool or Verdict that checks answers "
        "whose expected output is unknown: a name registered with "
        "orchestra.register_grid_verifier or the orchestra.grid_verifiers entry points "
        "(or module:function, imported now; when serving, only if listed in "
        "$ORCHESTRA_TRUSTED_VERIFIERS)",
    )
    p.add_argument("--init", metavar="DIR", help="start from this checkpoint's network")
    p.add_argument("--minutes", type=float, help="stop after this much training time")
    p.add_argument("--steps", type=int, help="stop after this many optimizer steps")
    p.add_argument("--resume", action="store_true", help="continue the run in --out")
    p.add_argument("--seed", type=int)
    p.add_argument("--device", help="cpu, cuda, cuda:1 (default: cuda if available)")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override an option: lr=3e-4, batch=64, model.hidden=256, task.size=6",
    )


def _value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def overrides(args: argparse.Namespace) -> dict:
    """--set pairs and the named flags as one dict of option overrides."""
    out = {}
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--set expects KEY=VALUE, got {item!r}")
        out[key.strip()] = _value(value.strip())
    if getattr(args, "verifier", None):
        out["task.verifier"] = args.verifier
    for key, value in (
        ("init", getattr(args, "init", None)),
        ("minutes", args.minutes),
        ("max_steps", args.steps),
        ("seed", args.seed),
        ("device", args.device),
    ):
        if value is not None:
            out[key] = value
    if args.no_progress:
        out["progress"] = False
    return out
