"""Measure a TRM checkpoint on held-out puzzles, the way its card reports it.

    python -m orchestra.specialists.trm.evaluate DIR [--n 1000] [--seed 0] [--steps 1,4,16]
                                           [--trajectories 1,4] [--halt steps,verified]
                                           [--recursion T,n] [--patience N]
                                           [--update-card]

Held-out puzzles come from generator seeds that training never uses (see
`orchestra/trm_specs.py`). Exact accuracy is per puzzle (every token right); with
several trajectories a puzzle counts as solved when the returned answer passes the
verifier, and the cost column says how many puzzle-steps that took; `--halt verified`
stops a puzzle at its first verified answer; `--halt propagate` also commits the cells the
network is sure of and propagates between steps, as the specialist runs by default for a
family with a propagator (Sudoku).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from . import checkpoint
from .model import TRM
from .train import evaluate, evaluate_steps


def measure(
    directory: str | Path,
    *,
    n: int = 1000,
    seed: int = 0,
    steps: Sequence[int] = (16,),
    trajectories: Sequence[int] = (1,),
    diversify: str = "noise",
    sizes: Sequence[int] = (),
    sizes_n: int = 200,
    task: dict | None = None,
    recursion: tuple[int, int] | None = None,
    halts: Sequence[str] = ("steps",),
    patience: int | None = None,
    give_up: int | None = None,
) -> dict:
    """`task` overrides the held-out distribution (e.g. `{"min_path": 0}` for a maze
    checkpoint whose last curriculum stage trained on long paths only, or a larger
    `canvas` for a convolutional one). `recursion` (T, n) runs the network deeper or
    shallower than it was trained: the same weights serve every depth. `halts` are the
    specialist's halting rules to measure the trajectories under (`TRMSpecialist.halt`):
    "steps" runs every supervision step, as the paper's evaluation does. `patience`: the
    specialist's stall rule (a puzzle stops once its unverified answer repeats for that
    many steps); each row says how many steps and seconds the failures cost, and how many
    the successes took. `give_up`: the specialist's step budget (a puzzle unverified by
    then is a failure), as a card's `give_up_steps` sets it."""
    from ..trm_specialist import HALTS, TRMSpecialist

    rules = (*HALTS, "propagate")
    if set(halts) - set(rules):
        raise ValueError(f"halting rules are {', '.join(rules)}; got {', '.join(halts)}")
    model, spec = checkpoint.load(directory)
    if task:
        unknown = set(task) - set(type(spec).model_fields)
        if unknown:
            raise ValueError(f"the {spec.family} task spec has no {sorted(unknown)}")
        spec = type(spec).model_validate({**spec.model_dump(), **task})
        if spec.codec.seq_len != model.cfg.seq_len:  # a larger canvas (conv networks only)
            model = on_canvas(model, math.isqrt(spec.codec.seq_len))
    if recursion:
        model = with_recursion(model, *recursion)
    heldout = spec.heldout(n, seed)
    out: dict = {"n": n, "seed": seed, "by_steps": {}, "by_trajectories": {}}
    if trajectories and max(trajectories) > 1:
        out["diversify"] = diversify
    if recursion:
        out["recursion"] = {"H_cycles": recursion[0], "L_cycles": recursion[1]}
    if patience is not None:
        out["patience"] = patience
    if task:
        out["heldout_task"] = spec.model_dump()
    t0 = time.perf_counter()
    for s, r in (evaluate_steps(model, spec, heldout, steps) if steps else {}).items():
        out["by_steps"][s] = {"exact": r.exact, "cell": r.cell, "verified": r.verified}
    out["steps_seconds"] = round(time.perf_counter() - t0, 2)
    if sizes:
        fields = set(type(spec).model_fields)
        if not {"height", "width", "canvas"} <= fields:
            raise ValueError(
                "--sizes is for tasks of a height and width on a canvas (maze checkpoints): "
                "smaller problems on the same canvas"
            )
        out["by_size"] = {}
        canvas = getattr(spec, "canvas")  # noqa: B009  (checked above; not on every spec)
        for side in sizes:
            if side > canvas:
                raise ValueError(f"a {side}x{side} problem does not fit the {canvas} canvas")
            easier = {"height": side, "width": side, "min_side": None, "min_path": 0}
            smaller = spec.model_copy(update={k: v for k, v in easier.items() if k in fields})
            r = evaluate(model, smaller, smaller.heldout(sizes_n, seed), steps=max(steps or [1]))
            out["by_size"][side] = {"n": sizes_n, "exact": r.exact, "verified": r.verified}
    problems = [p for p, _ in heldout]
    strata = [spec.stratum(p, a) for p, a in heldout]
    kinds = spec.heldout_kinds(n, seed)
    if give_up is not None:
        out["give_up"] = give_up
    for halt in halts if trajectories else ():
        rows = out["by_trajectories"].setdefault(halt, {})
        for k in trajectories:
            specialist = TRMSpecialist(
                model,
                spec,
                steps=give_up,
                trajectories=k,
                diversify=diversify,  # type: ignore[arg-type]
                # "propagate": verified halting with propagation; the others without it
                halt="verified" if halt == "propagate" else halt,  # type: ignore[arg-type]
                propagate=halt == "propagate",
                patience=patience,
            )
            t0 = time.perf_counter()
            answers = []
            for i in range(0, len(problems), 128):
                answers += specialist.solve_batch(problems[i : i + 128])
            ok = [bool(spec.verify(p, a.answer)) for p, a in zip(problems, answers, strict=True)]
            seconds = time.perf_counter() - t0
            steps_used = [a.steps or 0 for a in answers]
            failed = [s for s, good in zip(steps_used, ok, strict=True) if not good]
            row: dict[str, Any] = {
                "verified": sum(ok) / n,
                "puzzle_steps": sum(steps_used),
                "seconds": round(seconds, 2),
                # what a failure costs: its steps, and its share of the time by steps
                "steps_per_failure": round(sum(failed) / len(failed), 2) if failed else 0.0,
                "seconds_per_failure": round(
                    seconds * sum(failed) / max(sum(steps_used), 1) / len(failed), 3
                )
                if failed
                else 0.0,
                # how many steps the successes took: where a give-up step can go
                "steps_to_verify": _spread(
                    [s for s, good in zip(steps_used, ok, strict=True) if good]
                ),
            }
            if None not in strata:  # mazes: by path length
                row["by_length"] = _by_length(strata, ok)  # type: ignore[arg-type]
            if kinds:
                row["by_kind"] = _by_kind(kinds, ok)
            rows[k] = row
    return out


