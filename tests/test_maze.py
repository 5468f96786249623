"""Mazes: verifier (networkx shortest length), BFS solver, generator, dihedral, codec."""

import pytest

from orchestra.tasks import maze
from orchestra.tasks.maze import MazeProblem

ROWS = ["#######", "#S....#", "#.###.#", "#...#G#", "#######"]


@pytest.fixture
def problem():
    return MazeProblem(rows=ROWS)


def test_solver_finds_a_shortest_path(problem):
    path = maze.solve(problem)
    assert path[0] == problem.start and path[-1] == problem.goal
    assert len(path) - 1 == maze.shortest_length(problem) == 6


def test_verifier_accepts_paths_and_marked_grids(problem):
    path = maze.solve(problem)
    assert maze.verify(problem, path)
    marked = maze.mark_path(problem, path)
    assert maze.verify(problem, marked)
    assert maze.verify(problem, "\n".join(marked))


def test_verifier_rejects_each_kind_of_wrong_answer(problem):
    path = maze.solve(problem)
    assert "begin at S" in maze.verify(problem, path[1:]).reason
    assert "end at G" in maze.verify(problem, path[:-1]).reason
    assert "jumps" in maze.verify(problem, [path[0], path[2], *path[3:]]).reason
    assert "wall" in maze.verify(problem, [(1, 1), (2, 1), (2, 2), (1, 2)] + path[2:]).reason
    back_and_forth = [path[0], path[1], path[0], *path[1:]]
    assert "twice" in maze.verify(problem, back_and_forth).reason
    # The long way round is a path, but not a shortest one.
    loop = MazeProblem(rows=["#######", "#S...G#", "#.###.#", "#.....#", "#######"])
    long_way = [(1, 1), (2, 1), (3, 1), (3, 2), (3, 3), (3, 4), (3, 5), (2, 5), (1, 5)]
    v = maze.verify(loop, long_way)
    assert v.valid and v.correct is False and "shortest takes 4" in v.reason
    marked = maze.mark_path(problem, path)
    extra = marked.copy()
    extra[3] = "#*..#G#"
    assert "marked" in maze.verify(problem, extra).reason
    broken = marked.copy()
    broken[1] = "#S.**.#"
    assert "do not connect" in maze.verify(problem, broken).reason
    moved_wall = marked.copy()
    moved_wall[2] = "#*.#*.#"
    assert "changes the maze" in maze.verify(problem, moved_wall).reason
    assert not maze.verify(problem, 42).valid


@pytest.mark.parametrize("style", ["perfect", "open"])
def test_generator_meets_min_path_and_solver_agrees(style):
    for seed in range(10):
        inst = maze.generate(30, seed=seed, style=style, min_path=110 if style == "perfect" else 50)
        assert inst.length >= (110 if style == "perfect" else 50)
        assert maze.verify(inst.problem, inst.path)
        assert maze.shortest_length(inst.problem) == inst.length
    assert maze.generate(12, 20, seed=1).problem.width == 20


def test_generator_rejects_impossible_requests():
    with pytest.raises(ValueError, match="height must be in"):
        maze.generate(100)
    with pytest.raises(ValueError, match="no 5x5"):
        maze.generate(5, seed=0, min_path=20, max_tries=5)


def test_generate_many_is_independent_of_workers():
    a = maze.generate_many(3, seed=5, workers=1, height=9)
    b = maze.generate_many(3, seed=5, workers=2, height=9)
    assert a == b


def test_dihedral_augmentations_round_trip_and_keep_validity():
    inst = maze.generate(9, 13, seed=3, loops=0.2)
    shape = (inst.problem.height, inst.problem.width)
    views = set()
    for k in range(8):
        p2 = maze.transform(inst.problem, k)
        views.add(tuple(p2.rows))
        path2 = maze.transform_path(inst.path, shape, k)
        assert maze.verify(p2, path2)
        assert maze.transform(p2, maze.inverse(k)) == inst.problem
        back = maze.transform_path(path2, (p2.height, p2.width), maze.inverse(k))
        assert back == inst.path
    assert len(views) == 8


def test_codec_round_trip_on_a_padded_canvas():
    inst = maze.generate(11, 17, seed=2)
    codec = maze.MazeCodec(30, 30)
    assert (codec.seq_len, codec.vocab_size) == (900, 6)
    x = codec.encode(inst.problem)
    y = codec.encode_path(inst.problem, inst.path)
    assert (x.reshape(30, 30)[11:, :] == 0).all() and (x.reshape(30, 30)[:, 17:] == 0).all()
    assert (y == 5).sum() == inst.length - 1
    assert codec.decode(inst.problem, y) == maze.mark_path(inst.problem, inst.path)
    assert maze.verify(inst.problem, codec.decode(inst.problem, y))
    assert not maze.verify(inst.problem, codec.decode(inst.problem, x))  # no path drawn
    with pytest.raises(ValueError, match="does not fit"):
        maze.MazeCodec(8, 8).encode(inst.problem)


def test_mixed_mazes_alternate_braided_and_open_and_meet_their_path_length():
    from orchestra.tasks.maze.trm import MazeSpec

    spec = MazeSpec(
        canvas=21, height=21, width=21, style="mixed", loops=0.1, density=0.4, min_path=40
    )
    held = spec.heldout(6)
    assert all(len(path) - 1 >= 40 for _, path in held)
    # a braided maze keeps the perfect maze's wall lattice: every even-even cell a wall
    lattice = [
        all(p.rows[r][c] == "#" for r in range(0, 21, 2) for c in range(0, 21, 2)) for p, _ in held
    ]
    assert lattice == [True, False] * 3
    with pytest.raises(ValueError, match="loops > 0"):
        MazeSpec(style="mixed")


def test_the_loop_maze_bench_task_is_maze_hards_kind():
    """`maze-30-loops`: braided and open mazes taking turns, every shortest path 110 moves
    or more, and routes that tie (the verifier's any-shortest-path rule matters)."""
    from benchmarks.maze_ties import ties
    from orchestra.tasks.maze.family import MazeFamily

    items = MazeFamily().bench_set("maze-30-loops", 4, seed=0)
    assert all(len(i.answer) - 1 >= 110 and i.problem.height == 30 for i in items)
    lattice = [
        all(i.problem.rows[r][c] == "#" for r in range(0, 30, 2) for c in range(0, 30, 2))
        for i in items
    ]
    assert sorted(lattice) == [False, False, True, True]
    assert sum(ties(i.problem, i.answer) > 0 for i in items) >= 2


def test_ties_counts_cells_on_other_shortest_paths(problem):
    from benchmarks.maze_ties import ties

    assert ties(problem, maze.solve(problem)) == 0  # one route only
    square = MazeProblem(rows=["#####", "#S..#", "#...#", "#..G#", "#####"])
    # every cell of the 3x3 room lies on some shortest S -> G path; one path holds 5
    assert ties(square, maze.solve(square)) == 4
