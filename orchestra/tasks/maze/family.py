"""Mazes as an orchestra family: parsing (ASCII and JSON), verification, breadth-first
search, generation, the 8 symmetries, the LLM prompt and reply parser, renderings,
routing examples and benchmark sets."""

from __future__ import annotations

import json
import random
import re
from typing import Any, ClassVar

import numpy as np

from ..base import NoSolution, Problem, ReplyCheck, Verdict
from ..dihedral import dihedral, inverse_dihedral
from ..family import STRONG, Detection, Family, Instance, Score, View, reading
from ..replies import COORD
from ..reply_check import judge
from .augment import transform, transform_path
from .generate import generate, generate_styled
from .parse import from_json, parse_text
from .problem import KIND, MazeProblem, mark_path, path_from_marks, verify
from .solver import fill_dead_ends, solve

_WRAP = {
    "train": [
        "{p}",
        "Find the shortest path:\n{p}",
        "{p}\nHow do I get from S to G?",
        "Solve this maze please\n{p}",
    ],
    "eval": [
        "My kid drew this labyrinth:\n{p}\nwhich way out?",
        "{p}\n\nroute from start to goal?",
        "Shortest route in the grid below (walls are #):\n{p}",
    ],
}


def formats(rows: list[str]) -> dict[str, str]:
    return {
        "dots": "\n".join(rows),
        "spaces": "\n".join(r.replace(".", " ") for r in rows),
        "fenced": "```\n" + "\n".join(rows) + "\n```",
        "json": json.dumps({"maze": rows}),
    }


def _is_rows(x: Any) -> bool:
    """Row strings with `#` walls (a list of them, or one string with newlines)."""
    if isinstance(x, str):
        x = x.split("\n")
    return (
        isinstance(x, list)
        and bool(x)
        and all(isinstance(r, str) for r in x)
        and any("#" in r for r in x)
    )


def _map(answer: Any, shape: tuple[int, int], k: int) -> Any:
    """An answer (a path of cells, or the maze with `*` marks) through symmetry k."""
    if isinstance(answer, list) and answer and all(isinstance(r, str) for r in answer):
        a = dihedral(np.array([list(r) for r in answer]), k)
        return ["".join(r) for r in a.tolist()]
    return transform_path([tuple(c) for c in answer], shape, k)


