"""The shipped parts of Sudoku-Extreme's published sources: disjoint training and test
parts (also under rotations, reflections and digit relabelling), provenance kept, and the
bench tasks that read the test parts."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra import family_registry
from orchestra.benchmarks.sudoku_extreme_split import canonical

DATA = Path(__file__).resolve().parents[1] / "orchestra" / "tasks" / "sudoku" / "data"


def _rows(name: str) -> list[str]:
    return [s for s in (DATA / name).read_text().splitlines() if s and not s.startswith("#")]


@pytest.mark.parametrize("which", ["extreme", "17clue"])
def test_parts_are_disjoint_under_the_cheap_symmetries(which):
    test, train = _rows(f"{which}-test.txt"), _rows(f"{which}-train.txt")
    assert (len(test), len(train)) == (1000, 9000)
    keys = [canonical(s) for s in test + train]
    assert len(set(keys)) == len(keys)  # no puzzle twice, within or across the parts
    header = (DATA / f"{which}-test.txt").read_text().splitlines()[0]
    assert "tdoku" in header and "test part" in header


@given(st.integers(0, 3), st.booleans(), st.permutations(range(1, 10)))
def test_canonical_form_ignores_rotation_reflection_and_relabelling(k, flip, perm):
    import numpy as np

    line = _rows("extreme-test.txt")[0]
    a = np.array([0 if c == "." else int(c) for c in line]).reshape(9, 9)
    b = np.rot90(a, k)
    b = b.T if flip else b
    relabel = np.array([0, *perm])[b]
    other = "".join(str(v) if v else "." for v in relabel.ravel())
    assert canonical(other) == canonical(line)


def test_bench_tasks_read_the_test_parts():
    fam = family_registry.get("sudoku")
    for task, which in (("sudoku9-extreme", "extreme"), ("sudoku9-17clue", "17clue")):
        items = fam.bench_set(task, 3, seed=0)
        assert [i.problem.to_string() for i in items] == _rows(f"{which}-test.txt")[:3]
        assert all(fam.verify(i.problem, i.answer) for i in items)


def test_a_published_training_part_trains_and_holds_out_its_own_tail():
    """`task.published=extreme-train.txt` trains on the list instead of the generator:
    its last `valid` puzzles are the held-out part, never drawn for training."""
    import random

    import numpy as np

    from orchestra.tasks.sudoku.codec import BLANK, SudokuCodec
    from orchestra.tasks.sudoku.problem import verify
    from orchestra.tasks.sudoku.trm import SudokuSpec

    spec = SudokuSpec(published="top95.txt", valid=15)
    assert spec.name == "sudoku-9x9-hard"  # it backs up the first 9x9 checkpoint
    held = spec.heldout(100)
    assert len(held) == 15 and all(verify(p, s) for p, s in held)
    held_keys = {canonical("".join(str(v or ".") for r in p.grid for v in r)) for p, _ in held}
    source = spec.training_source(0)
    assert len(source.grids) == 80
    x, y = source.sample(64, random.Random(0))
    codec = SudokuCodec(9)
    for xi, yi in zip(x, y, strict=True):
        puzzle = codec.decode(xi)
        key = canonical("".join(str(v or ".") for r in puzzle for v in r))
        assert key not in held_keys  # a symmetric view of a held-out puzzle never appears
        assert np.all((xi == yi) | (xi == BLANK))  # the clues stand in the solution
    with pytest.raises(ValueError, match="no published Sudoku list"):
        SudokuSpec(published="nope.txt").heldout(1)
    with pytest.raises(ValueError, match="fewer than valid"):
        SudokuSpec(published="top95.txt", valid=95).heldout(1)


def test_hard_sudoku_benchmark_runs_the_rows_asked_for(capsys):
    from orchestra.benchmarks import hard_sudoku

    hard_sudoku.main(["--sets", "extreme", "--n", "3", "--methods", "1,8"])
    report = capsys.readouterr().out
    assert "| exact solver (propagation + search) | 1.000 |" in report
    assert "| propagation alone (singles, no network) |" in report
    assert "TRM," not in report and "TRM +" not in report  # network rows not asked for
    with pytest.raises(SystemExit, match="--methods takes numbers"):
        hard_sudoku.main(["--methods", "0"])


@settings(deadline=None, max_examples=60)  # the first draw reads the list and solves
@given(st.integers(0, 8999), st.integers(0, 2**32))
def test_revealed_draws_are_partial_states_of_the_same_solution(k, seed):
    """A revealed training draw keeps every clue, shows only its solution's digits, and is
    never finished: the grids propagation-guided inference meets between steps."""
    import random

    from orchestra.tasks.sudoku import lists
    from orchestra.tasks.sudoku.trm import revealed

    puzzle = lists.puzzles("extreme-train.txt")[k].grid
    solution = lists.solution("extreme-train.txt", k)
    grid = revealed(puzzle, solution, random.Random(seed))
    cells = [(r, c) for r in range(9) for c in range(9)]
    assert all(grid[r][c] == puzzle[r][c] for r, c in cells if puzzle[r][c])
    assert all(grid[r][c] in (0, solution[r][c]) for r, c in cells)
    assert any(grid[r][c] == 0 for r, c in cells)


def test_reveal_shows_more_digits_in_that_share_of_training_draws():
    import random

    from orchestra.tasks.sudoku.trm import SudokuSpec

    def givens(reveal: float) -> int:
        spec = SudokuSpec(published="extreme-train.txt", valid=8990, reveal=reveal)
        x, _ = spec.training_source(0).sample(64, random.Random(0))
        return int((x >= 2).sum())  # token 2 onwards: a digit (see SudokuCodec)

    assert givens(1.0) > givens(0.0)
