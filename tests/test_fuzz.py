"""Property-based tests of every family's parser, augmentations and verifier (the built-in
ones here; the plug-ins' in test_plugin_families.py):

- a generated puzzle rendered in every format its family accepts parses back to it;
- anything else (random and mutated text, unicode, control characters, huge numbers, deep
  JSON nesting, NaN, inputs at the size limit) ends in a problem or a ParseError, never
  another exception, within a deadline;
- every augmentation composed with its inverse is the identity;
- every verifier accepts the exact solver's answer and rejects a one-cell change.
"""

import json
import random

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import orchestra
from orchestra import ParseError, family_registry
from orchestra.tasks import arc, maze, sudoku
from orchestra.tasks.arc.family import formats as arc_formats
from orchestra.tasks.base import MAX_INPUT_CHARS
from orchestra.tasks.maze.family import formats as maze_formats
from orchestra.tasks.sudoku.family import formats as sudoku_formats
from orchestra.tasks.sudoku.solver import random_solution

SOME = settings(max_examples=60, deadline=2000, suppress_health_check=[HealthCheck.too_slow])


def parses_or_refuses(x) -> None:
    """The one contract every input meets: a typed problem, or a ParseError."""
    try:
        assert isinstance(orchestra.parse(x), orchestra.Problem)
    except ParseError:
        pass


@st.composite
def sudoku_grids(draw):
    size = draw(st.sampled_from((4, 6, 9)))
    full = random_solution(size, random.Random(draw(st.integers(0, 2**32))))
    keep = draw(st.lists(st.booleans(), min_size=size * size, max_size=size * size))
    assume(any(keep))
    return [
        [v if keep[r * size + c] else 0 for c, v in enumerate(row)] for r, row in enumerate(full)
    ]


@SOME
@given(sudoku_grids())
def test_sudoku_renders_in_every_format_and_parses_back(grid):
    for name, text in sudoku_formats(grid).items():
        assert orchestra.parse(text).grid == grid, name


@SOME
@given(
    st.integers(3, 25),
    st.integers(3, 25),
    st.integers(0, 10**6),
    st.sampled_from(("perfect", "open")),
)
def test_mazes_render_in_every_format_and_parse_back(h, w, seed, style):
    try:
        rows = maze.generate(h, w, seed=seed, style=style).problem.rows
    except ValueError:  # no maze of that size and style (a 3x3 perfect maze)
        assume(False)
    assume(any("#" in row for row in rows))  # text without `#` walls is read as no maze
    for name, text in maze_formats(rows).items():
        assert orchestra.parse(text).rows == rows, name


def test_arc_tasks_render_in_every_format_and_parse_back():
    for task in arc.load(1, "training")[:25]:
        bare = task.without_outputs().model_copy(update={"id": None})
        for name, text in arc_formats(bare).items():
            got = orchestra.parse(text)
            assert (got.train, got.test_inputs) == (bare.train, bare.test_inputs), name


@settings(max_examples=300, deadline=1000)
@given(st.text(max_size=400))
def test_random_unicode_text(text):
    parses_or_refuses(text)


@settings(max_examples=200, deadline=1000)
@given(st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=200))
def test_control_characters(text):
    parses_or_refuses(text)


@SOME
@given(sudoku_grids(), st.data())
def test_mutated_sudoku_text(grid, data):
    text = sudoku_formats(grid)[data.draw(st.sampled_from(sorted(sudoku_formats(grid))))]
    chars = list(text)
    for _ in range(data.draw(st.integers(1, 6))):
        i = data.draw(st.integers(0, len(chars)))
        op = data.draw(st.sampled_from(("insert", "delete", "replace")))
        ch = data.draw(st.characters())
        if op == "insert":
            chars.insert(i, ch)
        elif chars:
            j = min(i, len(chars) - 1)
            chars[j : j + 1] = [] if op == "delete" else [ch]
    parses_or_refuses("".join(chars))


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=6)
        | st.dictionaries(
            st.sampled_from(
                (
                    "grid",
                    "maze",
                    "train",
                    "test",
                    "input",
                    "output",
                    "kind",
                    "queens",
                    "n",
                    "edges",
                    "k",
                    "board",
                    "puzzle",
                    "x",
                )
            ),
            inner,
            max_size=4,
        )
    ),
    max_leaves=40,
)


@settings(max_examples=300, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_json_shaped_like_puzzles(value):
    parses_or_refuses(value)
    try:
        parses_or_refuses(json.dumps(value))
    except ValueError:
        pass  # NaN and infinities have no strict JSON text
    parses_or_refuses(json.dumps(value, allow_nan=True))


def test_extremes():
    deep = "[" * 100_000 + "]" * 100_000
    for x in (
        deep,
        '{"grid": ' + deep + "}",
        '{"train": ' + deep + "}",
        "[[" + "9" * 5000 + "]]",
        '{"grid": [[NaN, 1], [2, 3]]}',
        '{"grid": [[1e400]]}',
        "\x00" * 1000,
        "5" * MAX_INPUT_CHARS,
        "." * MAX_INPUT_CHARS,
        "#" * (MAX_INPUT_CHARS + 1),
        b"\xff\xfe",
    ):
        parses_or_refuses(x)


@SOME
@given(st.sampled_from(("sudoku", "maze", "arc")), st.integers(0, 10**6), st.integers(0, 2**32))
def test_every_view_composed_with_its_inverse_is_the_identity(kind, seed, view_seed):
    family = family_registry.get(kind)
    if kind == "sudoku":
        problem, answer = (
            sudoku.generate(random.choice((4, 6)), seed=seed, tier="easy").problem,
            None,
        )
        answer = sudoku.solve(problem)
    elif kind == "maze":
        inst = maze.generate(9, 13, seed=seed)
        problem, answer = inst.problem, maze.mark_path(inst.problem, inst.path)
    else:
        task = arc.load(1, "training")[seed % 400]
        problem, answer = task, task.test_outputs
    view = family.random_view(problem, random.Random(view_seed))
    assert view.back(view.forward(answer)) == answer
    assert family.verify(view.problem, view.forward(answer)).correct is not False


@SOME
@given(st.sampled_from(("sudoku", "maze")), st.integers(0, 10**6), st.data())
def test_verifiers_accept_the_solver_and_reject_a_one_cell_change(kind, seed, data):
    family = family_registry.get(kind)
    if kind == "sudoku":
        problem = sudoku.generate(
            data.draw(st.sampled_from((4, 6, 9))), seed=seed, tier="easy"
        ).problem
        answer = family.solve(problem)
        assert family.verify(problem, answer)
        r, c = (
            data.draw(st.integers(0, problem.size - 1)),
            data.draw(st.integers(0, problem.size - 1)),
        )
        changed = [row[:] for row in answer]
        changed[r][c] = changed[r][c] % problem.size + 1
    else:
        problem = maze.generate(data.draw(st.integers(5, 15)), seed=seed).problem
        path = family.solve(problem)
        assert family.verify(problem, path)
        marked = [list(row) for row in maze.mark_path(problem, path)]
        open_cells = [
            (r, c) for r, row in enumerate(marked) for c, ch in enumerate(row) if ch in ".*"
        ]
        r, c = data.draw(st.sampled_from(open_cells))
        marked[r][c] = "." if marked[r][c] == "*" else "*"
        changed = ["".join(row) for row in marked]
    assert not family.verify(problem, changed)
