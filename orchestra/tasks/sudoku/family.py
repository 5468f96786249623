"""Sudoku as an orchestra family: everything the rest of orchestra asks of it, in one
place (parsing, verification, exact solving, generation, symmetries, the LLM prompt and
reply parser, renderings, routing examples, benchmark sets)."""

from __future__ import annotations

import json
import random
import re
from typing import Any, ClassVar

from ..base import NoSolution, Problem, ReplyCheck, Verdict
from ..family import LIKELY, Detection, Family, Instance, Score, View, grid_rows, reading
from ..replies import digit_rows
from ..reply_check import asked_cell, judge
from . import lists
from .augment import random_transform
from .generate import Tier, generate
from .geometry import BOX_SHAPES
from .parse import from_json, from_string, parse_text
from .problem import KIND, SudokuProblem, render, verify
from .solver import propagate, solve

_WRAP = {
    "train": [
        "{p}",
        "Solve this sudoku: {p}",
        "Please solve:\n{p}",
        "{p}\nFill in the blanks.",
        "Here is a sudoku puzzle.\n{p}\nWhat is the solution?",
        "Can you complete this grid?\n\n{p}",
    ],
    "eval": [
        "Hey, I'm stuck on this one:\n{p}\nany help?",
        "{p}\n\nthanks in advance",
        "puzzle from today's paper -> {p}",
        "Could you finish the following grid for me?\n{p}",
        "Task: complete the Latin-square style puzzle below.\n{p}",
    ],
}


def formats(g: list[list[int]]) -> dict[str, str]:
    """The ways people paste a Sudoku (the router corpus and the parser tests use them)."""
    n = len(g)
    flat = [v for row in g for v in row]
    return {
        "dots": "".join(str(v) if v else "." for v in flat),
        "zeros": "".join(map(str, flat)),
        "underscores": "".join(str(v) if v else "_" for v in flat),
        "lines": "\n".join("".join(str(v) if v else "." for v in row) for row in g),
        "spaced": "\n".join(" ".join(str(v) if v else "0" for v in row) for row in g),
        "boxed": render(g),
        "commas": "\n".join(",".join(map(str, row)) for row in g),
        "json": json.dumps({"grid": g}),
        "pylist": "[" + ",\n ".join(str(row) for row in g) + "]",
        "spaced-row": " ".join(str(v) if v else "." for v in flat)
        if n <= 6
        else "".join(str(v) if v else "." for v in flat),
    }


