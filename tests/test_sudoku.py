"""Sudoku: verifier, exact solver, generator, augmentations, codec."""

import random

import numpy as np
import pytest
from conftest import PUZZLE, rows

from orchestra.tasks import sudoku
from orchestra.tasks.sudoku import SudokuProblem


@pytest.fixture
def problem():
    return SudokuProblem(grid=rows(PUZZLE))


def test_verifier_accepts_the_solution(problem, solution):
    v = sudoku.verify(problem, solution)
    assert v.correct and v.valid and bool(v)
    assert sudoku.verify(problem, "".join(str(d) for row in solution for d in row))


def test_verifier_rejects_each_kind_of_wrong_answer(problem, solution):
    swapped = [row.copy() for row in solution]
    swapped[0][2], swapped[0][3] = swapped[0][3], swapped[0][2]  # both blanks in the puzzle
    v = sudoku.verify(problem, swapped)
    assert v.valid and v.correct is False and "appears twice in column" in v.reason

    clue_changed = [row.copy() for row in solution]
    clue_changed[0][0] = 1
    assert "changes the clue at row 1, column 1" in sudoku.verify(problem, clue_changed).reason

    # A valid Sudoku that ignores the clues: relabel digits of the real solution.
    relabelled = [[d % 9 + 1 for d in row] for row in solution]
    v = sudoku.verify(problem, relabelled)
    assert v.correct is False and "changes the clue" in v.reason

    assert not sudoku.verify(problem, solution[:8]).valid
    assert not sudoku.verify(problem, [row[:8] for row in solution]).valid
    with_zero = [row.copy() for row in solution]
    with_zero[4][4] = 0
    assert "not 1..9" in sudoku.verify(problem, with_zero).reason
    assert not sudoku.verify(problem, "12345").valid


def test_exact_solver_solves_and_counts(problem, solution):
    assert sudoku.solve(problem) == solution
    assert sudoku.count_solutions(problem) == 1
    empty = SudokuProblem(grid=[[0] * 4 for _ in range(4)])
    assert sudoku.count_solutions(empty, limit=1000) == 288  # all 4x4 Sudoku grids
    # Clues that do not clash, yet row 3 leaves column 1 only the digit 1, taken in column 1.
    impossible = [[1, 0, 0, 0], [0, 0, 0, 0], [0, 2, 3, 4], [0, 0, 0, 0]]
    assert sudoku.solve(SudokuProblem(grid=impossible)) is None
    assert sudoku.count_solutions(impossible) == 0


@pytest.mark.parametrize("size", [4, 6, 9])
def test_generated_puzzles_are_unique_and_solvable(size):
    for seed in range(5):
        inst = sudoku.generate(size, seed=seed, tier="minimal")
        assert inst.problem.size == size
        assert sudoku.count_solutions(inst.problem) == 1
        assert sudoku.solve(inst.problem) == inst.solution
        assert sudoku.verify(inst.problem, inst.solution)
        assert inst.clues == inst.problem.clues
        # Minimal: no single clue can be removed without losing uniqueness.
        if size < 9:
            for r in range(size):
                for c in range(size):
                    if inst.problem.grid[r][c]:
                        g = [row.copy() for row in inst.problem.grid]
                        g[r][c] = 0
                        assert sudoku.count_solutions(g) == 2


def test_generator_honours_clue_count_and_difficulty():
    inst = sudoku.generate(9, seed=1, clues=40)
    assert inst.clues == 40 and sudoku.count_solutions(inst.problem) == 1
    easy = [sudoku.generate(9, seed=s, tier="easy") for s in range(3)]
    assert all(e.clues == round(0.55 * 81) for e in easy)
    hard = sudoku.generate(9, seed=2, tier="minimal", min_nodes=3)
    assert hard.nodes >= 3
    assert sudoku.solve_with_stats(hard.problem).nodes == hard.nodes
    assert sudoku.generate(9, seed=7) == sudoku.generate(9, seed=7)  # seeded
    with pytest.raises(ValueError, match="size must be one of"):
        sudoku.generate(5)
    with pytest.raises(ValueError, match="tier must be"):
        sudoku.generate(9, tier="impossible")


def test_generate_many_is_independent_of_workers():
    serial = sudoku.generate_many(4, 4, seed=10, workers=1)
    parallel = sudoku.generate_many(4, 4, seed=10, workers=2)
    assert serial == parallel
    assert len({s.problem.to_string() for s in serial}) == 4


@pytest.mark.parametrize("size", [4, 6, 9])
def test_augmentations_round_trip_and_keep_validity(size):
    rng = random.Random(size)
    for seed in range(10):
        inst = sudoku.generate(size, seed=seed)
        t = sudoku.random_transform(size, rng)
        p2 = t.apply_problem(inst.problem)
        s2 = t.apply(inst.solution)
        assert sudoku.verify(p2, s2)
        assert sudoku.count_solutions(p2) == 1
        assert t.inverse().apply(s2) == inst.solution
        assert t.inverse().apply(p2.grid) == inst.problem.grid
    if size == 6:  # 2x3 boxes: a transpose would turn them into 3x2 boxes
        assert not any(sudoku.random_transform(6, rng).transpose for _ in range(50))
    else:
        assert any(sudoku.random_transform(size, rng).transpose for _ in range(50))


def test_codec_round_trip_and_paper_encoding(problem, solution):
    codec = sudoku.SudokuCodec(9)
    assert (codec.seq_len, codec.vocab_size) == (81, 11)
    x = codec.encode(problem)
    assert x[0] == 5 + 1 and x[2] == 1  # digit 5 -> token 6, blank -> 1
    assert codec.decode(x) == problem.grid
    y = codec.encode(solution)
    assert codec.decode(y) == solution and y.min() >= 2
    noisy = y.copy()
    noisy[0] = 0  # pad token where a digit should be decodes to a blank
    assert codec.decode(noisy)[0][0] == 0
    assert sudoku.SudokuCodec(4).vocab_size == 6
    with pytest.raises(ValueError):
        codec.encode(np.zeros((4, 4), dtype=int))