def on_canvas(model: TRM, canvas: int) -> TRM:
    """The same convolutional network on another square canvas: its weights do not depend
    on the grid size, so a maze checkpoint can be measured on larger mazes than it saw."""
    if not model.cfg.conv:
        raise ValueError(
            "only a convolutional TRM (model.conv) fits another canvas; this one has "
            f"{model.cfg.seq_len} positions"
        )
    return _rebuilt(model, seq_len=canvas * canvas)


def with_recursion(model: TRM, T: int, n: int) -> TRM:
    """The same network with T outer cycles of n latent updates per supervision step."""
    if T < 1 or n < 1:
        raise ValueError(f"recursion T and n must be >= 1, got T={T}, n={n}")
    return _rebuilt(model, H_cycles=T, L_cycles=n)


def _rebuilt(model: TRM, **changes: Any) -> TRM:
    moved = TRM(dataclasses.replace(model.cfg, **changes))
    moved.load_state_dict(model.state_dict())
    return moved.to(next(model.parameters()).device).eval()


GIVE_UP_SHARE = 0.95  # of the held-out successes a give-up step must leave standing
GIVES_UP = ("propagate", "verified")  # the halting rules a give-up step applies to


def give_up_from(result: dict) -> int | None:
    """The step by which 95% of the held-out successes had verified, read off the row the
    specialist runs by default (verified halting, with propagation where measured, one
    trajectory): a puzzle still unverified then rarely verifies later, so the rest of its
    steps only make a failure expensive."""
    for halt in GIVES_UP:
        spread = result["by_trajectories"].get(halt, {}).get(1, {}).get("steps_to_verify", {})
        if spread.get("n"):
            return int(spread["p95"])
    return None


