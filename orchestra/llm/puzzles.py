"""Puzzles for LLMs: a prompt per family that states the rules and the grid plainly and asks
for a fixed answer format, and a parser that finds that answer in a real reply (prose
around it, code fences, separators). A reply that cannot be parsed gives None, which the
verifier scores as wrong; parsing never raises.

This is the "LLM baseline" the benchmarks call, and the LLM fallback of the engine.
"""

from __future__ import annotations

import re
from typing import Any

from ..tasks.arc import ArcProblem
from ..tasks.base import Grid, Problem
from ..tasks.maze import MazeProblem
from ..tasks.sudoku import BOX_SHAPES, SudokuProblem
from ..tasks.text import TextProblem
from .base import Message

SYSTEM = "You are a careful solver of logic puzzles. Follow the answer format exactly."
_SEPARATORS = re.compile(r"[\s|,;+\-\[\]()`]+")
_COORD = re.compile(r"\(\s*(\d+)\s*,\s*(\d+)\s*\)")


def _rows(grid: Grid, blank: str | None = None) -> str:
    return "\n".join(" ".join(blank if (blank and v == 0) else str(v) for v in row) for row in grid)


def prompt_for(
    problem: Problem, *, examples: list[tuple[Problem, Any]] | None = None
) -> list[Message]:
    """Chat messages asking for the answer; `examples` are optional solved (problem,
    answer) pairs of the same family, shown as few-shot turns."""
    if isinstance(problem, TextProblem):
        return [Message(role="user", content=problem.text)]
    messages = [Message(role="system", content=SYSTEM)]
    for ex_problem, ex_answer in examples or []:
        messages.append(Message(role="user", content=_question(ex_problem)))
        messages.append(Message(role="assistant", content=format_answer(ex_problem, ex_answer)))
    messages.append(Message(role="user", content=_question(problem)))
    return messages


def _question(problem: Problem) -> str:
    if isinstance(problem, SudokuProblem):
        n = problem.size
        br, bc = BOX_SHAPES[n]
        return (
            f"Solve this {n}x{n} Sudoku. Replace every '.' with a digit from 1 to {n} so that "
            f"each row, each column and each {br}x{bc} box contains every digit 1-{n} exactly "
            f"once. Keep the given digits.\n\n{_rows(problem.grid, '.')}\n\n"
            f"Answer with the completed grid only: {n} lines of {n} digits separated by spaces."
        )
    if isinstance(problem, MazeProblem):
        return (
            "Find a shortest path from S to G in this maze. Moves go up, down, left or right "
            "through open cells '.'; '#' is a wall.\n\n"
            + "\n".join(problem.rows)
            + "\n\nAnswer with the maze redrawn, every cell of the path between S and G "
            "replaced by '*'. Output only the maze."
        )
    if isinstance(problem, ArcProblem):
        parts = [
            "Each example maps an input grid to an output grid by the same rule. Digits are "
            "colours. Find the rule and apply it to the test input."
        ]
        for i, pair in enumerate(problem.train, start=1):
            parts.append(f"Example {i} input:\n{_rows(pair.input)}")
            parts.append(f"Example {i} output:\n{_rows(pair.output)}")
        for i, grid in enumerate(problem.test_inputs, start=1):
            parts.append(f"Test {i} input:\n{_rows(grid)}")
        many = len(problem.test_inputs) > 1
        parts.append(
            "Answer with the output grid"
            + (" of each test, in order, each after a line 'Test N output:'" if many else " only")
            + ": rows of digits separated by spaces."
        )
        return "\n\n".join(parts)
    raise ValueError(f"no LLM prompt for {problem.kind} problems")


def format_answer(problem: Problem, answer: Any) -> str:
    """An answer in the format the prompt asks for (for few-shot examples)."""
    if isinstance(problem, SudokuProblem):
        return _rows(answer)
    if isinstance(problem, MazeProblem):
        from ..tasks.maze import mark_path

        return "\n".join(answer if isinstance(answer[0], str) else mark_path(problem, answer))
    if isinstance(problem, ArcProblem):
        grids = answer if isinstance(answer[0][0], list) else [answer]
        if len(grids) == 1:
            return _rows(grids[0])
        return "\n\n".join(f"Test {i} output:\n{_rows(g)}" for i, g in enumerate(grids, 1))
    return str(answer)


