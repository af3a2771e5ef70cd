"""Points share one ensemble run yet each equals its own standalone run, bit for bit."""

import numpy as np
import pytest
from experiments_support import BASELINE, CEILING

from sim.experiments import design
from sim.experiments.batch import Batch, Job, RowFilter, probe, run_batch
from sim.experiments.parameters import apply
from sim.model.ensemble import simulate
from sim.scenario import load

REPS, SEED, LEVELS = 16, 11, ("announced", "0.7")


def batch_of(built):
    values = {spec.path: built.table[:, j] for j, spec in enumerate(built.columns)}
    return Batch(0, np.arange(built.size), values)


def standalone(scenario, point):
    result = simulate(apply(scenario, point), REPS, SEED, list(LEVELS))
    return [row[:4] for row in result.rows], np.array([row[4] for row in result.rows])


@pytest.mark.slow
@pytest.mark.parametrize(
    "sets,sample,patterns",
    [
        # drawn parameters, dates among them, sampled over their ranges
        ([], "lhs", ("vendors.huawei.*", "events.*", "foundries.tsmc.*")),
        # scenario-level fields (a licence share, an integer read by the model as a whole)
        ([("imports.h200.licence", ["0", "1"]), ("market.backlog_months", ["3", "6"])], "grid", ()),
        (
            [
                ("events.h200_allowed.enabled", ["true", "false"]),
                ("run.lever_start", ["2026-01", "2026-07"]),
            ],
            "grid",
            (),
        ),
        # banked dies: a product packaging them in some points and not in others
        ([("vendors.huawei.products.ascend_910b.banked_dies_per_chip", ["0", "2"])], "grid", ()),
    ],
)
def test_each_point_of_a_batch_equals_its_standalone_run(baseline, sets, sample, patterns):
    built = design.build(baseline, design.parse_sets(baseline, sets), sample, 3, 7, patterns)
    job = Job(baseline, REPS, SEED, LEVELS, probe(baseline).drawn)
    result = run_batch(job, batch_of(built))
    for i in range(built.size):
        keys, stats = standalone(baseline, built.point(i))
        assert result.keys == keys
        assert np.array_equal(result.stats[i], stats, equal_nan=True), f"point {i}"


# The baseline with demand drawn in H100e (its budget, tri(12.4bn, 15.7bn, 15.9bn) USD, at
# USD 21k an H100e) instead of a budget: demand then does not depend on supply (a budget
# buys fewer H100e when chips cost more), so equal demand shows the draws are common.
H100E_DEMAND = {
    "demand": {"base": {"dist": "triangular", "low": 590_000, "mode": 750_000, "high": 760_000}}
}


@pytest.mark.slow
def test_points_share_random_numbers():
    """Two points with equal values are identical: the other draws are common."""
    scenario = load(BASELINE, H100E_DEMAND)
    assert scenario.demand.budget_usd is None and not scenario.demand.base.is_fixed
    sets = design.parse_sets(scenario, [(CEILING, ["0.6", "0.6001"])])
    built = design.build(scenario, sets, "grid", 1, 7)
    job = Job(scenario, REPS, SEED, LEVELS, probe(scenario).drawn)
    assert "demand.base" in job.drawn
    result = run_batch(job, batch_of(built))
    demand = [k for k, key in enumerate(result.keys) if key[1] == "demand_compute"]
    assert np.array_equal(result.stats[0, demand], result.stats[1, demand])
    shares = [k for k, key in enumerate(result.keys) if key[1] == "domestic_share_units"]
    assert not np.array_equal(result.stats[0, shares], result.stats[1, shares])


@pytest.mark.slow
def test_a_row_filter_keeps_the_same_numbers(baseline):
    built = design.build(baseline, [], "lhs", 4, 7, ("memory.*",))
    drawn = probe(baseline).drawn
    full = run_batch(Job(baseline, REPS, SEED, LEVELS, drawn), batch_of(built))
    keep = RowFilter(
        frozenset(["domestic_share_units"]), frozenset(["national"]), frozenset(["2027"])
    )
    some = run_batch(Job(baseline, REPS, SEED, LEVELS, drawn, keep), batch_of(built))
    assert some.keys == [k for k in full.keys if keep(*k[1:])]
    index = [full.keys.index(k) for k in some.keys]
    assert np.array_equal(some.stats, full.stats[:, index], equal_nan=True)


def test_probe_finds_draws_and_rows(baseline):
    seen = probe(baseline)
    assert CEILING in seen.drawn and "events.h200_customs_release.date" in seen.drawn
    assert "market.backlog_months" not in seen.drawn  # read as a whole number, not drawn
    assert ("domestic_share_units", "national", "2027") in seen.rows


def test_points_are_summarised_one_by_one_over_leading_axes_each_as_if_alone():
    from sim.experiments.batch import summarise_points
    from sim.model.stats import summarise

    points, reps = 3, 5
    values = np.random.default_rng(4).random((2, 4, points * reps))
    values[1, 2, reps + 1] = np.nan  # point 1 holds a NaN: its own, NaN-aware statistics
    out = summarise_points(values, points, reps)
    assert out.shape == (2, 4, 6 * points)
    for p in range(points):
        alone = summarise(values[..., p * reps : (p + 1) * reps])
        np.testing.assert_array_equal(out[..., 6 * p : 6 * (p + 1)], alone)
