"""Targets measured on a run: sums, ratios, pinned parameters, distances and acceptance."""

from __future__ import annotations

import numpy as np
import pytest
from chipsim_testing import BASELINE, ROOT, SEED

from sim.experiments.calibration import distance, measure
from sim.experiments.calibration.measure import Check
from sim.experiments.calibration.targets import Target, load_targets
from sim.model.ensemble import SimulateOptions, simulate
from sim.scenario import load
from sim.scenario.dump import dist_raw
from sim.scenario.tree import nested

PRIORS = ROOT / "scenarios" / "priors.toml"
REPS = 120


def target(terms, period="2025", per=(), value=1.0, low=None, high=None, tol=0.1) -> Target:
    low = value if low is None else low
    high = value if high is None else high
    return Target("t", tuple(terms), tuple(per), "national", period, value, low, high, tol, ("S1",))


@pytest.fixture(scope="module")
def priors():
    return load(PRIORS)


@pytest.fixture(scope="module")
def run(priors):
    keep = (
        "domestic_units",
        "imports_units",
        "import_units.h20",
        *(f"vendor_units.{v}" for v in priors.vendors),
    )
    return simulate(priors, REPS, SEED, ["announced"], options=SimulateOptions(keep=keep))


def test_a_year_of_a_quarterly_metric_sums_its_quarters_per_replication(run):
    for year in ("2023", "2024", "2025"):
        for metric in ("domestic_units", "imports_units"):
            quarters = sum(measure.term_values(run, metric, f"{year}Q{q}") for q in range(1, 5))
            annual = run.replicates[metric][0][:, run.years.index(int(year))]
            np.testing.assert_allclose(quarters, annual, rtol=1e-9)
        huawei = run.kept["vendor_units.huawei"][0]
        columns = [i for i, label in enumerate(run.quarters) if label.startswith(year)]
        np.testing.assert_allclose(
            measure.term_values(run, "vendor_units.huawei", year),
            huawei[:, columns].sum(axis=1),
            rtol=1e-12,
        )


def test_vendor_units_add_up_to_domestic_units_each_quarter(run):
    names = list(load(BASELINE).vendors)
    vendors = target([f"vendor_units.{v}" for v in names], period="2025Q2")
    total = target(["domestic_units"], period="2025Q2")
    np.testing.assert_allclose(measure.values(run, vendors), measure.values(run, total), rtol=1e-9)


def test_a_ratio_is_formed_replication_by_replication(run):
    share = target(["domestic_units"], per=["domestic_units", "imports_units"])
    direct = run.replicates["domestic_share_units"][0][:, run.years.index(2025)]
    np.testing.assert_allclose(measure.values(run, share), direct, rtol=1e-9)


def test_kept_metrics_ask_only_for_quarterly_series():
    annual = target(["domestic_share_units"])
    mixed = target(["vendor_units.huawei"], per=["domestic_units"])
    quarter = target(["domestic_units"], period="2025Q1")
    assert measure.kept_metrics([annual]) == ()
    assert measure.kept_metrics([mixed, quarter]) == ("vendor_units.huawei", "domestic_units")


@pytest.mark.slow
def test_pinning_a_parameter_equals_fixing_it_in_the_scenario(priors):
    path, value = "demand.growth.2024", 0.93
    fixed = load(PRIORS, nested(path, dist_raw(priors.demand.growth["2024"].with_value(value))))
    pinned = simulate(
        priors, 50, SEED, ["announced"], options=SimulateOptions(pinned={path: np.full(50, value)})
    )
    plain = simulate(fixed, 50, SEED, ["announced"])
    for metric, array in plain.replicates.items():
        np.testing.assert_array_equal(pinned.replicates[metric], array)


def test_pinned_values_land_in_their_replications():
    # demand in H100e, so that a year's growth is the growth of H100e demanded
    h100e = load(PRIORS, {"demand": {"base": 500_000}})
    values = np.linspace(0.4, 1.3, 40)
    result = simulate(
        h100e,
        40,
        SEED,
        ["announced"],
        options=SimulateOptions(pinned={"demand.growth.2024": values}),
    )
    demand = result.replicates["demand_compute"][0]
    np.testing.assert_allclose(demand[:, 1] / demand[:, 0], 1 + values, rtol=1e-9)


def test_distance_is_zero_inside_and_scaled_outside():
    t = target(["x"], value=10.0, low=8.0, high=12.0, tol=2.0)  # accepted 6..14, scale 4
    sample = np.array([[10.0, 6.0, 14.0, 18.0, 2.0, np.nan]])
    parts = distance.components(sample, [t])[0]
    np.testing.assert_allclose(parts[:5], [0, 0, 0, 1.0, 1.0])
    assert np.isinf(parts[5])


def test_distance_is_the_root_mean_square_over_targets():
    a = target(["x"], value=0.0, tol=1.0)
    b = target(["y"], value=0.0, tol=2.0)
    sample = np.array([[3.0, 0.5], [0.0, 6.0]])
    np.testing.assert_allclose(
        distance.distance(sample, [a, b]), [np.sqrt((2.0**2 + 0) / 2), np.sqrt((0 + 2.0**2) / 2)]
    )


def test_accept_keeps_the_closest_fraction_or_every_exact_hit():
    dist = np.array([0.5, 0.1, np.inf, 0.3, 0.2, 0.9, 0.4, 0.6, 0.7, 0.8])
    kept, eps = distance.accept(dist, 0.3)
    assert list(kept) == [1, 3, 4] and eps == pytest.approx(0.3)
    hits = np.array([0.0, 0.0, 0.0, 0.4])
    kept, eps = distance.accept(hits, 0.25)
    assert list(kept) == [0, 1, 2] and eps == 0.0


def test_a_target_is_inside_when_its_figure_or_range_meets_the_band():
    point = target(["x"], value=5.0, tol=1.0)
    ranged = target(["x"], value=5.0, low=4.0, high=6.0, tol=1.0)
    assert Check(point, 4.0, 4.5, 5.0).inside
    assert not Check(point, 5.1, 5.5, 5.9).inside  # within tolerance, but not inside the band
    assert Check(ranged, 5.9, 6.5, 7.0).inside
    assert Check(point, 5.1, 5.9, 6.5).centred and not Check(point, 6.1, 6.2, 6.5).centred


def test_shipped_targets_measure_on_a_run(priors, run):
    targets = load_targets(ROOT / "seeds" / "targets.toml", priors)
    result = measure.run(priors, targets, 60, SEED)
    checks = measure.assess(result, targets)
    assert [c.target for c in checks] == targets
    assert all(np.isfinite([c.p05, c.p50, c.p95]).all() for c in checks)
    assert all(c.p05 <= c.p50 <= c.p95 for c in checks)