# -- parsers ------------------------------------------------------------------------------


def _digit_rows(text: str) -> list[list[list[int]]]:
    """Runs of consecutive lines that hold only digits (after separators are dropped)."""
    runs: list[list[list[int]]] = []
    run: list[list[int]] = []
    for line in text.split("\n"):
        kept = _SEPARATORS.sub("", line)
        if kept and kept.isdigit():
            run.append([int(ch) for ch in kept])
        else:
            if run:
                runs.append(run)
            run = []
    if run:
        runs.append(run)
    return runs


def parse_sudoku(problem: SudokuProblem, text: str) -> Grid | None:
    n = problem.size
    for run in reversed(_digit_rows(text)):
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


def parse_maze(problem: MazeProblem, text: str) -> list[str] | list[tuple[int, int]] | None:
    h, w = problem.height, problem.width
    lines = [line.rstrip().replace(" ", ".") for line in text.split("\n")]
    allowed = set("#.SG*")
    for end in range(len(lines), h - 1, -1):
        block = lines[end - h : end]
        if all(len(line) == w and set(line) <= allowed for line in block):
            return block
    coords = [(int(r), int(c)) for r, c in _COORD.findall(text)]
    return coords if len(coords) >= 2 else None


def parse_arc(problem: ArcProblem, text: str) -> list[Grid] | None:
    runs = []
    for run in _digit_rows(_spaced_digits(text)):
        width = len(run[-1])
        block = []
        for row in reversed(run):  # the rectangular tail of the run
            if len(row) != width:
                break
            block.insert(0, row)
        if 1 <= len(block) <= 30 and 1 <= width <= 30:
            runs.append(block)
    k = len(problem.test_inputs)
    return runs[-k:] if len(runs) >= k else None


def _spaced_digits(text: str) -> str:
    # "Test 1 output:" lines hold a digit; keep them from gluing onto a grid.
    return "\n".join("" if re.search(r"[A-Za-z]", line) else line for line in text.split("\n"))


def parse_reply(problem: Problem, text: str) -> Any:
    """The answer in an LLM reply, None if there is none. Never raises."""
    try:
        if isinstance(problem, TextProblem):
            return text
        if isinstance(problem, SudokuProblem):
            return parse_sudoku(problem, text)
        if isinstance(problem, MazeProblem):
            return parse_maze(problem, text)
        if isinstance(problem, ArcProblem):
            return parse_arc(problem, text)
    except (ValueError, IndexError, TypeError):
        return None
    return None


# -- hybrid answers -------------------------------------------------------------------------


def hybrid_prompt(problem: Problem, solution_text: str) -> list[Message]:
    """The user's whole request, with the specialist's verified solution in context."""
    return [
        Message(
            role="system",
            content="A specialist has solved the puzzle in the user's message and a verifier "
            "has checked the solution. Use that solution to answer the user's question "
            "briefly and exactly.",
        ),
        Message(
            role="user",
            content=f"{problem.prompt}\n\nVerified solution:\n{solution_text}",
        ),
    ]


_SOLVE_ONLY = re.compile(
    r"^(please\s+)?((can|could|would|will)\s+you\s+(please\s+)?)?"
    r"(solve|complete|finish|do|find (the |a )?(shortest )?(path|solution|answer))\b"
    r"|^what(\s+is|'s)\s+the\s+(solution|answer|shortest path)\b",
    re.IGNORECASE,
)


def asks_more_than_the_answer(problem: Problem) -> bool:
    """True when the prose around a puzzle asks a question beyond "solve this"."""
    prose = problem.prompt
    if not prose or isinstance(problem, TextProblem):
        return False
    words = re.sub(r"[0-9._#|+\-SG\s]{6,}", "\n", prose)  # drop the puzzle itself
    questions = [q.strip() for q in re.findall(r"[^.?!\n]*\?", words) if q.strip(" ?")]
    return any(not _SOLVE_ONLY.match(q) for q in questions)
