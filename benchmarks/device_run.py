"""The GPU run, prepared for the day a device is lent: one script, about 9 minutes on one
H200, everything it measures and trains written under `--out` (default `$OUT`).

    python -m orchestra.benchmarks.device_run [--out DIR] [--minutes 9] [--tiny]

1. Smoke: every shipped checkpoint loads on the device, takes one training step and one
   inference batch.
2. Inference throughput, TRM against the exact solver, on the same puzzles: 9x9 Sudoku
   (minimal puzzles) and 30x30 mazes, batches 1 to 4096 (the TRM specialist as the engine
   runs it: verified halting, propagation where the family has it).
3. Training throughput of the paper's configurations (`sudoku-paper-att`, `-mlp`,
   batch 768) beside the device's own fp32 matmul rate.
4. Whatever time is left: training of the hard 9x9 Sudoku tier from the shipped
   checkpoint on the training part of Sudoku-Extreme's source list (`extreme-train.txt`,
   at the paper's recursion depth), saved as a checkpoint directory (with its card) under
   `--out`.

`--tiny` runs every part on the CPU in seconds (small batches, a few steps): what the
tests run, so the script is known to work before a device is ever lent.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import traceback
from pathlib import Path
from typing import Any

SUDOKU_HARD = "sudoku-9x9-hard"


class Clock:
    def __init__(self, minutes: float):
        self.end = time.monotonic() + minutes * 60

    def left(self) -> float:
        return self.end - time.monotonic()


def _device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def smoke(device: str, batch: int = 4) -> list[dict[str, Any]]:
    """Load, one training step, one inference batch, for every shipped checkpoint."""
    import torch
    import torch.nn.functional as F

    from orchestra import catalog
    from orchestra.specialists.trm import checkpoint

    rows = []
    for d in catalog.checkpoints():
        row: dict[str, Any] = {"checkpoint": d.name}
        t0 = time.perf_counter()
        try:
            model, spec = checkpoint.load(d, device)
            cfg = model.cfg
            x = torch.randint(1, cfg.vocab_size, (batch, cfg.seq_len), device=device)
            ids = torch.zeros(batch, dtype=torch.long, device=device)
            model.train()
            carry = model.initial_carry(batch)
            _, logits, q = model(carry, x, ids)
            logits = logits[:, -x.shape[1] :]  # the grid's positions (after any puzzle prefix)
            loss = F.cross_entropy(logits.transpose(1, 2), x) + q.float().mean()
            loss.backward()
            model.eval()
            with torch.no_grad():
                preds, _, _ = model.predict(x, ids, steps=1)
            row.update(ok=True, params=model.num_params(), shape=list(preds.shape))
        except Exception as e:  # one broken checkpoint is a row, not a failed run
            row.update(ok=False, error=f"{type(e).__name__}: {e}", trace=traceback.format_exc())
        row["seconds"] = round(time.perf_counter() - t0, 3)
        rows.append(row)
    return rows


def inference(
    device: str, batches: list[int], clock: Clock, tiny: bool = False
) -> list[dict[str, Any]]:
    """Puzzles per second: the TRM specialist against the family's exact solver, on the
    same puzzles; the exact solver's rate does not depend on the batch (one at a time)."""
    from orchestra import catalog, family_registry
    from orchestra.specialists.trm_specialist import TRMSpecialist

    rows = []
    sets = (
        ("sudoku", "sudoku-9x9", {"size": 9, "tier": "minimal"}),
        ("maze", "maze-30", {"height": 30, "min_path": 110}),
    )
    if tiny:  # the same code on the CPU, in seconds
        sets = (("sudoku", "sudoku-6x6", {"size": 6, "tier": "minimal"}),)
    for family, ckpt, options in sets:
        fam = family_registry.get(family)
        path = next((d for d in catalog.checkpoints(family) if d.name == ckpt), None)
        if path is None:
            rows.append({"family": family, "error": f"no checkpoint {ckpt}"})
            continue
        biggest = max(batches)
        problems = [i.problem for i in fam.generate(biggest, seed=10_000, **options)]
        trm = TRMSpecialist.from_checkpoint(
            path, device=device, max_batch=biggest, steps=2 if tiny else None
        )
        t0 = time.perf_counter()
        sample = problems[: min(biggest, 64)]
        for p in sample:
            fam.solve(p)
        exact_rate = len(sample) / (time.perf_counter() - t0)
        for b in batches:
            if clock.left() < 30:
                break
            part = problems[:b]
            trm.solve_batch(part[: min(b, 4)])  # warm-up (kernels, allocator)
            t0 = time.perf_counter()
            answers = trm.solve_batch(part)
            rate = b / (time.perf_counter() - t0)
            verified = sum(
                bool(fam.verify(p, a.answer)) for p, a in zip(part, answers, strict=True)
            )
            rows.append(
                {
                    "family": family,
                    "checkpoint": ckpt,
                    "batch": b,
                    "trm_puzzles_per_s": round(rate, 2),
                    "trm_verified": verified / b,
                    "exact_puzzles_per_s": round(exact_rate, 2),
                    "trm_vs_exact": round(rate / exact_rate, 3),
                }
            )
    return rows


