"""Every causal clause the explanation can produce, checked by the counterfactual behind it.

The explanation says what a quota level loses to its reach, to the import
bars and to domestic supply that does not rise, and which limits bind
deliveries. Each clause is rebuilt here the plain way (a scenario file or
tree changed as a user would, run directly on the same seed) and its
direction and rough size checked against what the sentence says.
"""

from __future__ import annotations

import numpy as np
import pytest
from chipsim_testing import BASELINE, SCENARIOS, SEED
from counterfactual_support import (
    rules_toward_none,
    scaled_demand,
    scaled_imports,
    scaled_memory,
    scaled_packaging,
    scaled_wafers,
    without_bars,
)

from sim.experiments.explain.measure import NO_ROWS, ExplainOptions, measure
from sim.model.constraints import CHINA_KINDS, LIMITS, US_KINDS
from sim.model.ensemble import simulate
from sim.model.model import Model, ModelOptions
from sim.results.binds import THRESHOLD, ranking
from sim.results.levels import index_of
from sim.results.lever import hindrances
from sim.results.why import HOLDS, why_levels
from sim.scenario import load

N = 150
LO, HI, YEAR = "0.5", "1.0", "2027"
Y = 4  # 2027's index in the baseline calendar


@pytest.fixture(scope="module")
def baseline():
    return load(BASELINE)


@pytest.fixture(scope="module")
def effects(baseline):
    return measure(baseline, ExplainOptions(N, SEED, (LO, HI)))


@pytest.fixture(scope="module")
def found(effects):
    return {h.constraint: h for h in hindrances(effects, LO, HI, YEAR)}


def level_effect(scenario, metric="domestic_share_units"):
    """Mean effect of LO -> HI in YEAR from a plain run of ``scenario`` (same seed and reps)."""
    values = Model(scenario, N, SEED, [LO, HI], ModelOptions(record=NO_ROWS)).run().replicates
    return float(np.nanmean(values[metric][1, :, Y] - values[metric][0, :, Y]))


def test_the_reach_clause_matches_the_shipped_national_quota_scenario(found):
    # "if the level bound every segment": the national-quota file, run as a user would
    national = load(SCENARIOS / "national-quota.toml")
    assert found["reach"].lifted == pytest.approx(level_effect(national), abs=1e-9)
    assert found["reach"].cost > HOLDS / 100  # the level loses points to its reach


def test_the_bars_clause_matches_a_scenario_without_bars(baseline, found):
    assert found["bars"].lifted == pytest.approx(level_effect(without_bars(baseline)), abs=1e-9)


def test_the_domestic_supply_clause_matches_ten_times_the_memory_wafers_and_packaging(
    baseline, found
):
    abundant = scaled_packaging(scaled_wafers(scaled_memory(baseline, 10.0), 10.0), 10.0)
    direct = level_effect(abundant)
    assert found["domestic_supply"].lifted == pytest.approx(direct, abs=0.003)  # 0.3 points


def test_memory_is_not_blamed_for_the_level_when_tripled_memory_changes_nothing(baseline, effects):
    # The old sentence said the level was "limited by memory (HBM)"; three times the memory
    # leaves the level's effect where it was, so no sentence may blame domestic supply.
    tripled = level_effect(scaled_memory(baseline, 3.0)) - level_effect(baseline)
    assert abs(tripled) < HOLDS / 100
    index = index_of(simulate(baseline, N, SEED, [LO, HI]).rows)
    text = why_levels(index, YEAR, effects=effects)
    assert "held back most by domestic supply" not in text
    assert "limited by memory" not in text
    assert "held back most by demand outside the level's reach" in text


RELAXED = {
    "memory": scaled_memory,
    "wafers": scaled_wafers,
    "packaging": scaled_packaging,
    "import_supply": scaled_imports,
    "demand": scaled_demand,
    "us_rules": rules_toward_none(US_KINDS, 0.1),
    "china_rules": rules_toward_none(CHINA_KINDS, 0.1),
}


def test_every_limit_the_sentence_can_name_has_a_plain_counterfactual():
    assert set(RELAXED) == set(LIMITS)


@pytest.mark.parametrize("name", sorted(RELAXED))
def test_a_limit_said_to_bind_raises_deliveries_when_relaxed_in_the_scenario(
    baseline, effects, name
):
    scale = RELAXED[name]
    ranked = {b.constraint: b for b in ranking(effects, HI, YEAR)}
    metric = "delivered_compute"
    plain = Model(baseline, N, SEED, [LO, HI], ModelOptions(record=NO_ROWS)).run().replicates
    relaxed = (
        Model(scale(baseline, 1.1), N, SEED, [LO, HI], ModelOptions(record=NO_ROWS))
        .run()
        .replicates
    )
    base = plain[metric][1, :, Y].mean()
    direct = (relaxed[metric][1, :, Y] - plain[metric][1, :, Y]).mean() / base / 0.1
    assert ranked[name].elasticity == pytest.approx(direct, rel=0.05, abs=0.01)
    assert ranked[name].binds == (direct >= THRESHOLD)


def test_the_sentence_gives_no_reason_without_effects(baseline):
    index = index_of(simulate(baseline, 40, SEED, [LO, HI]).rows)
    text = why_levels(index, YEAR)
    assert "no reason is given" in text and "held back" not in text and "bound by" not in text
