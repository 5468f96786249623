"""Honest answers: a proved-unsolvable puzzle is called unsolvable and ends its chain, an
LLM sentence around a verified puzzle is checked against it and never labelled verified,
and the Solution's contract (status, raise_for_error) holds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PUZZLE

import orchestra
from orchestra import Orchestra, SolutionError
from orchestra.engine import set_default
from orchestra.llm.base import LLM, LLMResult
from orchestra.tasks.reply_check import asked_cell, stated_numbers

BIN = Path(sys.executable).parent

# Legal givens (no digit twice in a row, column or box), no solution: row 1 holds 1-8, so
# its last cell must be 9, which column 9 already has.
UNSOLVABLE_SUDOKU = "12345678.........9" + "." * 63
WALLED_MAZE = "#######\n#S# # #\n# # #G#\n#######"


def test_an_unsolvable_sudoku_is_called_unsolvable_and_nothing_else_runs():
    sol = Orchestra(llm="none").solve(UNSOLVABLE_SUDOKU)
    assert sol.unsolvable and sol.status == "no_solution" and not sol.ok
    assert sol.error.startswith("no solution exists: the givens contradict each other")
    assert sol.route == "exact-sudoku"
    tried = [a.processor for a in sol.trace.attempts if not a.reason.startswith("skipped")]
    assert tried[-1] == "exact-sudoku"  # the proof ends the chain: no TRM, no LLM after it


def test_a_maze_whose_start_and_goal_are_walled_apart_has_no_solution():
    sol = Orchestra(llm="none").solve(WALLED_MAZE)
    assert sol.kind == "maze" and sol.status == "no_solution"
    assert "are not connected" in sol.error
    tried = [a.processor for a in sol.trace.attempts if not a.reason.startswith("skipped")]
    assert tried[-1] == "bfs-maze"


def test_the_cli_says_no_solution_and_fails():
    r = subprocess.run(
        [BIN / "orchestra", "solve", WALLED_MAZE, "--llm", "none"], capture_output=True, text=True
    )
    assert r.returncode == 1
    assert "no solution exists" in r.stdout and "are not connected" in r.stderr


def test_raise_for_error_and_raise_on_error():
    engine = Orchestra(llm="none")
    bad = engine.solve(UNSOLVABLE_SUDOKU)
    with pytest.raises(SolutionError, match="no solution exists") as info:
        bad.raise_for_error()
    assert info.value.solution is bad
    good = engine.solve(PUZZLE)
    assert good.raise_for_error() is good and good.status == "verified"
    set_default(engine)
    try:
        with pytest.raises(SolutionError):
            orchestra.solve(UNSOLVABLE_SUDOKU, raise_on_error=True)
        assert orchestra.solve(PUZZLE, raise_on_error=True).verified
    finally:
        set_default(None)


class WrongLLM(LLM):
    """A scripted LLM (the real ones are tested elsewhere) that states a wrong digit."""

    name = "wrong"
    device = "cpu"

    def __init__(self, reply: str):
        self.reply = reply

    def complete(self, messages, **options):
        return LLMResult(text=self.reply, prompt_tokens=10, completion_tokens=5)


QUESTION = f"Here is my sudoku {PUZZLE} - what digit goes in the top-right corner of the solution?"


def test_a_wrong_sentence_over_a_verified_puzzle_is_flagged():
    sol = Orchestra(llm=WrongLLM("The solution is 9.")).solve(QUESTION)
    assert sol.verified is True and sol.status == "verified"  # the grid, not the sentence
    top_right = sol.answer[0][-1]
    assert top_right != 9
    assert sol.text == "The solution is 9."
    check = sol.text_check
    assert check is not None and check.agrees is False and check.expected == str(top_right)
    assert "contradicts" in check.note


def test_a_right_sentence_agrees_and_the_report_never_calls_the_sentence_verified(capsys):
    from orchestra import cli

    engine = Orchestra(llm=WrongLLM("It is 9."))
    top_right = engine.solve(PUZZLE).answer[0][-1]
    right = Orchestra(llm=WrongLLM(f"The digit in row 1, column 9 is {top_right}.")).solve(
        QUESTION
    )
    assert right.text_check.agrees is True
    wrong = engine.solve(QUESTION)
    cli._solution_report(wrong)
    shown = capsys.readouterr().out
    head, _, rest = shown.partition("\n")
    assert "puzzle answer verified" in head
    assert "contradicts the verified digit at row 1, column 9" in rest
    assert f"the verified answer {top_right}" in rest


def test_a_maze_question_about_length_is_checked():
    maze = "#####\n#S  #\n# # #\n#  G#\n#####"
    sol = Orchestra(llm=WrongLLM("The shortest path takes 7 steps.")).solve(
        f"How many steps is the shortest path in this maze?\n{maze}"
    )
    assert sol.verified and sol.text_check.agrees is False and sol.text_check.expected == "4 steps"


@pytest.mark.parametrize(
    "question, cell",
    [
        ("what digit goes in the top-right corner?", (0, 8)),
        ("what is in the bottom left corner", (8, 0)),
        ("which digit is at row 2, column 5?", (1, 4)),
        ("r3c7 please", (2, 6)),
        ("column 4 row 6?", (5, 3)),
        ("what is in the centre cell?", (4, 4)),
        ("what about row 2 column 5 and the top-left corner?", None),  # two cells: not read
        ("is it unique?", None),
    ],
)
def test_asked_cell(question, cell):
    assert asked_cell(question, 9, 9) == cell


def test_stated_numbers_leave_places_out():
    assert stated_numbers("The digit in row 1, column 9 is 2.") == {2}
    assert stated_numbers("r1c9 holds a seven") == {7}
    assert stated_numbers("(3, 4) has 5 and 6") == {5, 6}
