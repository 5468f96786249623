"""The forms people paste puzzles in: every supported rendering of a Sudoku or a maze parses
back to the same problem (hypothesis), numpy arrays and paths are read, and text that
looks like a puzzle but is none is an error, never prose for the LLM."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import PUZZLE
from hypothesis import given, settings
from hypothesis import strategies as st

import orchestra
from orchestra import ParseError
from orchestra.tasks import maze, sudoku

BIN = Path(sys.executable).parent
BLANKS = [".", "0", "_", "x", "*", "·", "?"]


def _grid(seed: int, n: int) -> list[list[int]]:
    return sudoku.generate(n, seed=seed).problem.grid


def _compact(grid, blank):
    return "".join(str(v) if v else blank for row in grid for v in row)


def _box_drawing(grid, blank):
    n = len(grid)
    bh, bw = {4: (2, 2), 6: (2, 3), 9: (3, 3)}[n]
    width = n * 2 + (n // bw) * 2 + 1
    lines = ["╔" + "═" * (width - 2) + "╗"]
    for r, row in enumerate(grid):
        cells = [str(v) if v else blank for v in row]
        parts = [" ".join(cells[b * bw : (b + 1) * bw]) for b in range(n // bw)]
        lines.append("║ " + " │ ".join(parts) + " ║")
        if (r + 1) % bh == 0 and r + 1 < n:
            lines.append("╠" + "═" * (width - 2) + "╣")
    lines.append("╚" + "═" * (width - 2) + "╝")
    return "\n".join(lines)


def _newspaper(grid, blank):
    n = len(grid)
    bw = {4: 2, 6: 3, 9: 3}[n]
    return "\n".join(
        " | ".join(
            " ".join(str(v) if v else blank for v in row[b * bw : (b + 1) * bw])
            for b in range(n // bw)
        )
        for row in grid
    )


def _csv(grid, sep):
    return "\n".join(sep.join(str(v) if v else "" for v in row) for row in grid)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.sampled_from([4, 6, 9]),
    blank=st.sampled_from(BLANKS),
    style=st.sampled_from(
        ["compact", "box", "newspaper", "csv", "tsv", "numpy", "json", "spaces"]
    ),
)
def test_a_sudoku_in_any_supported_style_parses_back(seed, n, blank, style):
    grid = _grid(seed, n)
    given_ = {
        "compact": lambda: _compact(grid, blank),
        "box": lambda: _box_drawing(grid, blank),
        "newspaper": lambda: _newspaper(grid, blank),
        "csv": lambda: _csv(grid, ","),
        "tsv": lambda: _csv(grid, "\t"),
        "numpy": lambda: np.array(grid),
        "json": lambda: json.dumps({"grid": grid}),
        "spaces": lambda: "\n".join("".join(str(v) if v else " " for v in row) for row in grid),
    }[style]()
    problem = orchestra.parse(given_)
    assert problem.kind == "sudoku" and problem.grid == grid


def _maze_rows(seed: int) -> list[str]:
    return maze.generate(9, seed=seed).problem.rows


WALLS = ["#", "█", "@", "▓"]
MARKS = [("S", "G"), ("A", "B"), ("S", "E")]


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    wall=st.sampled_from(WALLS),
    open_=st.sampled_from([" ", "."]),
    marks=st.sampled_from(MARKS),
    style=st.sampled_from(["drawn", "json01", "json-rows"]),
)
def test_a_maze_in_any_supported_style_parses_back(seed, wall, open_, marks, style):
    rows = _maze_rows(seed)
    if style == "drawn":
        table = {"#": wall, ".": open_, "S": marks[0], "G": marks[1]}
        given_: object = "\n".join("".join(table[ch] for ch in row) for row in rows)
    else:
        start = next((r, row.index("S")) for r, row in enumerate(rows) if "S" in row)
        goal = next((r, row.index("G")) for r, row in enumerate(rows) if "G" in row)
        grid = (
            [[1 if ch == "#" else 0 for ch in row] for row in rows]
            if style == "json01"
            else [row.replace("S", ".").replace("G", ".") for row in rows]
        )
        given_ = json.dumps({"grid": grid, "start": list(start), "goal": list(goal)})
    problem = orchestra.parse(given_)
    assert problem.kind == "maze" and problem.rows == rows


def test_a_line_drawn_maze_reads_every_character_as_a_cell():
    drawn = "+--+--+--+\n|S    |  |\n+  +  +  +\n|  |    G|\n+--+--+--+"
    problem = orchestra.parse(drawn)
    assert problem.rows[1] == "#S....#..#" and problem.rows[3] == "#..#....G#"
    sol = orchestra.Orchestra(llm="none").solve(drawn)
    assert sol.verified


def test_a_csv_sudoku_with_empty_cells_is_not_miscounted():
    rows = PUZZLE
    csv = "\n".join(
        ",".join("" if c == "." else c for c in rows[i * 9 : (i + 1) * 9]) for i in range(9)
    )
    assert csv.startswith("5,3,,,7,,,,\n")
    assert orchestra.parse(csv).grid[0] == [5, 3, 0, 0, 7, 0, 0, 0, 0]


def test_a_path_to_a_task_file_is_read(tmp_path):
    (tmp_path / "s.txt").write_text(PUZZLE)
    assert orchestra.parse(tmp_path / "s.txt").kind == "sudoku"
    task = {"train": [{"input": [[1, 0]], "output": [[0, 1]]}], "test": [{"input": [[2, 0]]}]}
    (tmp_path / "task.json").write_text(json.dumps(task))
    assert orchestra.parse(tmp_path / "task.json").kind == "arc"
    with pytest.raises(ParseError, match="no such file"):
        orchestra.parse(tmp_path / "missing.json")


@pytest.mark.parametrize(
    "text, nearest",
    [
        ("1 2 3 4 5\n2 3 4 5 1\n3 4 5 1 2\n4 5 1 2 3\n5 1 2 3 4", "a Sudoku is 4x4, 6x6 or 9x9"),
        ("+--+--+\n|  |  |\n+  +  +\n|     |\n+--+--+", "maze: found a maze drawn with"),
        ("██████\n█    █\n█ ██ █\n█    █\n██████", "maze: found a maze drawn with '█'"),
        ("~-~-~\n-~-~-\n~-~-~\n-~-~-", "none is near"),
        ("Lunch at noon.\nDinner at eight.\nBreakfast at seven?", None),  # prose lines
    ],
)
def test_grid_like_text_no_family_reads_is_an_error_not_prose(text, nearest):
    if nearest is None:
        assert orchestra.parse(text).kind == "text"
        return
    with pytest.raises(ParseError, match=nearest) as info:
        orchestra.parse(text)
    if nearest == "none is near":  # the generic error; the others are the families' own
        assert "accepted formats" in str(info.value).lower()


def test_json_holding_a_grid_no_family_reads_is_an_error():
    with pytest.raises(ParseError, match="holds a grid"):
        orchestra.parse(json.dumps({"data": [[1, 2, 3], [3, 4, 5]]}))
    assert orchestra.parse("What is the capital of France?").kind == "text"


def test_the_cli_asks_about_a_file_given_without_f(tmp_path):
    (tmp_path / "task.json").write_text("{}")
    r = subprocess.run(
        [BIN / "orchestra", "solve", "task.json", "--llm", "none"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert r.returncode == 2 and "did you mean `-f task.json`?" in r.stderr


def test_the_cli_fails_on_a_broken_puzzle_without_asking_the_llm():
    r = subprocess.run(
        [BIN / "orchestra", "solve", "██████\n█    █\n█ ██ █\n█    █\n██████", "--llm", "none"],
        capture_output=True, text=True,
    )
    assert r.returncode == 1 and "found a maze drawn with" in r.stderr


def test_the_documented_input_formats_parse():
    """Every block docs/input-formats.md marks `<!-- input: KIND -->` parses as that kind
    and solves."""
    readme = (Path(__file__).resolve().parents[1] / "docs" / "input-formats.md").read_text()
    found = re.findall(r"<!-- input: (\w+) -->\n```\n(.*?)\n```", readme, re.DOTALL)
    assert len(found) >= 6
    engine = orchestra.Orchestra(llm="none")
    for kind, block in found:
        assert orchestra.parse(block).kind == kind, block
        assert engine.solve(block).status == "verified", block


def test_an_empty_board_is_the_queens_puzzle_not_a_broken_sudoku():
    """An 8x8 board with no queen given was refused with a Sudoku error."""
    board = "\n".join(["........"] * 8)
    problem = orchestra.parse(board)
    assert problem.kind == "nqueens" and problem.n == 8 and problem.queens == []
    assert orchestra.parse("Place the queens:\n" + "\n".join(["......"] * 6)).kind == "nqueens"
    assert orchestra.parse("\n".join(["...."] * 4)).kind == "sudoku"  # an empty 4x4 Sudoku
    assert orchestra.Orchestra(llm="none").solve(board).status == "verified"
