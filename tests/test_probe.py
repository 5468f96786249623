"""How the network probe (specialists/trm/probe.py) shares a run's budget out, as
properties over budgets: the probe never takes more than a third, and the winner gets the
rest. The probe at work on real data is in test_families.py (train grid with defaults)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from orchestra.specialists.trm.probe import ProbeReport, Trial, remaining, trial_budget


def _report(steps: list[int], seconds: float) -> ProbeReport:
    trials = [
        Trial(preset=f"p{i}", about="", exact=0.0, cell=i / 10, steps=s, seconds=seconds, params=1)
        for i, s in enumerate(steps)
    ]
    return ProbeReport(trials=trials, chosen=trials[-1].preset)


@given(st.integers(3, 100_000), st.integers(1, 5))
def test_a_step_budget_leaves_the_winner_at_least_two_thirds(steps, n):
    each = trial_budget({"max_steps": steps}, n)["max_steps"]
    assert each >= 1 and n * each <= max(steps / 3, n)
    rest = remaining({"max_steps": steps}, _report([each] * n, 1.0), 0.0)["max_steps"]
    assert rest + n * each == steps or rest == each


@given(st.floats(0.5, 600), st.integers(1, 5))
def test_a_time_budget_is_shared_within_bounds(minutes, n):
    each_s = 60 * trial_budget({"minutes": minutes}, n)["minutes"]
    assert 20 <= each_s <= 90
    if minutes >= 3 * n:  # long enough that the lower bound does not bite
        assert n * each_s <= 60 * minutes / 3 + 1e-6
    left = remaining({"minutes": minutes}, _report([1] * n, each_s), n * each_s)["minutes"]
    assert left >= each_s / 60 - 1e-9
    assert abs(left - (minutes - n * each_s / 60)) < 1e-9 or left == each_s / 60


def test_without_a_budget_each_candidate_gets_a_fixed_time_and_the_winner_runs_on():
    assert trial_budget({}, 3) == {"minutes": 0.75, "max_steps": None}
    assert remaining({}, _report([5, 5, 5], 45.0), 135.0) == {}