def _spread(steps: Sequence[int]) -> dict:
    """Median, 95th percentile and most of the steps the verified answers took."""
    if not steps:
        return {"n": 0}
    ranked = sorted(steps)
    return {
        "n": len(ranked),
        "p50": ranked[(len(ranked) - 1) // 2],
        "p95": ranked[math.ceil(GIVE_UP_SHARE * len(ranked)) - 1],
        "max": ranked[-1],
    }


def _shares(labelled: Sequence[tuple[str, bool]]) -> dict:
    """Puzzles and verified share per label, labels in the order they first come."""
    groups: dict[str, list[bool]] = {}
    for label, good in labelled:
        groups.setdefault(label, []).append(good)
    return {label: {"n": len(v), "verified": sum(v) / len(v)} for label, v in groups.items()}


def _by_kind(kinds: Sequence[str], ok: Sequence[bool]) -> dict:
    return _shares(sorted(zip(kinds, ok, strict=True)))


def _by_length(lengths: Sequence[int], ok: Sequence[bool], width: int = 30) -> dict:
    """Verified share per band of shortest-path length: on mazes, where a model stops
    generalising shows up as a length, not as an average."""
    lows = [(n // width * width, good) for n, good in sorted(zip(lengths, ok, strict=True))]
    return _shares([(f"{low}-{low + width - 1}", good) for low, good in lows])


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("directory")
    p.add_argument("--n", type=int, default=1000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--steps", default="16", help="comma-separated test-time supervision steps")
    p.add_argument("--trajectories", default="1", help="comma-separated K values (empty: none)")
    p.add_argument("--diversify", choices=["noise", "augment"], default="noise")
    p.add_argument(
        "--halt",
        default="steps",
        help="comma-separated halting rules for the trajectories: steps (all of them, the "
        "paper's protocol), verified (stop when the verifier accepts), q (the halting head), "
        "propagate (verified, committing sure cells and propagating between steps; families "
        "with a propagator)",
    )
    p.add_argument(
        "--patience",
        type=int,
        help="stop a puzzle once its unverified answer repeats for this many steps",
    )
    p.add_argument(
        "--give-up",
        metavar="N|auto",
        help="the specialist's step budget: a puzzle unverified by step N fails there; "
        "auto: measure at every step, take the step by which 95%% of the successes "
        "verified, and measure the trajectories again with it (--update-card keeps it)",
    )
    p.add_argument(
        "--sizes",
        default="",
        help="maze only: comma-separated sides of smaller square mazes to measure too",
    )
    p.add_argument("--sizes-n", type=int, default=200, help="mazes per --sizes entry")
    p.add_argument(
        "--task",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override the held-out task spec, e.g. min_path=0",
    )
    p.add_argument(
        "--recursion",
        metavar="T,n",
        help="run the network at another recursion depth than its card's (H_cycles,L_cycles)",
    )
    p.add_argument(
        "--update-card",
        action="store_true",
        help="write the result for the largest --steps into card.json",
    )
    p.add_argument(
        "--card-trajectories",
        type=int,
        metavar="K",
        help="with --update-card: the specialist then runs K trajectories (diversified by "
        "--diversify) by default; K must be among the measured --trajectories",
    )
    args = p.parse_args(argv)
    task = dict(_pair(t) for t in args.task)
    if args.update_card and "canvas" in task:
        raise SystemExit("a measurement on another canvas is not the card's: drop --update-card")
    recursion = None
    if args.recursion:
        try:
            T, n = (int(v) for v in args.recursion.split(","))
        except ValueError:
            raise SystemExit(f"--recursion expects T,n, e.g. 3,6; got {args.recursion!r}") from None
        recursion = (T, n)
        if args.update_card:
            raise SystemExit("a measurement at another depth is not the card's: drop --update-card")
    give_up: int | None = None
    if args.give_up not in (None, "auto"):
        try:
            give_up = int(args.give_up)
        except ValueError:
            raise SystemExit(
                f"--give-up expects a step count or auto, got {args.give_up!r}"
            ) from None
        if give_up < 1:
            raise SystemExit(f"--give-up must be >= 1 step, got {give_up}")
    steps = [int(s) for s in args.steps.split(",")]
    options: dict[str, Any] = dict(
        n=args.n,
        seed=args.seed,
        trajectories=[int(k) for k in args.trajectories.split(",") if k],
        diversify=args.diversify,
        task=task,
        recursion=recursion,
        halts=[h for h in args.halt.split(",") if h],
        patience=args.patience,
    )
    if args.card_trajectories is not None and (
        not args.update_card or args.card_trajectories not in options["trajectories"]
    ):
        raise SystemExit(
            "--card-trajectories K keeps a measured setting: it needs --update-card and K "
            "among --trajectories"
        )
    grad = torch.is_grad_enabled()
    torch.set_grad_enabled(False)  # given back below: main() also runs inside other programs
    try:
        result = measure(
            args.directory,
            steps=steps,
            sizes=[int(v) for v in args.sizes.split(",") if v],
            sizes_n=args.sizes_n,
            give_up=give_up,
            **options,
        )
        if args.give_up == "auto":
            chosen = give_up_from(result)
            if chosen is None:
                raise SystemExit("--give-up auto: no verified-halting row solved a puzzle")
            # the specialist gives up only where the verifier halts it
            halting = [h for h in options["halts"] if h in GIVES_UP]
            again = measure(
                args.directory, steps=(), give_up=chosen, **{**options, "halts": halting}
            )
            result["with_give_up"] = {
                "give_up": chosen,
                "share": GIVE_UP_SHARE,
                "by_trajectories": again["by_trajectories"],
            }
    except ValueError as e:  # bad options or a bad checkpoint (CheckpointError), not a crash
        raise SystemExit(f"error: {e}") from None
    finally:
        torch.set_grad_enabled(grad)
    print(json.dumps(result, indent=2))
    if args.update_card:
        card = checkpoint.load_card(args.directory)
        if card is None:
            raise SystemExit(f"{args.directory} has no card.json")
        best = result["by_steps"][max(steps)]
        card.heldout = checkpoint.EvalResult(
            n=args.n,
            seed=args.seed,
            exact=best["exact"],
            cell=best["cell"],
            steps=max(steps),
            verified=best["verified"],
        )
        if "with_give_up" in result:
            card.give_up_steps = result["with_give_up"]["give_up"]
        if args.card_trajectories is not None:
            card.trajectories, card.diversify = args.card_trajectories, args.diversify
            card.configured = configured_rate(result, options, args.card_trajectories, give_up)
        Path(args.directory, "card.json").write_text(card.model_dump_json(indent=2) + "\n")
        command = "python -m orchestra.specialists.trm.evaluate " + " ".join(argv or sys.argv[1:])
        Path(args.directory, "card.md").write_text(card_markdown(card, result, command))


def configured_rate(
    result: dict[str, Any], options: dict[str, Any], k: int, give_up: int | None
) -> checkpoint.ConfiguredRate | None:
    """The measured row the specialist's defaults run as: K tries, halting as it halts (with
    dead-end filling or propagation where that was measured, else when verified), with
    the give-up step found (`--give-up auto`) or given."""
    given = result.get("with_give_up", result)
    # keyed by K as measured (ints), or as read back from JSON (strings)
    rows = {h: {str(key): v for key, v in r.items()} for h, r in given["by_trajectories"].items()}
    halt = next((h for h in GIVES_UP if h in rows and str(k) in rows[h]), None)
    if halt is None:
        return None
    if "with_give_up" in result:
        give_up = result["with_give_up"]["give_up"]
    return checkpoint.ConfiguredRate(
        n=options["n"],
        seed=options["seed"],
        verified=rows[halt][str(k)]["verified"],
        trajectories=k,
        diversify=options["diversify"],
        halt=halt,
        give_up=give_up,
    )


def _pair(text: str) -> tuple[str, object]:
    key, sep, value = text.partition("=")
    if not sep:
        raise SystemExit(f"--task expects KEY=VALUE, got {text!r}")
    try:
        return key.strip(), json.loads(value)
    except json.JSONDecodeError:
        return key.strip(), value


def _lineage_markdown(card: checkpoint.Card) -> list[str]:
    """The runs whose weights this one started from, oldest first, and what all cost."""
    if not card.lineage:
        return []
    steps = sum(s.steps for s in card.lineage) + card.steps
    minutes = (sum(s.wall_s for s in card.lineage) + card.wall_s) / 60
    lines = [
        f"Trained in {len(card.lineage) + 1} runs, each starting from the weights of the one "
        f"before: {steps:,} optimizer steps and {minutes:.0f} minutes in all.",
        "",
        "| run | checkpoint | optimizer steps | minutes | command |",
        "|---:|---|---:|---:|---|",
    ]
    runs = [*card.lineage, checkpoint.Stage(directory="this checkpoint", **card.model_dump())]
    for i, s in enumerate(runs, 1):
        lines.append(
            f"| {i} | {s.name} ({s.directory}) | {s.steps:,} | {s.wall_s / 60:.0f} | "
            f"`{s.command}` |"
        )
    lines.append("")
    for i, s in enumerate(card.lineage, 1):
        if s.notes:
            lines += [f"Run {i}: {s.notes}", ""]
    return lines


_HALT_LABELS = {
    "steps": "all steps",
    "verified": "when verified",
    "q": "when Q > 0",
    "propagate": "when verified, with propagation",
}


def _trajectory_rows(result: dict) -> list[tuple[str, int, dict]]:
    """(halting, K, row) for every trajectory row, the give-up ones after."""
    out = []
    runs = [(result["by_trajectories"], "")]
    if "with_give_up" in result:
        extra = f", giving up at step {result['with_give_up']['give_up']}"
        runs.append((result["with_give_up"]["by_trajectories"], extra))
    for by_halt, extra in runs:
        for halt, rows in by_halt.items():
            for k, r in sorted(rows.items(), key=lambda kv: int(kv[0])):
                out.append((f"{_HALT_LABELS[halt]}{extra}", int(k), r))
    return out


def card_markdown(card: checkpoint.Card, result: dict, command: str) -> str:
    """The human-readable model card: how it was trained and what was measured."""
    from orchestra.machine import machine

    mixer = "attention"
    if card.model.get("mlp_t"):
        mixer = "mlp_t"
    elif card.model.get("conv"):
        mixer = f"{card.model['conv']}x{card.model['conv']} depthwise convolution"
    lines = [
        f"# TRM specialist: {card.name}",
        "",
        f"{card.params:,} parameters ({mixer}, "
        f"hidden {card.model['hidden']}, T={card.model['H_cycles']}, n={card.model['L_cycles']}, "
        f"{card.model['halt_max_steps']} supervision steps), trained by `{card.command}` "
        f"(preset {card.preset}, seed {card.seed}): {card.steps:,} optimizer steps, "
        f"{card.samples:,} puzzle x supervision-step samples, {card.wall_s / 60:.0f} minutes "
        f"on {card.machine}, torch {card.torch}, fp32, EMA weights.",
        "",
        *([card.notes, ""] if card.notes else []),
        *_lineage_markdown(card),
        f"Measured by `{command}` on {machine()}: {result['n']} held-out puzzles from generator "
        f"seed {result['seed']} onwards, which training never uses (training draws from seeds "
        ">= 10**9).",
        "",
        "| test-time supervision steps | exact | cells | verified |",
        "|---:|---:|---:|---:|",
    ]
    for s, r in sorted(result["by_steps"].items(), key=lambda kv: int(kv[0])):
        lines.append(f"| {s} | {r['exact']:.4f} | {r['cell']:.4f} | {r['verified']:.4f} |")
    lines += [
        "",
        f"All rows come from one recursion of {max(map(int, result['by_steps']))} steps, read "
        f"off along the way: {result['steps_seconds']} s for the {result['n']} puzzles.",
    ]
    measured = _trajectory_rows(result)
    later = {
        "noise": ", each with noise on its latent",
        "augment": ", each on a symmetric view of the puzzle it has not tried, its answer "
        "mapped back",
    }.get(result.get("diversify", ""), "")
    default = (
        f" The specialist runs K={card.trajectories} by default (the card's `trajectories`)."
        if card.trajectories
        else ""
    )
    if card.configured is not None:
        c = card.configured
        default += (
            f" As configured ({c.trajectories} tries, halting {c.halt}"
            + (f", giving up at step {c.give_up}" if c.give_up else "")
            + f") it verified {c.verified:.2f} of {c.n} held-out puzzles (seed {c.seed}): "
            "the scheduler's prior for it (the card's `configured`)."
        )
    if measured:
        lines += [
            "",
            "The specialist as users run it, verifier-guided: K trajectories at most, later "
            f"ones only for puzzles whose answer the verifier rejected{later}; halting after "
            f"all {card.model['halt_max_steps']} steps, or at the first step the verifier "
            f"accepts (or, with a give-up step, there at the latest).{default}",
            "",
            "| halting | trajectories K | verified | puzzle-steps | seconds | steps per failure "
            "| seconds per failure |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
    for label, k, r in measured:
        lines.append(
            f"| {label} | {k} | {r['verified']:.4f} | {r['puzzle_steps']:,} | {r['seconds']} | "
            f"{r.get('steps_per_failure', 0)} | {r.get('seconds_per_failure', 0)} |"
        )
    if result.get("by_size"):
        lines += [
            "",
            f"Smaller mazes on the same {card.task['canvas']}x{card.task['canvas']} canvas "
            f"({max(result['by_steps'], key=int)} supervision steps):",
            "",
            "| maze side | mazes | exact | verified |",
            "|---:|---:|---:|---:|",
        ]
        for side, r in sorted(result["by_size"].items(), key=lambda kv: int(kv[0])):
            lines.append(f"| {side} | {r['n']} | {r['exact']:.4f} | {r['verified']:.4f} |")
    broken = [
        (f"{label}, K={k}", r) for label, k, r in measured if r.get("by_kind") or r.get("by_length")
    ]
    if broken:
        first = broken[0][1]
        groups = [
            (title, key, g, v["n"])
            for title, key in (("style", "by_kind"), ("path length", "by_length"))
            for g, v in first.get(key, {}).items()
        ]
        lines += [
            "",
            "Verified share by group of the held-out puzzles above (a maze's style, its "
            "shortest path in moves), one column per row of the table above:",
            "",
            "| group | puzzles | " + " | ".join(label for label, _ in broken) + " |",
            "|---|---:|" + "---:|" * len(broken),
        ]
        for title, key, g, count in groups:
            cells = [f"{r[key][g]['verified']:.4f}" for _, r in broken]
            lines.append(f"| {title} {g} | {count} | " + " | ".join(cells) + " |")
    if result.get("heldout_task"):
        lines += ["", "Held-out task spec: `" + json.dumps(result["heldout_task"]) + "`"]
    lines += [
        "",
        "Task spec (what the codec and the last training stage's data were): `"
        + json.dumps(card.task)
        + "`",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
