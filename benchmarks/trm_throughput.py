"""TRM training and inference throughput beside the machine's own fp32 matmul rate.

    python -m orchestra.benchmarks.trm_throughput [--configs sudoku6-cpu,sudoku9-cpu] \
        [--batches 32,128]
                                        [--compile] [--threads 1,2] [--grid 12x12x2] [--out FILE]

A family's preset sized by its data (the grid family's `grid-cpu`, `grid-conv-cpu`,
`grid-mlp-cpu`) is measured on the canvas `--grid HxWxVALUES` says.

Throughput is puzzles x supervision steps per second; achieved GFLOP/s uses the model's
analytic matmul count (`TRM.flops_per_step`). Every row is measured in the same run as the
matmul reference, so the ratio column holds on a noisy shared machine.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import torch
import torch.nn.functional as F

from orchestra.benchmarks import publish
from orchestra.machine import machine
from orchestra.specialists.trm import TRM, TRMConfig
from orchestra.specialists.trm.presets import PRESETS, all_presets
from orchestra.specialists.trm.train import grid_width

WARMUP, MIN_SECONDS = 2, 3.0


def matmul_gflops(n: int = 1024, seconds: float = MIN_SECONDS) -> float:
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(WARMUP):
        a @ b
    count, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        count += 1
    return 2 * n**3 * count / (time.perf_counter() - t0) / 1e9


def _timed(fn, seconds: float = MIN_SECONDS) -> float:
    """Calls per second, after warm-up (which also absorbs torch.compile's compile time)."""
    for _ in range(WARMUP):
        fn()
    count, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds or count < 2:
        fn()
        count += 1
    return count / (time.perf_counter() - t0)


def config(name: str, grid: str) -> TRMConfig:
    """A preset's network; one that takes its sizes from the data gets the --grid canvas."""
    if name in PRESETS:
        return TRMConfig.preset(name)
    known = all_presets()
    if name not in known:
        raise SystemExit(f"no preset {name!r}; known: {', '.join(sorted(known))}")
    try:
        h, w, values = (int(v) for v in grid.lower().split("x"))
    except ValueError:
        raise SystemExit(f"--grid expects HxWxVALUES, for example 12x12x2; got {grid!r}") from None
    sized = {"seq_len": h * w, "vocab_size": 2 + values}
    sized |= grid_width(known[name].model, w, sized)
    return TRMConfig(**{**known[name].model, **sized})


def measure(cfg: TRMConfig, batch: int, compile_model: bool) -> dict:
    torch.manual_seed(0)
    model = TRM(cfg)
    step_fn = torch.compile(model) if compile_model else model
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    tokens = torch.randint(1, cfg.vocab_size, (batch, cfg.seq_len))
    labels = torch.randint(1, cfg.vocab_size, (batch, cfg.seq_len))
    carry = model.initial_carry(batch)

    def train_step() -> None:
        _, logits, q = step_fn(carry, tokens)
        loss = F.cross_entropy(logits.transpose(1, 2), labels) + q.float().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    def infer_step() -> None:
        with torch.no_grad():
            step_fn(carry, tokens)

    model.train()
    train_rate = _timed(train_step) * batch
    model.eval()
    infer_rate = _timed(infer_step) * batch
    fwd, train = model.flops_per_step(1)
    return {
        "params": model.num_params(),
        "train": train_rate,
        "train_gflops": train_rate * train / 1e9,
        "infer": infer_rate,
        "infer_gflops": infer_rate * fwd / 1e9,
    }


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--configs", default="sudoku6-cpu,sudoku9-cpu,maze-cpu")
    p.add_argument("--batches", default="32,128")
    p.add_argument("--threads", default=str(torch.get_num_threads()))
    p.add_argument("--compile", action="store_true", help="also measure torch.compile")
    p.add_argument("--grid", default="12x12x2", help="canvas of data-sized presets: HxWxVALUES")
    p.add_argument("--out", help="also write the markdown table to this file")
    args = p.parse_args(argv)

    given = " ".join(sys.argv[1:] if argv is None else argv)
    lines = [
        f"Measured with `python -m orchestra.benchmarks.trm_throughput {given}`".rstrip()
        + f" on {machine()}, torch {torch.__version__}, fp32.",
        "",
    ]
    rows = [
        "| preset | params | threads | batch | compile | train puzzle-steps/s | train GFLOP/s "
        "| vs matmul | infer puzzle-steps/s | infer GFLOP/s | vs matmul |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for threads in [int(t) for t in args.threads.split(",")]:
        torch.set_num_threads(threads)
        ref = matmul_gflops()
        lines.append(f"fp32 1024x1024 matmul with {threads} thread(s): {ref:.1f} GFLOP/s")
        for name in args.configs.split(","):
            cfg = config(name, args.grid)
            for batch in [int(b) for b in args.batches.split(",")]:
                for comp in [False, True] if args.compile else [False]:
                    r = measure(cfg, batch, comp)
                    rows.append(
                        f"| {name} | {r['params'] / 1e6:.2f}M | {threads} | {batch} | "
                        f"{'yes' if comp else 'no'} | {r['train']:.1f} | {r['train_gflops']:.1f} | "
                        f"{r['train_gflops'] / ref:.0%} | {r['infer']:.1f} | "
                        f"{r['infer_gflops']:.1f} | {r['infer_gflops'] / ref:.0%} |"
                    )
                    print(rows[-1], flush=True)
    report = "\n".join([*lines, "", *rows])
    publish(report, args.out)


if __name__ == "__main__":
    main()
