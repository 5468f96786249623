"""Prose throughput of the embedded LLM at 1, 4 and 16 concurrent prompts, one reply at a
time (`batch_size=1`, what orchestra did before) against batched generation, in one run.

    python -m orchestra.benchmarks.llm_concurrency [--prompts 16] [--max-tokens 48] [--out FILE]

Every configuration answers the same prompts with greedy decoding; the table gives
prompts per second and the ratio to one-at-a-time sequential answering measured in the
same run (absolute seconds on a shared machine say little; ratios do).
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

from orchestra.llm import LocalLLM, Message
from orchestra.machine import machine

from . import publish

PROMPTS = [
    "What is the capital of France?",
    "Explain photosynthesis in one sentence.",
    "Name three primary colours.",
    "Who wrote Romeo and Juliet?",
    "Translate 'thank you' into Spanish.",
    "Why is the sky blue? Answer briefly.",
    "Give one tip for learning to cook.",
    "What does a CPU do?",
]


def measure(llm: LocalLLM, prompts: list[str], concurrency: int, max_tokens: int) -> dict:
    def one(text: str) -> int:
        r = llm.complete([Message(role="user", content=text)], max_tokens=max_tokens)
        return r.completion_tokens

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        tokens = sum(pool.map(one, prompts))
    wall = time.perf_counter() - t0
    return {"wall_s": wall, "prompts_per_s": len(prompts) / wall, "tokens_per_s": tokens / wall}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--prompts", type=int, default=16)
    p.add_argument("--max-tokens", type=int, default=48)
    p.add_argument("--out", default="docs/llm-concurrency.md")
    args = p.parse_args(argv)
    prompts = [PROMPTS[i % len(PROMPTS)] for i in range(args.prompts)]
    sequential = LocalLLM(batch_size=1)
    batched = LocalLLM(batch_size=16)
    sequential.load()
    batched.load()
    measure(batched, prompts[:2], 2, 4)  # first-call costs (threads, kernels) out of the figures
    rows = []
    base = None
    for label, llm in (("one at a time", sequential), ("batched", batched)):
        for c in (1, 4, 16):
            m = measure(llm, prompts, c, args.max_tokens)
            base = base or m["prompts_per_s"]
            rows.append((label, c, m, m["prompts_per_s"] / base))
            print(f"{label:14s} concurrency {c:2d}: {m['prompts_per_s']:.2f} prompts/s")
    lines = [
        "# Embedded LLM: prose throughput against concurrency",
        "",
        f"Measured with `python -m orchestra.benchmarks.llm_concurrency --prompts {args.prompts} "
        f"--max-tokens {args.max_tokens}` on {machine()}, SmolLM2-135M-Instruct in fp32 on the "
        "CPU, "
        "greedy decoding, every row in one run. Ratio: prompts per second over the first "
        "row's (one reply at a time, one caller).",
        "",
        "| generation | concurrent prompts | prompts/s | tokens/s | ratio |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, c, m, ratio in rows:
        lines.append(
            f"| {label} | {c} | {m['prompts_per_s']:.2f} | {m['tokens_per_s']:.1f} | {ratio:.2f}x |"
        )
    publish("\n".join(lines) + "\n", args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