class SudokuFamily(Family):
    """4x4, 6x6 (2x3 boxes) and 9x9 Sudoku."""

    name = KIND
    problem_type = SudokuProblem
    solver_name = "exact-sudoku"
    formats = (
        "16/36/81 cells in a line, or 4/6/9 rows (separators |, +---+ or box drawing; "
        "CSV/TSV with empty cells); blanks one of . 0 _ x * · ? (or spaces in n lines of n); "
        "JSON rows of ints"
    )
    trm_task = "orchestra.tasks.sudoku.trm:SudokuSpec"
    default_preset = "sudoku6-cpu"
    bench_tasks: ClassVar[dict[str, dict]] = {
        "sudoku4-minimal": {"size": 4, "tier": "minimal"},
        "sudoku6-minimal": {"size": 6, "tier": "minimal"},
        "sudoku9-medium": {"size": 9, "tier": "medium"},
        "sudoku9-minimal": {"size": 9, "tier": "minimal"},
        # minimal puzzles that singles alone cannot finish: the generator's hard tier
        "sudoku9-search": {"size": 9, "tier": "minimal", "min_nodes": 1},
        # Peter Norvig's 95 hard puzzles (data/top95.txt), a published list
        "sudoku9-top95": {"published": "top95.txt"},
        # Sudoku-Extreme's sources, test parts (data/*-test.txt; `benchmarks/
        # sudoku_extreme_split.py` wrote them, disjoint from the *-train.txt parts)
        "sudoku9-extreme": {"published": "extreme-test.txt"},
        "sudoku9-17clue": {"published": "17clue-test.txt"},
    }
    quick_tasks = ("sudoku6-minimal", "sudoku9-medium")
    mixed_tasks = ("sudoku6-minimal", "sudoku9-medium")
    routing_hint = "it contains a Sudoku grid to solve"
    routing_weight = 6

    # -- recognition -------------------------------------------------------------------

    def detect_text(self, text: str, *, strict: bool = False) -> Detection | None:
        return reading(LIKELY, lambda: parse_text(text, strict=strict))

    def detect_object(self, obj: Any, *, prompt: str | None = None) -> Detection | None:
        """`{"grid": rows}`, `{"puzzle": rows}` or a bare list of rows. A grid another
        family reads more surely (rows of `#` walls) goes to that family."""
        if isinstance(obj, dict):
            if "grid" not in obj and "puzzle" not in obj:
                return None
        elif not (isinstance(obj, list) and obj and all(isinstance(r, list) for r in obj)):
            return None
        return reading(LIKELY, lambda: from_json(obj, prompt=prompt))

    def to_text(self, problem: Problem) -> str:
        return problem.to_string()  # type: ignore[attr-defined]

    # -- answers -----------------------------------------------------------------------

    def verify(self, problem: Problem, answer: Any) -> Verdict:
        return verify(problem, answer)  # type: ignore[arg-type]

    def solve(self, problem: Problem) -> Any:
        """Constraint propagation and search; exact on every 4x4, 6x6 and 9x9 Sudoku."""
        found = solve(problem)  # type: ignore[arg-type]
        if found is None:
            if propagate(problem) is None:  # type: ignore[arg-type]
                raise NoSolution(
                    "the givens contradict each other: following them through leaves a "
                    "cell with no possible digit"
                )
            raise NoSolution(
                "the givens break no rule, but no way of filling the empty cells satisfies "
                "them all (an exhaustive search found none)"
            )
        return found

    def check_reply(self, problem: Problem, answer: Any, reply: str) -> ReplyCheck | None:
        """A question about one cell ("the top-right corner", "row 2, column 5"): the
        reply's digit against the verified solution's."""
        grid = answer
        cell = asked_cell(problem.prompt or "", len(grid), len(grid[0]))
        if cell is None:
            return None
        r, c = cell
        digit = int(grid[r][c])
        return judge({digit}, str(digit), reply, f"digit at row {r + 1}, column {c + 1}")

    def propagate(self, problem: Problem) -> Problem | None:
        """Naked and hidden singles to a fixed point."""
        grid = propagate(problem)  # type: ignore[arg-type]
        return None if grid is None else problem.model_copy(update={"grid": grid})

    def size_class(self, problem: Problem) -> str:
        """The board and how sparse its givens are: few givens is where the TRM's verified
        rate drops and the exact solver searches (published hard lists have 17-25 of 81)."""
        grid = problem.grid  # type: ignore[attr-defined]
        n = len(grid)
        givens = sum(v != 0 for row in grid for v in row)
        return f"{n}x{n}/{'few' if givens < 0.32 * n * n else 'many'}-givens"

    def generate(self, count: int, *, seed: int = 0, **options: Any) -> list[Instance]:
        """Options: size (4, 6, 9), tier (easy, medium, hard, minimal), clues, min_nodes."""
        out = []
        for i in range(count):
            inst = generate(options.get("size", 9), seed=seed + i, **_without(options, "size"))
            out.append(Instance(problem=inst.problem, answer=inst.solution))
        return out

    def bench_set(self, task: str, n: int, seed: int) -> list[Instance]:
        """Generated sets as every family's; a published list is read in its order (the
        seed does not apply) and answered by the exact solver."""
        name = self.bench_tasks.get(task, {}).get("published")
        if name is None:
            return super().bench_set(task, n, seed)
        listed = lists.puzzles(name)[:n]
        return [Instance(problem=p, answer=lists.solution(name, i)) for i, p in enumerate(listed)]

    def random_view(self, problem: Problem, rng: random.Random) -> View:
        p: SudokuProblem = problem  # type: ignore[assignment]
        t = random_transform(p.size, rng)
        return View(t.apply_problem(p), forward=t.apply, back=t.inverse().apply)

    def render(self, problem: Problem, answer: Any) -> str:
        return render(answer)

    def summary(self, problem: Problem, answer: Any) -> str:
        if isinstance(answer, list):
            return "".join(str(v) for row in answer for v in row)
        return super().summary(problem, answer)

    def score(self, problem: Problem, answer: Any, expected: Any) -> Score:
        """Cells: the share of blank cells filled as in the reference solution."""
        if answer is None:
            return Score(correct=False, cell=0.0, valid=False)
        p: SudokuProblem = problem  # type: ignore[assignment]
        v = verify(p, answer)
        blanks = [(r, c) for r in range(p.size) for c in range(p.size) if not p.grid[r][c]]
        cell = 0.0
        if v.valid and blanks:
            cell = sum(answer[r][c] == expected[r][c] for r, c in blanks) / len(blanks)
        return Score(correct=bool(v), cell=cell, valid=v.valid)

    def demo(self, seed: int) -> list[tuple[str, Any]]:
        items: list[tuple[str, Any]] = []
        tiers: tuple[tuple[int, Tier], ...] = (
            (4, "minimal"),
            (6, "minimal"),
            (9, "hard"),
            (9, "minimal"),
        )
        for i, (size, tier) in enumerate(tiers):
            inst = generate(size, seed=seed + i, tier=tier)
            items.append((f"sudoku {size}x{size} ({inst.clues} clues)", inst.problem.to_string()))
        items.append(
            (
                "sudoku 9x9 in a sentence",
                "Please solve this sudoku: "
                "53..7....6..195....98....6.8...6...34..8.3..17...2...6.6....28....419..5....8..79",
            )
        )
        return items

    def read_pair(self, question: str, answer: str) -> Instance | None:
        """Sudoku-Extreme's rows: 81 characters, '.' or '0' blanks."""
        if len(question) != 81:
            return None
        problem = from_string(question.replace("0", "."))
        expected = [[int(ch) for ch in answer[r * 9 : (r + 1) * 9]] for r in range(9)]
        return Instance(problem=problem, answer=expected)

    # -- LLM ---------------------------------------------------------------------------

    def prompt(self, problem: Problem) -> str:
        p: SudokuProblem = problem  # type: ignore[assignment]
        n = p.size
        br, bc = BOX_SHAPES[n]
        return (
            f"Solve this {n}x{n} Sudoku. Replace every '.' with a digit from 1 to {n} so that "
            f"each row, each column and each {br}x{bc} box contains every digit 1-{n} exactly "
            f"once. Keep the given digits.\n\n{grid_rows(p.grid, '.')}\n\n"
            f"Answer with the completed grid only: {n} lines of {n} digits separated by spaces."
        )

    def parse_reply(self, problem: Problem, text: str) -> Any:
        n = problem.size  # type: ignore[attr-defined]
        for run in reversed(digit_rows(text)):
            rows = [r for r in run if len(r) == n]
            if len(rows) >= n:
                return rows[-n:]
            flat = [v for r in run for v in r]
            if len(flat) == n * n:  # one compact line, or rows wrapped differently
                return [flat[i * n : (i + 1) * n] for i in range(n)]
        compact = re.findall(rf"(?<!\d)\d{{{n * n}}}(?!\d)", text)  # inside a sentence
        if compact:
            flat = [int(ch) for ch in compact[-1]]
            return [flat[i * n : (i + 1) * n] for i in range(n)]
        return None

    def format_answer(self, problem: Problem, answer: Any) -> str:
        return grid_rows(answer)

    # -- routing -----------------------------------------------------------------------

    def routing_example(self, split: str, rng: random.Random) -> tuple[str, str]:
        seed = rng.randrange(10**6) + (0 if split == "train" else 10**7)
        tier: Tier = rng.choice(("easy", "hard"))
        inst = generate(rng.choice((4, 6, 9)), seed=seed, tier=tier)
        shown = formats(inst.problem.grid)
        fmt = rng.choice(sorted(shown))
        return rng.choice(_WRAP[split]).format(p=shown[fmt]), fmt


def _without(options: dict, *keys: str) -> dict:
    return {k: v for k, v in options.items() if k not in keys}
