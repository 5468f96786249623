"""Performance models and scheduling policies: learning, persistence, each policy's choice,
plug-ins (installed through a real entry point), explanations, and the asynchronous
engine that lets an item fall back without waiting for a slow LLM."""

import asyncio
import json
import textwrap
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestra import Orchestra, family_registry, schedulers
from orchestra.llm.base import LLM, LLMResult
from orchestra.perfmodel import Estimate, PerfModels
from orchestra.schedulers import Job
from orchestra.specialist import BaseSpecialist
from orchestra.tasks import sudoku

SIX = sudoku.generate(6, seed=3).problem


def est(name, latency, p, *, cost=None, batch=1):
    return Estimate(
        processor=name,
        device="cpu",
        latency_s=latency,
        batch=batch,
        energy_j=latency * 25,
        cost_usd=latency * 25 / 3.6e6 * 0.15 if cost is None else cost,
        verified_rate=p,
        observations=10,
        basis="test",
    )


def job(index, *candidates):
    return Job(index=index, kind="sudoku", size="9x9", candidates=list(candidates))


def one(limit):
    return lambda name: limit


# -- performance models -------------------------------------------------------------------


def test_observations_move_the_estimate_and_persist(tmp_path):
    path = tmp_path / "models.json"
    models = PerfModels(path, seed=None)
    for latency, ok in ((0.2, True), (0.4, False)):
        models.observe(
            "trm-sudoku",
            "sudoku",
            "9x9",
            "cpu",
            batch=16,
            latency_s=latency,
            energy_j=1.0,
            verified=ok,
        )
    e = models.estimate("trm-sudoku", "sudoku", "9x9", "cpu", batch=16)
    assert e.latency_s == pytest.approx(0.3) and e.verified_rate == pytest.approx(0.5)
    assert e.observations == 2 and e.basis == "measured"
    models.save()
    again = PerfModels(path, seed=None)  # a new process starts informed
    assert again.estimate("trm-sudoku", "sudoku", "9x9", "cpu", batch=16) == e
    # what is not measured is borrowed, and says so
    other = again.estimate("trm-sudoku", "sudoku", "6x6", "cpu", batch=1)
    assert "other size" in other.basis and "batch 16" in other.basis
    assert again.estimate("never-seen", "sudoku", "9x9", "cpu").basis.startswith("prior")


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(0.001, 10), st.booleans()), min_size=1, max_size=80))
def test_running_figures_stay_within_what_was_observed(tmp_path_factory, runs):
    models = PerfModels(tmp_path_factory.mktemp("m") / "m.json", seed=None, window=20)
    for latency, ok in runs:
        models.observe("p", "k", "", "cpu", batch=1, latency_s=latency, energy_j=0, verified=ok)
    e = models.estimate("p", "k", "", "cpu")
    lats = [r[0] for r in runs]
    assert min(lats) - 1e-9 <= e.latency_s <= max(lats) + 1e-9
    assert 0.0 <= e.verified_rate <= 1.0 and e.observations == min(len(runs), 20)


@pytest.mark.parametrize("damage", ["{not json", '{"version": 999, "entries": {}}', "[]"])
def test_a_damaged_model_file_is_rebuilt_with_a_warning(tmp_path, damage):
    path = tmp_path / "models.json"
    path.write_text(damage)
    with pytest.warns(UserWarning, match="unreadable.*rebuilding"):
        models = PerfModels(path, seed=None)
    models.observe("p", "k", "", "cpu", batch=1, latency_s=0.1, energy_j=0, verified=True)
    models.save()
    assert json.loads(path.read_text())["version"] == 1
    assert PerfModels(path, seed=None).estimate("p", "k", "", "cpu").observations == 1


def test_the_seed_informs_a_fresh_model_and_own_measurements_take_over(tmp_path):
    seed = tmp_path / "seed.json"
    shipped = PerfModels(seed, seed=None)
    for _ in range(30):
        shipped.observe("x", "k", "", "cpu", batch=1, latency_s=1.0, energy_j=0, verified=True)
    shipped.save()
    models = PerfModels(tmp_path / "own.json", seed=seed)
    assert models.estimate("x", "k", "", "cpu").basis == "seed"
    for _ in range(5):
        models.observe("x", "k", "", "cpu", batch=1, latency_s=0.1, energy_j=0, verified=True)
    e = models.estimate("x", "k", "", "cpu")
    assert e.basis == "measured" and e.latency_s < 0.5  # not 30 seed runs against 5 own


