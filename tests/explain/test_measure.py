"""sim.experiments.explain.measure: paired counterfactual runs.

Checked against laws and direct runs.
"""

from __future__ import annotations

import importlib

import numpy as np
import pytest
from chipsim_testing import BASELINE, SCENARIOS, SEED
from counterfactual_support import scaled_memory

from sim.core.metrics import metric
from sim.experiments.explain.measure import MEASURED, NO_ROWS, ExplainOptions, elasticity, measure
from sim.model.constraints import CONSTRAINTS, LIMITS
from sim.model.model import Model, ModelOptions
from sim.scenario import load

N = 60
LEVELS = ("announced", "1.0")


@pytest.fixture(scope="module")
def baseline():
    return load(BASELINE)


def direct(scenario, levels=LEVELS):
    """A plain run on the same seed and replications: (L, R, Y) values per metric."""
    return Model(scenario, N, SEED, list(levels), ModelOptions(record=NO_ROWS)).run().replicates


def test_the_baseline_block_equals_a_run_of_its_own_bit_for_bit(baseline):
    # pairing across Models (structural counterfactuals) relies on this
    from sim.experiments.explain.measure import run_group

    options = ExplainOptions(N, SEED, LEVELS)
    runs = run_group(
        baseline,
        [None, CONSTRAINTS["memory"], CONSTRAINTS["china_rules"]],
        options,
        {"memory": 0.1, "china_rules": 0.1},
    )
    alone = direct(baseline)
    for name in MEASURED:
        np.testing.assert_array_equal(runs["baseline"][name], alone[name])


def test_a_relaxation_of_nothing_changes_nothing(baseline):
    effects = measure(baseline, ExplainOptions(N, SEED, LEVELS, constraints=LIMITS, amount=0.0))
    assert effects.rows and all(r.mean == 0 and r.p05 == 0 and r.p95 == 0 for r in effects.rows)


def test_the_table_covers_every_level_constraint_metric_and_year_with_registry_units(baseline):
    effects = measure(baseline, ExplainOptions(N, SEED, LEVELS, constraints=("memory", "reach")))
    assert len(effects.rows) == 2 * len(LEVELS) * len(MEASURED) * 5
    assert {r.unit for r in effects.rows if r.metric == "delivered_compute"} == {
        metric("delivered_compute").unit
    }
    memory = effects.get("announced", "memory", "delivered_compute", "2026")
    assert memory.elasticity == pytest.approx(memory.mean / memory.base / 0.1)
    assert memory.p05 <= memory.mean <= memory.p95
    reach = effects.get("announced", "reach", "domestic_units", "2027")
    assert reach.mean == 0  # the announced quotas do not depend on the level's reach


def test_a_relaxation_equals_the_same_change_made_in_the_scenario(baseline):
    # +10% memory through the draws equals a scenario whose memory inputs are 10% larger
    effects = measure(baseline, ExplainOptions(N, SEED, LEVELS, constraints=("memory",)))
    bigger = scaled_memory(baseline, 1.1)
    base, relaxed = direct(baseline), direct(bigger)
    for y, year in enumerate(range(2023, 2028)):
        change = (relaxed["delivered_compute"] - base["delivered_compute"])[1, :, y].mean()
        row = effects.get("1.0", "memory", "delivered_compute", str(year))
        assert row.mean == pytest.approx(change, rel=0.02, abs=1.0)


def test_a_level_reaching_everyone_already_gains_nothing_from_more_reach():
    national = load(SCENARIOS / "national-quota.toml")
    effects = measure(national, ExplainOptions(N, SEED, LEVELS, constraints=("reach",)))
    assert all(r.mean == 0 for r in effects.rows)


def test_elasticity_is_undefined_for_structural_changes_and_empty_bases():
    assert elasticity(10.0, 100.0, 0.1) == pytest.approx(1.0)
    assert np.isnan(elasticity(10.0, 100.0, None))
    assert np.isnan(elasticity(10.0, 0.0, 0.1))


def test_effects_measured_in_replication_blocks_equal_one_model_each(baseline, monkeypatch):
    """Issue 19: counterfactual Models run a block of replications at a time, exactly."""
    # the module, not the function
    measuring = importlib.import_module("sim.experiments.explain.measure")
    options = ExplainOptions(N, SEED, LEVELS, constraints=("memory", "demand", "china_rules"))
    whole = measure(baseline, options)
    monkeypatch.setattr(measuring, "block_replications", lambda scenario, levels: 50)
    assert len(measuring.block_plan(baseline, [None, None], options)) == 3  # 25 a block
    blocked = measure(baseline, options)
    assert blocked.rows and [repr(r) for r in blocked.rows] == [repr(r) for r in whole.rows]
