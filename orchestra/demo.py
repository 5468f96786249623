"""The demo workload: a mixed batch of puzzles and prose through one `solve_many`, then the
workload split. Every family contributes its own examples (`Family.demo`), so an installed
plug-in family shows up in the demo too. It uses whatever processors are installed and says
what is missing; it never invents an answer."""

from __future__ import annotations

from typing import Any

from . import family_registry

PROSE = [
    ("prose", "Explain in one sentence why the sky is blue."),
    ("prose with numbers", "1 2 3 4 5 6 7 8 9, what comes next?"),
]


def workload(seed: int = 0) -> list[tuple[str, Any]]:
    """(label, input) pairs, inputs in the forms people paste."""
    items: list[tuple[str, Any]] = []
    for family in family_registry.all_families():
        items += family.demo(seed)
    return items + PROSE
