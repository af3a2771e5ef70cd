"""sim.experiments.budget_checks: how big a planned design or sweep is, before drawing it."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from sim.experiments import budget_checks
from sim.experiments.parameters import uncertain
from sim.model import budget
from sim.scenario import ScenarioError, load

BASELINE = str(Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml")
DEMAND = ("demand.*",)


@pytest.fixture
def designs(monkeypatch):
    """The (points, columns) each design check is asked about, instead of checking."""
    asked: list[tuple[int, int]] = []
    monkeypatch.setattr(budget, "check_design_fits", lambda p, c, key="--n": asked.append((p, c)))
    return asked


def sweep(sets, sample=None, n=None):
    return SimpleNamespace(sets=sets, sample=sample, n=n, scenario_file=BASELINE, params=DEMAND)


def test_design_columns_are_the_matched_uncertain_parameters_and_the_set_lists():
    matched = len(uncertain(load(BASELINE), DEMAND))
    assert matched > 0
    assert budget_checks.design_columns(BASELINE, DEMAND) == matched
    assert budget_checks.design_columns(BASELINE, DEMAND, extra=2) == matched + 2


def test_a_grid_sweep_is_its_combinations_and_a_sampled_one_n_points_each(designs):
    sets = [("a", [1, 2]), ("b", [1, 2, 3])]
    columns = budget_checks.design_columns(BASELINE, DEMAND, 2)
    budget_checks.check_sweep_design(sweep(sets), 50)  # --set lists alone: a grid
    budget_checks.check_sweep_design(sweep(sets, sample="lhs"), 50)  # the default n
    budget_checks.check_sweep_design(sweep(sets, sample="lhs", n=7), 50)
    budget_checks.check_sweep_design(sweep([]), 50)  # no lists: a sample of the default n
    no_sets = budget_checks.design_columns(BASELINE, DEMAND)
    assert designs == [(6, columns), (300, columns), (42, columns), (50, no_sets)]


def test_a_sensitivity_design_is_n_times_the_method_s_points_per_n(designs):
    factors = budget_checks.design_columns(BASELINE, DEMAND)
    study = SimpleNamespace(scenario_file=BASELINE, params=DEMAND, method="sobol", n=None)
    budget_checks.check_study_design(study)
    budget_checks.check_study_design(SimpleNamespace(**{**vars(study), "method": "morris", "n": 4}))
    assert designs == [(256 * (factors + 2), factors), (4 * (factors + 1), factors)]


def test_a_sweep_too_large_for_memory_is_refused_naming_the_option(monkeypatch):
    monkeypatch.setattr(budget, "available_bytes", lambda: 2.0 * 2**30)
    with pytest.raises(ScenarioError, match="smaller --n") as refused:
        budget_checks.check_sweep_design(sweep([], sample="lhs", n=10**9), 50)
    assert "--n" in str(refused.value)
    budget_checks.check_sweep_design(sweep([], sample="lhs", n=10), 50)  # a small one passes


def test_the_planned_sweep_s_batches_are_checked_with_its_own_sizes(monkeypatch):
    seen = []
    monkeypatch.setattr(budget, "check_sweep_fits", lambda *args: seen.append(args))
    chosen = SimpleNamespace(
        scenario="S",
        design=SimpleNamespace(size=12, columns=["a", "b", "c"]),
        rows_per_point=5,
        job=SimpleNamespace(levels=["announced", "0.5"], replications=20),
        batch_size=4,
    )
    budget_checks.check_sweep_work(chosen, workers=2)
    assert seen == [("S", 12, 3, 5, 2, 2, 80)]
