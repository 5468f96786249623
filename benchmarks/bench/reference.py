"""Figures reported in the papers, never measured here: kept apart from measured rows.

Source: Jolicoeur-Martineau, "Less is More: Recursive Reasoning with Tiny Networks",
arXiv 2510.04871 (2025), which also quotes HRM (Wang et al. 2025) and the LLM baselines.
Exact accuracy in percent; ARC figures are pass@2.
"""

from __future__ import annotations

from pydantic import BaseModel

SOURCE = "reported in arXiv 2510.04871 (TRM paper), not measured here"


class ReportedRow(BaseModel):
    method: str
    params: str
    sudoku_extreme: float | None
    maze_hard: float | None
    arc_agi_1: float | None
    arc_agi_2: float | None
    source: str = SOURCE


REPORTED = [
    ReportedRow(
        method="DeepSeek R1",
        params="671B",
        sudoku_extreme=0.0,
        maze_hard=0.0,
        arc_agi_1=15.8,
        arc_agi_2=1.3,
    ),
    ReportedRow(
        method="Claude 3.7 8K",
        params="?",
        sudoku_extreme=0.0,
        maze_hard=0.0,
        arc_agi_1=28.6,
        arc_agi_2=0.7,
    ),
    ReportedRow(
        method="o3-mini-high",
        params="?",
        sudoku_extreme=0.0,
        maze_hard=0.0,
        arc_agi_1=34.5,
        arc_agi_2=3.0,
    ),
    ReportedRow(
        method="Gemini 2.5 Pro 32K",
        params="?",
        sudoku_extreme=None,
        maze_hard=None,
        arc_agi_1=37.0,
        arc_agi_2=4.9,
    ),
    ReportedRow(
        method="Grok-4-thinking",
        params="1.7T",
        sudoku_extreme=None,
        maze_hard=None,
        arc_agi_1=66.7,
        arc_agi_2=16.0,
    ),
    ReportedRow(
        method="HRM",
        params="27M",
        sudoku_extreme=55.0,
        maze_hard=74.5,
        arc_agi_1=40.3,
        arc_agi_2=5.0,
    ),
    ReportedRow(
        method="TRM-Att",
        params="7M",
        sudoku_extreme=74.7,
        maze_hard=85.3,
        arc_agi_1=44.6,
        arc_agi_2=7.8,
    ),
    ReportedRow(
        method="TRM-MLP",
        params="5M",
        sudoku_extreme=87.4,
        maze_hard=0.0,
        arc_agi_1=29.6,
        arc_agi_2=2.4,
    ),
]


def table() -> str:
    def f(x: float | None) -> str:
        return "-" if x is None else f"{x:.1f}"

    lines = [
        f"## Reported in the papers ({SOURCE})",
        "",
        "| method | params | Sudoku-Extreme % | Maze-Hard % | ARC-AGI-1 % | ARC-AGI-2 % |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in REPORTED:
        lines.append(
            f"| {r.method} | {r.params} | {f(r.sudoku_extreme)} | {f(r.maze_hard)} | "
            f"{f(r.arc_agi_1)} | {f(r.arc_agi_2)} |"
        )
    return "\n".join(lines)
