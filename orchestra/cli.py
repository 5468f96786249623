"""`orchestra` on the command line: solve, route, specialists, families, train, bench,
serve, demo."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.table import Table

from .types import Solution, WorkloadSplit

if TYPE_CHECKING:
    from .perfmodel import Estimate

# Piped output (CI logs, files) gets a fixed width instead of rich's 80-column default.
out = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
err = Console(stderr=True, highlight=False, soft_wrap=True)


class CLIError(Exception):
    """A user error: printed as one line, exit status 2."""


def _read_input(text: str | None, file: str | None) -> str:
    if file is not None:
        if file == "-":
            return sys.stdin.read()
        path = Path(file)
        if not path.is_file():
            raise CLIError(f"no such file: {file}")
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise CLIError(f"{file} is not UTF-8 text") from None
    if text is None:
        raise CLIError("give the problem as an argument, or -f FILE (- for stdin)")
    if _names_a_file(text):
        raise CLIError(f"{text} is a file: did you mean `-f {text}`?")
    return text


def _names_a_file(text: str) -> bool:
    if "\n" in text or len(text) > 4096:
        return False
    try:
        return Path(text).is_file()
    except (OSError, ValueError):  # a name the file system cannot hold is no file
        return False


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, default=str) + "\n")


def _solution_report(sol: Solution) -> None:
    from .render import answer_text

    verdict = {
        "verified": "[green]verified[/]",
        "consistent": "[green]consistent with the demonstrations[/]",
        "unverified": "unverified",
        "no_solution": "[red]no solution exists[/]",
        "failed": "[red]rejected[/]" if sol.verified is False else "[red]no answer[/]",
    }[sol.status]
    if sol.text is not None and sol.answer is not None:  # the verdict is the puzzle's only
        verdict = f"puzzle answer {verdict}"
    out.print(
        f"kind: {sol.kind}   route: {sol.route or '-'}   {verdict}   "
        f"{sol.latency_s * 1000:.1f} ms on {sol.device or '-'}"
    )
    if sol.fallback_from:
        out.print(f"fell back from: {', '.join(sol.fallback_from)}")
    for note in sol.notes:
        out.print(f"note: {note}", markup=False)
    if sol.evidence is not None and sol.evidence.program:
        out.print(f"program: {sol.evidence.program}", markup=False)
    if sol.answer is not None:
        out.print(answer_text(sol.problem, sol.answer), markup=False)
    if sol.text:
        check = sol.text_check
        if check is None or check.agrees is None:
            label = "the LLM's reply (unverified)"
        elif check.agrees:
            label = f"the LLM's reply ({check.note})"
        else:
            label = f"[red]the LLM's reply {check.note}[/]"
        out.print(f"{label}:")
        out.print(sol.text, markup=False)


def _engine(args: argparse.Namespace):
    """The default engine, or one with the LLM chosen on the command line."""
    import os

    from .engine import Orchestra, default
    from .llm.base import LLMError
    from .llm.select import ENV, from_spec
    from .schedulers import SchedulerError

    scheduler = getattr(args, "scheduler", None)
    try:
        if args.llm is None and args.llm_api_base is None and scheduler is None:
            return default()
        llm: Any = "auto"
        if args.llm is not None or args.llm_api_base is not None:
            llm = from_spec(args.llm or os.environ.get(ENV, "local"), api_base=args.llm_api_base)
        return Orchestra(llm=llm, scheduler=scheduler)
    except (LLMError, SchedulerError) as e:  # a bad --llm, --scheduler or environment
        raise CLIError(str(e)) from None


def _rate_text(e: Estimate) -> str:
    """The verified rate, and for ARC how often answers were consistent and how often a
    consistent one was right (where the bench knew the output)."""
    text = f"{e.verified_rate:.3f}"
    if e.consistent_rate is not None:
        text += f" (consistent {e.consistent_rate:.2f}"
        if e.right_when_consistent is not None:
            text += f", then right {e.right_when_consistent:.2f}"
        text += ")"
    return text


def explain_table(sol: Solution) -> Table | None:
    """The scheduler's view of one problem: each candidate's estimate, the policy's figure,
    and the order it chose (what `solve --explain` prints)."""
    decision = sol.trace.schedule
    if decision is None:
        return None
    title = f"scheduler: {decision.policy} ({decision.note})"
    if decision.error:
        title += f" - {decision.error}"
    table = Table(title=title, title_justify="left")
    longest = max(len(n) for n in decision.order)
    table.add_column("#", justify="right")
    table.add_column("processor", no_wrap=True, min_width=longest)
    for col in ("batch", "ms to answer", "$ / item", "J / item", "verified rate", "seen"):
        table.add_column(col, justify="right")
    table.add_column("basis")
    table.add_column(decision.unit or "score", justify="right")
    by_name = {e.processor: e for e in decision.candidates}
    for rank, name in enumerate(decision.order, start=1):
        e = by_name.get(name)
        if e is None:  # kept last without an estimate (an LLM that is not configured)
            table.add_row(str(rank), name, *["-"] * 6, "not configured", "-")
            continue
        score = decision.scores.get(name)
        table.add_row(
            str(rank),
            f"{name} ({e.device})",
            str(e.batch),
            f"{e.batch_latency_s * 1000:.1f}",
            f"{e.cost_usd:.2e}",
            f"{e.energy_j:.3f}",
            _rate_text(e),
            f"{e.observations:g}",
            e.basis,
            "-" if score is None else f"{score:.3g}",
        )
    return table


def _with_progress(work: Callable[[], Any]) -> Any:
    """`work()`, with a line on a terminal's stderr that counts the seconds (an ARC search
    can take a minute); nothing where stderr is a file or a pipe."""
    if not err.is_terminal:
        return work()
    t0 = time.monotonic()
    stop = threading.Event()
    with err.status("solving...") as status:

        def tick() -> None:
            while not stop.wait(1.0):
                status.update(f"solving... {time.monotonic() - t0:.0f} s")

        ticker = threading.Thread(target=tick, daemon=True)
        ticker.start()
        try:
            return work()
        finally:
            stop.set()


def cmd_solve(args: argparse.Namespace) -> int:
    engine, given = _engine(args), _read_input(args.text, args.file)
    sol = _with_progress(lambda: engine.solve(given, kind=args.kind))
    if args.json:
        _print_json(sol.model_dump(mode="json"))
    elif sol.problem is not None:
        _solution_report(sol)
        if args.explain and (table := explain_table(sol)) is not None:
            out.print(table)
    if sol.error:
        err.print(f"orchestra: {sol.error}", markup=False)
        return 1
    if sol.kind != "text" and sol.status not in ("verified", "consistent"):
        err.print("orchestra: the answer could not be verified", markup=False)
        return 1
    return 0


def cmd_route(args: argparse.Namespace) -> int:
    path = Path(args.file)
    if args.file != "-" and not path.is_file():
        raise CLIError(f"no such file: {args.file}")
    lines = sys.stdin.read().splitlines() if args.file == "-" else path.read_text().splitlines()
    engine = _engine(args)
    router = engine.router
    if args.router:
        from .router_registry import make_router

        try:

            def first(kind: str, problem: Any = None) -> str:
                return engine.chain(kind, problem)[0]

            router = make_router(args.router, targets=first, llm=engine.llm)
        except (ValueError, FileNotFoundError) as e:
            raise CLIError(str(e)) from None
    if args.eval:
        return _route_eval(router, lines)
    failures = 0
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or "prompt" not in record:
                raise ValueError('each line must be a JSON object with a "prompt"')
            decision = router.route(record["prompt"])
            _print_json({"line": n, **decision.model_dump()})
        except ValueError as e:  # bad JSON, a missing prompt, a broken puzzle
            failures += 1
            _print_json({"line": n, "error": str(e)})
    if failures:
        err.print(f"orchestra route: {failures} line(s) could not be routed")
        return 1
    return 0


def _route_eval(router, lines: list[str]) -> int:
    from orchestra.routers.evaluate import evaluate

    examples = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            examples.append({"prompt": record["prompt"], "target": record["target"]})
        except (json.JSONDecodeError, KeyError, TypeError):
            raise CLIError(
                f'line {n}: --eval needs {{"prompt": ..., "target": ...}} lines'
            ) from None
    report = evaluate(router, examples)
    out.print(report.table(), markup=False)
    for m in report.mistakes[:10]:
        out.print(
            f"  expected {m['target']}, got {m['predicted']}: {m['prompt'][:80]!r}", markup=False
        )
    return 0


def cmd_specialists(args: argparse.Namespace) -> int:
    from .registry import specialists

    found = specialists()
    if args.json:
        _print_json([s.model_dump() for s in found])
        return 0
    table = Table(title="specialists")
    for col in ("name", "kinds", "priority", "source", "description"):
        table.add_column(col)
    for s in found:
        table.add_row(s.name, ", ".join(s.kinds), str(s.priority), s.source, s.description)
    out.print(table)
    return 0


def cmd_families(args: argparse.Namespace) -> int:
    from .family_registry import families

    found = families()
    if args.json:
        _print_json([f.model_dump() for f in found])
        return 0
    table = Table(title="problem families")
    for col in ("name", "kinds", "source", "provides", "description"):
        table.add_column(col)
    for f in found:
        kinds = ", ".join(f.kinds) if f.kinds != [f.name] else f.name
        about = f.description if f.error is None else f"[red]not used: {f.error}[/]"
        table.add_row(f.name, kinds or "-", f.source, ", ".join(f.provides), about)
    out.print(table)
    return 0


def split_table(split: WorkloadSplit) -> Table:
    table = Table(title="workload split (per processor)")
    for col in (
        "processor",
        "device",
        "items",
        "busy s",
        "items/s",
        "p50 ms",
        "p95 ms",
        "verified",
        "cost $",
        "energy J*",
    ):
        table.add_column(col, justify="left" if col in ("processor", "device") else "right")
    for p in split.processors:
        rate = "-" if p.verified_rate is None else f"{p.verified}/{p.verified + p.rejected}"
        table.add_row(
            p.name,
            p.device,
            str(p.items),
            f"{p.busy_s:.3f}",
            f"{p.items_per_s:.1f}",
            f"{p.p50_latency_s * 1000:.1f}",
            f"{p.p95_latency_s * 1000:.1f}",
            rate,
            f"{p.cost_usd:.4f}",
            f"{p.energy_j:.2f}",
        )
    table.caption = f"* {split.power_note}"
    return table


def cmd_demo(args: argparse.Namespace) -> int:
    from . import registry
    from .demo import first_pass, trm_pass, workload

    engine = _engine(args)
    with out.status("generating the demo workload…"):
        items = workload(seed=args.seed)
    missing = []
    if not any(s.name.startswith("trm") for s in registry.specialists()):
        missing.append("no TRM specialist is installed: puzzles went to the exact solvers")
    if engine.llm is None:
        missing.append("no LLM backend is configured: prose gets no answer")
    if args.json:
        sols = engine.solve_many([x for _, x in items])
        _print_json(
            {
                "results": [
                    {"label": label, **s.model_dump(mode="json", exclude={"problem"})}
                    for (label, _), s in zip(items, sols, strict=True)
                ],
                "workload_split": engine.stats().model_dump(mode="json"),
                "missing": missing,
            }
        )
        return 0
    with out.status(f"solving {len(items)} problems…"):
        sols = first_pass(engine, items, out)
    with out.status("the same puzzles with the TRM first…"):
        trm_pass(engine, items, sols, out)
    table = split_table(engine.stats())
    table.title = "3. workload split over both passes (per processor)"
    out.print(table)
    for line in missing:
        out.print(f"[yellow]missing:[/] {line}")
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    if args.task == "router":
        from orchestra.routers.train import train_router
        from orchestra.specialists.trm.options import overrides

        opts = overrides(args)
        if not args.out:
            raise CLIError("give --out, the directory for the router checkpoint")
        train_router(
            args.out,
            n=int(opts.get("n", 6000)),
            n_eval=int(opts.get("n_eval", 2000)),
            seed=int(opts.get("seed", 0)),
        )
        return 0
    from orchestra.specialists.trm.checkpoint import CheckpointError
    from orchestra.specialists.trm.train import STOPPED, run_from_args

    try:
        result = run_from_args(args)
    except (CheckpointError, ValueError, KeyError) as e:
        raise CLIError(str(e)) from None
    return 0 if result is not None else STOPPED


def _llm_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--llm",
        help="local (default), none, hf:/path/to/model, litellm:provider/model "
        "(overrides $ORCHESTRA_LLM)",
    )
    p.add_argument("--llm-api-base", help="base URL for an OpenAI-compatible server")


def _scheduler_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--scheduler",
        help="who tries each problem first: latency (default), cost, accuracy, priority, or "
        "a plug-in's (env ORCHESTRA_SCHEDULER)",
    )


def cmd_bench(args: argparse.Namespace) -> int:
    from orchestra.benchmarks.bench.run import run_from_args

    try:
        run_from_args(args, _engine(args).llm)
    except ValueError as e:
        raise CLIError(str(e)) from None
    return 0


def _serve_ray(args: argparse.Namespace, keys: list[str]) -> int:
    import time

    from .extras import needs

    with needs("ray", "serve --ray"):
        import ray
        from ray import serve

        from .serve.ray_app import build_app

    ray.init(address=args.ray_address, include_dashboard=False)
    serve.start(http_options={"host": args.host, "port": args.port})
    from .serve.hosts import allowed_hosts

    app = build_app(
        llm=args.llm or "none",
        trm_gpus=args.trm_gpus,
        max_batch=args.max_batch,
        api_keys=keys,
        allowed_hosts=sorted(allowed_hosts(args.host, args.allow_host)),
        max_queue=args.max_queue,
        timeout_s=args.timeout,
    )
    serve.run(app, route_prefix="/")
    err.print(
        f"orchestra on Ray Serve at http://{args.host}:{args.port}/v1/solve (Ctrl-C stops it)"
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        serve.shutdown()
    return 0


def _front_door(args: argparse.Namespace) -> list[str]:
    """The API keys a server requires, from --api-key, --api-key-file or the environment,
    and the refusals every serving path shares: an empty or non-ASCII key, and a
    non-loopback address without a key (unless --insecure-no-key says so)."""
    import ipaddress
    import os

    from .serve.auth import ENV, split_keys

    given: list[str] = list(args.api_key)
    if given:
        err.print(
            "orchestra: warning: a key on the command line shows in the process list; "
            f"prefer ${ENV} or --api-key-file",
            markup=False,
        )
    if args.api_key_file:
        try:
            given.append(Path(args.api_key_file).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as e:
            raise CLIError(f"cannot read --api-key-file {args.api_key_file}: {e}") from None
    if given:
        keys = [k for arg in given for k in split_keys(arg)]
        if not keys:
            raise CLIError("an API key is empty: give a non-empty key (or none for no key)")
    else:
        env = os.environ.get(ENV)
        keys = split_keys(env)
        if env is not None and not keys:
            raise CLIError(f"${ENV} is set but holds no key: unset it, or give a key")
    if any(not k.isascii() for k in keys):
        raise CLIError("API keys must be ASCII: HTTP headers cannot carry other characters")
    try:
        loopback = ipaddress.ip_address(args.host).is_loopback
    except ValueError:
        loopback = args.host == "localhost"
    if not keys and not loopback and not args.insecure_no_key:
        raise CLIError(
            f"refusing to serve {args.host} without an API key: anyone who reaches it could "
            f"use it; set ${ENV} (or --api-key-file), or pass --insecure-no-key"
        )
    return keys


def cmd_serve(args: argparse.Namespace) -> int:
    keys = _front_door(args)
    if args.ray:
        return _serve_ray(args, keys)

    from .extras import needs

    with needs("serve", "orchestra serve"):
        from .serve.app import Settings, create_app
        from .serve.server import run
    from .serve.hosts import allowed_hosts
    from .serve.memory import limit_arenas

    limit_arenas()  # before the engine's threads start: see serve/memory.py
    settings = Settings(
        max_batch=args.max_batch,
        max_wait_ms=args.max_wait_ms,
        max_queue=args.max_queue,
        max_concurrent_batches=args.max_concurrent_batches,
        timeout_s=args.timeout,
        llm_concurrency=args.llm_concurrency,
        api_keys=keys,
        protect_metrics=not args.open_metrics,
        cors_origins=args.cors,
        allowed_hosts=sorted(allowed_hosts(args.host, args.allow_host)),
    )
    app = create_app(_engine(args), settings)
    guard = f"{len(keys)} API key(s) required" if keys else "no API key required"
    err.print(f"orchestra serving on http://{args.host}:{args.port}/v1, {guard} (Ctrl-C stops it)")
    run(app, host=args.host, port=args.port, graceful_timeout_s=settings.timeout_s)
    return 0


def cmd_mcp(args: argparse.Namespace) -> int:
    from .extras import needs
    from .serve.mcp import build_server, http_app
    from .serve.memory import limit_arenas

    keys = _front_door(args) if args.http else []
    limit_arenas()
    server = build_server(_engine(args), timeout_s=args.timeout)
    if not args.http:  # stdout is the protocol's: nothing else may be printed there
        server.run("stdio")
        return 0
    with needs("mcp", "orchestra mcp --http"):
        from .serve.server import run  # uvicorn, with the header watchdog `serve` has

    from .serve.hosts import allowed_hosts

    app = http_app(
        server,
        api_keys=keys,
        max_body_bytes=args.max_body_bytes,
        allowed_hosts=allowed_hosts(args.host, args.allow_host),
    )
    guard = f"{len(keys)} API key(s) required" if keys else "no API key required"
    err.print(f"orchestra MCP on http://{args.host}:{args.port}/mcp, {guard} (Ctrl-C stops it)")
    run(app, host=args.host, port=args.port, graceful_timeout_s=30.0)
    return 0


def _front_door_options(p: argparse.ArgumentParser) -> None:
    """The options every serving path shares (`serve`, `mcp --http`): keys, the refusal to
    serve a non-loopback address open, the Host names answered without a key."""
    p.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="require this key (`Authorization: Bearer KEY`); repeat for several "
        "(default: $ORCHESTRA_API_KEY, comma-separated; none: open)",
    )
    p.add_argument(
        "--api-key-file",
        metavar="FILE",
        help="require the key(s) in FILE (one per line): unlike --api-key, not in the "
        "process list",
    )
    p.add_argument(
        "--insecure-no-key",
        action="store_true",
        help="serve a non-loopback address without any key (refused otherwise)",
    )
    p.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="without a key, also answer requests for this Host name (repeatable; by "
        "default only loopback names and the bound address, against DNS rebinding)",
    )


def build_parser() -> argparse.ArgumentParser:
    from . import cache

    p = argparse.ArgumentParser(
        prog="orchestra",
        description="Route structured puzzles to specialists and prose to LLMs.",
        epilog=cache.describe(),
    )
    from . import __version__

    p.add_argument("--version", action="version", version=f"orchestra {__version__}")
    p.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log lines (-vv: debug)"
    )
    p.add_argument(
        "-q", "--quiet", action="count", default=0, help="fewer log lines (no access log)"
    )
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser(
        "solve", help="solve one problem: prose, or a puzzle of any family (text or JSON)"
    )
    s.add_argument("text", nargs="?", help="the problem; or use -f")
    s.add_argument("-f", "--file", help="read the problem from FILE (- for stdin)")
    s.add_argument(
        "--kind", help="force a kind: a family's (`orchestra families`), a grid task's, or text"
    )
    s.add_argument("--json", action="store_true", help="print the Solution as JSON")
    s.add_argument(
        "--explain",
        action="store_true",
        help="print the scheduler's estimate for each processor and the order it chose",
    )
    _scheduler_option(s)
    _llm_options(s)
    s.set_defaults(func=cmd_solve)

    r = sub.add_parser("route", help='route each {"prompt": ...} line of a JSONL file')
    r.add_argument("file", help="JSONL file (- for stdin)")
    r.add_argument(
        "--router", help="rules, learned, llm, cascade (default), cascade+llm, or a plug-in"
    )
    r.add_argument(
        "--eval",
        action="store_true",
        help='lines carry "target": print accuracy, confusion matrix, latency',
    )
    _llm_options(r)
    r.set_defaults(func=cmd_route)

    sp = sub.add_parser("specialists", help="list the available specialists")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_specialists)

    fm = sub.add_parser("families", help="list the problem families and what each provides")
    fm.add_argument("--json", action="store_true")
    fm.set_defaults(func=cmd_families)

    t = sub.add_parser("train", help="train a TRM specialist (checkpoints, resume, card)")
    from orchestra.specialists.trm.options import add_arguments

    add_arguments(t)
    t.set_defaults(func=cmd_train)

    b = sub.add_parser("bench", help="benchmark TRM, LLMs, exact solvers and the orchestra")
    from orchestra.benchmarks.bench.run import add_arguments as bench_arguments

    bench_arguments(b)
    _llm_options(b)
    b.set_defaults(func=cmd_bench)

    sv = sub.add_parser("serve", help="an OpenAI-compatible HTTP server with micro-batching")
    _scheduler_option(sv)
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--max-batch", type=int, default=64, help="micro-batch size cap")
    sv.add_argument("--max-wait-ms", type=float, default=5.0, help="micro-batch gathering time")
    sv.add_argument("--max-queue", type=int, default=1024, help="waiting requests before 429")
    sv.add_argument(
        "--max-concurrent-batches",
        type=int,
        default=4,
        help="micro-batches in flight at once, so a slow one (an ARC search) blocks no other",
    )
    sv.add_argument("--timeout", type=float, default=120.0, help="per-request timeout, seconds")
    sv.add_argument("--llm-concurrency", type=int, default=4)
    _front_door_options(sv)
    sv.add_argument(
        "--open-metrics",
        action="store_true",
        help="serve /metrics without a key (by default it needs one where keys are set)",
    )
    sv.add_argument(
        "--cors",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="allow browser calls from this origin (repeatable; default: no CORS)",
    )
    sv.add_argument(
        "--ray",
        action="store_true",
        help="run on Ray Serve: one deployment per specialist, a CPU gateway",
    )
    sv.add_argument("--ray-address", default=None, help="an existing cluster (default: local)")
    sv.add_argument(
        "--trm-gpus",
        type=float,
        default=0.0,
        help="GPUs per TRM specialist replica on Ray (fractions allowed)",
    )
    _llm_options(sv)
    sv.set_defaults(func=cmd_serve)

    m = sub.add_parser("mcp", help="a Model Context Protocol server (stdio; --http for HTTP)")
    _scheduler_option(m)
    m.add_argument("--http", action="store_true", help="streamable HTTP instead of stdio")
    m.add_argument("--host", default="127.0.0.1")
    m.add_argument("--port", type=int, default=8765)
    _front_door_options(m)
    m.add_argument("--max-body-bytes", type=int, default=1 << 20, help="with --http")
    m.add_argument("--timeout", type=float, default=120.0, help="per tool call, seconds")
    _llm_options(m)
    m.set_defaults(func=cmd_mcp)

    d = sub.add_parser("demo", help="a mixed workload and its workload split")
    _scheduler_option(d)
    d.add_argument("--json", action="store_true")
    d.add_argument("--seed", type=int, default=0)
    _llm_options(d)
    d.set_defaults(func=cmd_demo)
    return p


def _logging(verbose: int, quiet: int) -> None:
    """The standard `logging` module, on stderr: warnings by default, `-v` info (the
    server's access log is info, and `serve` shows it unless `-q`), `-vv` debug."""
    import logging

    level = logging.WARNING - 10 * verbose + 10 * quiet
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger("orchestra")
    root.handlers[:] = [handler]
    root.setLevel(max(logging.DEBUG, level))
    root.propagate = False
    if quiet == 0:  # a server says who asked what unless told to be quiet
        logging.getLogger("orchestra.access").setLevel(min(logging.INFO, root.level))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _logging(args.verbose, args.quiet)
    from .extras import MissingExtra

    try:
        return args.func(args)
    except (CLIError, MissingExtra) as e:
        err.print(f"orchestra {args.command}: {e}", markup=False)
        return 2
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main())