# -- policies on constructed cases --------------------------------------------------------


def test_each_policy_orders_a_constructed_case():
    trm = est("trm", 0.05, 0.2)  # cheap per try, rarely verifies (a hard puzzle)
    exact = est("exact", 0.02, 1.0)
    llm = est("llm", 20.0, 0.0, cost=1e-3)
    jobs = [job(0, trm, exact, llm)]
    order = lambda name: schedulers.get(name).plan(jobs, one(1))[0].order  # noqa: E731
    assert order("priority") == ["trm", "exact", "llm"]
    assert order("accuracy") == ["exact", "trm", "llm"]
    assert order("cost") == ["exact", "trm", "llm"]
    assert order("latency") == ["exact", "trm", "llm"]
    # a processor that is a little dearer per try but nearly always right still loses
    # to one that is much cheaper at a good rate: c/p decides, not p alone
    fast = est("fast", 0.01, 0.8)
    slow = est("slow", 0.10, 1.0)
    assert schedulers.get("cost").plan([job(0, slow, fast)], one(1))[0].order == ["fast", "slow"]
    assert schedulers.get("accuracy").plan([job(0, fast, slow)], one(1))[0].order[0] == "slow"


def test_latency_spreads_a_batch_over_processors_by_their_queues():
    fast, slower = est("fast", 0.10, 1.0), est("slower", 0.15, 1.0)
    plan = schedulers.get("latency").plan([job(i, fast, slower) for i in range(10)], one(1))
    heads = [p.order[0] for p in plan]
    # alone, the fast one takes it; ten at once, the slower one takes a share (dmda)
    assert schedulers.get("latency").plan([job(0, slower, fast)], one(1))[0].order[0] == "fast"
    assert 5 <= heads.count("fast") <= 7 and heads.count("slower") >= 3
    assert all(sorted(p.order) == ["fast", "slower"] for p in plan)  # nobody dropped


def test_policies_change_the_engines_choice_but_every_answer_is_verified(tmp_path):
    models = PerfModels(tmp_path / "m.json", seed=None)
    size = family_registry.size_class(SIX)
    for name, latency in (("trm-sudoku", 0.05), ("exact-sudoku", 0.001)):
        for _ in range(5):
            models.observe(
                name,
                "sudoku",
                size,
                "cpu",
                batch=1,
                latency_s=latency,
                energy_j=latency * 25,
                verified=True,
            )
    routes = {}
    for policy in ("priority", "latency", "cost"):
        sol = Orchestra(llm="none", scheduler=policy, perf_models=models).solve(SIX)
        assert sol.verified is True and sol.trace.schedule.policy == policy
        routes[policy] = sol.route
    assert routes == {"priority": "trm-sudoku", "latency": "exact-sudoku", "cost": "exact-sudoku"}


# -- plug-ins -----------------------------------------------------------------------------


@pytest.fixture
def installed_schedulers(tmp_path, monkeypatch):
    """A distribution with two schedulers, installed the way pip would leave it."""
    (tmp_path / "my_schedulers.py").write_text(
        textwrap.dedent("""
        class ExactFirst:
            name = "exact-first"
            def plan(self, jobs, max_batch):
                from orchestra.schedulers import Placement
                return [Placement(order=sorted((e.processor for e in j.candidates),
                                               key=lambda p: not p.startswith("exact-")))
                        for j in jobs]

        class Explodes:
            name = "explodes"
            def plan(self, jobs, max_batch):
                raise RuntimeError("no estimate for you")

        class Garbage:
            name = "garbage"
            def plan(self, jobs, max_batch):
                return [{"order": "not a list", "scores": 3} for _ in jobs]
    """)
    )
    info = tmp_path / "my_schedulers-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: my-schedulers\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[orchestra.schedulers]\n"
        "exact-first = my_schedulers:ExactFirst\n"
        "explodes = my_schedulers:Explodes\n"
        "garbage = my_schedulers:Garbage\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_schedulers_come_from_entry_points_built_ins_included(installed_schedulers):
    assert {"priority", "cost", "latency", "accuracy", "exact-first", "explodes"} <= set(
        schedulers.names()
    )
    sol = Orchestra(llm="none", scheduler="exact-first").solve(SIX)
    assert sol.route == "exact-sudoku" and sol.verified is True
    assert sol.trace.schedule.policy == "exact-first"