def training_throughput(device: str, tiny: bool) -> list[dict[str, Any]]:
    import torch
    import torch.nn.functional as F

    from orchestra.specialists.trm import TRM, TRMConfig

    def matmul_tflops() -> float:
        n = 256 if tiny else 8192
        a = torch.randn(n, n, device=device)
        b = torch.randn(n, n, device=device)
        for _ in range(2):
            a @ b
        _sync(device)
        t0, count = time.perf_counter(), 0
        while time.perf_counter() - t0 < (0.5 if tiny else 3.0):
            a @ b
            count += 1
        _sync(device)
        return 2 * n**3 * count / (time.perf_counter() - t0) / 1e12

    ref = matmul_tflops()
    rows = []
    configs = ["sudoku6-cpu"] if tiny else ["sudoku-paper-att", "sudoku-paper-mlp"]
    batch = 8 if tiny else 768
    for name in configs:
        cfg = TRMConfig.preset(name)
        model = TRM(cfg).to(device)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
        x = torch.randint(1, cfg.vocab_size, (batch, cfg.seq_len), device=device)
        carry = model.initial_carry(batch)

        def step(model: Any = model, opt: Any = opt, carry: Any = carry, x: Any = x) -> None:
            _, logits, q = model(carry, x)
            loss = F.cross_entropy(logits.transpose(1, 2), x) + q.float().mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

        for _ in range(2):
            step()
        _sync(device)
        t0, count = time.perf_counter(), 0
        while time.perf_counter() - t0 < (0.5 if tiny else 10.0) or count < 2:
            step()
            count += 1
        _sync(device)
        rate = count * batch / (time.perf_counter() - t0)
        per_sample = model.flops_per_step(1)[1]
        rows.append(
            {
                "config": name,
                "params": model.num_params(),
                "batch": batch,
                "puzzle_steps_per_s": round(rate, 1),
                "tflops": round(rate * per_sample / 1e12, 3),
                "matmul_tflops": round(ref, 2),
                "share_of_matmul": round(rate * per_sample / 1e12 / ref, 3),
            }
        )
    return rows


def train_hard(device: str, out: Path, minutes: float, tiny: bool) -> dict[str, Any]:
    """Continue the hard 9x9 tier from the shipped checkpoint for the time left, on the
    published extreme list's training part (its held-out tail picks the best weights)."""
    from orchestra import catalog
    from orchestra.specialists.trm.train import build_run

    base = next((d for d in catalog.checkpoints("sudoku") if d.name == SUDOKU_HARD), None)
    if base is None:
        return {"error": f"no {SUDOKU_HARD} checkpoint to start from"}
    target = out / f"{SUDOKU_HARD}-device"
    overrides: dict[str, Any] = {
        "init": str(base),
        "task.published": "extreme-train.txt",
        "model.H_cycles": 3,
        "model.L_cycles": 6,
        "lr": 2e-4,
        "decay": "cosine",
        "device": device,
        "progress": False,
        "eval_every": 10**9 if tiny else 500,
        "eval_n": 8 if tiny else 250,
    }
    if tiny:
        overrides.update({"max_steps": 2, "batch": 8, "eval_n": 2, "compile": False})
    else:
        overrides.update({"minutes": minutes, "batch": 768})
    run = build_run(
        "sudoku",
        preset="sudoku9-cpu",
        out=target,
        overrides=overrides,
        command=f"python -m orchestra.benchmarks.device_run (continuing {SUDOKU_HARD})",
        log=lambda s: None,
    )
    t0 = time.perf_counter()
    run.train()
    return {"checkpoint": str(target), "seconds": round(time.perf_counter() - t0, 1)}


