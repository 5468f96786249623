"""Soak test of `orchestra serve`: mixed valid and invalid traffic for a long stretch at
the highest rate the server sustains, over real HTTP on loopback, against a real
`orchestra serve` process (with an API key, so refusals are part of the mix).

    python -m orchestra.benchmarks.soak [--minutes 10] [--clients 16] [--max-growth-mb 200]
                              [--arc-budget 5]

Closed-loop clients (each sends its next request as soon as the last is answered), so the
rate is whatever the server sustains. The mix, per 20 requests: 10 puzzles of every
installed family with quick bench tasks (Sudoku, mazes, ARC, N-Queens, colouring), 2 questions in
prose (no LLM configured: answered with a clear error), 2 broken puzzles (400), 2
malformed bodies (422), 1 oversized body (413), 1 request without a key (401), 1 chat
completion, 1 /metrics read. Reports requests, rate, outcomes by class, latency
percentiles, how the puzzles were answered (verified; unverified: an ARC answer is at best
consistent with the demonstrations; unanswered: no TRM or program found one, and no LLM is
configured), and the server's resident memory every 10 s, and fails
(exit 1) on any 5xx, transport error, answer the server called verified that the rules
reject, or memory growth after the first minute beyond the bound.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

from orchestra import family_registry
from orchestra.accounting import percentile
from orchestra.machine import machine

KEY = "sk-soak-" + os.urandom(8).hex()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def puzzles(n: int) -> list[tuple[str, object]]:
    """(text, problem) pairs from every family with a generator and a `quick_tasks` set."""
    out = []
    for family in family_registry.all_families():
        for task in family.quick_tasks:
            if task in family.bench_tasks:
                for inst in family.bench_set(task, n, seed=7):
                    out.append((family.to_text(inst.problem), inst.problem))
    return out


def requests(pool: list, rng: random.Random):
    """One request of the mix: (label, method, path, kwargs, problem or None)."""
    auth = {"authorization": f"Bearer {KEY}"}
    roll = rng.randrange(20)
    if roll < 10:
        text, problem = rng.choice(pool)
        return "puzzle", "POST", "/v1/solve", {"json": {"problem": text}, "headers": auth}, problem
    if roll < 12:
        q = rng.choice(("What is the capital of Peru?", "1 2 3 4, what comes next?"))
        return "prose", "POST", "/v1/solve", {"json": {"problem": q}, "headers": auth}, None
    if roll < 14:
        bad = rng.choice(("55" + "." * 79, "#####\n#S  #\n#####", '{"n": 30, "queens": []}'))
        return "broken", "POST", "/v1/solve", {"json": {"problem": bad}, "headers": auth}, None
    if roll < 16:
        body = rng.choice((b"{not json", b'{"problem": ', b"\xff\xfe\x00"))
        hdrs = {**auth, "content-type": "application/json"}
        return "malformed", "POST", "/v1/solve", {"content": body, "headers": hdrs}, None
    if roll == 16:
        big = {"problem": "x" * (2 << 20)}
        return "oversized", "POST", "/v1/solve", {"json": big, "headers": auth}, None
    if roll == 17:
        return "no key", "POST", "/v1/solve", {"json": {"problem": "4.1....."}}, None
    if roll == 18:
        text, problem = rng.choice(pool)
        body = {"model": "orchestra", "messages": [{"role": "user", "content": text}]}
        return "chat", "POST", "/v1/chat/completions", {"json": body, "headers": auth}, None
    return "metrics", "GET", "/metrics", {"headers": auth}, None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--minutes", type=float, default=10.0)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--max-growth-mb", type=float, default=200.0)
    p.add_argument(
        "--arc-budget",
        type=float,
        default=5.0,
        help="seconds of program search per ARC task in the server (ORCHESTRA_ARC_BUDGET)",
    )
    p.add_argument("--out", help="write the results as JSON here too")
    args = p.parse_args(argv)

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            Path(sys.executable).parent / "orchestra",
            "serve",
            "--port",
            str(port),
            "--llm",
            "none",
            "--api-key",
            KEY,
            "--max-queue",
            "4096",
        ],
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ORCHESTRA_ARC_BUDGET": f"{args.arc_budget:g}"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            print("the server did not start", file=sys.stderr)
            return 1
        time.sleep(0.5)

    pool = puzzles(40)
    outcomes: Counter[str] = Counter()
    answers: Counter[str] = Counter()  # puzzles answered 200: how
    failed_kinds: Counter[str] = Counter()  # "family status": which puzzles a 5xx hit
    latencies: list[float] = []
    lock = threading.Lock()
    memory: list[tuple[float, float]] = [(0.0, _rss_mb(server.pid))]  # (s, MB), weights loaded
    start = time.monotonic()
    stop_at = start + 60 * args.minutes

    def judge(problem: object, body: dict) -> str:
        """A wrong answer is one the server called verified that the rules reject; an
        answer it did not verify (ARC with no LLM configured) is reported, not a failure."""
        answer = body.get("answer")
        if answer is None:
            return "unanswered"
        correct = family_registry.family_of(problem).verify(problem, answer).correct
        if body.get("verified") is True:
            return "wrong" if correct is False else "verified"
        return "unverified"

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=url, timeout=120) as c:
            while time.monotonic() < stop_at:
                label, method, path, kw, problem = requests(pool, rng)
                t0 = time.perf_counter()
                how = None
                try:
                    r = c.request(method, path, **kw)
                    key = f"{label} {r.status_code}"
                    if problem is not None and r.status_code == 200:
                        how = judge(problem, r.json())
                except Exception as e:  # a transport error or a body that is not JSON
                    key = f"{label} {type(e).__name__}"  # counted as a failure below
                with lock:
                    outcomes[key] += 1
                    latencies.append(time.perf_counter() - t0)
                    if how:
                        answers[how] += 1
                    if problem is not None and not key.endswith(("200", "400")):
                        failed_kinds[f"{family_registry.family_of(problem).name} {key}"] += 1

    def sample_memory() -> None:
        while time.monotonic() < stop_at:
            time.sleep(min(10.0, max(0.0, stop_at - time.monotonic())))
            memory.append((time.monotonic() - start, _rss_mb(server.pid)))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    threads.append(threading.Thread(target=sample_memory))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=120)

    total = sum(outcomes.values())
    failures = {k: v for k, v in outcomes.items() if k.split()[-1].startswith("5")}
    failures |= {k: v for k, v in outcomes.items() if not k.split()[-1].isdigit()}
    # Growth is counted from the first minute on: the first requests of each kind load
    # what they need (a checkpoint, a tokenizer) once; a leak keeps growing after that.
    warm = next((mb for t, mb in memory if t >= 60), memory[-1][1])
    rss_start, rss_end, rss_peak = memory[0][1], memory[-1][1], max(mb for _, mb in memory)
    growth = rss_end - warm
    result = {
        "minutes": args.minutes,
        "clients": args.clients,
        "arc_budget_s": args.arc_budget,
        "requests": total,
        "requests_per_s": total / wall,
        "outcomes": dict(sorted(outcomes.items())),
        "puzzle_answers": dict(sorted(answers.items())),
        "failed_puzzles": dict(sorted(failed_kinds.items())),
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
        "rss_mb": {"loaded": rss_start, "after_1_min": warm, "peak": rss_peak, "end": rss_end},
        "memory_trace": memory,
        "machine": machine(),
    }
    print(
        f"`python -m orchestra.benchmarks.soak --minutes {args.minutes:g} --clients {args.clients} "
        f"--arc-budget {args.arc_budget:g}` on "
        f"{machine()}: {total:,} requests in {wall / 60:.1f} min ({result['requests_per_s']:.1f}"
        f"/s), p50 {result['p50_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms, p99 "
        f"{result['p99_ms']:.0f} ms; server memory {rss_start:.0f} MB with the weights loaded, "
        f"{warm:.0f} MB after the first minute, {rss_end:.0f} MB at the end (peak "
        f"{rss_peak:.0f} MB; growth after the first minute {growth:+.0f} MB, bound "
        f"{args.max_growth_mb:g} MB); puzzles answered: "
        + ", ".join(f"{v:,} {k}" for k, v in sorted(answers.items()))
        + "\n"
    )
    print("| request | status | count |\n|---|---|---:|")
    for k, v in sorted(outcomes.items()):
        label, status = k.rsplit(" ", 1)
        print(f"| {label} | {status} | {v:,} |")
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    ok = not failures and not answers["wrong"] and growth <= args.max_growth_mb
    if not ok:
        print(
            f"FAILED: server errors {failures} (puzzles by family: {dict(failed_kinds)}), "
            f"wrong answers {answers['wrong']}, growth {growth:.0f} MB"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