def test_a_failing_scheduler_leaves_the_batch_to_priority(installed_schedulers):
    sol = Orchestra(llm="none", scheduler="explodes").solve(SIX)
    assert sol.route == "trm-sudoku" and sol.verified is True
    assert sol.trace.schedule.policy == "priority"
    assert "explodes" in sol.trace.schedule.error and "no estimate for you" in (
        sol.trace.schedule.error
    )


def test_a_malformed_plan_leaves_the_batch_to_priority(installed_schedulers):
    sol = Orchestra(llm="none", scheduler="garbage").solve(SIX)
    assert sol.verified is True and sol.trace.schedule.policy == "priority"
    assert "garbage" in sol.trace.schedule.error


def test_unknown_scheduler_is_a_clear_error():
    with pytest.raises(schedulers.SchedulerError, match="no scheduler 'fastest'; known: .*latency"):
        Orchestra(llm="none", scheduler="fastest")


def test_the_engine_learns_and_a_new_engine_starts_from_it(tmp_path):
    path = tmp_path / "models.json"
    Orchestra(llm="none", scheduler="priority", perf_models=path).solve(SIX)
    learned = PerfModels(path, seed=None).entries()
    rows = [k for k in learned if k.processor == "trm-sudoku" and k.kind == "sudoku"]
    assert rows and rows[0].size == family_registry.size_class(SIX)
    assert learned[rows[0]].verified_rate == 1.0 and learned[rows[0]].n == 1


# -- the asynchronous engine --------------------------------------------------------------


class SlowLLM(LLM):
    """Stands in for a slow remote API (a paid one cannot run here): it answers prose
    after `delay` seconds."""

    name = "slow"
    device = "remote"

    def __init__(self, delay: float):
        self.delay = delay

    def complete(self, messages, **options):
        time.sleep(self.delay)
        return LLMResult(text="a slow reply", completion_tokens=3)


class Wrong(BaseSpecialist):
    name = "always-wrong"
    kinds = ("sudoku",)

    def solve_one(self, problem):
        return [[1] * len(problem.grid)] * len(problem.grid)


class Recorder(BaseSpecialist):
    """The exact solver, noting when it was called."""

    name = "recorder"
    kinds = ("sudoku",)

    def __init__(self):
        self.called_at = []

    def solve_one(self, problem):
        self.called_at.append(time.monotonic())
        return sudoku.solve(problem)


def test_a_slow_llm_item_does_not_delay_a_puzzles_fallback():
    recorder = Recorder()
    engine = Orchestra(
        specialists=[Wrong(), recorder],
        llm=SlowLLM(delay=3.0),
        fallback={"sudoku": ["always-wrong", "recorder"]},
    )
    t0 = time.monotonic()
    sols = asyncio.run(engine.asolve_many([SIX, "Tell me about the history of chess."]))
    assert time.monotonic() - t0 >= 3.0  # the prose item did take its three seconds
    assert sols[0].route == "recorder" and sols[0].fallback_from == ["always-wrong"]
    assert sols[0].verified is True and sols[1].text is None and sols[1].answer == "a slow reply"
    # the puzzle reached its fallback long before the LLM finished (rounds waited 3 s)
    assert recorder.called_at[0] - t0 < 1.5


def test_solve_many_works_inside_a_running_event_loop():
    engine = Orchestra(llm="none")

    async def inside():
        return engine.solve_many([SIX]), await engine.asolve(SIX)

    (sync,), via_async = asyncio.run(inside())
    assert sync.verified is True and via_async.verified is True


def test_concurrent_calls_share_an_engine():
    engine = Orchestra(llm="none")
    results = []
    threads = [threading.Thread(target=lambda: results.append(engine.solve(SIX))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(s.verified for s in results)


def test_a_never_measured_trm_borrows_its_cards_verified_rate(tmp_path):
    from orchestra.catalog import checkpoints
    from orchestra.specialists.trm.checkpoint import load_card

    engine = Orchestra(llm="none", perf_models=PerfModels(tmp_path / "m.json", seed=None))
    e = engine.estimate("trm-sudoku", SIX)
    card = next(c for c in map(load_card, checkpoints("sudoku")) if c.name == "sudoku-6x6")
    assert e.basis.startswith("prior") and e.basis.endswith("rate from card")
    assert e.verified_rate == card.heldout.verified
    assert engine.estimate("exact-sudoku", SIX).verified_rate == 0.5  # no card: the prior
