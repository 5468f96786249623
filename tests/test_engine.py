"""The engine: order, batching, concurrency, verify-and-fall-back, isolation, accounting."""

import threading

import pytest
from conftest import PUZZLE

from orchestra import Orchestra, RegistryError
from orchestra.llm import LLM, LLMResult
from orchestra.specialist import BaseSpecialist
from orchestra.tasks import maze, sudoku


class BadSudoku(BaseSpecialist):
    """Always answers, always wrong: the clue grid with every blank set to 1."""

    name = "bad-sudoku"
    kinds = ("sudoku",)
    priority = 50

    def solve_one(self, problem):
        return [[v or 1 for v in row] for row in problem.grid]


class RaisesOn4x4(BaseSpecialist):
    name = "raises-on-4x4"
    kinds = ("sudoku",)
    priority = 50

    def __init__(self):
        self.batches = []

    def solve_batch(self, problems):
        self.batches.append(len(problems))
        if any(p.size == 4 for p in problems):
            raise RuntimeError("cannot do 4x4")
        return [sudoku.solve(p) for p in problems]


class EchoLLM(LLM):
    """Stand-in for the LLM interface in engine tests (the real backends have their own
    tests): answers prose by echoing it, and records how many calls overlap."""

    name = "echo"
    device = "cpu"

    def __init__(self, pairs: bool = False):
        self.active = 0
        self.peak = 0
        self.lock = threading.Lock()
        # With `pairs`, a call returns only once a second call is in flight beside it.
        self.gate = threading.Barrier(2, timeout=10) if pairs else None

    def complete(self, messages, **options):
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
        if self.gate is not None:
            self.gate.wait()
        with self.lock:
            self.active -= 1
        text = messages[-1].content
        return LLMResult(text=text.upper(), prompt_tokens=len(text.split()), completion_tokens=3)


def mixed_inputs():
    items = []
    for i in range(4):
        items.append(sudoku.generate(4 if i % 2 else 9, seed=i).problem.to_string())
        items.append("\n".join(maze.generate(9, seed=i).problem.rows))
    items.insert(3, "What is the capital of France?")
    items.insert(5, "55" + PUZZLE[2:])  # a broken puzzle
    return items


def test_solve_many_keeps_order_and_answers_each_input():
    engine = Orchestra(specialists=["exact-sudoku", "bfs-maze"], llm=EchoLLM())
    inputs = mixed_inputs()
    sols = engine.solve_many(inputs)
    assert len(sols) == len(inputs)
    for x, sol in zip(inputs, sols, strict=True):
        if x.startswith("What"):
            assert sol.kind == "text" and sol.answer == x.upper() and sol.verified is None
        elif x.startswith("55"):
            assert sol.error and "appears twice" in sol.error and sol.answer is None
        elif "#" in x:
            assert sol.kind == "maze" and sol.route == "bfs-maze"
            assert maze.verify(sol.problem, sol.answer)
            assert sol.problem.rows == maze.parse_text(x).rows
        else:
            assert sol.kind == "sudoku" and sol.route == "exact-sudoku" and sol.verified
            assert sudoku.verify(sudoku.parse_text(x), sol.answer)


def test_fallback_on_rejected_answers_is_recorded_in_the_trace():
    engine = Orchestra(specialists=[BadSudoku(), "exact-sudoku"])
    assert engine.chain("sudoku") == ["bad-sudoku", "exact-sudoku", "llm"]
    sol = engine.solve(PUZZLE)
    assert sol.route == "exact-sudoku" and sol.verified is True
    assert sol.fallback_from == ["bad-sudoku"]
    first, second = sol.trace.attempts
    assert first.processor == "bad-sudoku" and first.verified is False
    assert "appears twice" in first.reason
    assert second.processor == "exact-sudoku" and second.verified is True
    assert sol.trace.decision.target == "bad-sudoku"


def test_a_raising_specialist_does_not_sink_the_batch():
    raiser = RaisesOn4x4()
    engine = Orchestra(specialists=[raiser, "exact-sudoku"], max_batch=8)
    puzzles = [sudoku.generate(9, seed=i).problem for i in range(3)]
    puzzles.insert(1, sudoku.generate(4, seed=0).problem)
    sols = engine.solve_many(puzzles)
    assert [s.route for s in sols] == [
        "raises-on-4x4",
        "exact-sudoku",
        "raises-on-4x4",
        "raises-on-4x4",
    ]
    assert all(s.verified for s in sols)
    assert "cannot do 4x4" in sols[1].trace.attempts[0].error
    assert raiser.batches[0] == 4  # one batch, then each problem alone to isolate the failure
    # With no fallback left, the failing problem gets an error and the others still succeed.
    only = Orchestra(specialists=[RaisesOn4x4()], fallback={"sudoku": ["raises-on-4x4"]})
    sols = only.solve_many(puzzles)
    assert sols[1].error and "cannot do 4x4" in sols[1].error and sols[1].answer is None
    assert [s.verified for s in sols] == [True, None, True, True]


