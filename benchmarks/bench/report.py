"""From samples to a summary, a markdown report and plots. Measured rows only; the papers'
figures go in their own section (`reference.table()`)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from pydantic import BaseModel

from orchestra.accounting import percentile

from . import reference


class Row(BaseModel):
    task: str
    solver: str
    n: int
    exact: float | None  # over items with a known answer
    cell: float | None
    valid: float
    p50_latency_s: float
    p95_latency_s: float
    items_per_s: float | None
    params: int | None
    flops_per_problem: float | None
    energy_j_per_problem: float  # estimate
    usd_per_problem: float
    usd_per_solved: float | None
    energy_j_per_solved: float | None
    routing_accuracy: float | None = None


class Summary(BaseModel):
    rows: list[Row]
    workload_split: dict | None = None
    note: str = ""


def summarise(samples: list[dict], walls: dict[tuple[str, str], float]) -> list[Row]:
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for s in samples:
        groups[(s["task"], s["solver"])].append(s)
    rows = []
    for (task, solver), ss in sorted(groups.items()):
        judged = [s for s in ss if s["correct"] is not None]
        solved = sum(1 for s in judged if s["correct"])
        cells = [s["cell"] for s in ss if s["cell"] is not None]
        flops = [s["flops"] for s in ss if s.get("flops")]
        energy = sum(s["energy_j"] for s in ss)
        cost = sum(s["cost_usd"] for s in ss)
        routed = [s for s in ss if s.get("routed_kind")]
        wall = walls.get((task, solver))
        rows.append(
            Row(
                task=task,
                solver=solver,
                n=len(ss),
                exact=solved / len(judged) if judged else None,
                cell=sum(cells) / len(cells) if cells else None,
                valid=sum(bool(s["valid"]) for s in ss) / len(ss),
                p50_latency_s=percentile([s["latency_s"] for s in ss], 0.5),
                p95_latency_s=percentile([s["latency_s"] for s in ss], 0.95),
                items_per_s=len(ss) / wall if wall else None,
                params=next((s["params"] for s in ss if s.get("params")), None),
                flops_per_problem=sum(flops) / len(flops) if flops else None,
                energy_j_per_problem=energy / len(ss),
                usd_per_problem=cost / len(ss),
                usd_per_solved=cost / solved if solved else None,
                energy_j_per_solved=energy / solved if solved else None,
                routing_accuracy=(
                    sum(s["routed_kind"] == s["kind"] for s in routed) / len(routed)
                    if routed
                    else None
                ),
            )
        )
    return rows


def _num(x: float | None, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


def markdown(summary: Summary, command: str, machine: str) -> str:
    lines = [
        "# orchestra benchmark",
        "",
        f"Measured with `{command}` on {machine}. The {summary.note}; "
        "local cost is that energy at the stated electricity price.",
        "",
        "| task | solver | n | exact | cell | valid | p50 ms | p95 ms | items/s | params | "
        "GFLOP/problem | J/problem* | $/problem | $/solved | J/solved* |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in summary.rows:
        lines.append(
            f"| {r.task} | {r.solver} | {r.n} | {_num(r.exact, '.3f')} | {_num(r.cell, '.3f')} | "
            f"{r.valid:.3f} | {r.p50_latency_s * 1000:.1f} | {r.p95_latency_s * 1000:.1f} | "
            f"{_num(r.items_per_s, '.1f')} | {_num(r.params, ',')} | "
            f"{_num(r.flops_per_problem and r.flops_per_problem / 1e9, '.2f')} | "
            f"{r.energy_j_per_problem:.3f} | {r.usd_per_problem:.2e} | "
            f"{_num(r.usd_per_solved, '.2e')} | {_num(r.energy_j_per_solved, '.3f')} |"
        )
    routed = [r for r in summary.rows if r.routing_accuracy is not None]
    if routed:
        lines += ["", "## The full orchestra", ""]
        for r in routed:
            lines.append(f"- {r.task}: routing accuracy {r.routing_accuracy:.3f} over {r.n} inputs")
    if summary.workload_split:
        lines += [
            "",
            "| processor | device | items | busy s | items/s | verified |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for p in summary.workload_split["processors"]:
            v = (
                "-"
                if p["verified_rate"] is None
                else f"{p['verified']}/{p['verified'] + p['rejected']}"
            )
            lines.append(
                f"| {p['name']} | {p['device']} | {p['items']} | {p['busy_s']:.3f} | "
                f"{p['items_per_s']:.1f} | {v} |"
            )
    lines += ["", reference.table(), ""]
    return "\n".join(lines)


def plots(summary: Summary, out: Path) -> list[Path]:
    from orchestra.extras import needs

    with needs("bench", "the benchmark plots"):
        import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    made = []
    rows = [r for r in summary.rows if r.exact is not None]
    for name, x_of, xlabel in (
        ("accuracy_vs_cost.png", lambda r: max(r.usd_per_problem, 1e-12), "$ per problem (log)"),
        ("accuracy_vs_latency.png", lambda r: max(r.p50_latency_s, 1e-6), "p50 latency, s (log)"),
    ):
        fig, ax = plt.subplots(figsize=(8, 4.5))
        solvers = sorted({r.solver for r in rows})
        tasks = sorted({r.task for r in rows})
        colours = plt.get_cmap("tab10")
        markers = "osD^vP*X"
        for r in rows:  # colour = solver, marker = task; both in the legends
            ax.scatter(
                x_of(r),
                (r.exact or 0.0) * 100,  # rows without an exact score were left out above
                color=colours(solvers.index(r.solver) % 10),
                marker=markers[tasks.index(r.task) % len(markers)],
                s=45,
                alpha=0.85,
            )
        handles = [
            Line2D([], [], color=colours(i % 10), marker="o", linestyle="", label=s)
            for i, s in enumerate(solvers)
        ]
        handles += [
            Line2D(
                [],
                [],
                color="black",
                marker=markers[i % len(markers)],
                markerfacecolor="none",
                linestyle="",
                label=t,
            )
            for i, t in enumerate(tasks)
        ]
        ax.legend(handles=handles, fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
        ax.set_xscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel("exact accuracy, %")
        ax.set_ylim(-5, 105)
        ax.grid(alpha=0.3)
        fig.tight_layout()
        fig.savefig(out / name, dpi=120)
        plt.close(fig)
        made.append(out / name)
    if summary.workload_split and summary.workload_split["processors"]:
        procs = summary.workload_split["processors"]
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.5))
        names = [p["name"] for p in procs]
        axes[0].barh(names, [p["items"] for p in procs])
        axes[0].set_xlabel("items")
        axes[1].barh(names, [p["busy_s"] for p in procs])
        axes[1].set_xlabel("busy seconds")
        axes[1].set_yticks([])
        fig.suptitle("workload split of the full orchestra")
        fig.tight_layout()
        fig.savefig(out / "workload_split.png", dpi=120)
        plt.close(fig)
        made.append(out / "workload_split.png")
    return made
