"""Load test of `orchestra serve` over real HTTP on loopback.

    python -m orchestra.benchmarks.load [--clients 32] [--requests 400] [--batches 64,1]

For each micro-batch size it starts a server in this process, lets `--clients` concurrent
clients send a mixed puzzle workload (6x6 and 9x9 Sudoku, mazes; no prose, so no LLM is
needed), and reports throughput, latency percentiles, the batch-size histogram and errors.
It also checks that every request got exactly one answer and that it is the right one
(verified against its own puzzle): nothing lost, nothing duplicated, nothing swapped.
Every row comes from the same run on the same machine.
"""

from __future__ import annotations

import argparse
import socket
import threading
import time
from collections import Counter

import httpx
import uvicorn

from orchestra import Orchestra
from orchestra.accounting import percentile
from orchestra.machine import machine
from orchestra.serve.app import Settings, create_app
from orchestra.tasks import maze, sudoku


def workload(n: int) -> list[tuple[str, object]]:
    out = []
    for i in range(n):
        if i % 3 == 0:
            p = sudoku.generate(6, seed=900_000 + i, tier="minimal").problem
            out.append((p.to_string(), p))
        elif i % 3 == 1:
            p = sudoku.generate(9, seed=900_000 + i, tier="medium").problem
            out.append((p.to_string(), p))
        else:
            p = maze.generate(15, seed=900_000 + i).problem
            out.append(("\n".join(p.rows), p))
    return out


def run_once(max_batch: int, clients: int, jobs: list) -> dict:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(
        Orchestra(llm=None), Settings(max_batch=max_batch, max_wait_ms=5, max_queue=100_000)
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    answers: dict[int, list] = {i: [] for i in range(len(jobs))}
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    next_job = iter(range(len(jobs)))

    def client() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as c:
            while True:
                with lock:
                    i = next(next_job, None)
                if i is None:
                    return
                t0 = time.perf_counter()
                try:
                    r = c.post("/v1/solve", json={"problem": jobs[i][0]})
                    ok = r.status_code == 200
                except httpx.HTTPError as e:
                    ok, r = False, e
                with lock:
                    latencies.append(time.perf_counter() - t0)
                    if ok:
                        answers[i].append(r.json())
                    else:
                        errors[str(getattr(r, "status_code", type(r).__name__))] += 1

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    batches = dict(sorted(app.state.batcher.batch_sizes.items()))
    server.should_exit = True
    thread.join(timeout=30)
    exactly_once = all(len(a) == 1 for a in answers.values())
    correct = 0
    for (_, problem), got in zip(jobs, answers.values(), strict=True):
        if len(got) == 1:
            verify = sudoku.verify if isinstance(problem, sudoku.SudokuProblem) else maze.verify
            correct += bool(verify(problem, got[0]["answer"]))
    return {
        "max_batch": max_batch,
        "requests": len(jobs),
        "throughput": len(jobs) / wall,
        "p50": percentile(latencies, 0.5),
        "p95": percentile(latencies, 0.95),
        "p99": percentile(latencies, 0.99),
        "errors": dict(errors),
        "batches": batches,
        "exactly_once": exactly_once,
        "correct": correct,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--requests", type=int, default=400)
    p.add_argument("--batches", default="64,1", help="micro-batch sizes to compare")
    args = p.parse_args(argv)
    jobs = workload(args.requests)
    rows = [run_once(int(b), args.clients, jobs) for b in args.batches.split(",")]
    print(
        f"Measured with `python -m orchestra.benchmarks.load --clients {args.clients} --requests "
        f"{args.requests} --batches {args.batches}` on {machine()}, one run.\n"
    )
    print(
        "| max batch | requests/s | p50 ms | p95 ms | p99 ms | errors | exactly once | "
        "correct | batch sizes (size: count) |"
    )
    print("|---:|---:|---:|---:|---:|---|---|---:|---|")
    for r in rows:
        hist = ", ".join(f"{k}: {v}" for k, v in r["batches"].items())
        print(
            f"| {r['max_batch']} | {r['throughput']:.1f} | {r['p50'] * 1000:.1f} | "
            f"{r['p95'] * 1000:.1f} | {r['p99'] * 1000:.1f} | {r['errors'] or 'none'} | "
            f"{'yes' if r['exactly_once'] else 'NO'} | {r['correct']}/{r['requests']} | {hist} |"
        )


if __name__ == "__main__":
    main()
