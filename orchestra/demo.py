"""The demo workload: a mixed batch of puzzles and prose through one `solve_many`, then the
workload split. It uses whatever processors are installed and says what is missing; it
never invents an answer."""

from __future__ import annotations

from typing import Any

from .tasks import arc, maze, sudoku


def workload(seed: int = 0) -> list[tuple[str, Any]]:
    """(label, input) pairs, inputs in the forms people paste."""
    items: list[tuple[str, Any]] = []
    for i, (size, tier) in enumerate(((4, "minimal"), (6, "minimal"), (9, "hard"), (9, "minimal"))):
        inst = sudoku.generate(size, seed=seed + i, tier=tier)
        items.append((f"sudoku {size}x{size} ({inst.clues} clues)", inst.problem.to_string()))
    items.append(
        (
            "sudoku 9x9 in a sentence",
            "Please solve this sudoku: "
            "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79",
        )
    )
    for h, w, min_path in ((9, 15, 20), (30, 30, 110)):
        inst = maze.generate(h, w, seed=seed, min_path=min_path)
        items.append((f"maze {h}x{w} (path {inst.length})", "\n".join(inst.problem.rows)))
    small = [t for t in arc.load(1, "training") if t.max_side() <= 8]
    known = small[seed % len(small)]  # one of the tasks the shipped ARC checkpoint learned
    items.append((f"ARC-AGI-1 training {known.id} (8x8 or smaller)", known))
    task = arc.load(1, "evaluation")[seed % 400]
    items.append((f"ARC-AGI-1 eval {task.id}", task))
    items.append(("prose", "Explain in one sentence why the sky is blue."))
    items.append(("prose with numbers", "1 2 3 4 5 6 7 8 9, what comes next?"))
    return items