class MazeFamily(Family):
    """Rectangular ASCII mazes: a shortest path from S to G."""

    name = KIND
    problem_type = MazeProblem
    solver_name = "bfs-maze"
    formats = (
        "rows of # walls and space/. open with one S and one G; any two symbols with two "
        "letters marking start and goal (A/B, S/E); +--+ and | drawings; "
        'JSON {"grid": rows of 0/1, "start": [r, c], "goal": [r, c]}'
    )
    trm_task = "orchestra.tasks.maze.trm:MazeSpec"
    default_preset = "maze-cpu"
    bench_tasks: ClassVar[dict[str, dict]] = {
        "maze-21": {"height": 21, "min_path": 0},
        "maze-30": {"height": 30, "min_path": 110},
        # Maze-Hard's kind: several routes, only a shortest one counts (braided and open
        # random-wall mazes taking turns), 30x30, a shortest path of 110 moves or more
        "maze-30-loops": {
            "height": 30,
            "style": "mixed",
            "loops": 0.1,
            "density": 0.4,
            "min_path": 110,
        },
    }
    quick_tasks = ("maze-21",)
    mixed_tasks = ("maze-21",)
    routing_hint = "it contains a maze drawn in characters (# walls, S start, G goal)"
    routing_weight = 5

    # -- recognition -------------------------------------------------------------------

    def detect_text(self, text: str, *, strict: bool = False) -> Detection | None:
        return reading(STRONG, lambda: parse_text(text, strict=strict))

    def detect_object(self, obj: Any, *, prompt: str | None = None) -> Detection | None:
        """`{"maze": rows}`, `{"grid": rows, "start": [r, c], "goal": [r, c]}` (rows of
        0/1 or strings), or `{"grid": rows}` / a list of rows drawn with `#` walls."""
        if isinstance(obj, dict) and {"start", "goal"} <= set(obj) and (
            "grid" in obj or "maze" in obj
        ):
            return reading(STRONG, lambda: from_json(obj, prompt=prompt))
        if isinstance(obj, dict):
            inner = obj.get("grid", obj.get("puzzle"))
            if "maze" not in obj and not _is_rows(inner):
                return None
            if "maze" not in obj:
                obj = inner
        elif not _is_rows(obj):
            return None
        return reading(STRONG, lambda: from_json(obj, prompt=prompt))

    def to_text(self, problem: Problem) -> str:
        return "\n".join(problem.rows)  # type: ignore[attr-defined]

    # -- answers -----------------------------------------------------------------------

    def verify(self, problem: Problem, answer: Any) -> Verdict:
        return verify(problem, answer)  # type: ignore[arg-type]

    def solve(self, problem: Problem) -> Any:
        """Breadth-first search; exact shortest path on every maze."""
        path = solve(problem)  # type: ignore[arg-type]
        if path is None:
            raise NoSolution(
                f"S {tuple(problem.start)} and G {tuple(problem.goal)} are not connected: "  # type: ignore[attr-defined]
                "no path of open cells joins them"
            )
        return path

    def check_reply(self, problem: Problem, answer: Any, reply: str) -> ReplyCheck | None:
        """A question about the shortest path's length: the reply's number against the
        verified path's (in steps; a question about cells counts S and G too)."""
        question = (problem.prompt or "").lower()
        if not re.search(r"how (many|long)|length|number of", question):
            return None
        steps = len(answer) - 1
        if re.search(r"\bcells?\b|\bsquares?\b", question) and "step" not in question:
            return judge({steps + 1}, f"{steps + 1} cells", reply, "path's length")
        return judge({steps}, f"{steps} steps", reply, "path's length")

    def propagate(self, problem: Problem) -> Problem | None:
        """Dead-end filling: in a perfect maze it leaves only the path open."""
        return fill_dead_ends(problem)  # type: ignore[arg-type]

    def generate(self, count: int, *, seed: int = 0, **options: Any) -> list[Instance]:
        """Options: height, width, style (perfect, open, mixed), loops, density, min_path."""
        out = []
        for i in range(count):
            inst = generate_styled(seed=seed + i, **options)
            out.append(Instance(problem=inst.problem, answer=inst.path))
        return out

    def random_view(self, problem: Problem, rng: random.Random) -> View:
        p: MazeProblem = problem  # type: ignore[assignment]
        k = rng.randrange(8)
        view = transform(p, k)
        return View(
            view,
            forward=lambda a: _map(a, (p.height, p.width), k),
            back=lambda a: _map(a, (view.height, view.width), inverse_dihedral(k)),
        )

    def render(self, problem: Problem, answer: Any) -> str:
        if isinstance(answer, list) and answer and isinstance(answer[0], tuple | list):
            return "\n".join(mark_path(problem, [tuple(c) for c in answer]))  # type: ignore[arg-type]
        return (
            super().render(problem, answer) if not isinstance(answer, list) else "\n".join(answer)
        )

    def summary(self, problem: Problem, answer: Any) -> str:
        if isinstance(answer, list):
            if all(isinstance(row, str) for row in answer):
                return f"path of {sum(row.count('*') for row in answer) + 1} moves"
            return f"path of {len(answer) - 1} moves"
        return super().summary(problem, answer)

    def score(self, problem: Problem, answer: Any, expected: Any) -> Score:
        """Another shortest path is as right as the reference; a wrong answer gets the
        overlap (intersection over union) of its path cells with the reference path's."""
        if answer is None:
            return Score(correct=False, cell=0.0, valid=False)
        v = verify(problem, answer)  # type: ignore[arg-type]
        got, want = _path_cells(answer), set(map(tuple, expected[1:-1]))
        if bool(v):
            cell = 1.0
        else:
            cell = len(got & want) / len(got | want) if got is not None and (got | want) else 0.0
        return Score(correct=bool(v), cell=cell, valid=v.valid)

    def demo(self, seed: int) -> list[tuple[str, Any]]:
        items: list[tuple[str, Any]] = []
        for h, w, min_path in ((9, 15, 20), (30, 30, 110)):
            inst = generate(h, w, seed=seed, min_path=min_path)
            items.append((f"maze {h}x{w} (path {inst.length})", "\n".join(inst.problem.rows)))
        return items

    def read_pair(self, question: str, answer: str) -> Instance | None:
        """Maze-Hard's rows: 900 characters (30x30), '#', ' ', 'S', 'G'; 'o' marks the path."""
        if len(question) != 900:
            return None
        rows = [question[r * 30 : (r + 1) * 30].replace(" ", ".") for r in range(30)]
        problem = MazeProblem(rows=rows)
        marked = [
            answer[r * 30 : (r + 1) * 30].replace(" ", ".").replace("o", "*") for r in range(30)
        ]
        return Instance(problem=problem, answer=path_from_marks(problem, marked))

    # -- LLM ---------------------------------------------------------------------------

    def prompt(self, problem: Problem) -> str:
        return (
            "Find a shortest path from S to G in this maze. Moves go up, down, left or right "
            "through open cells '.'; '#' is a wall.\n\n"
            + "\n".join(problem.rows)  # type: ignore[attr-defined]
            + "\n\nAnswer with the maze redrawn, every cell of the path between S and G "
            "replaced by '*'. Output only the maze."
        )

    def parse_reply(self, problem: Problem, text: str) -> Any:
        p: MazeProblem = problem  # type: ignore[assignment]
        h, w = p.height, p.width
        lines = [line.rstrip().replace(" ", ".") for line in text.split("\n")]
        allowed = set("#.SG*")
        for end in range(len(lines), h - 1, -1):
            block = lines[end - h : end]
            if all(len(line) == w and set(line) <= allowed for line in block):
                return block
        coords = [(int(r), int(c)) for r, c in COORD.findall(text)]
        return coords if len(coords) >= 2 else None

    def format_answer(self, problem: Problem, answer: Any) -> str:
        return "\n".join(answer if isinstance(answer[0], str) else mark_path(problem, answer))  # type: ignore[arg-type]

    # -- routing -----------------------------------------------------------------------

    def routing_example(self, split: str, rng: random.Random) -> tuple[str, str]:
        seed = rng.randrange(10**6) + (0 if split == "train" else 10**7)
        inst = generate(
            rng.randint(5, 15), rng.randint(5, 21), seed=seed, style=rng.choice(("perfect", "open"))
        )
        shown = formats(inst.problem.rows)
        fmt = rng.choice(sorted(shown))
        return rng.choice(_WRAP[split]).format(p=shown[fmt]), fmt


def _path_cells(answer: Any) -> set | None:
    if isinstance(answer, list) and answer and all(isinstance(r, str) for r in answer):
        return {(r, c) for r, row in enumerate(answer) for c, ch in enumerate(row) if ch == "*"}
    try:
        return {(int(r), int(c)) for r, c in answer[1:-1]}
    except (TypeError, ValueError):
        return None
