"""The quota lever's reach: ``run.lever_segments`` and the national-quota scenario.

A uniform quota level binds the segments named in ``run.lever_segments``
(default: those with an announced quota); every other segment keeps its
announced path, or none, at every level.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from chipsim_testing import SCENARIOS, SEED

from sim.core.calendar import parse_month
from sim.model.ensemble import simulate
from sim.model.model import Model, calendar_of
from sim.scenario import ScenarioError, load
from sim.scenario.dump import to_raw

NATIONAL = SCENARIOS / "national-quota.toml"
ANNOUNCED = ["beijing", "shanghai", "guiyang", "other_major", "state_funded"]


@pytest.fixture(scope="module")
def national():
    """The shipped national-quota scenario."""
    return load(NATIONAL)


def targets(scenario, levels: list[str]) -> dict[str, np.ndarray]:
    """Each segment's quota path per level, (levels, T), as the model builds them."""
    model = Model(scenario, 2, levels=levels)
    return {s.name: s.target for s in model.segments}


def test_the_default_reach_is_the_segments_with_an_announced_quota(baseline):
    announced = [n for n, s in baseline.segments.items() if s.quota is not None]
    assert sorted(announced) == sorted(ANNOUNCED)
    assert baseline.run.lever_segments == tuple(announced)
    assert baseline.lever_reach() == tuple(announced)


def test_the_resolved_reach_is_in_the_dump_and_loads_back(national, baseline):
    assert to_raw(baseline)["run"]["lever_segments"] == list(baseline.run.lever_segments)
    raw = to_raw(national)
    assert set(raw["run"]["lever_segments"]) == set(national.segments)
    assert load(NATIONAL, raw) == national


def test_an_unset_reach_means_the_announced_quotas(baseline):
    """A tree the loader did not fill (an older manifest) reaches the same segments."""
    unset = dataclasses.replace(
        baseline, run=dataclasses.replace(baseline.run, lever_segments=None)
    )
    assert unset.lever_reach() == baseline.run.lever_segments


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ('["beijing", "privte"]', "did you mean 'private'?"),
        ('["nowhere"]', "expected one of"),
        ('["beijing", "beijing"]', "each segment listed once"),
    ],
)
def test_a_bad_reach_names_run_lever_segments(write_scenario, text, hint):
    with pytest.raises(ScenarioError) as caught:
        load(write_scenario(f"[run]\nlever_segments = {text}\n"))
    assert caught.value.path == "run.lever_segments"
    assert "run.lever_segments" in str(caught.value) and hint in str(caught.value)


def test_a_segment_outside_the_reach_has_the_same_targets_at_every_level(write_scenario):
    scenario = load(write_scenario('[run]\nlever_segments = ["beijing"]\n'))
    paths = targets(scenario, ["announced", "0.5", "1.0"])
    for name in ("state_funded", "shanghai", "private"):
        assert (paths[name] == paths[name][0]).all(), name
    assert not (paths["beijing"][1] == paths["beijing"][0]).all()


def test_national_quota_at_full_level_takes_the_private_target_to_one(national):
    paths = targets(national, ["announced", "1.0"])["private"]
    cal = calendar_of(national)
    lever, deadline = (int(cal.steps_of(parse_month(m))) for m in ("2026-01", "2027-01"))
    assert (paths[0] == 0).all()  # nothing announced
    assert (paths[1, :lever] == 0).all() and 0 < paths[1, lever] < paths[1, deadline - 1] < 1
    assert (paths[1, deadline:] == 1.0).all()


def test_writing_the_default_reach_leaves_a_baseline_run_unchanged(baseline, write_scenario):
    listed = ", ".join(f'"{n}"' for n in baseline.run.lever_segments)
    explicit = load(write_scenario(f"[run]\nlever_segments = [{listed}]\n"))
    unset = dataclasses.replace(
        baseline, run=dataclasses.replace(baseline.run, lever_segments=None)
    )
    runs = [simulate(s, 50, SEED) for s in (baseline, explicit, unset)]
    first = runs[0]
    for other in runs[1:]:
        assert [(r.quota, r.metric, r.region, r.period) for r in other.rows] == [
            (r.quota, r.metric, r.region, r.period) for r in first.rows
        ]
        for mine, theirs in zip(first.rows, other.rows, strict=True):
            np.testing.assert_array_equal(mine.stats, theirs.stats)
        for metric, values in first.replicates.items():
            np.testing.assert_array_equal(values, other.replicates[metric])


def test_the_private_segment_reports_its_quota_only_when_reached(baseline, national):
    def private_rows(scenario):
        result = simulate(scenario, 20, SEED, ["announced", "1.0"])
        return {
            (r.quota, r.metric): r.stats
            for r in result.rows
            if r.region == "private" and r.period == "2027"
        }

    assert ("1.0", "quota_target") not in private_rows(baseline)
    rows = private_rows(national)
    assert rows[("1.0", "quota_target")][0] == 1.0 and rows[("announced", "quota_target")][0] == 0


def test_binding_the_private_segment_widens_the_levels_effect(baseline, national):
    """More demand under the lever, a bigger lever effect: the 2027 median share of chips
    moves more from the 50% to the 100% level when the level binds the hyperscalers."""

    def spread(scenario) -> float:
        result = simulate(scenario, 100, SEED, ["0.5", "1.0"])
        share = result.replicates["domestic_share_units"][:, :, result.years.index(2027)]
        low, high = np.nanmedian(share, axis=1)
        return high - low

    assert spread(national) > spread(baseline) + 0.05
