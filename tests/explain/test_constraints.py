"""sim.model.constraints: the relaxations on small hand-computed arrays, and the registry."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from chipsim_testing import BASELINE

from sim.model.constraints import (
    CONSTRAINTS,
    LEVERS,
    LIMITS,
    constraint,
    every_segment,
    rules_relaxed,
    scaled,
    toward_no_rule,
    without_bars,
)
from sim.model.rng import Draws, Streams
from sim.scenario import load


@pytest.fixture(scope="module")
def baseline():
    return load(BASELINE)


def test_a_share_rule_moves_the_stated_share_of_the_way_to_allowing_everything():
    np.testing.assert_allclose(
        toward_no_rule("bar", np.array([0.0, 0.5, 1.0]), 0.1), [0.1, 0.55, 1.0]
    )
    np.testing.assert_allclose(toward_no_rule("customs", np.array([0.0]), 1.0), [1.0])


def test_a_quantity_rule_grows_and_a_bundle_ratio_shrinks_by_the_amount():
    np.testing.assert_allclose(toward_no_rule("cap", np.array([20_000.0]), 0.1), [22_000.0])
    np.testing.assert_allclose(toward_no_rule("approval", np.array([0.0, 5.0]), 0.1), [0, 5.5])
    np.testing.assert_allclose(toward_no_rule("bundle", np.array([2.0]), 0.1), [1.8])
    with pytest.raises(ValueError, match="unknown rule kind"):
        toward_no_rule("tariff", np.array([1.0]), 0.1)


def test_scaling_touches_only_matching_paths_and_returns_the_same_array_otherwise():
    grow = scaled(("memory.domestic_stacks.*",), 1.1)
    values = np.array([10.0, 20.0])
    np.testing.assert_allclose(grow("memory.domestic_stacks.2026", values), [11.0, 22.0])
    assert grow("memory.stockpile_stacks", values) is values
    assert grow("imports.h20.units_per_month.2025", values) is values


def test_rules_are_relaxed_only_for_the_kinds_named(baseline):
    china = rules_relaxed(baseline, ("bar", "customs"), 0.1)
    zero = np.zeros(3)
    np.testing.assert_allclose(china("events.state_funded_foreign_ban.value", zero), 0.1)
    np.testing.assert_allclose(china("events.h200_orders_paused.value", zero), 0.1)
    assert china("events.h200_case_by_case.value", zero) is zero  # a cap: a US rule


def test_structural_counterfactuals_change_the_scenario_as_named(baseline):
    assert set(every_segment(baseline).lever_reach()) == set(baseline.segments)
    lifted = without_bars(baseline)
    assert not any(e.enabled for e in lifted.events.values() if e.kind == "bar")
    assert [n for n, e in lifted.events.items() if e.enabled and e.kind != "bar"] == [
        n for n, e in baseline.events.items() if e.enabled and e.kind != "bar"
    ]


def test_the_registry_names_limits_and_levers_once_and_refuses_unknown_names():
    assert set(LIMITS) | set(LEVERS) == set(CONSTRAINTS)
    assert not set(LIMITS) & set(LEVERS)
    assert constraint("memory").relaxed(0.25) == "+25% stacks"
    with pytest.raises(KeyError, match="known: memory"):
        constraint("sunshine")


class Recording(Draws):
    """Draws that remember every path the model asked for."""

    def __init__(self, count):
        super().__init__(Streams(1), count)
        self.paths = {}

    def __call__(self, path, dist):
        values = super().__call__(path, dist)
        self.paths[path] = values
        return values


@pytest.mark.parametrize(
    "name", [c for c in CONSTRAINTS if CONSTRAINTS[c].structure.__name__ == "same"]
)
def test_every_draws_relaxation_changes_some_value_the_baseline_draws(baseline, name):
    # A relaxation that matches no drawn path would be a silent no-op.
    from sim.model.model import Model, ModelOptions

    draws = Recording(2)
    Model(baseline, 2, options=ModelOptions(draws=draws)).run()
    transform = CONSTRAINTS[name].draws(baseline, 0.1)
    changed = [p for p, v in draws.paths.items() if not np.array_equal(transform(p, v), v)]
    assert changed, f"{name} relaxes nothing the baseline draws"


def test_the_reach_counterfactual_on_a_scenario_already_reaching_everyone_is_the_same(baseline):
    everyone = every_segment(baseline)
    assert every_segment(everyone) == everyone
    assert dataclasses.replace(everyone).run.lever_segments == tuple(baseline.segments)


def test_demand_relaxes_the_budget_when_the_scenario_gives_one_and_h100e_otherwise():
    from pathlib import Path

    from chipsim_testing import PRIORS

    from sim.model.model import Model, ModelOptions

    priors = load(PRIORS)
    tiny = load(Path(__file__).parents[1] / "model" / "tiny.toml")  # demand in H100e
    assert priors.demand.budget_usd is not None and tiny.demand.base is not None
    for scenario, path in ((priors, "demand.budget_usd"), (tiny, "demand.base")):
        draws = Recording(2)
        Model(scenario, 2, options=ModelOptions(draws=draws)).run()
        transform = CONSTRAINTS["demand"].draws(scenario, 0.1)
        changed = [p for p, v in draws.paths.items() if not np.array_equal(transform(p, v), v)]
        assert changed == [path]
        np.testing.assert_allclose(transform(path, draws.paths[path]), draws.paths[path] * 1.1)
