"""Mazes: verifier (networkx shortest length), BFS solver, generator, dihedral, codec."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    from orchestra.benchmarks.maze_ties import ties
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
    from orchestra.benchmarks.maze_ties import ties

    assert ties(problem, maze.solve(problem)) == 0  # one route only
    square = MazeProblem(rows=["#####", "#S..#", "#...#", "#..G#", "#####"])
    # every cell of the 3x3 room lies on some shortest S -> G path; one path holds 5
    assert ties(square, maze.solve(square)) == 4


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), style=st.sampled_from(["open", "braid"]), k=st.integers(0, 7))
def test_direction_targets_are_the_shortest_path_tree_the_path_is_a_branch_of(seed, style, k):
    """With `labels="directions"` every open cell off the path points at a neighbour one
    move closer to G (the first in the solver's order), the path cells are path as before,
    and `answer_map` reads the target back as the plain path target."""
    import numpy as np

    from orchestra.tasks.maze.codec import T_MOVES, T_OPEN, T_PATH
    from orchestra.tasks.maze.solver import MOVES, distances
    from orchestra.tasks.maze.trm import MazeSpec

    kw = {"style": "open", "density": 0.3} if style == "open" else {"loops": 0.2}
    shown = maze.transform(maze.generate(13, seed=seed, **kw).problem, k)
    path = maze.solve(shown)
    hinted = MazeSpec(canvas=15, height=15, width=15, labels="directions")
    plain = MazeSpec(canvas=15, height=15, width=15)
    target = hinted.target(shown, path).reshape(15, 15)
    assert hinted.codec.vocab_size == 10 and plain.codec.vocab_size == 6
    assert (np.array(hinted.answer_map)[target.reshape(-1)] == plain.target(shown, path)).all()
    to_goal = distances(shown, shown.goal)
    for r, row in enumerate(shown.rows):
        for c, ch in enumerate(row):
            t = int(target[r, c])
            if (r, c) in path[1:-1]:
                assert t == T_PATH
            elif ch == "." and (r, c) in to_goal:
                dr, dc = MOVES[T_MOVES.index(t)]
                closer = [
                    (r + a, c + b)
                    for a, b in MOVES
                    if to_goal.get((r + a, c + b)) == to_goal[(r, c)] - 1
                ]
                assert (r + dr, c + dc) == closer[0]
            elif ch == ".":  # G cannot be reached from here
                assert t == T_OPEN
    # "moves": every cell G is reached from has its move, S and the path too, and the walk
    # along them from S is the solver's path
    walked = MazeSpec(canvas=15, height=15, width=15, labels="moves")
    moves = walked.target(shown, path)
    assert T_PATH not in moves and walked.answer_map is None
    assert walked.decode(shown, moves) == maze.mark_path(shown, path)
    assert (moves.reshape(15, 15)[target != moves.reshape(15, 15)] >= 6).all()


def test_a_walk_along_predicted_moves_ends_at_a_wall_a_loop_or_g():
    """With "moves" the answer is the walk from S: a move into a wall or back onto the walk
    ends it short of G, and the verifier rejects what it marked."""
    from orchestra.tasks.maze.codec import T_MOVES
    from orchestra.tasks.maze.trm import MazeSpec

    problem = MazeProblem(rows=["#####", "#S..#", "#.#.#", "#..G#", "#####"])
    spec = MazeSpec(canvas=5, height=5, width=5, labels="moves")
    down, up, right, left = T_MOVES
    grid = spec.encode(problem).reshape(5, 5).copy()
    grid[1, 1], grid[1, 2], grid[1, 3], grid[2, 3] = right, right, down, down
    assert maze.verify(problem, spec.decode(problem, grid.reshape(-1)))
    grid[1, 3] = up  # into the outer wall
    assert spec.decode(problem, grid.reshape(-1)) == ["#####", "#S**#", "#.#.#", "#..G#", "#####"]
    assert not maze.verify(problem, spec.decode(problem, grid.reshape(-1)))
    grid[1, 3] = left  # back onto the walk: a loop
    assert not maze.verify(problem, spec.decode(problem, grid.reshape(-1)))


def test_smaller_training_mazes_ask_for_a_path_shorter_by_their_share_of_the_area():
    """min_side with min_path: a 7x9 draw of a 15x15 spec that wants 30 moves asks for
    30 * 63 // 225 = 8 (30 cannot fit), and full-size mazes still ask for 30."""
    import random

    from orchestra.tasks.maze.trm import MazeSpec

    spec = MazeSpec(canvas=15, height=15, width=15, min_side=7, min_path=30)
    small = [spec._generate(s, (7, 9)) for s in range(5)]
    assert all(i.problem.height == 7 and i.length >= 8 for i in small)
    assert min(i.length for i in small) < 30
    x, y = spec.training_source(0).sample(12, random.Random(0))
    assert len(x) == 12
    assert all(spec._generate(s).length >= 30 for s in range(3))


def test_with_moves_propagation_walls_only_unreachable_cells_and_s_is_not_given():
    """A move says "G is reachable from here", not "off the path": committing the whole
    target only fills dead ends, and the walk along it still verifies; a cell predicted
    open (unreachable) is walled. S carries the walk's first move, so it is not a given."""
    from orchestra.tasks.maze.codec import T_OPEN
    from orchestra.tasks.maze.solver import fill_dead_ends
    from orchestra.tasks.maze.trm import MazeSpec

    rows = ["#######", "#S....#", "#.##..#", "#.#..G#", "#.##.##", "#######", "#######"]
    problem = MazeProblem(rows=rows)
    spec = MazeSpec(canvas=7, height=7, width=7, labels="moves")
    path = maze.solve(problem)
    moves = spec.target(problem, path)
    given = spec.given(problem)
    assert not given[1 * 7 + 1] and given[3 * 7 + 5]  # S open to prediction, G not
    sure = {pos: int(t) for pos, t in enumerate(moves) if not given[pos]}
    filled = spec.commit(problem, sure)
    assert filled == fill_dead_ends(problem) and filled != problem  # (4,1) was a dead end
    assert filled.rows[1] == rows[1] and filled.rows[2] == "#.##..#".replace(".", "#", 1)
    assert maze.verify(problem, spec.decode(problem, moves))
    walled = spec.commit(problem, {**sure, 2 * 7 + 4: T_OPEN})
    assert walled.rows[2][4] == "#" and walled.rows[3][4] == "#"  # and the dead end it made


def test_the_cascade_sends_a_loop_maze_to_the_loop_checkpoint_first():
    """A 30x30 maze with loops once paid every step of the perfect-maze checkpoints before
    `maze-30-loops` (about 6 s a maze); each class now meets its own checkpoint first."""
    from orchestra.specialists.trm_specialist import family_specialist
    from orchestra.tasks.maze.generate import generate_styled
    from orchestra.tasks.maze.trm import has_loops

    loops = generate_styled(30, 30, seed=11, style="mixed", loops=0.1, min_path=110).problem
    perfect = generate_styled(21, 21, seed=3, style="perfect").problem
    small = generate_styled(11, 11, seed=5, style="perfect").problem
    assert has_loops(loops.rows) and not has_loops(perfect.rows)
    trm = family_specialist("maze")
    names = {m.spec.name for m in trm.members}
    assert {"maze-21", "maze-30", "maze-21-loops", "maze-30-loops"} <= names
    assert trm._ordered(loops)[0].spec.name == "maze-30-loops"
    taking = [m.spec.name for m in trm._ordered(loops) if m.supports(loops)]
    assert taking[0] == "maze-30-loops" and taking[-1] in ("maze-21", "maze-30")
    assert trm._ordered(perfect)[0].spec.name == "maze-21"
    assert trm._ordered(small)[0].spec.name == "maze-21"  # the nearest size
    # the batch runs each problem through its own order: the loop maze's steps are the
    # loop checkpoint's alone when it verifies there
    first = trm._ordered(loops)[0]
    (alone,) = first.solve_batch([loops])
    both = trm.solve_batch([perfect, loops])
    if first.spec.verify(loops, alone.answer):
        assert both[1].steps == alone.steps
