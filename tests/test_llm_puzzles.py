"""Puzzle prompts for LLMs and the parsers of their replies, on realistic replies."""

import pytest
from conftest import PUZZLE, SOLUTION, rows

from orchestra.llm.puzzles import (
    asks_more_than_the_answer,
    format_answer,
    parse_reply,
    prompt_for,
)
from orchestra.problems import parse
from orchestra.tasks import arc, maze, sudoku

P9 = sudoku.SudokuProblem(grid=rows(PUZZLE))
SOL9 = rows(SOLUTION)
SOL_LINES = "\n".join(" ".join(map(str, r)) for r in SOL9)


def test_prompts_state_rules_grid_and_format():
    text = prompt_for(P9)[-1].content
    assert "each row, each column and each 3x3 box" in text
    assert "5 3 . . 7 . . . ." in text and "9 lines of 9 digits" in text
    m = maze.generate(7, seed=1).problem
    assert "\n".join(m.rows) in prompt_for(m)[-1].content
    task = arc.load(1, "evaluation")[3]
    assert "Test 1 input" in prompt_for(task)[-1].content
    few = prompt_for(P9, examples=[(P9, SOL9)])
    assert [m.role for m in few] == ["system", "user", "assistant", "user"]
    assert few[2].content == SOL_LINES


@pytest.mark.parametrize(
    "reply",
    [
        SOL_LINES,
        f"Sure! Here is the solved puzzle:\n\n```\n{SOL_LINES}\n```\nHope this helps.",
        "\n".join(" | ".join(" ".join(map(str, r[i : i + 3])) for i in (0, 3, 6)) for r in SOL9),
        "\n".join(",".join(map(str, r)) for r in SOL9),
        f"The answer is {SOLUTION}.",
        "[" + ",\n".join(str(r) for r in SOL9) + "]",
    ],
    ids=["plain", "chatty-fenced", "separators", "commas", "compact", "python-list"],
)
def test_sudoku_replies_parse(reply):
    assert parse_reply(P9, reply) == SOL9
    assert sudoku.verify(P9, parse_reply(P9, reply))


def test_sudoku_partial_and_garbage_replies():
    wrong = SOL_LINES.replace("5 3 4", "5 4 3", 1)
    assert parse_reply(P9, wrong) is not None and not sudoku.verify(P9, parse_reply(P9, wrong))
    for junk in ["I cannot solve this.", "1 2 3\n4 5 6", "", "```\n```", "5" * 80]:
        assert parse_reply(P9, junk) is None


def test_maze_replies_parse():
    inst = maze.generate(7, 9, seed=4)
    marked = maze.mark_path(inst.problem, inst.path)
    for reply in ["\n".join(marked), "Here you go:\n```\n" + "\n".join(marked) + "\n```\nDone!"]:
        assert maze.verify(inst.problem, parse_reply(inst.problem, reply))
    coords = "Path: " + ", ".join(f"({r}, {c})" for r, c in inst.path)
    assert maze.verify(inst.problem, parse_reply(inst.problem, coords))
    assert parse_reply(inst.problem, "Go left then up.") is None
    assert format_answer(inst.problem, inst.path) == "\n".join(marked)


def test_arc_replies_parse():
    task = next(t for t in arc.load(1, "evaluation") if len(t.test_inputs) == 1)
    want = task.test_outputs
    grid_text = "\n".join(" ".join(map(str, r)) for r in want[0])
    for reply in [
        grid_text,
        f"The rule mirrors the grid.\n\nOutput:\n{grid_text}\n",
        "```\n" + grid_text.replace(" ", "") + "\n```",
    ]:
        assert arc.verify(task, parse_reply(task, reply))
    assert parse_reply(task, "No idea.") is None
    multi = next(t for t in arc.load(1, "evaluation") if len(t.test_inputs) == 2)
    reply = format_answer(multi, multi.test_outputs)
    assert "Test 2 output:" in reply
    assert arc.verify(multi, parse_reply(multi, reply))


def test_which_prose_asks_more_than_the_answer():
    assert not asks_more_than_the_answer(parse(f"Solve this sudoku: {PUZZLE}"))
    assert not asks_more_than_the_answer(parse(f"Can you solve this? {PUZZLE}"))
    assert asks_more_than_the_answer(
        parse(f"Here is my sudoku {PUZZLE} - is there a 7 in the top-left box of the solution?")
    )
    assert not asks_more_than_the_answer(parse("What is 2+2?"))