def _sync(device: str) -> None:
    import torch

    if device == "cuda":
        torch.cuda.synchronize()


def report(results: dict[str, Any]) -> str:
    lines = [
        "# Device run",
        "",
        f"Device: {results['device_name']} ({results['device']}), torch {results['torch']}. "
        "Command: `python -m orchestra.benchmarks.device_run"
        f"{' --tiny' if results['tiny'] else ''}`.",
        "",
        "## Smoke",
        "",
        "| checkpoint | ok | params | seconds |",
        "|---|---|---:|---:|",
    ]
    for r in results["smoke"]:
        lines.append(
            f"| {r['checkpoint']} | {'yes' if r['ok'] else r.get('error', 'no')} | "
            f"{r.get('params', '-')} | {r['seconds']} |"
        )
    lines += [
        "",
        "## Inference: TRM vs the exact solver (same puzzles)",
        "",
        "| family | batch | TRM puzzles/s | TRM verified | exact puzzles/s | TRM / exact |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results["inference"]:
        if "error" in r:
            lines.append(f"| {r['family']} | - | {r['error']} | | | |")
            continue
        lines.append(
            f"| {r['family']} | {r['batch']} | {r['trm_puzzles_per_s']} | "
            f"{r['trm_verified']:.3f} | {r['exact_puzzles_per_s']} | {r['trm_vs_exact']} |"
        )
    lines += [
        "",
        "## Training throughput",
        "",
        "| config | params | batch | puzzle-steps/s | TFLOP/s | vs matmul |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results["training"]:
        lines.append(
            f"| {r['config']} | {r['params']:,} | {r['batch']} | {r['puzzle_steps_per_s']} | "
            f"{r['tflops']} | {r['share_of_matmul']:.0%} of {r['matmul_tflops']} |"
        )
    lines += ["", "## Hard tier training", "", json.dumps(results["hard"], indent=2)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--out", default=os.environ.get("OUT"), help="where to write (default $OUT)")
    p.add_argument("--minutes", type=float, default=9.0, help="the whole run's budget")
    p.add_argument("--tiny", action="store_true", help="CPU, small sizes: a check in seconds")
    args = p.parse_args(argv)
    if not args.out:
        p.error("give --out DIR (or set $OUT)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    import torch

    device = "cpu" if args.tiny else _device()
    clock = Clock(args.minutes)
    results: dict[str, Any] = {
        "device": device,
        "device_name": torch.cuda.get_device_name(0) if device == "cuda" else "CPU",
        "torch": torch.__version__,
        "tiny": args.tiny,
    }

    def save() -> None:  # after every part: a run cut short keeps what it measured
        (out / "results.json").write_text(json.dumps(results, indent=2))

    results["smoke"] = smoke(device, batch=1 if args.tiny else 4)
    save()
    batches = [1, 4] if args.tiny else [1, 16, 256, 1024, 4096]
    results["inference"] = inference(device, batches, clock, tiny=args.tiny)
    save()
    results["training"] = training_throughput(device, args.tiny)
    save()
    left = max(clock.left() / 60 - 0.5, 0.1)
    try:
        results["hard"] = train_hard(device, out, left, args.tiny)
    except Exception as e:
        results["hard"] = {"error": f"{type(e).__name__}: {e}"}
    save()
    (out / "report.md").write_text(report(results) + "\n")
    print(report(results))
    return 0 if all(r["ok"] for r in results["smoke"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