def test_micro_batches_respect_the_max_size():
    raiser = RaisesOn4x4()  # records batch sizes; no 4x4 here so it never raises
    engine = Orchestra(specialists=[raiser], max_batch=3)
    engine.solve_many([sudoku.generate(9, seed=i).problem for i in range(7)])
    assert raiser.batches == [3, 3, 1]


def test_processors_run_at_the_same_time():
    gate = threading.Barrier(2, timeout=10)

    class Waits(BaseSpecialist):
        def solve_one(self, problem):
            gate.wait()  # raises BrokenBarrierError unless the other processor is running too
            return sudoku.solve(problem) if problem.kind == "sudoku" else maze.solve(problem)

    class S(Waits):
        name, kinds = "wait-sudoku", ("sudoku",)

    class M(Waits):
        name, kinds = "wait-maze", ("maze",)

    engine = Orchestra(specialists=[S(), M()])
    sols = engine.solve_many([PUZZLE, maze.generate(7, seed=1).problem])
    assert [s.route for s in sols] == ["wait-sudoku", "wait-maze"]
    assert all(s.verified for s in sols)


def test_llm_calls_run_concurrently_within_the_bound():
    llm = EchoLLM(pairs=True)
    engine = Orchestra(llm=llm, llm_concurrency=2)
    sols = engine.solve_many([f"question {i}?" for i in range(6)])
    assert [s.answer for s in sols] == [f"QUESTION {i}?" for i in range(6)]
    assert llm.peak == 2
    row = engine.stats().by_name("llm:echo")
    assert row.items == 6 and row.verified_rate is None
    assert sols[0].tokens == 2 + 3


def test_without_an_llm_prose_gets_a_clear_error():
    sol = Orchestra(llm=None).solve("Tell me a joke")
    assert sol.kind == "text" and sol.answer is None
    assert "no LLM backend configured" in sol.error
    assert sol.trace.decision.kind == "text" and sol.trace.decision.target == "llm"


def test_accounting_matches_the_work_done():
    engine = Orchestra(specialists=[BadSudoku(), "exact-sudoku", "bfs-maze"], max_batch=2)
    n_sudoku, n_maze = 5, 3
    engine.solve_many(
        [sudoku.generate(4, seed=i).problem for i in range(n_sudoku)]
        + [maze.generate(9, seed=i).problem for i in range(n_maze)]
    )
    split = engine.stats()
    bad, exact, bfs = (split.by_name(n) for n in ("bad-sudoku", "exact-sudoku", "bfs-maze"))
    assert (bad.items, bad.verified, bad.rejected, bad.batches) == (5, 0, 5, 3)
    assert (exact.items, exact.verified, exact.batches) == (5, 5, 3)
    assert (bfs.items, bfs.verified, bfs.verified_rate) == (3, 3, 1.0)
    for row in (bad, exact, bfs):
        assert row.busy_s > 0 and row.items_per_s == pytest.approx(row.items / row.busy_s)
        assert row.p50_latency_s <= row.p95_latency_s
        assert row.energy_j == pytest.approx(row.busy_s * row.power_w)
    assert "estimate" in split.power_note
    engine.reset_stats()
    assert engine.stats().processors == []


def test_solution_carries_the_design_fields():
    sol = Orchestra().solve(PUZZLE)
    assert sol.kind == "sudoku" and sol.device == "cpu" and sol.latency_s > 0
    assert sol.energy_j > 0 and sol.cost_usd == 0 and sol.error is None
    assert sol.trace.decision.scores["sudoku"] == 1.0
    dumped = sol.model_dump(mode="json")
    assert dumped["problem"]["grid"][0][0] == 5  # the parsed problem serialises in full


def test_unknown_specialist_names_fail_at_construction():
    with pytest.raises(RegistryError, match="no specialist named 'nope'"):
        Orchestra(specialists=["nope"])


def test_a_specialist_whose_supports_raises_is_skipped_not_fatal():
    class Broken(BaseSpecialist):
        name, kinds, priority = "broken-supports", ("sudoku",), 99

        def supports(self, problem):
            raise RuntimeError("boom")

    sol = Orchestra(specialists=[Broken(), "exact-sudoku"], llm=None).solve(PUZZLE)
    assert sol.route == "exact-sudoku" and sol.verified
    assert "supports() failed" in sol.trace.attempts[0].reason


def test_accounting_keeps_a_bounded_window_of_latencies():
    """A server records every item; percentiles come from the latest window, counts from
    all of them (memory must not grow with the number of requests served)."""
    from orchestra.accounting import LATENCY_WINDOW, Accounting

    acc = Accounting()
    for _ in range(3):
        acc.record("p", "cpu", busy_s=1.0, latencies=[10.0] * LATENCY_WINDOW)
    acc.record("p", "cpu", busy_s=1.0, latencies=[1.0] * LATENCY_WINDOW)
    (row,) = acc.snapshot().processors
    assert row.items == 4 * LATENCY_WINDOW
    assert row.p95_latency_s == 1.0  # the old slow ones have left the window
    assert len(acc._tallies[("p", "cpu")].latencies) == LATENCY_WINDOW
